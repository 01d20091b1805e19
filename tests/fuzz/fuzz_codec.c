/* fuzz_codec.c -- the input path the packager owns (lib/container/codec.c):
 * parameter sets found in Annex B extradata and keyframes (H.264, HEVC),
 * ADTS headers, OpusHead, av1C, and Annex B samples rewritten with length
 * prefixes.  The first byte picks the codec, the second where extradata
 * ends and the sample begins. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container/codec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum sv_codec codecs[] = {
        SV_CODEC_H264, SV_CODEC_HEVC, SV_CODEC_VP9, SV_CODEC_AV1,
        SV_CODEC_AAC, SV_CODEC_OPUS,
    };
    struct sv_demux_stream s;
    struct sv_codec_cfg c;
    struct sv_buf out = SV_BUF_INIT(1 << 20);
    size_t split;

    if (size < 2)
        return 0;
    memset(&s, 0, sizeof(s));
    s.codec = codecs[data[0] % 6];
    s.kind = s.codec == SV_CODEC_AAC || s.codec == SV_CODEC_OPUS
             ? SV_KIND_AUDIO : SV_KIND_VIDEO;
    s.bit_depth = 8 + (data[0] >> 7) * 2;
    s.chroma_420 = 1;
    s.width = 640;
    s.height = 360;
    split = (size_t)data[1] * (size - 2) / 255;
    data += 2;
    size -= 2;
    s.extradata = split > 0 ? data : NULL;
    s.extradata_len = split;
    if (sv_codec_cfg_make(&c, &s, data + split, size - split) == 0)
        sv_codec_sample(&c, data + split, size - split, &out);
    /* samples of any shape, as if Annex B and ADTS were announced; the
     * in-place conversion must give the same bytes as the copying one */
    memset(&c, 0, sizeof(c));
    c.codec = s.codec;
    c.annexb = 1;
    c.adts = s.codec == SV_CODEC_AAC;
    sv_buf_reset(&out);
    if (sv_codec_sample(&c, data, size, &out) >= 0) {
        size_t cap = size + (split & 7);
        uint8_t *blk = malloc(cap > 0 ? cap : 1);
        long n;

        if (blk != NULL) {
            memcpy(blk, data, size);
            n = sv_codec_sample_inplace(&c, &blk, size, &cap);
            if (n != (long)out.len || (n > 0 && memcmp(blk, out.data, out.len)))
                abort();
            free(blk);
        }
    }
    sv_buf_release(&out);
    return 0;
}
