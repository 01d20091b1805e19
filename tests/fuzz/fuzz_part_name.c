/* fuzz_part_name.c -- part and segment names (lib/model/llhls.c): the
 * names come from requests and from the directory a server watches */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/llhls.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[300], b[300], seg[256];
    const uint8_t *nl = memchr(data, '\n', size);
    size_t la = nl ? (size_t)(nl - data) : size, lb = nl ? size - la - 1 : 0;

    if (la >= sizeof(a) || lb >= sizeof(b))
        return 0;
    memcpy(a, data, la);
    a[la] = '\0';
    memcpy(b, nl ? nl + 1 : data, lb);
    b[lb] = '\0';
    sv_llhls_part_superseded(a, b);
    if (sv_llhls_part_segment(a, seg, sizeof(seg)) == 0) {
        /* a part is superseded by its own segment, never by itself */
        if (strlen(seg) >= strlen(a) || sv_llhls_part_superseded(a, seg) != 1 ||
            sv_llhls_part_superseded(a, a) != 0)
            __builtin_trap();
    }
    return 0;
}
