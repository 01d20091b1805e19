/* hmac_test.c -- lib/crypto/hmac.c: RFC 4231 and the comparison's result */
#include <stdint.h>

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
    RUN(ct_equal_returns_one_when_equal);
    return DONE();
}
