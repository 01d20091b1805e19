/* fuzz_playlist_tail.c -- LL-HLS playlist parsing and deltas (lib/model/llhls.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/llhls.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_llhls_info in;
    char *out = NULL;
    size_t n;

    if (sv_llhls_parse((const char *)data, size, &in) < 0)
        return 0;
    sv_llhls_ready(&in, in.last_msn + 1, 0);
    sv_llhls_ready(&in, 0, -1);
    if (sv_llhls_delta((const char *)data, size, &in, size & 1, &out, &n) ==
            0 && out != NULL) {
        if (out[n] != '\0' || n > size + 64)
            __builtin_trap();
        free(out);
    }
    return 0;
}
