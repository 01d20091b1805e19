/* fuzz_tsread.c -- the mapped MPEG-TS reader (lib/container/tsread.c): sync
 * loss, adaptation fields, PES headers and lengths, ADTS framing */
#include <stdint.h>
#include <string.h>

#include "container/tsread.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the PIDs libavformat's muxer uses: video 0x100, audio 0x101 */
    static const struct sv_demux_stream st[3] = {
        { .index = 0, .id = 0x100, .kind = SV_KIND_VIDEO,
          .codec = SV_CODEC_H264, .tb_num = 1, .tb_den = 90000 },
        { .index = 1, .id = 0x101, .kind = SV_KIND_AUDIO,
          .codec = SV_CODEC_AAC, .tb_num = 1, .tb_den = 90000,
          .sample_rate = 48000 },
        { .index = 2, .id = 0x102, .kind = SV_KIND_VIDEO,
          .codec = SV_CODEC_HEVC, .tb_num = 1, .tb_den = 90000 },
    };
    struct sv_tsread r;
    struct sv_demux_packet pkt;
    uint64_t sum = 0;
    int n;

    if (sv_tsread_init(&r, data, size, st, 3) < 0)
        return 0;
    for (n = 0; n < 100000 && sv_tsread_next(&r, &pkt) > 0; n++)
        if (pkt.size > 0)
            sum += pkt.data[0] + pkt.data[pkt.size - 1];
    sv_tsread_release(&r);
    return (int)(sum & 0);
}
