/* rtpcrypt_test.c -- lib/crypto/rtpcrypt.c: published vectors (RFC 3711
 * B.2, RFC 2202, the GCM specification) and a context reused per packet */
#include <stdint.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/rtpcrypt.h"
#include "t.h"

static void
hex(const uint8_t *p, size_t n, char *out)
{
    sv_hex_encode(p, n, out);
}

/* RFC 3711 B.2: the AES-CM key stream's first blocks, twice in a row (the
 * counter restarts at each IV) */
static void
ctr_matches_rfc3711(void)
{
    static const uint8_t key[16] = {
        0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
        0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
    static const uint8_t iv[16] = {
        0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
        0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0x00, 0x00 };
    struct sv_rtpcrypt *c;
    uint8_t ks[32];
    char s[65];
    int i;

    CHECK_INT(sv_rtpcrypt_new(&c, SV_RTPCRYPT_CTR, key, NULL, 0), 0);
    for (i = 0; i < 2; i++) {
        memset(ks, 0, sizeof(ks));
        CHECK_INT(sv_rtpcrypt_ctr(c, iv, ks, sizeof(ks)), 0);
        hex(ks, sizeof(ks), s);
        CHECK_STR(s, "e03ead0935c95e80e166b16dd92b4eb4"
                  "d23513162b02d0f72a43a2fe4a5f97ab");
    }
    /* no MAC key, no MAC */
    CHECK_INT(sv_rtpcrypt_hmac(c, ks, 1, NULL, 0, ks), SV_EUSAGE);
    sv_rtpcrypt_free(c);
}

/* RFC 2202 test case 2, the message split in two and again whole */
static void
hmac_matches_rfc2202(void)
{
    static const uint8_t key[16];
    struct sv_rtpcrypt *c;
    uint8_t mac[20];
    char s[41];
    const char *m = "what do ya want for nothing?";

    CHECK_INT(sv_rtpcrypt_new(&c, SV_RTPCRYPT_CTR, key,
                              (const uint8_t *)"Jefe", 4), 0);
    CHECK_INT(sv_rtpcrypt_hmac(c, (const uint8_t *)m, 10,
                               (const uint8_t *)m + 10, 18, mac), 0);
    hex(mac, sizeof(mac), s);
    CHECK_STR(s, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    CHECK_INT(sv_rtpcrypt_hmac(c, (const uint8_t *)m, 28, NULL, 0, mac), 0);
    hex(mac, sizeof(mac), s);
    CHECK_STR(s, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    sv_rtpcrypt_free(c);
}

/* the GCM specification's test case 2: zero key, IV and block; then the
 * same open, a flipped tag bit refused, and a seal after the open */
static void
gcm_matches_test_case_2(void)
{
    static const uint8_t key[16], iv[12];
    struct sv_rtpcrypt *c;
    uint8_t p[16] = { 0 }, tag[16];
    char s[33];

    CHECK_INT(sv_rtpcrypt_new(&c, SV_RTPCRYPT_GCM, key, NULL, 0), 0);
    CHECK_INT(sv_rtpcrypt_seal(c, iv, NULL, 0, p, sizeof(p), tag), 0);
    hex(p, sizeof(p), s);
    CHECK_STR(s, "0388dace60b6a392f328c2b971b2fe78");
    hex(tag, sizeof(tag), s);
    CHECK_STR(s, "ab6e47d42cec13bdf53a67b21257bddf");
    CHECK_INT(sv_rtpcrypt_open(c, iv, NULL, 0, p, sizeof(p), tag), 0);
    CHECK_INT(p[0] | p[7] | p[15], 0);
    CHECK_INT(sv_rtpcrypt_seal(c, iv, NULL, 0, p, sizeof(p), tag), 0);
    tag[3] ^= 1;
    CHECK_INT(sv_rtpcrypt_open(c, iv, NULL, 0, p, sizeof(p), tag), SV_EAUTH);
    tag[3] ^= 1;
    CHECK_INT(sv_rtpcrypt_seal(c, iv, NULL, 0, p, sizeof(p), tag), 0);
    hex(p, sizeof(p), s);
    CHECK_STR(s, "0388dace60b6a392f328c2b971b2fe78");
    sv_rtpcrypt_free(c);
    sv_rtpcrypt_free(NULL);
}

int
main(void)
{
    RUN(ctr_matches_rfc3711);
    RUN(hmac_matches_rfc2202);
    RUN(gcm_matches_test_case_2);
    return DONE();
}
