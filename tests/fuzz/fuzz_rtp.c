/* fuzz_rtp.c -- RTP headers, compound RTCP, Opus TOCs, the reorder buffer */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/rtp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sv_reorder r;
    static int init;
    struct sv_rtcp_info info;
    struct sv_rtp p;
    uint8_t out[SV_REORDER_MTU];
    size_t len, off;
    unsigned gap;

    if (!init) {
        if (sv_reorder_init(&r, 10) < 0)
            return 0;
        init = 1;
    }
    (void)sv_rtcp_parse(data, size, &info);
    if (sv_rtp_parse(data, size, &p) == 0) {
        if (p.payload < data || p.payload + p.len > data + size)
            abort();
        (void)sv_opus_samples(p.payload, p.len);
    }
    /* the input as a run of (seq, time) pairs into the reorder buffer */
    for (off = 0; off + 3 <= size; off += 3) {
        uint16_t seq = (uint16_t)(data[off] << 8 | data[off + 1]);

        sv_reorder_push(&r, seq, data, size < 64 ? size : 64, data[off + 2]);
        while (sv_reorder_pop(&r, data[off + 2], out, &len, &gap) == 1)
            if (len > SV_REORDER_MTU)
                abort();
    }
    return 0;
}
