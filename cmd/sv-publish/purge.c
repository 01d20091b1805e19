/* purge.c -- sv-publish --purge: tell caches and CDNs to drop paths */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "modes.h"
#include "publish/awsconf.h"
#include "publish/purge.h"

int
sv_publish_cmd_purge(struct sv_publish_opts *o)
{
    struct sv_purge_conf c[SV_PUBLISH_MAX_REPEAT];
    struct sv_awsconf aws;
    struct sv_sigv4_key key;
    char err[1024];
    int i, ok = 0, bad = 0, need_aws = 0, rc;

    if (o->nargs == 0) {
        sv_opt_usage_error("--purge needs the paths to purge (/live/a.m3u8, "
                           "or a prefix /live/)");
        return SV_EXIT_USAGE;
    }
    memset(c, 0, sizeof(c));
    for (i = 0; i < o->npurge; i++)
        need_aws |= strncmp(o->purge[i], "cloudfront://", 13) == 0;
    memset(&aws, 0, sizeof(aws));
    if (need_aws) {
        rc = sv_awsconf_load(&aws, o->profile, "us-east-1", err,
                             sizeof(err));
        if (rc < 0) {
            sv_opt_usage_error("%s", err);
            return SV_EXIT_USAGE;
        }
        memset(&key, 0, sizeof(key));
        key.access = aws.access;
        key.secret = aws.secret;
        key.token = aws.token[0] != '\0' ? aws.token : NULL;
    }
    for (i = 0; i < o->npurge; i++) {
        c[i].target = o->purge[i];
        c[i].endpoint = o->endpoint;
        c[i].site = o->purge_site;
        c[i].timeout_us = o->timeout_us;
        c[i].aws = need_aws ? &key : NULL;
        /* tokens from the environment: never on a command line */
        c[i].token = getenv(strncmp(o->purge[i], "fastly://", 9) == 0 ?
                            "FASTLY_API_TOKEN" : "CLOUDFLARE_API_TOKEN");
        if (sv_purge_check(&c[i], err, sizeof(err)) < 0) {
            sv_opt_usage_error("%s", err);
            explicit_bzero(&aws, sizeof(aws));
            return SV_EXIT_USAGE;
        }
    }
    if (o->events != NULL && sv_opt_events_open(o->events) < 0) {
        explicit_bzero(&aws, sizeof(aws));
        return SV_EXIT_USAGE;
    }
    for (i = 0; i < o->npurge; i++) {
        rc = sv_purge_run(&c[i], (const char *const *)o->args, o->nargs, err,
                          sizeof(err));
        if (rc == SV_EUSAGE && ok + bad == 0 && o->npurge == 1) {
            sv_opt_usage_error("%s", err);
            explicit_bzero(&aws, sizeof(aws));
            return SV_EXIT_USAGE;
        }
        if (rc < 0) {
            sv_log_error("%s", err);
            sv_event_error(rc, err, NULL);
            bad++;
        } else {
            ok++;
        }
    }
    explicit_bzero(&aws, sizeof(aws));
    if (bad == 0)
        return SV_EXIT_OK;
    return ok > 0 ? SV_EXIT_PARTIAL : SV_EXIT_FAIL;
}
