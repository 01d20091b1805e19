/* hmac.c -- HMAC-SHA256 and constant-time comparison through OpenSSL */
/* SHA256_CTX is a plain struct: a prepared state is copied, not
 * allocated (EVP_MD_CTX_copy allocates per call).  OpenSSL 3 marks the
 * low-level calls deprecated; they are still part of its API. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "core/err.h"
#include "crypto/hmac.h"

int
sv_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
               unsigned char out[SV_HMAC_SHA256_LEN])
{
    unsigned int outlen = 0;

    if (HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &outlen) == NULL ||
        outlen != SV_HMAC_SHA256_LEN)
        return SV_EINTERNAL;
    return 0;
}

int
sv_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int
sv_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t len,
             unsigned char out[SV_HMAC_SHA1_LEN])
{
    unsigned int outlen = 0;

    if (HMAC(EVP_sha1(), key, (int)keylen, msg, len, out, &outlen) == NULL ||
        outlen != SV_HMAC_SHA1_LEN)
        return SV_EINTERNAL;
    return 0;
}

struct sv_hmac_key {
    SHA256_CTX inner;               /* after the key XOR ipad block */
    SHA256_CTX outer;               /* after the key XOR opad block */
};

int
sv_hmac_key_new(const void *key, size_t keylen, struct sv_hmac_key **out)
{
    unsigned char k[SHA256_CBLOCK], pad[SHA256_CBLOCK];
    struct sv_hmac_key *h;
    size_t i;

    h = malloc(sizeof(*h));
    if (h == NULL)
        return -ENOMEM;
    memset(k, 0, sizeof(k));
    if (keylen > SHA256_CBLOCK)
        SHA256(key, keylen, k);
    else if (keylen > 0)
        memcpy(k, key, keylen);
    for (i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(&h->inner);
    SHA256_Update(&h->inner, pad, sizeof(pad));
    for (i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&h->outer);
    SHA256_Update(&h->outer, pad, sizeof(pad));
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    *out = h;
    return 0;
}

int
sv_hmac_sha256_keyed(const struct sv_hmac_key *k, const void *msg,
                     size_t len, unsigned char out[SV_HMAC_SHA256_LEN])
{
    SHA256_CTX c;
    unsigned char ih[SHA256_DIGEST_LENGTH];
    int ok;

    c = k->inner;
    ok = SHA256_Update(&c, msg, len) && SHA256_Final(ih, &c);
    c = k->outer;
    ok = ok && SHA256_Update(&c, ih, sizeof(ih)) && SHA256_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof(c));
    OPENSSL_cleanse(ih, sizeof(ih));
    return ok ? 0 : SV_EINTERNAL;
}

void
sv_hmac_key_free(struct sv_hmac_key *k)
{
    if (k == NULL)
        return;
    OPENSSL_cleanse(k, sizeof(*k));
    free(k);
}
