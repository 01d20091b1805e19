/* fuzz_rtmp_handshake.c -- C0/C1/C2 into a session, in pieces */
#include <stdint.h>
#include <stdlib.h>

#include "rtmp/rtmp.h"
#include "rtmp/rtmp_handshake.h"

static int
sink(void *ud, const uint8_t *p, size_t len)
{
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct sv_rtmp_cbs cbs = { NULL, NULL, NULL, NULL, sink };
    static uint8_t out[1 + 2 * SV_RTMP_HS_SIZE];
    struct sv_rtmp_sess *s;
    size_t off = 0, step;
    int variant;

    if (size >= 1 + SV_RTMP_HS_SIZE)
        sv_rtmp_handshake_reply(data, out, &variant);
    if (sv_rtmp_sess_new(&s, &cbs, NULL) < 0)
        return 0;
    /* the first byte picks how the input is cut into reads */
    step = size > 0 ? (size_t)data[0] * 13 + 1 : 1;
    while (off < size) {
        size_t n = size - off < step ? size - off : step;

        if (sv_rtmp_sess_feed(s, data + off, n) < 0)
            break;
        off += n;
    }
    sv_rtmp_sess_free(s);
    return 0;
}
