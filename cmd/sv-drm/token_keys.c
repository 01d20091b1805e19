/* token_keys.c -- JWT keys from the environment and --jwt-key */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "drm/cidr.h"
#include "token_keys.h"

int
sv__drm_token_keys(const struct sv_drm_opts *o, struct sv_drm_jwt_keys *keys,
                   char *err, size_t size)
{
    const char *s = getenv(SV_DRM_JWT_SECRET_ENV);
    int rc;

    memset(keys, 0, sizeof(*keys));
    if (s != NULL && *s != '\0') {
        /* a short HMAC secret can be guessed offline from one token */
        if (strlen(s) < 32) {
            snprintf(err, size, "%s is shorter than 32 bytes",
                     SV_DRM_JWT_SECRET_ENV);
            return SV_EUSAGE;
        }
        keys->secret = (const uint8_t *)s;
        keys->secret_len = strlen(s);
    }
    if (o->jwt_key != NULL) {
        rc = sv_drm_pkey_load(o->jwt_key, &keys->es256, err, size);
        if (rc < 0)
            return rc;
    }
    if (keys->secret == NULL && keys->es256 == NULL) {
        snprintf(err, size, "no token key: set %s or give --jwt-key",
                 SV_DRM_JWT_SECRET_ENV);
        return SV_EUSAGE;
    }
    return 0;
}

void
sv__drm_token_keys_release(struct sv_drm_jwt_keys *keys)
{
    sv_drm_pkey_free(keys->es256);
    keys->es256 = NULL;
}

int
sv__drm_token_setup(const struct sv_drm_opts *o, struct sv_drm_jwt_keys *keys,
                    struct sv_drm_geo **geo)
{
    char err[512];
    int rc;

    *geo = NULL;
    rc = sv__drm_token_keys(o, keys, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    }
    if (o->geo != NULL && sv_drm_geo_load(o->geo, geo, err,
                                          sizeof(err)) < 0) {
        sv_log_error("%s", err);
        sv__drm_token_keys_release(keys);
        return SV_EXIT_FAIL;
    }
    return 0;
}
