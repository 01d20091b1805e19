/* main.c -- sv-package: parse, check combinations, package, exit */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/parse.h"
#include "core/sig.h"
#include "drm/key.h"
#include "drm/signal.h"
#include "drm/system.h"
#include "pack/package.h"
#include "opts.h"

struct args {
    struct sv_pack_opts o;
    const char *events;
    int have_window, have_part, have_manifests;
    const char *key_file, *store, *content_id, *systems, *key_uri;
};

static int
duration(const char *name, const char *v, int64_t min, int64_t *out)
{
    if (sv_parse_duration(v, out) < 0)
        return sv_opt_usage_error("invalid duration '%s' for --%s", v, name);
    if (*out < min)
        return sv_opt_usage_error("--%s must be at least %.1fs", name,
                                  (double)min / 1e6);
    return 0;
}

static int
on_opt(void *ud, int key, const char *v)
{
    struct args *a = ud;
    struct sv_pack_opts *o = &a->o;

    switch (key) {
    case 'o':
        o->out = v;
        return 0;
    case OPT_MANIFESTS:
        a->have_manifests = 1;
        o->hls = strcmp(v, "hls") == 0 || strcmp(v, "hls,dash") == 0 ||
                 strcmp(v, "dash,hls") == 0;
        o->dash = strcmp(v, "dash") == 0 || strcmp(v, "hls,dash") == 0 ||
                  strcmp(v, "dash,hls") == 0;
        if (!o->hls && !o->dash)
            return sv_opt_usage_error("invalid manifest list '%s' (hls, "
                                      "dash or hls,dash)", v);
        return 0;
    case 's':
        return duration("segment-duration", v, 500000, &o->segment_us);
    case OPT_SEGMENTS:
        if (strcmp(v, "fmp4") != 0 && strcmp(v, "ts") != 0)
            return sv_opt_usage_error("invalid segment format '%s' (fmp4 "
                                      "or ts)", v);
        o->ts = strcmp(v, "ts") == 0;
        return 0;
    case OPT_SINGLE:
        o->single_file = 1;
        return 0;
    case OPT_EVENTS:
        a->events = v;
        return 0;
    case 'f':
        o->format = v;
        return 0;
    case OPT_MAXBUF:
        if (sv_parse_size(v, &o->max_queue) < 0 || o->max_queue < (1 << 20))
            return sv_opt_usage_error("invalid size '%s' for --max-buffer "
                                      "(1M at least)", v);
        return 0;
    case OPT_LIVE:
        o->live = 1;
        return 0;
    case 'w':
        a->have_window = 1;
        return duration("window", v, 1000000, &o->window_us);
    case OPT_DVR:
        o->dvr = 1;
        return 0;
    case OPT_LLHLS:
        o->ll_hls = 1;
        return 0;
    case OPT_LLDASH:
        o->ll_dash = 1;
        return 0;
    case OPT_PART:
        a->have_part = 1;
        /* parts shorter than 0.2 s are known to break players */
        return duration("part-duration", v, 200000, &o->part_us);
    case OPT_GAP:
        return duration("gap", v, 100000, &o->gap_us);
    case OPT_ENCRYPT:
        if (strcmp(v, "cenc") != 0 && strcmp(v, "cbcs") != 0)
            return sv_opt_usage_error("invalid scheme '%s' for --encrypt "
                                      "(cenc or cbcs)", v);
        o->encrypt = v;
        return 0;
    case OPT_KEY:
        a->key_file = v;
        return 0;
    case OPT_STORE:
        a->store = v;
        return 0;
    case OPT_CONTENT_ID:
        a->content_id = v;
        return 0;
    case OPT_SYSTEMS:
        a->systems = v;
        return 0;
    case OPT_KEY_URI:
        o->key_uri = v;
        return 0;
    }
    return 0;
}

static int
check_encrypt(struct args *a)
{
    struct sv_pack_opts *o = &a->o;
    char bad[32];
    int rc;

    if (o->encrypt == NULL) {
        const char *k = a->key_file ? "key" : a->store ? "store"
                        : a->content_id ? "content-id" : a->systems
                        ? "systems" : o->key_uri ? "key-uri" : NULL;

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
    if (sv_drm_systems_parse(a->systems != NULL ? a->systems
                             : "widevine,playready,fairplay", &o->systems,
                             bad, sizeof(bad)) < 0)
        return sv_opt_usage_error("invalid --systems '%s': unknown system "
                                  "'%s'", a->systems, bad);
    return 0;
}

/* The key document --encrypt uses; exit status on failure in *exit. */
static json_t *
load_keys(const struct args *a, int *status)
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

static int
check(struct args *a, int ninputs)
{
    struct sv_pack_opts *o = &a->o;
    int rc;

    if (o->out == NULL)
        return sv_opt_usage_error("an output is required (-o <dir> or "
                                  "-o -)");
    if ((rc = sv_opt_conflict(o->dvr, "dvr", a->have_window, "window")) < 0 ||
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
        if (a->have_manifests && o->dash)
            return sv_opt_usage_error("MPEG-TS segments are for HLS only "
                                      "(--manifests hls)");
        o->dash = 0;
    }
    if (!o->live && (o->dvr || a->have_window || o->ll_hls || o->ll_dash))
        return sv_opt_usage_error("--%s needs --live", o->dvr ? "dvr"
                                  : a->have_window ? "window" : o->ll_hls
                                  ? "ll-hls" : "ll-dash");
    if (a->have_part && !o->ll_hls && !o->ll_dash)
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
    if (o->live && ninputs > 1)
        return sv_opt_usage_error("--live takes one input");
    if (!o->dvr && o->live && o->window_us < o->segment_us * 2)
        return sv_opt_usage_error("--window must hold two segments at "
                                  "least");
    return check_encrypt(a);
}

int
main(int argc, char **argv)
{
    static const char *const stdin_only[] = { "-", NULL };
    struct sv_opt_result res;
    struct args a;
    json_t *keys = NULL;
    char err[512];
    int rc, status = SV_EXIT_OK;

    sv_log_init("sv-package");
    memset(&a, 0, sizeof(a));
    sv_pack_defaults(&a.o);
    rc = sv_opt_parse(&sv_package_tool, argc, argv, on_opt, &a, &res);
    if (rc < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    if (check(&a, res.argc) < 0)
        return SV_EXIT_USAGE;
    a.o.inputs = res.argc > 0 ? (const char *const *)res.argv : stdin_only;
    a.o.ninputs = res.argc > 0 ? res.argc : 1;
    if (a.events != NULL) {
        rc = sv_event_open(a.events);
        if (rc < 0) {
            sv_log_error("cannot open '%s': %s", a.events, sv_strerror(rc));
            return SV_EXIT_USAGE;
        }
    }
    if (a.o.encrypt != NULL) {
        keys = load_keys(&a, &status);
        if (keys == NULL) {
            sv_event_close();
            return status;
        }
        a.o.keys = keys;
    }
    sv_sig_install();
    rc = sv_pack_run(&a.o, err, sizeof(err));
    sv_drm_keydoc_wipe(keys);
    json_decref(keys);
    if (rc == -EPIPE && strcmp(a.o.out, "-") == 0) {
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
