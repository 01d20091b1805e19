/* cipher_test.c -- lib/crypto/cipher.c against published test vectors */
#include <stdint.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/cipher.h"
#include "t.h"

static void
unhex(const char *s, uint8_t *out)
{
    sv_hex_decode(s, out, strlen(s) / 2);
}

static const char *
hex(const uint8_t *p, size_t n)
{
    static char s[129];

    sv_hex_encode(p, n, s);
    return s;
}

/* NIST SP 800-38A F.5.1 and F.2.1 */
static void
aes_ctr_and_cbc_match_sp800_38a(void)
{
    uint8_t key[16], ctr[16], iv[16], pt[32], out[32];
    struct sv_drm_aes *a;

    unhex("2b7e151628aed2a6abf7158809cf4f3c", key);
    unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", ctr);
    unhex("000102030405060708090a0b0c0d0e0f", iv);
    unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
          pt);
    a = sv_drm_aes_new(SV_DRM_CTR, key);
    CHECK_INT(sv_drm_aes_reset(a, ctr), 0);
    /* in two pieces: the counter carries across calls */
    CHECK_INT(sv_drm_aes_update(a, pt, out, 5), 0);
    CHECK_INT(sv_drm_aes_update(a, pt + 5, out + 5, 27), 0);
    CHECK_STR(hex(out, 32), "874d6191b620e3261bef6864990db6ce"
              "9806f66b7970fdff8617187bb9fffdff");
    sv_drm_aes_free(a);
    a = sv_drm_aes_new(SV_DRM_CBC_ENC, key);
    CHECK_INT(sv_drm_aes_reset(a, iv), 0);
    CHECK_INT(sv_drm_aes_update(a, pt, out, 32), 0);
    CHECK_STR(hex(out, 32), "7649abac8119b246cee98e9b12e9197d"
              "5086cb9b507219ee95db113a917678b2");
    CHECK_INT(sv_drm_aes_update(a, pt, out, 7), SV_EINTERNAL);
    sv_drm_aes_free(a);
    a = sv_drm_aes_new(SV_DRM_CBC_DEC, key);
    sv_drm_aes_reset(a, iv);
    unhex("7649abac8119b246cee98e9b12e9197d", out);
    CHECK_INT(sv_drm_aes_update(a, out, out, 16), 0);
    CHECK_STR(hex(out, 16), "6bc1bee22e409f96e93d7e117393172a");
    sv_drm_aes_free(a);
}

static void
cbc_padding_round_trip(void)
{
    uint8_t key[16] = { 1 }, iv[16] = { 2 }, ct[48], pt[48];
    size_t n, m;

    CHECK_INT(sv_drm_cbc_pad(1, key, iv, (const uint8_t *)"hello", 5, ct,
                             &n), 0);
    CHECK_INT(n, 16);
    CHECK_INT(sv_drm_cbc_pad(0, key, iv, ct, n, pt, &m), 0);
    CHECK_INT(m, 5);
    CHECK(memcmp(pt, "hello", 5) == 0);
    key[0] = 9;
    CHECK_INT(sv_drm_cbc_pad(0, key, iv, ct, n, pt, &m), SV_EAUTH);
}

/* FIPS 180-2 "abc" */
static void
sha256_matches_fips180(void)
{
    uint8_t mac[32];

    CHECK_INT(sv_drm_sha256("abc", 3, mac), 0);
    CHECK_STR(hex(mac, 32), "ba7816bf8f01cfea414140de5dae2223"
              "b00361a396177a9cb410ff61f20015ad");
}

static void
gcm_detects_wrong_key_and_change(void)
{
    uint8_t key[32] = { 7 }, nonce[12] = { 1 }, tag[16], buf[11];

    memcpy(buf, "secret keys", 11);
    CHECK_INT(sv_drm_gcm_seal(key, nonce, "ad", 2, buf, 11, buf, tag), 0);
    CHECK(memcmp(buf, "secret keys", 11) != 0);
    CHECK_INT(sv_drm_gcm_open(key, nonce, "ad", 2, buf, 11, buf, tag), 0);
    CHECK(memcmp(buf, "secret keys", 11) == 0);
    CHECK_INT(sv_drm_gcm_seal(key, nonce, "ad", 2, buf, 11, buf, tag), 0);
    CHECK_INT(sv_drm_gcm_open(key, nonce, "AD", 2, buf, 11, buf, tag),
              SV_EAUTH);
    key[31] = 1;
    CHECK_INT(sv_drm_gcm_open(key, nonce, "ad", 2, buf, 11, buf, tag),
              SV_EAUTH);
}

static void
random_differs(void)
{
    uint8_t a[16], b[16];

    CHECK_INT(sv_drm_random(a, 16), 0);
    CHECK_INT(sv_drm_random(b, 16), 0);
    CHECK(memcmp(a, b, 16) != 0);
}

int
main(void)
{
    RUN(aes_ctr_and_cbc_match_sp800_38a);
    RUN(cbc_padding_round_trip);
    RUN(sha256_matches_fips180);
    RUN(gcm_detects_wrong_key_and_change);
    RUN(random_differs);
    return DONE();
}
