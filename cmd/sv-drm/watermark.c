/* watermark.c -- `sv-drm watermark embed|detect`: A/B forensic marks */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/slurp.h"
#include "drm/watermark.h"
#include "media/transcode.h"
#include "verbs.h"

#define VIEWERS_MAX (16 << 20)

/* --watermark-key, else $SV_WATERMARK_KEY_FILE; 0 or an exit status */
static int
load_key(const struct sv_drm_opts *o, uint8_t **key, size_t *len)
{
    const char *path = o->wm_key != NULL ? o->wm_key
                                         : getenv(SV_DRM_WM_KEY_ENV);
    char err[512];

    if (path == NULL || *path == '\0') {
        sv_opt_usage_error("watermark needs --watermark-key (or $%s)",
                           SV_DRM_WM_KEY_ENV);
        return SV_EXIT_USAGE;
    }
    if (sv_wmark_key_read(path, key, len, err, sizeof(err)) < 0) {
        sv_log_error("%s", err);
        return SV_EXIT_FAIL;
    }
    return 0;
}

static int
embed(struct sv_drm_opts *o)
{
    struct sv_wmark_embed e;
    json_t *summary = NULL;
    char err[1024];
    uint8_t *key;
    size_t keylen;
    int rc;

    if (o->nargs != 2) {
        sv_opt_usage_error("watermark embed needs one package directory");
        return SV_EXIT_USAGE;
    }
    rc = load_key(o, &key, &keylen);
    if (rc != 0)
        return rc;
    memset(&e, 0, sizeof(e));
    e.dir = o->args[1];
    e.key = key;
    e.keylen = keylen;
    e.amplitude = strtod(o->wm_amplitude, NULL);
    e.crf = (int)o->wm_crf;
    e.preset = o->wm_preset;
    rc = sv_wmark_embed_run(&e, &summary, err, sizeof(err));
    explicit_bzero(key, keylen);
    free(key);
    if (rc < 0) {
        sv_log_error("%s", err);
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    }
    rc = sv_json_write_line(STDOUT_FILENO, summary);
    json_decref(summary);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}

/* --viewers: one subject a line (sv_wmark_viewers_parse); the names point
 * into *text */
static int
read_viewers(const char *path, char **text, const char ***list, size_t *n)
{
    char err[256];
    size_t len;
    int rc;

    *n = 0;
    rc = sv_slurp(path, VIEWERS_MAX, text, &len);
    if (rc < 0) {
        sv_log_error("cannot read '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = sv_wmark_viewers_parse(*text, len, list, n, err, sizeof(err));
    if (rc < 0)
        sv_log_error("bad --viewers '%s': %s", path, err);
    return rc;
}

static int
detect(struct sv_drm_opts *o)
{
    struct sv_wmark_detect e;
    json_t *result = NULL;
    const char **viewers = NULL;
    char err[1024], *text = NULL;
    uint8_t *key;
    size_t keylen, nv = 0;
    int rc;

    if (o->nargs != 2) {
        sv_opt_usage_error("watermark detect needs one capture");
        return SV_EXIT_USAGE;
    }
    if (o->package == NULL) {
        sv_opt_usage_error("watermark detect needs --package");
        return SV_EXIT_USAGE;
    }
    if (o->viewers == NULL) {
        sv_opt_usage_error("watermark detect needs --viewers");
        return SV_EXIT_USAGE;
    }
    rc = load_key(o, &key, &keylen);
    if (rc != 0)
        return rc;
    if (read_viewers(o->viewers, &text, &viewers, &nv) < 0) {
        rc = SV_EXIT_FAIL;
        goto done;
    }
    memset(&e, 0, sizeof(e));
    e.capture = o->args[1];
    e.dir = o->package;
    e.key = key;
    e.keylen = keylen;
    e.viewers = viewers;
    e.nviewers = nv;
    e.threshold = strtod(o->wm_threshold, NULL);
    e.max_false = strtod(o->wm_max_false, NULL);
    rc = sv_wmark_detect_run(&e, &result, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        rc = rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
        goto done;
    }
    rc = sv_json_write_line(STDOUT_FILENO, result) < 0 ? SV_EXIT_FAIL
                                                       : SV_EXIT_OK;
done:
    json_decref(result);
    explicit_bzero(key, keylen);
    free(key);
    free(viewers);
    free(text);
    return rc;
}

int
sv_drm_cmd_watermark(struct sv_drm_opts *o)
{
    sv_media_init();
    if (o->nargs >= 1 && strcmp(o->args[0], "embed") == 0)
        return embed(o);
    if (o->nargs >= 1 && strcmp(o->args[0], "detect") == 0)
        return detect(o);
    sv_opt_usage_error("watermark needs embed or detect");
    return SV_EXIT_USAGE;
}
