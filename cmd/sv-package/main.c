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
#include "pack/package.h"
#include "opts.h"

struct args {
    struct sv_pack_opts o;
    const char *events;
    int have_window, have_part, have_manifests;
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
    case OPT_PART:
        a->have_part = 1;
        /* parts shorter than 0.2 s are known to break players */
        return duration("part-duration", v, 200000, &o->part_us);
    case OPT_GAP:
        return duration("gap", v, 100000, &o->gap_us);
    }
    return 0;
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
            (rc = sv_opt_conflict(1, "segments ts", o->single_file,
                                  "single-file")) < 0)
            return rc;
        if (a->have_manifests && o->dash)
            return sv_opt_usage_error("MPEG-TS segments are for HLS only "
                                      "(--manifests hls)");
        o->dash = 0;
    }
    if (!o->live && (o->dvr || a->have_window || o->ll_hls))
        return sv_opt_usage_error("--%s needs --live", o->dvr ? "dvr"
                                  : a->have_window ? "window" : "ll-hls");
    if (a->have_part && !o->ll_hls)
        return sv_opt_usage_error("--part-duration needs --ll-hls");
    if (o->ll_hls && !o->hls)
        return sv_opt_usage_error("--ll-hls needs the hls manifest");
    if (o->ll_hls && o->part_us * 2 > o->segment_us)
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
    return 0;
}

int
main(int argc, char **argv)
{
    static const char *const stdin_only[] = { "-", NULL };
    struct sv_opt_result res;
    struct args a;
    char err[512];
    int rc;

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
    sv_sig_install();
    rc = sv_pack_run(&a.o, err, sizeof(err));
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
