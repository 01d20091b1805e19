/* fuzz_sdp.c -- SDP offers: parse, choose, answer */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cands[] = { "127.0.0.1" };
    struct sv_sdp_answer_conf c = { "ufrag", "pwd", "AB:CD", cands, 1, 9,
                                    SV_SDP_RECVONLY, 1 };
    struct sv_sdp *d = malloc(sizeof(*d));
    char *out = malloc(16384);
    int i, n;

    if (d == NULL || out == NULL)
        goto done;
    if (sv_sdp_parse((const char *)data, size, d) != 0)
        goto done;
    if (d->nmedia > SV_SDP_MAX_MEDIA)
        abort();
    n = sv_sdp_choose(d);
    for (i = 0; i < d->nmedia; i++)
        if (d->m[i].chosen >= d->m[i].ncodecs)
            abort();
    if (sv_sdp_answer(d, &c, out, 16384) >= 0 && n > 0 &&
        strstr(out, "a=ice-lite") == NULL)
        abort();
done:
    free(d);
    free(out);
    return 0;
}
