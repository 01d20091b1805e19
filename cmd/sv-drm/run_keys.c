/* run_keys.c -- `sv-drm keygen` and `sv-drm keys`: make, store, export */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "drm/key.h"
#include "drm/keystore.h"
#include "drm/signal.h"
#include "run.h"

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

/* The key ids and labels of doc, without key material. */
static json_t *
public_view(const json_t *doc)
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
sv_drm_run_keygen(const struct sv_drm_opts *o)
{
    struct sv_drm_keygen g;
    uint8_t master[32];
    char err[512];
    json_t *doc = NULL, *pub = NULL;
    int rc;

    g.content_id = o->content_id;
    g.labels = o->labels;
    g.periods = o->periods;
    g.period_us = o->period_us;
    if (o->store != NULL) {
        rc = sv_drm_master_key(master, err, sizeof(err));
        if (rc < 0) {
            sv_log_error("%s", err);
            return SV_EXIT_USAGE;
        }
    }
    rc = sv_drm_keygen(&g, &doc);
    if (rc < 0) {
        sv_log_error("cannot generate keys: %s", sv_strerror(rc));
        goto done;
    }
    if (o->store != NULL) {
        rc = sv_drm_keystore_add(o->store, master, doc, err, sizeof(err));
        if (rc < 0) {
            sv_log_error("%s", err);
            goto done;
        }
        pub = public_view(doc);
        rc = pub != NULL ? sv__drm_output(o, pub, 0644) : -ENOMEM;
    } else {
        rc = sv__drm_output(o, doc, 0600);
    }
done:
    explicit_bzero(master, sizeof(master));
    if (doc != NULL)
        sv_drm_keydoc_wipe(doc);
    json_decref(doc);
    json_decref(pub);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}

int
sv_drm_run_keys(const struct sv_drm_opts *o)
{
    json_t *doc;
    int rc;

    rc = sv__drm_load_keys(o, &doc);
    if (rc < 0)
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    if (json_array_size(json_object_get(doc, "keys")) == 0) {
        sv_log_error("no key in '%s' matches", o->store != NULL ? o->store
                                                              : o->key_file);
        json_decref(doc);
        return SV_EXIT_FAIL;
    }
    rc = sv__drm_output(o, doc, 0600);
    sv_drm_keydoc_wipe(doc);
    json_decref(doc);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
