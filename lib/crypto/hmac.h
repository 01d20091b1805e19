/* hmac.h -- HMAC-SHA256 and constant-time comparison (OpenSSL, wrapped) */
#ifndef SV_HMAC_H
#define SV_HMAC_H

#include <stddef.h>

#define SV_HMAC_SHA256_LEN 32

/*
 * Computes HMAC-SHA256 of msg under key into out (32 bytes).  Returns 0, or
 * SV_EINTERNAL when OpenSSL fails.
 */
int sv_hmac_sha256(const void *key, size_t keylen, const void *msg,
                   size_t len, unsigned char out[SV_HMAC_SHA256_LEN]);

/*
 * Returns 1 when a and b (n bytes each) are equal, 0 when they differ; the
 * time taken depends on n only.  Use it for MACs, signatures and keys.
 */
int sv_ct_equal(const void *a, const void *b, size_t n);

#define SV_HMAC_SHA1_LEN 20

/* HMAC-SHA1 (STUN's MESSAGE-INTEGRITY), as sv_hmac_sha256. */
int sv_hmac_sha1(const void *key, size_t keylen, const void *msg,
                 size_t len, unsigned char out[SV_HMAC_SHA1_LEN]);

#endif
