/* token_keys.h -- JWT keys from the environment and --jwt-key */
#ifndef SV_DRM_TOKEN_KEYS_H
#define SV_DRM_TOKEN_KEYS_H

#include <stddef.h>

#include "drm/jwt.h"
#include "run.h"

/* HS256 secret: the bytes of this variable (at least 32). */
#define SV_DRM_JWT_SECRET_ENV "SV_DRM_JWT_SECRET"

/*
 * Fills keys from SV_DRM_JWT_SECRET and o->jwt_key (an EC P-256 PEM file).
 * At least one must be there.  Returns 0, or SV_EUSAGE / a negative code
 * with a message in err.  Release with sv__drm_token_keys_release().
 */
int sv__drm_token_keys(const struct sv_drm_opts *o,
                       struct sv_drm_jwt_keys *keys, char *err, size_t size);

void sv__drm_token_keys_release(struct sv_drm_jwt_keys *keys);

struct sv_drm_geo;

/*
 * What `token` and `serve` check JWTs with: the keys as above and the
 * --geo table (*geo NULL without it).  Logs what went wrong; returns 0, or
 * an exit status (SV_EXIT_USAGE, SV_EXIT_FAIL) with nothing to release.
 */
int sv__drm_token_setup(const struct sv_drm_opts *o,
                        struct sv_drm_jwt_keys *keys,
                        struct sv_drm_geo **geo);

#endif
