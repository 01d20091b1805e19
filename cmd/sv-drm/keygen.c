/* keygen.c -- `sv-drm keygen`: make keys, print them or add them to a store */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "drm/key.h"
#include "drm/keystore.h"
#include "verbs.h"

int
sv_drm_cmd_keygen(struct sv_drm_opts *o)
{
    struct sv_drm_keygen g;
    uint8_t master[32];
    char err[512];
    json_t *doc = NULL, *pub = NULL;
    int rc;

    if (o->nargs > 0) {
        sv_opt_usage_error("unexpected argument '%s'", o->args[0]);
        return SV_EXIT_USAGE;
    }
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
        pub = sv__drm_public_view(doc);
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
