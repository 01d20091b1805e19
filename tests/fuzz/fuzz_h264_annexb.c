/* fuzz_h264_annexb.c -- access units from RTMP (length prefixes) and
 * MPEG-TS (Annex B) to 4-byte lengths, and avcC records: bounded, and
 * what comes out packetizes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/h264.h"

static int
sink(void *ud, const uint8_t *p, size_t len, int marker)
{
    if (len > 1200)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int nal_len[4] = { 0, 1, 2, 4 };
    uint8_t sps[256], pps[256], *out;
    size_t sl = sizeof(sps), pl = sizeof(pps), cap;
    int n, has, nl;

    if (size < 1 || size > (1u << 20))
        return 0;
    /* the first byte picks the framing; the rest is the unit */
    cap = 4 * size + 16;
    out = malloc(cap);
    if (out == NULL)
        return 0;
    n = sv_h264_to_len4(data + 1, size - 1, nal_len[data[0] & 3], out, cap,
                        &has);
    if (n > 0) {
        if ((size_t)n > cap)
            abort();
        if (sv_h264_packetize(out, (size_t)n, 1200, sink, NULL) != 0)
            abort();
    }
    if (sv_h264_avcc_parse(data + 1, size - 1, sps, &sl, pps, &pl, &nl) == 0
        && (sl > sizeof(sps) || pl > sizeof(pps) || sl == 0 || pl == 0 ||
            (nl != 1 && nl != 2 && nl != 4)))
        abort();
    free(out);
    return 0;
}
