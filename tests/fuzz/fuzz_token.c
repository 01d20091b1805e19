/* fuzz_token.c -- signed URL token parsing and checking (lib/drm/token.c) */
#include <stdint.h>
#include <string.h>

#include "drm/token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char key[] = "fuzz-key-0123456789";
    struct sv_token t;
    char again[SV_TOKEN_MAX];
    int n;

    sv_token_verify(key, sizeof(key) - 1, (const char *)data, size,
                    "/live/a.m3u8", "127.0.0.1", 1000, &t);
    /* whatever parsed must sign again without overflowing */
    if (t.prefix[0] == '/') {
        n = sv_token_sign(key, sizeof(key) - 1, &t, again, sizeof(again));
        if (n > 0 && sv_token_verify(key, sizeof(key) - 1, again, (size_t)n,
                                     t.prefix, t.addr, 0, NULL) !=
                         SV_TOKEN_OK && t.expires > 0)
            __builtin_trap();
    }
    return 0;
}
