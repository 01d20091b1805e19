/* main.c -- sv-ingest: parse options, run the ingest server, map the exit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/parse.h"
#include "ingest/ingest.h"
#include "ingest/streamid.h"
#include "opts.h"

struct args {
    struct sv_ingest_conf conf;
    const char *events;
    const char *sign_key;
    int64_t expires_us;
    int tls;            /* an rtmps:// listener was asked for */
};

static int
duration_arg(const char *name, const char *arg, int64_t *out)
{
    if (sv_parse_duration(arg, out) < 0 || *out < 0)
        return sv_opt_usage_error("bad --%s '%s': expected a duration such "
                                  "as 500ms, 10s or 1h", name, arg);
    return 0;
}

static int
on_opt(void *ud, int key, const char *arg)
{
    struct args *a = ud;
    struct sv_ingest_conf *c = &a->conf;
    int64_t v;

    switch (key) {
    case 'l':
        if (c->nlisten == SV_INGEST_MAX_LISTEN)
            return sv_opt_usage_error("too many --listen (at most %d)",
                                      SV_INGEST_MAX_LISTEN);
        if (strncmp(arg, "rtmp://", 7) != 0 &&
            strncmp(arg, "rtmps://", 8) != 0 &&
            strncmp(arg, "srt://", 6) != 0)
            return sv_opt_usage_error("bad --listen '%s': expected "
                                      "rtmp://, rtmps:// or srt://addr:port",
                                      arg);
        if (strncmp(arg, "rtmps://", 8) == 0)
            a->tls = 1;
        c->listen[c->nlisten++] = arg;
        return 0;
    case OPT_TLS_CERT:
        c->tls_cert = arg;
        return 0;
    case OPT_TLS_KEY:
        c->tls_key = arg;
        return 0;
    case 'p':
        if (c->npull == SV_INGEST_MAX_PULL)
            return sv_opt_usage_error("too many --pull (at most %d)",
                                      SV_INGEST_MAX_PULL);
        c->pull[c->npull++] = arg;
        return 0;
    case OPT_SRT_LATENCY:
        if (duration_arg("srt-latency", arg, &v) < 0)
            return SV_EUSAGE;
        c->srt_latency_ms = (int)(v / 1000);
        return 0;
    case OPT_TIMEOUT:
        return duration_arg("timeout", arg, &c->timeout_us);
    case OPT_PULL_RETRIES:
        if (sv_parse_int(arg, -1, 1000000, &c->pull_retries) < 0)
            return sv_opt_usage_error("bad --pull-retries '%s': expected "
                                      "a number from -1", arg);
        return 0;
    case 'e':
        c->exec = arg;
        return 0;
    case 'r':
        c->record_dir = arg;
        return 0;
    case OPT_DISCARD:
        c->discard = 1;
        return 0;
    case OPT_RECORD_SEGMENT:
        return duration_arg("record-segment", arg, &c->record_segment_us);
    case 'f':
        if (strcmp(arg, "mpegts") != 0 && strcmp(arg, "matroska") != 0 &&
            strcmp(arg, "nut") != 0)
            return sv_opt_usage_error("bad --format '%s': expected mpegts, "
                                      "matroska or nut", arg);
        c->format = arg;
        return 0;
    case OPT_QUEUE_SIZE:
        if (sv_parse_size(arg, &c->queue_max) < 0 || c->queue_max < 65536)
            return sv_opt_usage_error("bad --queue-size '%s': expected a "
                                      "size of at least 64K", arg);
        return 0;
    case OPT_EVENTS:
        a->events = arg;
        return 0;
    case OPT_STATS_INTERVAL:
        return duration_arg("stats-interval", arg, &c->stats_interval_us);
    case 'k':
        c->keys_file = arg;
        return 0;
    case OPT_AUTH_URL:
        if (strncmp(arg, "http://", 7) != 0 &&
            strncmp(arg, "https://", 8) != 0)
            return sv_opt_usage_error("bad --auth-url '%s': expected an "
                                      "http:// or https:// URL", arg);
        c->auth_url = arg;
        return 0;
    case OPT_AUTH_HMAC:
        c->auth_hmac = 1;
        return 0;
    case OPT_ON_DUPLICATE:
        if (strcmp(arg, "refuse") == 0)
            c->on_duplicate = SV_DUP_REFUSE;
        else if (strcmp(arg, "takeover") == 0)
            c->on_duplicate = SV_DUP_TAKEOVER;
        else
            return sv_opt_usage_error("bad --on-duplicate '%s': expected "
                                      "refuse or takeover", arg);
        return 0;
    case OPT_RECONNECT_WINDOW:
        return duration_arg("reconnect-window", arg,
                            &c->reconnect_window_us);
    case OPT_MAX_STREAMS:
        if (sv_parse_int(arg, 0, 1000000, &v) < 0)
            return sv_opt_usage_error("bad --max-streams '%s'", arg);
        c->max_streams = (int)v;
        return 0;
    case OPT_MAX_CONNS_PER_IP:
        if (sv_parse_int(arg, 0, 1000000, &v) < 0)
            return sv_opt_usage_error("bad --max-conns-per-ip '%s'", arg);
        c->max_conns_per_ip = (int)v;
        return 0;
    case OPT_SIGN_KEY:
        a->sign_key = arg;
        return 0;
    case OPT_EXPIRES:
        return duration_arg("expires", arg, &a->expires_us);
    }
    return 0;
}

/* --sign-key app/name: prints the signed key, for operators and tests */
static int
sign_key(const struct args *a)
{
    const char *secret = getenv("SV_INGEST_HMAC_SECRET");
    const char *slash = strchr(a->sign_key, '/');
    char app[64], key[512];
    int rc;

    if (secret == NULL || secret[0] == '\0') {
        sv_log_error("--sign-key needs SV_INGEST_HMAC_SECRET in the "
                     "environment");
        return SV_EXIT_USAGE;
    }
    if (strlen(secret) < SV_INGEST_HMAC_MIN) {
        sv_log_error("SV_INGEST_HMAC_SECRET must have at least %d bytes "
                     "(it has %zu)", SV_INGEST_HMAC_MIN, strlen(secret));
        return SV_EXIT_USAGE;
    }
    if (slash == NULL || (size_t)(slash - a->sign_key) >= sizeof(app)) {
        sv_opt_usage_error("bad --sign-key '%s': expected app/name",
                           a->sign_key);
        return SV_EXIT_USAGE;
    }
    memcpy(app, a->sign_key, (size_t)(slash - a->sign_key));
    app[slash - a->sign_key] = '\0';
    if (!sv_streamid_name_ok(app) || !sv_streamid_name_ok(slash + 1)) {
        sv_opt_usage_error("bad --sign-key '%s': names take letters, digits, "
                           "'.', '_' and '-'", a->sign_key);
        return SV_EXIT_USAGE;
    }
    rc = sv_ingest_sign_key(secret, app, slash + 1,
                            (int64_t)time(NULL) + a->expires_us / 1000000,
                            key, sizeof(key));
    if (rc < 0) {
        sv_log_error("cannot sign the key: %s", sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    printf("%s\n", key);
    return SV_EXIT_OK;
}

int
main(int argc, char **argv)
{
    struct args a;
    struct sv_opt_result res;
    struct sv_ingest_conf *c = &a.conf;
    int rc, to_stdout;

    sv_log_init("sv-ingest");
    memset(&a, 0, sizeof(a));
    c->format = "mpegts";
    c->record_segment_us = 600000000;
    c->queue_max = 8 << 20;
    c->stats_interval_us = 5000000;
    c->srt_latency_ms = 120;
    c->pull_retries = 10;
    c->timeout_us = 10000000;
    c->max_conns_per_ip = 16;
    a.expires_us = 86400000000LL;
    rc = sv_opt_parse(&sv_ingest_tool, argc, argv, on_opt, &a, &res);
    if (rc < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    if (res.argc > 0) {
        sv_opt_usage_error("unexpected argument '%s'", res.argv[0]);
        return SV_EXIT_USAGE;
    }
    if (a.sign_key != NULL)
        return sign_key(&a);
    if (sv_opt_conflict(c->exec != NULL, "--exec", c->record_dir != NULL,
                        "--record") < 0)
        return SV_EXIT_USAGE;
    if (sv_opt_conflict(c->exec != NULL, "--exec", c->discard,
                        "--discard") < 0 ||
        sv_opt_conflict(c->record_dir != NULL, "--record", c->discard,
                        "--discard") < 0)
        return SV_EXIT_USAGE;
    if (a.tls && (c->tls_cert == NULL || c->tls_key == NULL)) {
        sv_opt_usage_error("rtmps:// listeners need --tls-cert and "
                           "--tls-key");
        return SV_EXIT_USAGE;
    }
    if (c->nlisten == 0 && c->npull == 0) {
        sv_opt_usage_error("nothing to ingest: give --listen or --pull");
        return SV_EXIT_USAGE;
    }
    to_stdout = c->exec == NULL && c->record_dir == NULL && !c->discard;
    if (to_stdout && c->npull > 1) {
        sv_opt_usage_error("standard output carries one stream: several "
                           "--pull need --exec or --record");
        return SV_EXIT_USAGE;
    }
    if (to_stdout && isatty(STDOUT_FILENO)) {
        sv_opt_usage_error("refusing to write media to a terminal: use "
                           "--exec, --record or redirect standard output");
        return SV_EXIT_USAGE;
    }
    if (to_stdout && a.events != NULL && strcmp(a.events, "-") == 0) {
        sv_opt_usage_error("--events cannot be '-' when standard output "
                           "carries the stream");
        return SV_EXIT_USAGE;
    }
    if (a.events == NULL && !to_stdout)
        a.events = "-";
    if (a.events != NULL) {
        rc = sv_event_open(a.events);
        if (rc < 0) {
            sv_log_error("cannot open events '%s': %s", a.events,
                         sv_strerror(rc));
            return SV_EXIT_FAIL;
        }
    }
    rc = sv_ingest_run(c);
    sv_event_close();
    rc = rc == SV_EUSAGE ? SV_EXIT_USAGE : rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
    if (sv_ingest_exit_quickly()) {
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
