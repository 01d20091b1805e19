/* shared.c -- what several sv-drm commands use: keys in and out, JWT keys */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "drm/cidr.h"
#include "drm/key.h"
#include "drm/keystore.h"
#include "drm/signal.h"
#include "verbs.h"

int
sv__drm_check_keys(const struct sv_drm_opts *o, const char *cmd)
{
    if (o->nargs > 0)
        return sv_opt_usage_error("unexpected argument '%s'", o->args[0]);
    if (o->store == NULL && o->key_file == NULL)
        return sv_opt_usage_error("%s needs --store or --key", cmd);
    return 0;
}

int
sv__drm_output(const struct sv_drm_opts *o, const json_t *doc, int mode)
{
    struct sv_afile f = SV_AFILE_INIT;
    char *text;
    int rc;

    text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL)
        return -ENOMEM;
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        rc = puts(text) < 0 || fflush(stdout) != 0 ? -EIO : 0;
        goto done;
    }
    /* never replace an existing file: it may hold the only copy of keys */
    rc = sv_afile_open(&f, o->output, mode);
    if (rc == 0)
        rc = sv_afile_write(&f, text, strlen(text));
    if (rc == 0)
        rc = sv_afile_write(&f, "\n", 1);
    if (rc == 0 && fsync(f.fd) < 0)
        rc = -errno;
    if (rc == 0 && link(f.tmp, f.path) < 0)
        rc = errno == EEXIST ? SV_EEXIST : -errno;
    sv_afile_abort(&f);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", o->output,
                     rc == SV_EEXIST ? "file exists" : sv_strerror(rc));
done:
    explicit_bzero(text, strlen(text));
    free(text);
    return rc;
}

int
sv__drm_load_keys(const struct sv_drm_opts *o, json_t **out)
{
    char err[512];
    int rc;

    rc = sv_drm_keys_load(o->store, o->key_file, o->content_id,
                          o->nkids > 0 ? o->kids[0] : NULL,
                          o->nlabels > 0 ? o->labels[0] : NULL, out, err,
                          sizeof(err));
    if (rc < 0)
        sv_log_error("%s", err);
    return rc;
}

json_t *
sv__drm_public_view(const json_t *doc)
{
    json_t *out = json_deep_copy(doc), *k;
    size_t i;

    if (out == NULL)
        return NULL;
    sv_drm_keydoc_wipe(out);
    json_array_foreach(json_object_get(out, "keys"), i, k) {
        json_object_del(k, "key");
        json_object_del(k, "iv");
    }
    return out;
}


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
        if (sv_drm_jwt_prepare(keys) < 0) {
            snprintf(err, size, "out of memory");
            return -ENOMEM;
        }
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
    sv_drm_jwt_keys_release(keys);
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
