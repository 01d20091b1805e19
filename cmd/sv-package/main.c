/* main.c -- sv-package: parse, check combinations, package, exit */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "drm/key.h"
#include "drm/signal.h"
#include "drm/system.h"
#include "model/model.h"
#include "pack/package.h"
#include "opts.h"

static int
check_encrypt(struct sv_package_args *a, const struct sv_opt_result *res)
{
    struct sv_pack_opts *o = &a->o;
    char bad[32];
    int rc;

    if (o->encrypt == NULL) {
        const char *k = a->key_file ? "key" : a->store ? "store"
                        : a->content_id ? "content-id"
                        : sv_opt_given(res, "systems") ? "systems"
                        : o->key_uri ? "key-uri" : NULL;

        return k != NULL ? sv_opt_usage_error("--%s needs --encrypt", k)
                         : 0;
    }
    if ((rc = sv_opt_conflict(1, "encrypt", o->single_file,
                              "single-file")) < 0 ||
        (rc = sv_opt_conflict(1, "encrypt", o->ts, "segments ts")) < 0 ||
        (rc = sv_opt_conflict(a->key_file != NULL, "key", a->store != NULL,
                              "store")) < 0)
        return rc;
    if (a->key_file == NULL && a->store == NULL)
        return sv_opt_usage_error("--encrypt needs keys (--key <file> or "
                                  "--store <file>)");
    if (sv_drm_systems_parse(a->systems, &o->systems, bad, sizeof(bad)) < 0)
        return sv_opt_usage_error("bad --systems '%s': unknown system "
                                  "'%s'", a->systems, bad);
    return 0;
}

/* The key document --encrypt uses; exit status on failure in *exit. */
static json_t *
load_keys(const struct sv_package_args *a, int *status)
{
    json_t *doc = NULL;
    char err[512];
    int rc;

    rc = sv_drm_keys_load(a->store, a->key_file, a->content_id, NULL, NULL,
                          &doc, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        *status = rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
        return NULL;
    }
    if (json_array_size(json_object_get(doc, "keys")) == 0) {
        sv_log_error("no key in '%s' matches", a->store != NULL ? a->store
                                                               : a->key_file);
        sv_drm_keydoc_wipe(doc);
        json_decref(doc);
        *status = SV_EXIT_FAIL;
        return NULL;
    }
    return doc;
}

/* --pathway ID=URL rows into the model's steering record */
static int
check_steering(struct sv_package_args *a, const struct sv_opt_result *res)
{
    json_t *s, *pws;
    const char *eq;
    char err[256];
    int i;

    if (a->npathways == 0) {
        if (sv_opt_given(res, "steering-uri"))
            return sv_opt_usage_error("--steering-uri needs --pathway");
        return 0;
    }
    pws = json_array();
    for (i = 0; i < a->npathways; i++) {
        eq = strchr(a->pathways[i], '=');
        if (eq == NULL || eq == a->pathways[i]) {
            json_decref(pws);
            return sv_opt_usage_error("bad --pathway '%s': expected "
                                      "<id>=<url>", a->pathways[i]);
        }
        json_array_append_new(pws, json_pack("{s:s%, s:s}", "id",
                                             a->pathways[i],
                                             (size_t)(eq - a->pathways[i]),
                                             "base", eq + 1));
    }
    s = json_pack("{s:s, s:o}", "uri", a->steering_uri, "pathways", pws);
    if (s == NULL || sv_model_steering_check(s, err, sizeof(err)) < 0) {
        json_decref(s);
        /* the model's words, without its "package.json: steering: " */
        return sv_opt_usage_error("bad --pathway: %s",
                                  strstr(err, "steering: ") != NULL ?
                                  strstr(err, "steering: ") + 10 : err);
    }
    a->o.steering = s;
    return 0;
}

static int
check(struct sv_package_args *a, const struct sv_opt_result *res)
{
    struct sv_pack_opts *o = &a->o;
    int have_window = sv_opt_given(res, "window");
    int rc;

    o->hls = a->manifests != MANIFESTS_DASH;
    o->dash = a->manifests != MANIFESTS_HLS;
    if (o->out == NULL)
        return sv_opt_usage_error("an output is required (-o <dir> or "
                                  "-o -)");
    if ((rc = sv_opt_conflict(o->live, "live", o->thumbnails != NULL,
                              "thumbnails")) < 0)
        return rc;
    if ((rc = sv_opt_conflict(o->dvr, "dvr", have_window, "window")) < 0 ||
        (rc = sv_opt_conflict(o->live, "live", o->single_file,
                              "single-file")) < 0)
        return rc;
    if (o->ts) {
        if ((rc = sv_opt_conflict(1, "segments ts", o->ll_hls,
                                  "ll-hls")) < 0 ||
            (rc = sv_opt_conflict(1, "segments ts", o->ll_dash,
                                  "ll-dash")) < 0 ||
            (rc = sv_opt_conflict(1, "segments ts", o->single_file,
                                  "single-file")) < 0)
            return rc;
        if (sv_opt_given(res, "manifests") && o->dash)
            return sv_opt_usage_error("MPEG-TS segments are for HLS only "
                                      "(--manifests hls)");
        o->dash = 0;
    }
    if (!o->live && (o->dvr || have_window || o->ll_hls || o->ll_dash))
        return sv_opt_usage_error("--%s needs --live", o->dvr ? "dvr"
                                  : have_window ? "window" : o->ll_hls
                                  ? "ll-hls" : "ll-dash");
    if (sv_opt_given(res, "part-duration") && !o->ll_hls && !o->ll_dash)
        return sv_opt_usage_error("--part-duration needs --ll-hls or "
                                  "--ll-dash");
    if (o->ll_hls && !o->hls)
        return sv_opt_usage_error("--ll-hls needs the hls manifest");
    if (o->ll_dash && !o->dash)
        return sv_opt_usage_error("--ll-dash needs the dash manifest");
    if ((o->ll_hls || o->ll_dash) && o->part_us * 2 > o->segment_us)
        return sv_opt_usage_error("--part-duration must be at most half of "
                                  "--segment-duration");
    if (o->live && strcmp(o->out, "-") == 0)
        return sv_opt_usage_error("--live cannot write a tar stream "
                                  "(-o -)");
    if (o->live && res->argc > 1)
        return sv_opt_usage_error("--live takes one input");
    if (!o->dvr && o->live && o->window_us < o->segment_us * 2)
        return sv_opt_usage_error("--window must hold two segments at "
                                  "least");
    if ((rc = check_steering(a, res)) < 0)
        return rc;
    return check_encrypt(a, res);
}

int
main(int argc, char **argv)
{
    static const char *const stdin_only[] = { "-", NULL };
    struct sv_package_args *a = &sv_package_args;
    struct sv_opt_result res;
    json_t *keys = NULL;
    char err[512];
    int rc, status = SV_EXIT_OK;

    sv_log_init("sv-package");
    if (sv_opt_parse(&sv_package_tool, argc, argv, &res) < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    if (check(a, &res) < 0)
        return SV_EXIT_USAGE;
    a->o.inputs = res.argc > 0 ? (const char *const *)res.argv : stdin_only;
    a->o.ninputs = res.argc > 0 ? res.argc : 1;
    if (a->events != NULL && sv_opt_events_open(a->events) < 0)
        return SV_EXIT_USAGE;
    if (a->o.encrypt != NULL) {
        keys = load_keys(a, &status);
        if (keys == NULL) {
            sv_event_close();
            return status;
        }
        a->o.keys = keys;
    }
    sv_sig_install();
    rc = sv_pack_run(&a->o, err, sizeof(err));
    sv_drm_keydoc_wipe(keys);
    json_decref(keys);
    if (rc == -EPIPE && strcmp(a->o.out, "-") == 0) {
        /* the tar stream's reader went away: stop quietly */
        sv_event_close();
        return SV_EXIT_FAIL;
    }
    if (rc < 0) {
        sv_log_error("%s", err);
        sv_event_error(rc, err, NULL);
    }
    sv_event_close();
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
