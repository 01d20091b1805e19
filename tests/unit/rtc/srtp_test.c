/* srtp_test.c -- lib/rtc/srtp.c: both profiles, tampering, replays, and
 * packets exchanged both ways with libsrtp2 (the reference) */
#include <srtp2/srtp.h>

#include "core/err.h"
#include "crypto/dtls.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "t.h"

static void
round_trip(int profile, size_t salt_len)
{
    static const uint8_t key[16] = "0123456789abcdef";
    static const uint8_t salt[14] = "saltsaltsalts";
    struct sv_srtp *tx, *rx;
    uint8_t p[200 + SV_SRTP_TRAILER], copy[sizeof(p)];
    size_t len, clen;
    int rc;

    CHECK_INT(sv_srtp_new(&tx, profile, key, 16, salt, salt_len, 0), 0);
    CHECK_INT(sv_srtp_new(&rx, profile, key, 16, salt, salt_len, 1), 0);
    len = (size_t)sv_rtp_header(p, 1, 96, 1, 90000, 1234);
    memset(p + len, 0xab, 100);
    len += 100;
    CHECK_INT(sv_srtp_protect(tx, p, &len), 0);
    CHECK_INT(len, 112 + (profile == SV_SRTP_AEAD_AES_128_GCM ? 16 : 10));
    CHECK(p[20] != 0xab);
    memcpy(copy, p, len);
    clen = len;
    CHECK_INT(sv_srtp_unprotect(rx, p, &len), 0);
    CHECK_INT(len, 112);
    CHECK_INT(p[20], 0xab);
    /* the same packet again is a replay */
    rc = sv_srtp_unprotect(rx, copy, &clen);
    CHECK_INT(rc, SV_EAUTH);
    /* a flipped bit fails authentication */
    len = (size_t)sv_rtp_header(p, 1, 96, 2, 90000, 1234);
    memset(p + len, 0xcd, 50);
    len += 50;
    CHECK_INT(sv_srtp_protect(tx, p, &len), 0);
    p[15] ^= 1;
    CHECK_INT(sv_srtp_unprotect(rx, p, &len), SV_EAUTH);
    /* RTCP: a PLI */
    len = (size_t)sv_rtcp_pli(p, sizeof(p), 5, 1234);
    CHECK_INT(sv_srtp_protect_rtcp(tx, p, &len), 0);
    CHECK(len > 12);
    CHECK_INT(sv_srtp_unprotect_rtcp(rx, p, &len), 0);
    CHECK_INT(len, 12);
    CHECK_INT(p[1], 206);
    sv_srtp_free(tx);
    sv_srtp_free(rx);
}

static void
aes_cm_sha1_80(void)
{
    round_trip(SV_SRTP_AES128_CM_SHA1_80, 14);
}

static void
aead_aes_128_gcm(void)
{
    round_trip(SV_SRTP_AEAD_AES_128_GCM, 12);
}

static void
refuses_unknown_profiles(void)
{
    static const uint8_t key[16], salt[14];
    struct sv_srtp *s;

    CHECK_INT(sv_srtp_new(&s, 99, key, 16, salt, 14, 1), SV_EUSAGE);
    CHECK_INT(sv_srtp_new(&s, SV_SRTP_AES128_CM_SHA1_80, key, 16, salt, 12,
                          1), SV_EUSAGE);
}

/* libsrtp2 as the other end: policy of profile, one direction */
static srtp_t
ref_new(int profile, const uint8_t *master, int inbound)
{
    srtp_policy_t pol;
    srtp_t ctx = NULL;

    memset(&pol, 0, sizeof(pol));
    if (profile == SV_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
    }
    pol.key = (uint8_t *)master;
    pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    pol.window_size = 1024;
    pol.allow_repeat_tx = 1;
    CHECK_INT(srtp_create(&ctx, &pol), srtp_err_status_ok);
    return ctx;
}

/* an RTP packet of seq with CSRCs and a header extension (so the header
 * length is parsed, not assumed), payload bytes from seq */
static size_t
odd_packet(uint8_t *p, uint16_t seq, uint32_t ssrc, size_t plen)
{
    size_t n, i;

    n = (size_t)sv_rtp_header(p, seq & 1, 96, seq, 3000u * seq, ssrc);
    p[0] |= 0x10 | 2;                       /* X, two CSRCs */
    memset(p + 12, 0x11, 8);
    p[20] = 0xbe;                           /* one-byte extension header */
    p[21] = 0xde;
    p[22] = 0;
    p[23] = 1;
    memset(p + 24, 0x22, 4);
    n = 28;
    for (i = 0; i < plen; i++)
        p[n + i] = (uint8_t)(seq + i);
    return n + plen;
}

static void
interop(int profile, size_t salt_len)
{
    uint8_t master[30], p[1400 + SV_SRTP_TRAILER], want[1400];
    struct sv_srtp *tx, *rx;
    srtp_t rtx, rrx;
    size_t len, wlen;
    int i, n;
    uint16_t seq;

    static int inited;

    if (!inited++)
        CHECK_INT(srtp_init(), srtp_err_status_ok);
    for (i = 0; i < 30; i++)
        master[i] = (uint8_t)(7 * i + 3);
    CHECK_INT(sv_srtp_new(&tx, profile, master, 16, master + 16, salt_len,
                          0), 0);
    CHECK_INT(sv_srtp_new(&rx, profile, master, 16, master + 16, salt_len,
                          1), 0);
    rtx = ref_new(profile, master, 0);
    rrx = ref_new(profile, master, 1);
    /* across a sequence number wrap: the rollover counter goes to 1 */
    for (i = 0, seq = 65500; i < 80; i++, seq++) {
        /* ours to libsrtp2 */
        wlen = len = odd_packet(p, seq, 0x1234, 100 + (size_t)i * 13);
        memcpy(want, p, wlen);
        CHECK_INT(sv_srtp_protect(tx, p, &len), 0);
        n = (int)len;
        CHECK_INT(srtp_unprotect(rrx, p, &n), srtp_err_status_ok);
        CHECK_INT(n, (int)wlen);
        CHECK(memcmp(p, want, wlen) == 0);
        /* libsrtp2 to ours */
        len = odd_packet(p, seq, 0x5678, 1200 - (size_t)i);
        wlen = len;
        memcpy(want, p, wlen);
        n = (int)len;
        CHECK_INT(srtp_protect(rtx, p, &n), srtp_err_status_ok);
        len = (size_t)n;
        CHECK_INT(sv_srtp_unprotect(rx, p, &len), 0);
        CHECK_INT(len, wlen);
        CHECK(memcmp(p, want, wlen) == 0);
        /* RTCP, both ways */
        wlen = len = (size_t)sv_rtcp_pli(p, sizeof(p), 0x1234, 0x5678);
        memcpy(want, p, wlen);
        CHECK_INT(sv_srtp_protect_rtcp(tx, p, &len), 0);
        n = (int)len;
        CHECK_INT(srtp_unprotect_rtcp(rrx, p, &n), srtp_err_status_ok);
        CHECK_INT(n, (int)wlen);
        CHECK(memcmp(p, want, wlen) == 0);
        wlen = len = (size_t)sv_rtcp_pli(p, sizeof(p), 0x5678, 0x1234);
        memcpy(want, p, wlen);
        n = (int)len;
        CHECK_INT(srtp_protect_rtcp(rtx, p, &n), srtp_err_status_ok);
        len = (size_t)n;
        CHECK_INT(sv_srtp_unprotect_rtcp(rx, p, &len), 0);
        CHECK_INT(len, wlen);
        CHECK(memcmp(p, want, wlen) == 0);
    }
    /* libsrtp2 sends 65530 (before the wrap) again: ours finds the replay
     * under the right rollover counter */
    seq = 65530;
    wlen = len = odd_packet(p, seq, 0x5678, 300);
    n = (int)len;
    CHECK_INT(srtp_protect(rtx, p, &n), srtp_err_status_ok);
    len = (size_t)n;
    CHECK_INT(sv_srtp_unprotect(rx, p, &len), SV_EAUTH);   /* a replay */
    /* a NACK's answer: ours sends seq 10 (after the wrap) again, libsrtp2
     * takes it as the replay it is, while a new number still passes */
    len = odd_packet(p, 10, 0x1234, 50);
    CHECK_INT(sv_srtp_protect(tx, p, &len), 0);
    n = (int)len;
    CHECK_INT(srtp_unprotect(rrx, p, &n), srtp_err_status_replay_fail);
    len = odd_packet(p, 50, 0x1234, 50);
    CHECK_INT(sv_srtp_protect(tx, p, &len), 0);
    n = (int)len;
    CHECK_INT(srtp_unprotect(rrx, p, &n), srtp_err_status_ok);
    sv_srtp_free(tx);
    sv_srtp_free(rx);
    srtp_dealloc(rtx);
    srtp_dealloc(rrx);
}

static void
interop_aes_cm(void)
{
    interop(SV_SRTP_AES128_CM_SHA1_80, 14);
}

static void
interop_gcm(void)
{
    interop(SV_SRTP_AEAD_AES_128_GCM, 12);
}

/* a lost packet's retransmission arrives late, once; the window takes it */
static void
late_packets(void)
{
    static const uint8_t key[16] = "0123456789abcdef";
    static const uint8_t salt[14] = "saltsaltsalts";
    struct sv_srtp *tx, *rx;
    uint8_t p[3][200 + SV_SRTP_TRAILER];
    size_t len[3];
    int i;

    CHECK_INT(sv_srtp_new(&tx, SV_SRTP_AES128_CM_SHA1_80, key, 16, salt, 14,
                          0), 0);
    CHECK_INT(sv_srtp_new(&rx, SV_SRTP_AES128_CM_SHA1_80, key, 16, salt, 14,
                          1), 0);
    for (i = 0; i < 3; i++) {
        len[i] = odd_packet(p[i], (uint16_t)(100 + i), 9, 40);
        CHECK_INT(sv_srtp_protect(tx, p[i], &len[i]), 0);
    }
    CHECK_INT(sv_srtp_unprotect(rx, p[0], &len[0]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[2], &len[2]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[1], &len[1]), 0);
    /* 850 behind (a retransmission after a burst) is taken; one more than
     * the window's 1024 behind is refused */
    len[0] = odd_packet(p[0], 1000, 9, 40);
    CHECK_INT(sv_srtp_protect(tx, p[0], &len[0]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[0], &len[0]), 0);
    len[0] = odd_packet(p[0], 1000 - 850, 9, 40);
    CHECK_INT(sv_srtp_protect(tx, p[0], &len[0]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[0], &len[0]), 0);
    len[0] = odd_packet(p[0], 2000, 9, 40);
    CHECK_INT(sv_srtp_protect(tx, p[0], &len[0]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[0], &len[0]), 0);
    len[0] = odd_packet(p[0], 2000 - 1025, 9, 40);
    CHECK_INT(sv_srtp_protect(tx, p[0], &len[0]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[0], &len[0]), SV_EAUTH);
    /* the numbers skipped on the way to 2000 are not taken as seen */
    len[0] = odd_packet(p[0], 1999, 9, 40);
    CHECK_INT(sv_srtp_protect(tx, p[0], &len[0]), 0);
    CHECK_INT(sv_srtp_unprotect(rx, p[0], &len[0]), 0);
    sv_srtp_free(tx);
    sv_srtp_free(rx);
}

int
main(void)
{
    RUN(interop_aes_cm);
    RUN(interop_gcm);
    RUN(late_packets);
    RUN(aes_cm_sha1_80);
    RUN(aead_aes_128_gcm);
    RUN(refuses_unknown_profiles);
    return DONE();
}
