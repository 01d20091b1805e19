/* codec_test.c -- lib/container/codec.c: configuration records, codec strings,
 * samples in the fMP4 form */
#include <stdlib.h>
#include <string.h>

#include "container/box.h"
#include "container/codec.h"
#include "core/err.h"
#include "t.h"

static const uint8_t sps[] = { 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40 };
static const uint8_t pps[] = { 0x68, 0xeb, 0xe3, 0xcb };

static void
h264_from_annexb(void)
{
    struct sv_demux_stream s;
    struct sv_codec_cfg c;
    uint8_t ex[64];
    size_t n = 0;

    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_H264;
    s.kind = SV_KIND_VIDEO;
    s.bit_depth = 8;
    s.chroma_420 = 1;
    memcpy(ex + n, "\0\0\0\1", 4);
    n += 4;
    memcpy(ex + n, sps, sizeof(sps));
    n += sizeof(sps);
    memcpy(ex + n, "\0\0\1", 3);
    n += 3;
    memcpy(ex + n, pps, sizeof(pps));
    n += sizeof(pps);
    s.extradata = ex;
    s.extradata_len = n;
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), 0);
    CHECK_STR(c.codecs, "avc1.64001f");
    CHECK_INT(c.entry, SV_FOURCC('a', 'v', 'c', '1'));
    CHECK(c.annexb);
    /* version, profile, compat, level, 4-byte lengths, 1 SPS, 1 PPS and
     * the high-profile tail */
    CHECK_INT(c.rec_len, 6 + 2 + sizeof(sps) + 1 + 2 + sizeof(pps) + 4);
    CHECK(memcmp(c.rec, "\x01\x64\x00\x1f\xff\xe1\x00\x07", 8) == 0);
    CHECK(memcmp(c.rec + 8, sps, sizeof(sps)) == 0);
    CHECK_INT(c.rec[15], 1);
    CHECK(memcmp(c.rec + 18, pps, sizeof(pps)) == 0);
    CHECK_INT(c.rec[22], 0xfd);         /* 4:2:0 */
}

static void
h264_samples_get_lengths(void)
{
    static const uint8_t au[] = {
        0, 0, 0, 1, 0x09, 0xf0,                 /* AUD: dropped */
        0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f,     /* SPS: dropped */
        0, 0, 1, 0x65, 0x88, 0x84, 0x00,        /* IDR slice (ends 00) */
        0, 0, 1, 0x06, 0x05, 0x01,              /* SEI */
    };
    struct sv_codec_cfg c;
    struct sv_buf out = SV_BUF_INIT(1024);

    memset(&c, 0, sizeof(c));
    c.codec = SV_CODEC_H264;
    c.annexb = 1;
    CHECK_INT(sv_codec_sample(&c, au, sizeof(au), &out), 4 + 3 + 4 + 3);
    CHECK(memcmp(out.data, "\0\0\0\3\x65\x88\x84\0\0\0\3\x06\x05\x01",
                 14) == 0);
    /* in place, from a block with no room to spare */
    {
        static const uint8_t tight[] = { 0, 0, 1, 0x65, 0x88, 0, 0, 1, 0x41,
                                         0x9a };
        uint8_t *blk = malloc(sizeof(tight));
        size_t cap = sizeof(tight);

        memcpy(blk, tight, sizeof(tight));
        CHECK_INT(sv_codec_sample_inplace(&c, &blk, sizeof(tight), &cap), 12);
        CHECK(memcmp(blk, "\0\0\0\2\x65\x88\0\0\0\2\x41\x9a", 12) == 0);
        free(blk);
        blk = malloc(sizeof(au));
        cap = sizeof(au);
        memcpy(blk, au, sizeof(au));
        CHECK_INT(sv_codec_sample_inplace(&c, &blk, sizeof(au), &cap), 14);
        CHECK(memcmp(blk, out.data, 14) == 0);
        free(blk);
    }
    sv_buf_release(&out);
}

static void
hevc_string_from_sps(void)
{
    static const uint8_t ex[] = {
        0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01,                 /* VPS */
        0, 0, 0, 1, 0x42, 0x01, 0x01,                       /* SPS */
        0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x5d, 0xa0,
        0, 0, 0, 1, 0x44, 0x01, 0xc1, 0x72,                 /* PPS */
    };
    struct sv_demux_stream s;
    struct sv_codec_cfg c;

    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_HEVC;
    s.kind = SV_KIND_VIDEO;
    s.bit_depth = 8;
    s.chroma_420 = 1;
    s.extradata = ex;
    s.extradata_len = sizeof(ex);
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), 0);
    CHECK_STR(c.codecs, "hvc1.1.6.L93.90");
    CHECK_INT(c.rec[0], 1);
    CHECK_INT(c.rec[22], 3);            /* three arrays: VPS SPS PPS */
}

static void
aac_from_adts(void)
{
    /* ADTS: AAC LC, 48 kHz (index 3), 2 channels, no CRC */
    static const uint8_t frame[] = { 0xff, 0xf1, 0x4c, 0x80, 0x01, 0x3f,
                                     0xfc, 0xde, 0xad };
    struct sv_demux_stream s;
    struct sv_codec_cfg c;
    struct sv_buf out = SV_BUF_INIT(64);

    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_AAC;
    s.kind = SV_KIND_AUDIO;
    CHECK_INT(sv_codec_cfg_make(&c, &s, frame, sizeof(frame)), 0);
    CHECK_STR(c.codecs, "mp4a.40.2");
    CHECK_INT(c.rec_len, 2);
    CHECK_INT(c.rec[0], 0x11);
    CHECK_INT(c.rec[1], 0x90);
    CHECK_INT(c.sample_rate, 48000);
    CHECK_INT(sv_codec_sample(&c, frame, sizeof(frame), &out), 2);
    CHECK(memcmp(out.data, "\xde\xad", 2) == 0);
    sv_buf_release(&out);
}

static void
opus_head_to_dops(void)
{
    static const uint8_t head[] = {
        'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 0x01,
        0x80, 0xbb, 0, 0, 0, 0, 0,
    };
    struct sv_demux_stream s;
    struct sv_codec_cfg c;

    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_OPUS;
    s.kind = SV_KIND_AUDIO;
    s.extradata = head;
    s.extradata_len = sizeof(head);
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), 0);
    CHECK_STR(c.codecs, "opus");
    CHECK_INT(c.rec_len, 11);
    CHECK(memcmp(c.rec, "\x00\x02\x01\x38\x00\x00\xbb\x80\x00\x00\x00",
                 11) == 0);
}

static void
missing_configuration(void)
{
    struct sv_demux_stream s;
    struct sv_codec_cfg c;
    static const uint8_t junk[] = { 0, 0, 1, 0x41, 0x9a };

    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_H264;
    CHECK_INT(sv_codec_cfg_make(&c, &s, junk, sizeof(junk)), SV_EFORMAT);
    s.codec = SV_CODEC_AV1;
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), SV_EFORMAT);
    s.codec = SV_CODEC_OTHER;
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), SV_ENOMEDIA);
}

int
main(void)
{
    RUN(h264_from_annexb);
    RUN(h264_samples_get_lengths);
    RUN(hevc_string_from_sps);
    RUN(aac_from_adts);
    RUN(opus_head_to_dops);
    RUN(missing_configuration);
    return DONE();
}
