/* ed25519.h -- Ed25519 signatures (RFC 8032) for the licence ledger */
#ifndef SV_ED25519_H
#define SV_ED25519_H

#include <stddef.h>
#include <stdint.h>

#define SV_ED25519_SEED 32      /* the private key: a 32-byte seed */
#define SV_ED25519_PUB 32
#define SV_ED25519_SIG 64

/* A new private key from the CSPRNG.  Returns 0 or SV_EINTERNAL. */
int sv_ed25519_generate(uint8_t seed[SV_ED25519_SEED]);

/* The public key of seed.  Returns 0 or SV_EINTERNAL. */
int sv_ed25519_public(const uint8_t seed[SV_ED25519_SEED],
                      uint8_t pub[SV_ED25519_PUB]);

/* Signs len bytes of msg (pure Ed25519, no pre-hash).  0 or SV_EINTERNAL. */
int sv_ed25519_sign(const uint8_t seed[SV_ED25519_SEED], const void *msg,
                    size_t len, uint8_t sig[SV_ED25519_SIG]);

/* Returns 0 when sig is pub's signature of msg, SV_EAUTH when it is not. */
int sv_ed25519_verify(const uint8_t pub[SV_ED25519_PUB], const void *msg,
                      size_t len, const uint8_t sig[SV_ED25519_SIG]);

/*
 * pub as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo, as `openssl pkey
 * -pubout` writes it) into out (size bytes; 128 are enough), with a NUL.
 * Returns the length, or SV_ELIMIT / SV_EINTERNAL.
 */
int sv_ed25519_pub_pem(const uint8_t pub[SV_ED25519_PUB], char *out,
                       size_t size);

/*
 * Reads a PEM public key (or a PEM private key, whose public half is
 * taken) from len bytes of text.  Returns 0, or SV_EFORMAT when it is not
 * an Ed25519 key.
 */
int sv_ed25519_pub_from_pem(const char *text, size_t len,
                            uint8_t pub[SV_ED25519_PUB]);

#endif
