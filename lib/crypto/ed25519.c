/* ed25519.c -- Ed25519 signatures through OpenSSL 3's EVP interface */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/err.h"
#include "crypto/ed25519.h"

int
sv_ed25519_generate(uint8_t seed[SV_ED25519_SEED])
{
    return RAND_bytes(seed, SV_ED25519_SEED) == 1 ? 0 : SV_EINTERNAL;
}

static EVP_PKEY *
private_key(const uint8_t seed[SV_ED25519_SEED])
{
    return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                        SV_ED25519_SEED);
}

int
sv_ed25519_public(const uint8_t seed[SV_ED25519_SEED],
                  uint8_t pub[SV_ED25519_PUB])
{
    EVP_PKEY *k = private_key(seed);
    size_t n = SV_ED25519_PUB;
    int rc = SV_EINTERNAL;

    if (k != NULL && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 &&
        n == SV_ED25519_PUB)
        rc = 0;
    EVP_PKEY_free(k);
    return rc;
}

int
sv_ed25519_sign(const uint8_t seed[SV_ED25519_SEED], const void *msg,
                size_t len, uint8_t sig[SV_ED25519_SIG])
{
    EVP_PKEY *k = private_key(seed);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t n = SV_ED25519_SIG;
    int rc = SV_EINTERNAL;

    /* Ed25519 takes no digest: the NULL md and the one-shot call */
    if (k != NULL && md != NULL &&
        EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestSign(md, sig, &n, msg, len) == 1 && n == SV_ED25519_SIG)
        rc = 0;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int
sv_ed25519_verify(const uint8_t pub[SV_ED25519_PUB], const void *msg,
                  size_t len, const uint8_t sig[SV_ED25519_SIG])
{
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
                                              SV_ED25519_PUB);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = SV_EAUTH;

    if (k != NULL && md != NULL &&
        EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestVerify(md, sig, SV_ED25519_SIG, msg, len) == 1)
        rc = 0;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int
sv_ed25519_pub_pem(const uint8_t pub[SV_ED25519_PUB], char *out,
                   size_t size)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
                                              SV_ED25519_PUB);
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int rc = SV_EINTERNAL;

    if (k == NULL || b == NULL || PEM_write_bio_PUBKEY(b, k) != 1)
        goto done;
    n = BIO_get_mem_data(b, &p);
    if (n <= 0)
        goto done;
    if ((size_t)n >= size) {
        rc = SV_ELIMIT;
        goto done;
    }
    memcpy(out, p, (size_t)n);
    out[n] = '\0';
    rc = (int)n;
done:
    BIO_free(b);
    EVP_PKEY_free(k);
    return rc;
}

int
sv_ed25519_pub_from_pem(const char *text, size_t len,
                        uint8_t pub[SV_ED25519_PUB])
{
    BIO *b = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *k = NULL;
    size_t n = SV_ED25519_PUB;
    int rc = SV_EFORMAT;

    if (b == NULL || len > 1 << 16)
        goto done;
    k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    if (k == NULL) {
        /* a private key file: its public half */
        BIO_free(b);
        b = BIO_new_mem_buf(text, (int)len);
        if (b != NULL)
            k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    }
    if (k != NULL && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 &&
        EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 &&
        n == SV_ED25519_PUB)
        rc = 0;
done:
    EVP_PKEY_free(k);
    BIO_free(b);
    return rc;
}
