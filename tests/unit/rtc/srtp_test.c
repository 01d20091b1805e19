/* srtp_test.c -- lib/rtc/srtp.c: both profiles, tampering, replays */
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

int
main(void)
{
    RUN(aes_cm_sha1_80);
    RUN(aead_aes_128_gcm);
    RUN(refuses_unknown_profiles);
    return DONE();
}
