/* rtp_test.c -- lib/rtc/rtp.c: headers, reorder, RTCP, Opus durations */
#include "core/err.h"
#include "rtc/rtp.h"
#include "t.h"

static size_t
pkt(uint8_t *out, uint16_t seq)
{
    sv_rtp_header(out, 0, 96, seq, 1000u * seq, 0xabcd);
    out[12] = (uint8_t)seq;
    return 13;
}

static void
header_round_trip(void)
{
    uint8_t p[64];
    struct sv_rtp r;

    sv_rtp_header(p, 1, 111, 65535, 0xdeadbeef, 42);
    memcpy(p + 12, "xyz", 3);
    CHECK_INT(sv_rtp_parse(p, 15, &r), 0);
    CHECK(r.marker);
    CHECK_INT(r.pt, 111);
    CHECK_INT(r.seq, 65535);
    CHECK_INT(r.ts, 0xdeadbeef);
    CHECK_INT(r.ssrc, 42);
    CHECK_INT(r.len, 3);
    p[0] |= 0x10;   /* an extension that runs past the end */
    CHECK_INT(sv_rtp_parse(p, 15, &r), SV_EFORMAT);
    CHECK_INT(sv_rtp_parse(p, 11, &r), SV_EFORMAT);
    CHECK(!sv_rtp_is_rtcp(p, 15));
}

static void
reorders_and_waits_for_gaps(void)
{
    struct sv_reorder r;
    uint8_t p[64], out[SV_REORDER_MTU];
    uint16_t miss[8];
    size_t len;
    unsigned gap;

    CHECK_INT(sv_reorder_init(&r, 100), 0);
    /* 65534, 65535, 1, 0 across the wrap: out in order */
    CHECK_INT(sv_reorder_push(&r, 65534, p, pkt(p, 65534), 0), 0);
    CHECK_INT(sv_reorder_push(&r, 65535, p, pkt(p, 65535), 0), 0);
    CHECK_INT(sv_reorder_push(&r, 1, p, pkt(p, 1), 0), 0);
    CHECK_INT(sv_reorder_pop(&r, 0, out, &len, &gap), 1);
    CHECK_INT(out[12], 0xfe);
    CHECK_INT(sv_reorder_pop(&r, 0, out, &len, &gap), 1);
    CHECK_INT(out[12], 0xff);
    CHECK_INT(sv_reorder_pop(&r, 0, out, &len, &gap), 0);   /* 0 missing */
    CHECK_INT(sv_reorder_missing(&r, miss, 8), 1);
    CHECK_INT(miss[0], 0);
    CHECK_INT(sv_reorder_push(&r, 0, p, pkt(p, 0), 10), 0);
    CHECK_INT(sv_reorder_pop(&r, 10, out, &len, &gap), 1);
    CHECK_INT(out[12], 0);
    CHECK_INT(gap, 0);
    CHECK_INT(sv_reorder_pop(&r, 10, out, &len, &gap), 1);
    CHECK_INT(out[12], 1);
    /* a duplicate and a late one are dropped */
    CHECK_INT(sv_reorder_push(&r, 1, p, pkt(p, 1), 10), 1);
    CHECK_INT(r.late, 1);
    /* 2 never comes: after the wait, 3 goes out with a gap of one */
    CHECK_INT(sv_reorder_push(&r, 3, p, pkt(p, 3), 20), 0);
    CHECK_INT(sv_reorder_pop(&r, 50, out, &len, &gap), 0);
    CHECK_INT(sv_reorder_pop(&r, 120, out, &len, &gap), 1);
    CHECK_INT(out[12], 3);
    CHECK_INT(gap, 1);
    CHECK_INT(r.lost, 1);
    CHECK_INT(sv_reorder_push(&r, 4, p, 2000, 0), SV_ELIMIT);
    sv_reorder_release(&r);
}

static void
rtcp_builds_and_parses(void)
{
    struct sv_rtp_recv s;
    struct sv_rtcp_info info;
    uint8_t out[256];
    uint16_t seqs[] = { 10, 11, 13, 30 };
    int n, w, i;

    memset(&s, 0, sizeof(s));
    for (i = 0; i < 10; i++)
        if (i != 4)
            sv_rtp_recv_update(&s, 7, (uint16_t)(100 + i), 3000u * i,
                               3000u * i);
    CHECK_INT(sv_rtp_recv_expected(&s), 10);
    CHECK_INT(s.received, 9);
    w = sv_rtcp_rr(out, sizeof(out), 99, &s, 1, 0);
    CHECK_INT(w, 32);
    CHECK_INT(out[1], 201);
    CHECK_INT(out[8 + 4], 256 / 10);      /* fraction lost: 1 of 10 */
    CHECK_INT(out[8 + 7], 1);             /* cumulative lost */
    CHECK_INT(out[8 + 11], 109);          /* highest sequence number */
    n = sv_rtcp_pli(out + w, sizeof(out) - (size_t)w, 99, 7);
    CHECK_INT(n, 12);
    w += n;
    n = sv_rtcp_nack(out + w, sizeof(out) - (size_t)w, 99, 7, seqs, 4);
    CHECK_INT(n, 20);       /* 10 with 11 and 13 in its mask; 30 alone */
    w += n;
    n = sv_rtcp_remb(out + w, sizeof(out) - (size_t)w, 99, 8000000, &s.ssrc,
                     1);
    CHECK_INT(n, 24);
    w += n;
    CHECK_INT(sv_rtcp_parse(out, (size_t)w, &info), 0);
    CHECK_INT(info.packets, 4);
    CHECK_INT(info.remb_bps, 8000000);
    CHECK_INT(info.pli, 1);
    CHECK_INT(info.nacks, 4);
    CHECK_INT(info.nack_seq[0], 10);
    CHECK_INT(info.nack_seq[1], 11);
    CHECK_INT(info.nack_seq[2], 13);
    CHECK_INT(info.nack_seq[3], 30);
    CHECK(sv_rtp_is_rtcp(out, (size_t)w));
    CHECK_INT(sv_rtcp_parse(out, (size_t)w - 1, &info), SV_EFORMAT);
    CHECK_INT(sv_rtcp_pli(out, 8, 1, 2), SV_ELIMIT);
}

static void
sender_report_and_nack_ssrc(void)
{
    uint8_t out[64];
    struct sv_rtcp_info info;
    uint16_t seqs[2] = { 7, 9 };
    int w;

    CHECK_INT(sv_rtcp_sr(out, 27, 1, 2, 3, 4, 5), SV_ELIMIT);
    CHECK_INT(sv_rtcp_sr(out, sizeof(out), 0xabcdef01u,
                         0x1122334455667788ull, 90000, 12, 3400), 28);
    CHECK(sv_rtp_is_rtcp(out, 28));
    CHECK_INT(sv_rtcp_parse(out, 28, &info), 0);
    CHECK(info.sr);
    CHECK_INT(info.sr_ssrc, 0xabcdef01u);
    CHECK(info.sr_ntp == 0x1122334455667788ull);
    CHECK_INT(info.sr_rtp, 90000);
    w = sv_rtcp_nack(out, sizeof(out), 1, 0x5eed, seqs, 2);
    CHECK(w > 0);
    CHECK_INT(sv_rtcp_parse(out, (size_t)w, &info), 0);
    CHECK_INT(info.nacks, 2);
    CHECK_INT(info.nack_ssrc, 0x5eed);
}

static void
opus_durations(void)
{
    static const uint8_t celt20[] = { 0xfc, 0 };     /* config 31, 1 frame */
    static const uint8_t silk2x20[] = { 0x09, 0 };   /* config 1, 2 frames */
    static const uint8_t code3[] = { 0x7b, 0x03 };   /* config 15, 3 frames */

    CHECK_INT(sv_opus_samples(celt20, 2), 960);
    CHECK_INT(sv_opus_samples(silk2x20, 2), 1920);
    CHECK_INT(sv_opus_samples(code3, 2), 2880);
    CHECK_INT(sv_opus_samples(code3, 1), SV_EFORMAT);
    CHECK_INT(sv_opus_samples(NULL, 0), SV_EFORMAT);
}

/* expected counts across the 16-bit wrap; nothing before a packet */
static void
recv_expected_wraps(void)
{
    struct sv_rtp_recv s;
    int i;

    memset(&s, 0, sizeof(s));
    CHECK_INT(sv_rtp_recv_expected(&s), 0);
    for (i = 0; i < 40; i++)
        if (i != 20 && i != 21)
            sv_rtp_recv_update(&s, 5, (uint16_t)(65520 + i), 0, 0);
    CHECK_INT(sv_rtp_recv_expected(&s), 40);
    CHECK_INT(s.received, 38);
}

int
main(void)
{
    RUN(header_round_trip);
    RUN(reorders_and_waits_for_gaps);
    RUN(rtcp_builds_and_parses);
    RUN(recv_expected_wraps);
    RUN(sender_report_and_nack_ssrc);
    RUN(opus_durations);
    return DONE();
}
