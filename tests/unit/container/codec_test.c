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

/* The first keyframe of an HDR10 HEVC stream made with libx265 (Main 10,
 * colorprim=bt2020 transfer=smpte2084 colormatrix=bt2020nc, master-display
 * G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1),
 * max-cll=1000,400): its parameter sets and its two HDR SEI (issue 16). */
static const uint8_t hdr_vps[] = {
    0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00,
    0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x94, 0x09,
};
static const uint8_t hdr_sps[] = {
    0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x13, 0x65,
    0x95, 0x95, 0x29, 0x30, 0xbc, 0x05, 0xa8, 0x48, 0x80, 0x48, 0x20, 0x00,
    0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x03, 0x21,
};
static const uint8_t hdr_pps[] = { 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89 };
static const uint8_t hdr_cll[] = {
    0x4e, 0x01, 0x90, 0x04, 0x03, 0xe8, 0x01, 0x90, 0x80,
};
static const uint8_t hdr_mdcv[] = {
    0x4e, 0x01, 0x89, 0x18, 0x33, 0xc2, 0x86, 0xc4, 0x1d, 0x4c, 0x0b, 0xb8,
    0x84, 0xd0, 0x3e, 0x80, 0x3d, 0x13, 0x40, 0x42, 0x00, 0x98, 0x96, 0x80,
    0x00, 0x00, 0x03, 0x00, 0x01, 0x80,
};
/* the mdcv payload: G B R x,y, white point, max and min luminance */
static const uint8_t hdr_mdcv_box[24] = {
    0x33, 0xc2, 0x86, 0xc4, 0x1d, 0x4c, 0x0b, 0xb8, 0x84, 0xd0, 0x3e, 0x80,
    0x3d, 0x13, 0x40, 0x42, 0x00, 0x98, 0x96, 0x80, 0x00, 0x00, 0x00, 0x01,
};

static size_t
annexb_put(uint8_t *out, size_t at, const uint8_t *nal, size_t len)
{
    memcpy(out + at, "\0\0\0\1", 4);
    memcpy(out + at + 4, nal, len);
    return at + 4 + len;
}

static void
hevc_hdr10_colour_and_sei(void)
{
    static const uint8_t idr[] = { 0x28, 0x01, 0xaf, 0x1d, 0x80 };
    struct sv_demux_stream s;
    struct sv_codec_cfg c, c2;
    uint8_t au[256];
    size_t n = 0;

    n = annexb_put(au, n, hdr_vps, sizeof(hdr_vps));
    n = annexb_put(au, n, hdr_sps, sizeof(hdr_sps));
    n = annexb_put(au, n, hdr_pps, sizeof(hdr_pps));
    n = annexb_put(au, n, hdr_cll, sizeof(hdr_cll));
    n = annexb_put(au, n, hdr_mdcv, sizeof(hdr_mdcv));
    n = annexb_put(au, n, idr, sizeof(idr));

    /* the TS reader's description reads the VUI too */
    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_HEVC;
    s.kind = SV_KIND_VIDEO;
    s.primaries = s.transfer = s.matrix = 2;
    CHECK_INT(sv_codec_describe(&s, au, n), 0);
    CHECK_INT(s.width, 320);
    CHECK_INT(s.height, 240);
    CHECK_INT(s.bit_depth, 10);
    CHECK_INT(s.primaries, 9);
    CHECK_INT(s.transfer, 16);
    CHECK_INT(s.matrix, 9);
    CHECK_INT(s.full_range, 0);

    /* the configuration takes the SPS's colour even when the demuxer
     * says unspecified */
    s.primaries = s.transfer = s.matrix = 2;
    CHECK_INT(sv_codec_cfg_make(&c, &s, au, n), 0);
    CHECK_STR(c.codecs, "hvc1.2.4.L60.90");
    CHECK_INT(c.primaries, 9);
    CHECK_INT(c.transfer, 16);
    CHECK_INT(c.matrix, 9);
    CHECK_INT(sv_codec_range(c.transfer), SV_RANGE_PQ);
    CHECK(c.has_mdcv);
    CHECK(memcmp(c.mdcv, hdr_mdcv_box, 24) == 0);
    CHECK(c.has_clli);
    CHECK(memcmp(c.clli, "\x03\xe8\x01\x90", 4) == 0);  /* 1000, 400 */

    /* from an hvcC (MP4 input): the SPS in the record's arrays */
    s.primaries = s.transfer = s.matrix = 2;
    s.extradata = c.rec;
    s.extradata_len = c.rec_len;
    CHECK_INT(sv_codec_cfg_make(&c2, &s, NULL, 0), 0);
    CHECK_INT(c2.primaries, 9);
    CHECK_INT(c2.transfer, 16);
    CHECK_INT(c2.matrix, 9);
    CHECK(!c2.has_mdcv);

    /* an SPS cut short keeps size and depth, and no colour */
    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_HEVC;
    n = annexb_put(au, 0, hdr_sps, 30);
    CHECK_INT(sv_codec_describe(&s, au, n), 0);
    CHECK_INT(s.width, 320);
    CHECK_INT(s.transfer, 0);
}

static void
av1_long_string_with_colour(void)
{
    /* av1C: main profile, level 8 (4.0), main tier, 10-bit, 4:2:0 */
    static const uint8_t av1c[] = { 0x81, 0x08, 0x4c, 0x00 };
    struct sv_demux_stream s;
    struct sv_codec_cfg c;

    memset(&s, 0, sizeof(s));
    s.codec = SV_CODEC_AV1;
    s.kind = SV_KIND_VIDEO;
    s.extradata = av1c;
    s.extradata_len = sizeof(av1c);
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), 0);
    CHECK_STR(c.codecs, "av01.0.08M.10");
    s.primaries = 9;
    s.transfer = 18;
    s.matrix = 9;
    CHECK_INT(sv_codec_cfg_make(&c, &s, NULL, 0), 0);
    CHECK_STR(c.codecs, "av01.0.08M.10.0.110.09.18.09.0");
    CHECK_INT(sv_codec_range(c.transfer), SV_RANGE_HLG);
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
    RUN(hevc_hdr10_colour_and_sei);
    RUN(av1_long_string_with_colour);
    RUN(aac_from_adts);
    RUN(opus_head_to_dops);
    RUN(missing_configuration);
    return DONE();
}
