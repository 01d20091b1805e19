/* cast_flv_test.c -- lib/publish/cast_flv.c: Annex B to AVCC, the avcC
 * record, ADTS headers, as a simulcast sends them in FLV tags */
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "publish/simulcast_int.h"
#include "t.h"

static const uint8_t au[] = {
    0, 0, 0, 1, 0x09, 0xf0,                         /* AUD: left out */
    0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac,       /* SPS */
    0, 0, 1, 0x68, 0xee, 0x3c, 0x80,                /* PPS, 3-byte code */
    0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x00,          /* IDR, zero tail */
};

static int
same(const struct sv_buf *b, const uint8_t *p, size_t n)
{
    return b->len == n && memcmp(b->data, p, n) == 0;
}

static void
annex_b_becomes_length_prefixed_nal_units(void)
{
    static const uint8_t want[] = {
        0, 0, 0, 5, 0x67, 0x64, 0x00, 0x1f, 0xac,
        0, 0, 0, 4, 0x68, 0xee, 0x3c, 0x80,
        0, 0, 0, 3, 0x65, 0x88, 0x84,
    };
    static const uint8_t sps[] = { 0x67, 0x64, 0x00, 0x1f, 0xac };
    static const uint8_t pps[] = { 0x68, 0xee, 0x3c, 0x80 };
    struct sv_buf out, s, p;
    int profile, level;

    sv_buf_init(&out, 1 << 20);
    sv_buf_init(&s, 1 << 16);
    sv_buf_init(&p, 1 << 16);
    CHECK_INT(sv__cast_annexb_to_avcc(au, sizeof(au), &out, &s, &p), 0);
    CHECK(same(&out, want, sizeof(want)));
    CHECK(same(&s, sps, sizeof(sps)));
    CHECK(same(&p, pps, sizeof(pps)));
    sv__cast_sps_profile(au, sizeof(au), &profile, &level);
    CHECK_INT(profile, 100);
    CHECK_INT(level, 31);
    /* no start code at all: nothing, and no parameter sets */
    sv_buf_reset(&out);
    CHECK_INT(sv__cast_annexb_to_avcc((const uint8_t *)"\x65\x88", 2, &out,
                                      &s, &p), 0);
    CHECK_INT((int)out.len, 0);
    CHECK_INT((int)s.len, 0);
    sv_buf_release(&out);
    sv_buf_release(&s);
    sv_buf_release(&p);
}

static void
the_avcc_record_names_one_sps_and_one_pps(void)
{
    static const uint8_t want[] = {
        1, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0, 5, 0x67, 0x64, 0x00, 0x1f, 0xac,
        1, 0, 4, 0x68, 0xee, 0x3c, 0x80,
    };
    struct sv_buf out, s, p;

    sv_buf_init(&out, 1 << 16);
    sv_buf_init(&s, 1 << 16);
    sv_buf_init(&p, 1 << 16);
    CHECK_INT(sv__cast_annexb_to_avcc(au, sizeof(au), &out, &s, &p), 0);
    CHECK_INT(sv__cast_avcc_record(&s, &p, &out), 0);
    CHECK(same(&out, want, sizeof(want)));
    /* an SPS too short to hold profile, compatibility and level */
    sv_buf_reset(&s);
    CHECK_INT(sv_buf_append(&s, "\x67\x64\x00", 3), 0);
    CHECK_INT(sv__cast_avcc_record(&s, &p, &out), SV_EFORMAT);
    sv_buf_reset(&p);
    CHECK_INT(sv__cast_avcc_record(&s, &p, &out), SV_EFORMAT);
    sv_buf_release(&out);
    sv_buf_release(&s);
    sv_buf_release(&p);
}

static void
adts_headers_give_the_audio_specific_config(void)
{
    /* AAC LC, 48 kHz, stereo, 7-byte header + 4 bytes */
    static const uint8_t lc48[] = {
        0xff, 0xf1, 0x4c, 0x80, 0x01, 0x7f, 0xfc, 1, 2, 3, 4,
    };
    uint8_t asc[2], bad[sizeof(lc48)];
    size_t off, raw, frame;

    CHECK_INT(sv__cast_adts(lc48, sizeof(lc48), asc, &off, &raw, &frame), 0);
    CHECK_INT(asc[0], 0x11);
    CHECK_INT(asc[1], 0x90);
    CHECK_INT((int)off, 7);
    CHECK_INT((int)raw, 4);
    CHECK_INT((int)frame, 11);
    /* a frame longer than what is there */
    CHECK_INT(sv__cast_adts(lc48, 10, asc, &off, &raw, &frame), SV_EFORMAT);
    /* no sync word */
    memcpy(bad, lc48, sizeof(bad));
    bad[1] = 0xe1;
    CHECK_INT(sv__cast_adts(bad, sizeof(bad), asc, &off, &raw, &frame),
              SV_EFORMAT);
    /* a sampling frequency index past the table (13) */
    memcpy(bad, lc48, sizeof(bad));
    bad[2] = 0x40 | 13 << 2;
    CHECK_INT(sv__cast_adts(bad, sizeof(bad), asc, &off, &raw, &frame),
              SV_EFORMAT);
    /* a length below its own header */
    memcpy(bad, lc48, sizeof(bad));
    bad[4] = 0;
    bad[5] = 0x1f;
    CHECK_INT(sv__cast_adts(bad, sizeof(bad), asc, &off, &raw, &frame),
              SV_EFORMAT);
}

int
main(void)
{
    RUN(annex_b_becomes_length_prefixed_nal_units);
    RUN(the_avcc_record_names_one_sps_and_one_pps);
    RUN(adts_headers_give_the_audio_specific_config);
    return DONE();
}
