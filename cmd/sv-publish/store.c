/* store.c -- sv-publish's storage mode: targets, paths, exit status */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "modes.h"
#include "publish/publish.h"

/* prints the message and the --help hint; the status is 2 */
#define USAGE(...) (sv_opt_usage_error(__VA_ARGS__), SV_EXIT_USAGE)

int
sv_publish_cmd_store(struct sv_publish_opts *o)
{
    struct sv_publish_conf c;
    struct sv_publish_files fl = { NULL, 0 };
    struct sv_publish_stats st;
    const char *targets[SV_PUBLISH_MAX_REPEAT];
    char *paths[4096];
    char err[2048];
    int nt = 0, np = 0, i, ok = 0, bad = 0, rc;

    for (i = 0; i < o->nargs; i++) {
        if (sv_publish_is_target(o->args[i])) {
            if (nt == SV_PUBLISH_MAX_REPEAT)
                return USAGE("more than %d targets",
                                          SV_PUBLISH_MAX_REPEAT);
            targets[nt++] = o->args[i];
        } else {
            if (np == (int)(sizeof(paths) / sizeof(paths[0])))
                return USAGE("more than %d paths",
                                          (int)(sizeof(paths) /
                                                sizeof(paths[0])));
            paths[np++] = o->args[i];
        }
    }
    if (nt == 0)
        return USAGE("no target: give s3://bucket/prefix, "
                                  "file:///dir or http(s)://origin/path");
    if (np == 0)
        return USAGE("nothing to publish: give a package "
                                  "directory or files after the target");
    if (o->live && np != 1)
        return USAGE("--live follows one package directory, not %d paths",
                     np);
    if (o->live && (o->delete_extra || o->dry_run))
        return USAGE("--live removes what the live window drops by itself: "
                     "no --delete or --dry-run");
    memset(&c, 0, sizeof(c));
    c.endpoint = o->endpoint;
    c.region = o->region;
    c.profile = o->profile;
    c.virtual_host = o->addressing == 1;
    c.acl = o->acl;
    c.cors = o->cors;
    c.part_size = o->part_size;
    c.jobs = o->jobs;
    c.retries = o->retries;
    c.timeout_us = o->timeout_us;
    c.delete_extra = o->delete_extra;
    c.dry_run = o->dry_run;
    for (i = 0; i < nt; i++)
        if (sv_publish_check(&c, targets[i], err, sizeof(err)) < 0)
            return USAGE("%s", err);
    if (o->events != NULL && sv_opt_events_open(o->events) < 0)
        return SV_EXIT_USAGE;

    if (o->live) {
        struct stat sb;

        if (stat(paths[0], &sb) < 0 || !S_ISDIR(sb.st_mode)) {
            sv_log_error("cannot follow '%s': not a directory", paths[0]);
            return SV_EXIT_FAIL;
        }
        sv_sig_install();
        rc = sv_publish_live(&c, targets, nt, paths[0], o->poll_us, err,
                             sizeof(err));
        if (rc < 0 && err[0] != '\0') {
            sv_log_error("%s", err);
            sv_event_error(rc, err, NULL);
        }
        return rc == 0 ? SV_EXIT_OK : rc > 0 ? SV_EXIT_PARTIAL :
            SV_EXIT_FAIL;
    }
    rc = sv_publish_scan(paths, np, &fl, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        sv_event_error(rc, err, NULL);
        return SV_EXIT_FAIL;
    }
    for (i = 0; i < nt; i++) {
        err[0] = '\0';
        rc = sv_publish_sync(&c, targets[i], &fl, &st, err, sizeof(err));
        if (rc < 0 && st.failed == 0) {
            /* the whole target failed before any file (not told yet) */
            sv_log_error("%s", err);
            sv_event_error(rc, err, NULL);
        }
        if (rc < 0)
            bad++;
        else
            ok++;
        sv_log_debug("%s: %d sent, %d unchanged, %d removed, %d failed",
                     targets[i], st.uploaded, st.skipped, st.deleted,
                     st.failed);
    }
    sv_publish_files_free(&fl);
    if (bad == 0)
        return SV_EXIT_OK;
    return ok > 0 ? SV_EXIT_PARTIAL : SV_EXIT_FAIL;
}
