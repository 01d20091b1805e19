/* rtpcrypt.h -- the AES and HMAC-SHA1 transforms SRTP needs (RFC 3711,
 * RFC 7714), keyed once and reused per packet (OpenSSL, wrapped) */
#ifndef SV_RTPCRYPT_H
#define SV_RTPCRYPT_H

#include <stddef.h>
#include <stdint.h>

struct sv_rtpcrypt;

enum sv_rtpcrypt_kind {
    SV_RTPCRYPT_CTR,            /* AES-128 counter mode, + HMAC-SHA1 */
    SV_RTPCRYPT_GCM             /* AES-128-GCM, 12-byte IV, 16-byte tag */
};

/*
 * A context for one AES-128 key; auth (auth_len bytes, CTR only, may be
 * NULL) keys its HMAC-SHA1.  Returns 0, -ENOMEM or SV_EINTERNAL.
 */
int sv_rtpcrypt_new(struct sv_rtpcrypt **out, enum sv_rtpcrypt_kind kind,
                    const uint8_t key[16], const uint8_t *auth,
                    size_t auth_len);

/* CTR: XORs len bytes at p with the key stream that starts at iv. */
int sv_rtpcrypt_ctr(struct sv_rtpcrypt *c, const uint8_t iv[16], uint8_t *p,
                    size_t len);

/* CTR: HMAC-SHA1 over a then b (b may be NULL) into out (20 bytes). */
int sv_rtpcrypt_hmac(struct sv_rtpcrypt *c, const uint8_t *a, size_t alen,
                     const uint8_t *b, size_t blen, uint8_t out[20]);

/*
 * GCM: encrypts len bytes at p in place with aad (aad_len bytes) bound,
 * writing the tag (seal); or checks the tag and decrypts (open), which
 * returns SV_EAUTH when the tag does not match (p is then undefined).
 */
int sv_rtpcrypt_seal(struct sv_rtpcrypt *c, const uint8_t iv[12],
                     const uint8_t *aad, size_t aad_len, uint8_t *p,
                     size_t len, uint8_t tag[16]);
int sv_rtpcrypt_open(struct sv_rtpcrypt *c, const uint8_t iv[12],
                     const uint8_t *aad, size_t aad_len, uint8_t *p,
                     size_t len, const uint8_t tag[16]);

/* Wipes and frees; takes NULL. */
void sv_rtpcrypt_free(struct sv_rtpcrypt *c);

#endif
