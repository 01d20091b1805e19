/* fuzz_h264_depack.c -- RFC 6184 payloads into access units, and back */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/h264.h"

static int
sink(void *ud, const uint8_t *p, size_t len, int marker)
{
    if (len > 1200)
        abort();    /* a payload over the MTU asked for */
    return 0;
}

static void
on_au(void *ud, const uint8_t *au, size_t len, uint32_t ts, int key)
{
    /* what comes out is well formed: it must packetize again */
    if (sv_h264_packetize(au, len, 1200, sink, NULL) != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_h264_depack d;
    size_t off = 0;

    if (sv_h264_depack_init(&d, on_au, NULL) < 0)
        return 0;
    /* records: 2-byte length, 1 flag byte (bit 0 marker, bit 1 a loss
     * before it, bit 2 a new timestamp), the payload */
    while (size - off >= 3) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];
        int flags = data[off + 2];

        off += 3;
        if (n > size - off)
            n = size - off;
        if (flags & 2)
            sv_h264_depack_loss(&d);
        sv_h264_depack_push(&d, data + off, n, (flags & 4) ? (uint32_t)off
                                                           : 0, flags & 1);
        off += n;
    }
    sv_h264_depack_release(&d);
    return 0;
}
