/* ed25519_test.c -- lib/crypto/ed25519.c: RFC 8032 test vector 1, PEM
 * round trip, bad signatures refused */
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/ed25519.h"
#include "t.h"

/* RFC 8032 section 7.1, TEST 1 (the empty message) */
static const char seed_hex[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char pub_hex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char sig_hex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static void
rfc8032_vector(void)
{
    uint8_t seed[32], pub[32], want[32], sig[64], wsig[64];

    CHECK(sv_hex_decode(seed_hex, seed, 32) == 0);
    CHECK(sv_hex_decode(pub_hex, want, 32) == 0);
    CHECK(sv_hex_decode(sig_hex, wsig, 64) == 0);
    CHECK_INT(sv_ed25519_public(seed, pub), 0);
    CHECK(memcmp(pub, want, 32) == 0);
    CHECK_INT(sv_ed25519_sign(seed, "", 0, sig), 0);
    CHECK(memcmp(sig, wsig, 64) == 0);
    CHECK_INT(sv_ed25519_verify(pub, "", 0, sig), 0);
}

static void
refuses_changed_message_and_signature(void)
{
    uint8_t seed[32], pub[32], sig[64];

    CHECK_INT(sv_ed25519_generate(seed), 0);
    CHECK_INT(sv_ed25519_public(seed, pub), 0);
    CHECK_INT(sv_ed25519_sign(seed, "checkpoint", 10, sig), 0);
    CHECK_INT(sv_ed25519_verify(pub, "checkpoint", 10, sig), 0);
    CHECK_INT(sv_ed25519_verify(pub, "checkpoinT", 10, sig), SV_EAUTH);
    sig[5] ^= 1;
    CHECK_INT(sv_ed25519_verify(pub, "checkpoint", 10, sig), SV_EAUTH);
}

static void
pem_round_trip(void)
{
    uint8_t seed[32], pub[32], back[32];
    char pem[256];
    int n;

    CHECK_INT(sv_ed25519_generate(seed), 0);
    CHECK_INT(sv_ed25519_public(seed, pub), 0);
    n = sv_ed25519_pub_pem(pub, pem, sizeof(pem));
    CHECK(n > 0);
    CHECK(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    CHECK_INT(sv_ed25519_pub_from_pem(pem, (size_t)n, back), 0);
    CHECK(memcmp(pub, back, 32) == 0);
    CHECK_INT(sv_ed25519_pub_pem(pub, pem, 20), SV_ELIMIT);
    CHECK_INT(sv_ed25519_pub_from_pem("not a key", 9, back), SV_EFORMAT);
}

int
main(void)
{
    RUN(rfc8032_vector);
    RUN(refuses_changed_message_and_signature);
    RUN(pem_round_trip);
    return DONE();
}
