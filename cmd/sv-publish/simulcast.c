/* simulcast.c -- sv-publish --simulcast: one live MPEG-TS on stdin to many
 * RTMP, RTMPS and SRT destinations, with a slate while the input stalls */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "modes.h"
#include "publish/platform.h"
#include "publish/simulcast.h"
#include "srt/srt_sock.h"

int
sv_publish_cmd_simulcast(struct sv_publish_opts *o)
{
    struct sv_simulcast_cfg cfg = { 0 };
    struct sv_simulcast_result res;
    static char bufs[SV_PUBLISH_MAX_REPEAT][2048];
    const char *dests[SV_PUBLISH_MAX_REPEAT + 1];
    char err[512];
    int i, n = 0, rc;

    if (o->nargs > 0) {
        sv_opt_usage_error("--simulcast takes no operands (the live "
                           "MPEG-TS comes on stdin): '%s'", o->args[0]);
        return SV_EXIT_USAGE;
    }
    /* each value may be a comma list: youtube,twitch,rtmp://... */
    for (i = 0; i < o->nsimulcast; i++)
        if (sv_platform_cast_split(o->simulcast[i], bufs[i], sizeof(bufs[i]),
                                   dests, SV_PUBLISH_MAX_REPEAT, &n, err,
                                   sizeof(err)) < 0) {
            sv_opt_usage_error("%s", err);
            return SV_EXIT_USAGE;
        }
    memcpy(o->simulcast, dests, (size_t)n * sizeof(dests[0]));
    o->nsimulcast = n;
    for (i = 0; i < o->nsimulcast; i++) {
        /* a platform's name: its live API says where to push */
        if (strstr(o->simulcast[i], "://") == NULL &&
            sv_platform_known(o->simulcast[i])) {
            rc = sv_publish_platform_live(o, i);
            if (rc != 0)
                return rc;
        }
        if (sv_simulcast_check_url(o->simulcast[i], err, sizeof(err)) < 0) {
            sv_opt_usage_error("bad --simulcast: %s", err);
            return SV_EXIT_USAGE;
        }
    }
    if (isatty(STDIN_FILENO)) {
        sv_opt_usage_error("--simulcast reads MPEG-TS on stdin, not a "
                           "terminal");
        return SV_EXIT_USAGE;
    }
    if (o->slate != NULL && access(o->slate, R_OK) != 0) {
        sv_opt_usage_error("cannot read --slate '%s'", o->slate);
        return SV_EXIT_USAGE;
    }
    if (sv_opt_events_open(o->events) < 0)
        return SV_EXIT_USAGE;
    sv_sig_install();
    cfg.urls = o->simulcast;
    cfg.nurls = o->nsimulcast;
    cfg.in_fd = STDIN_FILENO;
    cfg.slate_after_us = o->slate_after;
    cfg.slate_image = o->slate;
    cfg.queue_us = o->cast_queue;
    cfg.timeout_us = o->cast_timeout;
    cfg.retry_max_us = o->cast_retry_max;
    cfg.stats_us = o->cast_stats;
    cfg.ca_file = o->rtmps_ca;
    cfg.insecure = o->rtmps_insecure;
    cfg.srt_latency_ms = o->srt_latency;
    rc = sv_simulcast_run(&cfg, &res, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err[0] != '\0' ? err : sv_strerror(rc));
        rc = SV_EXIT_FAIL;
    } else if (res.nok == res.ndest) {
        rc = SV_EXIT_OK;
    } else {
        sv_log_error("%d of %d destinations failed", res.ndest - res.nok,
                     res.ndest);
        rc = res.nok > 0 ? SV_EXIT_PARTIAL : SV_EXIT_FAIL;
    }
    sv_event_close();
    /* libsrt's threads must stop before the exit handlers run, and
     * libavformat's own libsrt (the GnuTLS build) tears down state ours
     * shares at exit: leave without the handlers, as sv-ingest does */
    if (sv_srt_used()) {
        sv_srt_cleanup();
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
