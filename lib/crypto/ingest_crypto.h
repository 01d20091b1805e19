/* ingest_crypto.h -- the OpenSSL calls sv-ingest needs (HMAC, random) */
#ifndef SV_INGEST_CRYPTO_H
#define SV_INGEST_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* HMAC-SHA256 of data under key into out (32 bytes).  Returns 0 or < 0. */
int sv_ingest_hmac_sha256(const void *key, size_t klen, const void *data,
                          size_t dlen, uint8_t out[32]);

/* Fills p with len random bytes.  Returns 0 or a negative code. */
int sv_ingest_random(void *p, size_t len);

/* Compares n bytes in constant time; 0 when equal. */
int sv_ingest_memeq_ct(const void *a, const void *b, size_t n);

#endif
