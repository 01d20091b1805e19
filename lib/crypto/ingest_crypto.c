/* ingest_crypto.c -- HMAC-SHA256 and random bytes through OpenSSL */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/err.h"
#include "crypto/ingest_crypto.h"

int
sv_ingest_hmac_sha256(const void *key, size_t klen, const void *data,
                      size_t dlen, uint8_t out[32])
{
    unsigned int n = 32;

    if (HMAC(EVP_sha256(), key, (int)klen, data, dlen, out, &n) == NULL)
        return SV_EINTERNAL;
    return 0;
}

int
sv_ingest_random(void *p, size_t len)
{
    return RAND_bytes(p, (int)len) == 1 ? 0 : SV_EINTERNAL;
}

int
sv_ingest_memeq_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n);
}
