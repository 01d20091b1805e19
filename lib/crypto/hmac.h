/* hmac.h -- HMAC-SHA256 and constant-time comparison (OpenSSL, wrapped) */
#ifndef SV_HMAC_H
#define SV_HMAC_H

#include <stddef.h>

#define SV_HMAC_SHA256_LEN 32

/*
 * Computes HMAC-SHA256 of msg under key into out (32 bytes).  Returns 0, or
 * -EINVAL when OpenSSL fails.
 */
int sv_hmac_sha256(const void *key, size_t keylen, const void *msg,
                   size_t len, unsigned char out[SV_HMAC_SHA256_LEN]);

/* Returns 1 when a and b (n bytes each) are equal, in constant time. */
int sv_memeq_ct(const void *a, const void *b, size_t n);

#endif
