/* hmac_test.c -- lib/crypto/hmac.c: RFC 4231 and the comparison's result */
#include <stdint.h>
#include <string.h>

#include "core/textenc.h"
#include "crypto/hmac.h"
#include "t.h"

/* RFC 4231 test case 2 */
static void
hmac_matches_rfc4231(void)
{
    unsigned char mac[SV_HMAC_SHA256_LEN];
    char s[2 * SV_HMAC_SHA256_LEN + 1];

    CHECK_INT(sv_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28,
                             mac), 0);
    sv_hex_encode(mac, sizeof(mac), s);
    CHECK_STR(s, "5bdcc146bf60754e6a042426089575c7"
              "5a003f089d2739839dec58b964ec3843");
}

/* RFC 4231 test case 6: a key longer than the block (hashed first) */
static void
prepared_key_matches_rfc4231_and_the_one_shot(void)
{
    static const char msg6[] = "Test Using Larger Than Block-Size Key - "
                               "Hash Key First";
    unsigned char key[200], msg[300], a[SV_HMAC_SHA256_LEN],
        b[SV_HMAC_SHA256_LEN];
    static const size_t klens[] = { 0, 1, 32, 63, 64, 65, 131, 200 };
    static const size_t mlens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 300 };
    char s[2 * SV_HMAC_SHA256_LEN + 1];
    struct sv_hmac_key *k;
    size_t i, j;

    memset(key, 0xaa, 131);
    CHECK_INT(sv_hmac_key_new(key, 131, &k), 0);
    CHECK_INT(sv_hmac_sha256_keyed(k, msg6, sizeof(msg6) - 1, a), 0);
    sv_hex_encode(a, sizeof(a), s);
    CHECK_STR(s, "60e431591ee0b67f0d8a26aacbf5b77f"
              "8e0bc6213728c5140546040f0ee37f54");
    sv_hmac_key_free(k);
    for (i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)(i * 7 + 3);
    for (i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 13 + 1);
    for (i = 0; i < sizeof(klens) / sizeof(klens[0]); i++) {
        CHECK_INT(sv_hmac_key_new(key, klens[i], &k), 0);
        for (j = 0; j < sizeof(mlens) / sizeof(mlens[0]); j++) {
            CHECK_INT(sv_hmac_sha256(key, klens[i], msg, mlens[j], a), 0);
            CHECK_INT(sv_hmac_sha256_keyed(k, msg, mlens[j], b), 0);
            CHECK(memcmp(a, b, sizeof(a)) == 0);
            /* the prepared state is not consumed by a use */
            CHECK_INT(sv_hmac_sha256_keyed(k, msg, mlens[j], b), 0);
            CHECK(memcmp(a, b, sizeof(a)) == 0);
        }
        sv_hmac_key_free(k);
    }
    sv_hmac_key_free(NULL);
}

/* 1 means equal, 0 means different: callers rely on exactly these */
static void
ct_equal_returns_one_when_equal(void)
{
    uint8_t a[32], b[32];

    memset(a, 0x5a, sizeof(a));
    memcpy(b, a, sizeof(b));
    CHECK_INT(sv_ct_equal(a, b, sizeof(a)), 1);
    CHECK_INT(sv_ct_equal(a, b, 0), 1);
    b[0] ^= 1;
    CHECK_INT(sv_ct_equal(a, b, sizeof(a)), 0);
    b[0] ^= 1;
    b[31] ^= 0x80;
    CHECK_INT(sv_ct_equal(a, b, sizeof(a)), 0);
    CHECK_INT(sv_ct_equal(a, b, 31), 1);
    CHECK_INT(sv_ct_equal("abc", "abd", 3), 0);
}

int
main(void)
{
    RUN(hmac_matches_rfc4231);
    RUN(prepared_key_matches_rfc4231_and_the_one_shot);
    RUN(ct_equal_returns_one_when_equal);
    return DONE();
}
