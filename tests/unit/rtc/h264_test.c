/* h264_test.c -- lib/rtc/h264.c: packetize, depacketize, loss, refusals */
#include "core/err.h"
#include "rtc/h264.h"
#include "t.h"

struct got {
    uint8_t au[65536];
    size_t len;
    int key, n;
    uint32_t ts;
};

static void
on_au(void *ud, const uint8_t *au, size_t len, uint32_t ts, int key)
{
    struct got *g = ud;

    memcpy(g->au, au, len);
    g->len = len;
    g->key = key;
    g->ts = ts;
    g->n++;
}

struct pays {
    uint8_t p[256][1500];
    size_t len[256];
    int marker[256];
    int n;
};

static int
on_pay(void *ud, const uint8_t *p, size_t len, int marker)
{
    struct pays *s = ud;

    if (s->n == 256)
        return SV_ELIMIT;
    memcpy(s->p[s->n], p, len);
    s->len[s->n] = len;
    s->marker[s->n++] = marker;
    return 0;
}

/* an IDR access unit: SPS, PPS, a slice of slice_len bytes */
static size_t
make_idr(uint8_t *au, size_t slice_len)
{
    static const uint8_t sps[] = { 0x67, 0x42, 0xe0, 0x1f, 0xda, 0x01 };
    static const uint8_t pps[] = { 0x68, 0xce, 0x3c, 0x80 };
    size_t w = 0, i;

    au[w++] = 0; au[w++] = 0; au[w++] = 0; au[w++] = sizeof(sps);
    memcpy(au + w, sps, sizeof(sps));
    w += sizeof(sps);
    au[w++] = 0; au[w++] = 0; au[w++] = 0; au[w++] = sizeof(pps);
    memcpy(au + w, pps, sizeof(pps));
    w += sizeof(pps);
    au[w++] = 0;
    au[w++] = (uint8_t)(slice_len >> 16);
    au[w++] = (uint8_t)(slice_len >> 8);
    au[w++] = (uint8_t)slice_len;
    au[w++] = 0x65;
    for (i = 1; i < slice_len; i++)
        au[w++] = (uint8_t)(i * 7);
    return w;
}

static struct pays pays;
static struct got got;

static void
round_trip_stap_and_fua(void)
{
    static uint8_t au[20000];
    size_t len = make_idr(au, 5000);
    struct sv_h264_depack d;
    int i;

    pays.n = 0;
    CHECK_INT(sv_h264_packetize(au, len, 1200, on_pay, &pays), 0);
    /* SPS+PPS in one STAP-A, the slice in 5 FU-As */
    CHECK_INT(pays.n, 6);
    CHECK_INT(pays.p[0][0] & 0x1f, 24);
    CHECK_INT(pays.p[1][0] & 0x1f, 28);
    CHECK_INT(pays.p[1][1], 0x80 | 5);
    CHECK_INT(pays.p[5][1], 0x40 | 5);
    CHECK(!pays.marker[4] && pays.marker[5]);
    for (i = 0; i < pays.n; i++)
        CHECK(pays.len[i] <= 1200);
    memset(&got, 0, sizeof(got));
    CHECK_INT(sv_h264_depack_init(&d, on_au, &got), 0);
    for (i = 0; i < pays.n; i++)
        CHECK_INT(sv_h264_depack_push(&d, pays.p[i], pays.len[i], 9000,
                                      pays.marker[i]), 0);
    CHECK_INT(got.n, 1);
    CHECK(got.key);
    CHECK_INT(got.ts, 9000);
    CHECK_INT(got.len, len);
    CHECK(memcmp(got.au, au, len) == 0);
    CHECK_INT(d.sps_len, 6);
    CHECK_INT(d.pps_len, 4);
    sv_h264_depack_release(&d);
}

static void
waits_for_keyframe_and_drops_after_loss(void)
{
    static uint8_t au[20000];
    static const uint8_t p_slice[] = { 0x41, 0x9a, 0x01, 0x02 };
    size_t len = make_idr(au, 3000);
    struct sv_h264_depack d;
    uint8_t avcc[64];
    int i;

    memset(&got, 0, sizeof(got));
    CHECK_INT(sv_h264_depack_init(&d, on_au, &got), 0);
    /* a P slice before any keyframe is dropped */
    CHECK_INT(sv_h264_depack_push(&d, p_slice, sizeof(p_slice), 1, 1), 0);
    CHECK_INT(got.n, 0);
    CHECK(d.waiting);
    pays.n = 0;
    sv_h264_packetize(au, len, 1200, on_pay, &pays);
    for (i = 0; i < pays.n; i++)
        sv_h264_depack_push(&d, pays.p[i], pays.len[i], 2, pays.marker[i]);
    CHECK_INT(got.n, 1);
    CHECK_INT(sv_h264_depack_push(&d, p_slice, sizeof(p_slice), 3, 1), 0);
    CHECK_INT(got.n, 2);
    CHECK(!got.key);
    CHECK_INT(got.len, 8);
    /* a loss: the next P slice is dropped until the next IDR */
    sv_h264_depack_loss(&d);
    sv_h264_depack_push(&d, p_slice, sizeof(p_slice), 4, 1);
    CHECK_INT(got.n, 2);
    CHECK(d.waiting);
    /* a FU-A missing its start is dropped too */
    for (i = 2; i < pays.n; i++)
        sv_h264_depack_push(&d, pays.p[i], pays.len[i], 5, pays.marker[i]);
    CHECK_INT(got.n, 2);
    for (i = 0; i < pays.n; i++)
        sv_h264_depack_push(&d, pays.p[i], pays.len[i], 6, pays.marker[i]);
    CHECK_INT(got.n, 3);
    CHECK(got.key);
    CHECK_INT(sv_h264_avcc(d.sps, d.sps_len, d.pps, d.pps_len, avcc,
                           sizeof(avcc)), 21);
    CHECK_INT(avcc[1], 0x42);
    CHECK_INT(avcc[4], 0xff);
    CHECK_INT(sv_h264_avcc(d.sps, d.sps_len, d.pps, d.pps_len, avcc, 10),
              SV_ELIMIT);
    sv_h264_depack_release(&d);
}

static void
refuses_bad_payloads(void)
{
    static const uint8_t stap_short[] = { 0x18, 0x00, 0x09, 0x67 };
    static const uint8_t stapb[] = { 0x19, 0x00 };
    static const uint8_t fu_short[] = { 0x7c };
    struct sv_h264_depack d;
    uint8_t bad_au[] = { 0, 0, 0, 9, 0x65 };

    memset(&got, 0, sizeof(got));
    CHECK_INT(sv_h264_depack_init(&d, on_au, &got), 0);
    CHECK_INT(sv_h264_depack_push(&d, stap_short, sizeof(stap_short), 1, 1),
              SV_EFORMAT);
    CHECK_INT(sv_h264_depack_push(&d, stapb, sizeof(stapb), 2, 1),
              SV_EFORMAT);
    CHECK_INT(sv_h264_depack_push(&d, fu_short, sizeof(fu_short), 3, 1),
              SV_EFORMAT);
    CHECK_INT(sv_h264_depack_push(&d, NULL, 0, 4, 1), SV_EFORMAT);
    CHECK_INT(got.n, 0);
    CHECK_INT(sv_h264_packetize(bad_au, sizeof(bad_au), 1200, on_pay,
                                &pays), SV_EFORMAT);
    sv_h264_depack_release(&d);
}

static void
tells_keyframe_starts(void)
{
    static const uint8_t idr[] = { 0x65, 0x88 };
    static const uint8_t sps[] = { 0x67, 0x42 };
    static const uint8_t p_slice[] = { 0x41, 0x9a };
    static const uint8_t stap_sps[] = { 0x18, 0, 2, 0x67, 0x42, 0, 1, 0x68 };
    static const uint8_t stap_sei[] = { 0x18, 0, 1, 0x06, 0, 1, 0x09 };
    static const uint8_t stap_bad[] = { 0x18, 0, 9, 0x67 };
    static const uint8_t fu_idr_start[] = { 0x7c, 0x85, 0 };
    static const uint8_t fu_idr_mid[] = { 0x7c, 0x05, 0 };
    static const uint8_t fu_p_start[] = { 0x7c, 0x81, 0 };

    CHECK(sv_h264_payload_key(idr, sizeof(idr)));
    CHECK(sv_h264_payload_key(sps, sizeof(sps)));
    CHECK(!sv_h264_payload_key(p_slice, sizeof(p_slice)));
    CHECK(sv_h264_payload_key(stap_sps, sizeof(stap_sps)));
    CHECK(!sv_h264_payload_key(stap_sei, sizeof(stap_sei)));
    CHECK(!sv_h264_payload_key(stap_bad, sizeof(stap_bad)));
    CHECK(sv_h264_payload_key(fu_idr_start, sizeof(fu_idr_start)));
    CHECK(!sv_h264_payload_key(fu_idr_mid, sizeof(fu_idr_mid)));
    CHECK(!sv_h264_payload_key(fu_p_start, sizeof(fu_p_start)));
    CHECK(!sv_h264_payload_key(fu_idr_start, 1));
    CHECK(!sv_h264_payload_key(NULL, 0));
}

static void
rewrites_annexb_and_lengths(void)
{
    /* AUD, SPS, PPS (4-byte start codes), IDR (3-byte), trailing zero */
    static const uint8_t annexb[] = {
        0, 0, 0, 1, 0x09, 0xf0,
        0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e,
        0, 0, 0, 1, 0x68, 0xce,
        0, 0, 1, 0x65, 0x88, 0x84, 0x00 };
    static const uint8_t want[] = {
        0, 0, 0, 4, 0x67, 0x42, 0xc0, 0x1e,
        0, 0, 0, 2, 0x68, 0xce,
        0, 0, 0, 3, 0x65, 0x88, 0x84 };
    /* 2-byte lengths, a P slice */
    static const uint8_t len2[] = { 0, 3, 0x41, 0x9a, 0x01 };
    static const uint8_t want2[] = { 0, 0, 0, 3, 0x41, 0x9a, 0x01 };
    static const uint8_t cut[] = { 0, 0, 0, 9, 0x65 };
    static const uint8_t nostart[] = { 0x65, 0x88 };
    uint8_t out[64];
    int has = -1;

    CHECK_INT(sv_h264_to_len4(annexb, sizeof(annexb), 0, out, sizeof(out),
                              &has), sizeof(want));
    CHECK(memcmp(out, want, sizeof(want)) == 0);
    CHECK_INT(has, 1);
    CHECK_INT(sv_h264_to_len4(len2, sizeof(len2), 2, out, sizeof(out), &has),
              sizeof(want2));
    CHECK(memcmp(out, want2, sizeof(want2)) == 0);
    CHECK_INT(has, 0);
    CHECK_INT(sv_h264_to_len4(cut, sizeof(cut), 4, out, sizeof(out), &has),
              SV_EFORMAT);
    CHECK_INT(sv_h264_to_len4(nostart, sizeof(nostart), 0, out, sizeof(out),
                              &has), SV_EFORMAT);
    CHECK_INT(sv_h264_to_len4(len2, sizeof(len2), 3, out, sizeof(out), &has),
              SV_EFORMAT);
    CHECK_INT(sv_h264_to_len4(annexb, sizeof(annexb), 0, out, 10, &has),
              SV_ELIMIT);
}

static void
parses_avcc(void)
{
    static const uint8_t sps[] = { 0x67, 0x42, 0xc0, 0x1e };
    static const uint8_t pps[] = { 0x68, 0xce };
    uint8_t avcc[64], s[8], p[8];
    size_t sl = sizeof(s), pl = sizeof(p);
    int n, nal = 0;

    n = sv_h264_avcc(sps, sizeof(sps), pps, sizeof(pps), avcc, sizeof(avcc));
    CHECK(n > 0);
    CHECK_INT(sv_h264_avcc_parse(avcc, (size_t)n, s, &sl, p, &pl, &nal), 0);
    CHECK_INT(sl, sizeof(sps));
    CHECK_INT(pl, sizeof(pps));
    CHECK(memcmp(s, sps, sizeof(sps)) == 0 && memcmp(p, pps, 2) == 0);
    CHECK_INT(nal, 4);
    /* cut short anywhere: refused, lengths untouched */
    for (; n > 0; n--) {
        sl = sizeof(s);
        pl = sizeof(p);
        CHECK_INT(sv_h264_avcc_parse(avcc, (size_t)n - 1, s, &sl, p, &pl,
                                     &nal), SV_EFORMAT);
        CHECK_INT(sl, sizeof(s));
    }
    /* a parameter set larger than the room given */
    n = sv_h264_avcc(sps, sizeof(sps), pps, sizeof(pps), avcc, sizeof(avcc));
    sl = 3;
    pl = sizeof(p);
    CHECK_INT(sv_h264_avcc_parse(avcc, (size_t)n, s, &sl, p, &pl, &nal),
              SV_EFORMAT);
}

int
main(void)
{
    RUN(round_trip_stap_and_fua);
    RUN(waits_for_keyframe_and_drops_after_loss);
    RUN(refuses_bad_payloads);
    RUN(tells_keyframe_starts);
    RUN(rewrites_annexb_and_lengths);
    RUN(parses_avcc);
    return DONE();
}
