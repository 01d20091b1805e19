/* hmac.c -- HMAC-SHA256 and constant-time comparison through OpenSSL */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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
