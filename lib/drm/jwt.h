/* jwt.h -- JSON Web Tokens (RFC 7519) for licenses: HS256 and ES256 */
#ifndef SV_DRM_JWT_H
#define SV_DRM_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "crypto/cipher.h"
#include "crypto/hmac.h"
#include "drm/cidr.h"

/*
 * Claims the license server reads (all optional but exp):
 *   exp, nbf, iat   seconds since the epoch (exp is required to verify)
 *   cid             content id the token grants
 *   kids            array of key ids (hex or UUID) the token grants
 *   ip              client address or CIDR range, or an array of them
 *   countries       array of ISO 3166 alpha-2 codes the client may be in
 */

#define SV_DRM_JWT_MAX 8192     /* longest token accepted */

/* Verification keys: either or both. */
struct sv_drm_jwt_keys {
    const uint8_t *secret;      /* HS256 shared secret; NULL: none */
    size_t secret_len;
    struct sv_drm_pkey *es256;  /* ES256 public (or private) key; NULL */
    struct sv_hmac_key *hs256;  /* secret prepared (sv_drm_jwt_prepare) */
};

/*
 * Prepares keys->secret for many tokens (keys->hs256; a no-op without a
 * secret).  Returns 0 or -ENOMEM.  sv_drm_jwt_keys_release() frees it.
 */
int sv_drm_jwt_prepare(struct sv_drm_jwt_keys *keys);
void sv_drm_jwt_keys_release(struct sv_drm_jwt_keys *keys);

/*
 * Signs claims (not stolen) with alg "HS256" (keys->secret) or "ES256"
 * (keys->es256, a private key).  Stores a new string in *out.  Returns 0,
 * SV_EUSAGE (no key for alg) or a negative code.
 */
int sv_drm_jwt_sign(const char *alg, const struct sv_drm_jwt_keys *keys,
                    const json_t *claims, char **out);

/*
 * Checks token (len bytes): its shape, that alg is HS256 or ES256 with a
 * key configured for it (never "none", never the other alg's key), the
 * signature, exp and nbf against now (seconds) with leeway seconds of
 * slack.  On success stores the claims (a new reference) in *claims.  On
 * failure writes the reason into err and returns SV_EFORMAT (malformed) or
 * SV_EAUTH (signature, algorithm, expired, not yet valid).
 */
int sv_drm_jwt_verify(const char *token, size_t len,
                      const struct sv_drm_jwt_keys *keys, int64_t now,
                      int64_t leeway, json_t **claims, char *err,
                      size_t size);

/* What a request asks for, checked against verified claims. */
struct sv_drm_jwt_want {
    const char *content_id;         /* NULL: not asked */
    const uint8_t (*kids)[16];      /* key ids asked for */
    size_t nkids;
    const uint8_t *addr;            /* client address (128-bit); NULL */
    const struct sv_drm_geo *geo;   /* country table; NULL: none loaded */
};

/*
 * Checks that claims grant w: the content id equals cid, every key id is
 * in kids (or the token names a cid and no kids), the address is inside
 * ip, the address's country is in countries (a token with countries is
 * refused when no country table is loaded or the address is unknown).
 * Returns 0, or -EACCES with the reason in err.
 */
int sv_drm_jwt_allow(const json_t *claims, const struct sv_drm_jwt_want *w,
                     char *err, size_t size);

#endif
