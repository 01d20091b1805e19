/* hmac.c -- the only file of lib/drm that includes OpenSSL: HMAC-SHA256 */
#include <errno.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/hmac.h"

int
sv_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
               unsigned char out[SV_HMAC_SHA256_LEN])
{
    unsigned int outlen = 0;

    if (HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &outlen) == NULL ||
        outlen != SV_HMAC_SHA256_LEN)
        return -EINVAL;
    return 0;
}

int
sv_memeq_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
