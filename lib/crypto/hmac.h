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

/*
 * An HMAC-SHA256 key prepared once (its inner and outer pads hashed): each
 * MAC under it then costs the message's blocks and one more, with no
 * allocation and no algorithm lookup.  Safe to use from several threads at
 * once; the secret itself is not kept.
 */
struct sv_hmac_key;

/* Prepares key (keylen bytes).  Returns 0 or -ENOMEM. */
int sv_hmac_key_new(const void *key, size_t keylen, struct sv_hmac_key **out);

/* HMAC-SHA256 of msg under k into out, as sv_hmac_sha256(). */
int sv_hmac_sha256_keyed(const struct sv_hmac_key *k, const void *msg,
                         size_t len, unsigned char out[SV_HMAC_SHA256_LEN]);

/* Wipes and frees k (NULL is fine). */
void sv_hmac_key_free(struct sv_hmac_key *k);

#define SV_HMAC_SHA1_LEN 20

/* HMAC-SHA1 (STUN's MESSAGE-INTEGRITY), as sv_hmac_sha256. */
int sv_hmac_sha1(const void *key, size_t keylen, const void *msg,
                 size_t len, unsigned char out[SV_HMAC_SHA1_LEN]);

#endif
