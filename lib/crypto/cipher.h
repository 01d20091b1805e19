/* cipher.h -- the cryptography sv-drm needs, the one wrapper of OpenSSL */
#ifndef SV_DRM_CIPHER_H
#define SV_DRM_CIPHER_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n bytes from the CSPRNG.  Returns 0 or SV_EINTERNAL. */
int sv_drm_random(void *buf, size_t n);

/*
 * AES-256-GCM with a 12-byte nonce and a 16-byte tag.  seal writes len
 * bytes to out and the tag; open checks the tag and returns SV_EAUTH when
 * it does not match (out is then wiped).  in and out may be the same.
 */
int sv_drm_gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
                    const void *aad, size_t aadlen, const void *in,
                    size_t len, uint8_t *out, uint8_t tag[16]);
int sv_drm_gcm_open(const uint8_t key[32], const uint8_t nonce[12],
                    const void *aad, size_t aadlen, const void *in,
                    size_t len, uint8_t *out, const uint8_t tag[16]);

/*
 * AES-128 in CTR or CBC mode (no padding: len must be a multiple of 16 for
 * CBC).  A context keeps the key schedule and the running IV/counter across
 * calls, so a sample is processed in pieces (subsamples, patterns).
 */
enum sv_drm_mode { SV_DRM_CTR, SV_DRM_CBC_ENC, SV_DRM_CBC_DEC };

struct sv_drm_aes;

/* Returns a new context or NULL (out of memory, OpenSSL failure). */
struct sv_drm_aes *sv_drm_aes_new(enum sv_drm_mode mode,
                                  const uint8_t key[16]);

/* Restarts the stream at iv (16 bytes). */
int sv_drm_aes_reset(struct sv_drm_aes *a, const uint8_t iv[16]);

/* Transforms len bytes; in and out may be the same. */
int sv_drm_aes_update(struct sv_drm_aes *a, const uint8_t *in, uint8_t *out,
                      size_t len);

void sv_drm_aes_free(struct sv_drm_aes *a);

/*
 * AES-128-CBC with PKCS#7 padding in one call (HLS AES-128 segments).
 * out must have room for len + 16 bytes; *outlen gets the length written.
 * Decryption fails with SV_EAUTH on bad padding (usually a wrong key).
 */
int sv_drm_cbc_pad(int enc, const uint8_t key[16], const uint8_t iv[16],
                   const uint8_t *in, size_t len, uint8_t *out,
                   size_t *outlen);

/* SHA-256 (HMAC-SHA256 is sv_hmac_sha256() in crypto/hmac.h). */
int sv_drm_sha256(const void *msg, size_t len, uint8_t out[32]);

/*
 * An EC P-256 key for ES256: loaded from a PEM file holding a private key
 * (can sign and verify) or a public key (verify only).
 */
struct sv_drm_pkey;

/*
 * Loads path; on failure writes a message naming the file into err and
 * returns a negative code.
 */
int sv_drm_pkey_load(const char *path, struct sv_drm_pkey **out, char *err,
                     size_t errsize);
void sv_drm_pkey_free(struct sv_drm_pkey *k);

/* Signs SHA-256(msg) and writes the raw r||s signature (64 bytes). */
int sv_drm_es256_sign(struct sv_drm_pkey *k, const void *msg, size_t len,
                      uint8_t sig[64]);

/* Verifies a raw r||s signature; returns 0, or SV_EAUTH when it is bad. */
int sv_drm_es256_verify(struct sv_drm_pkey *k, const void *msg, size_t len,
                        const uint8_t sig[64]);

#endif
