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
#include "core/opt.h"
#include "ingest/ingest.h"
#include "ingest/streamid.h"
#include "opts.h"

/* --sign-key app/name: prints the signed key, for operators and tests */
static int
sign_key(const struct sv_ingest_args *a)
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

/* Combinations the table cannot express. */
static int
check(const struct sv_ingest_args *a, int to_stdout)
{
    const struct sv_ingest_conf *c = &a->conf;
    int i, tls = 0, rc;

    if ((rc = sv_opt_conflict(c->exec != NULL, "exec", c->record_dir != NULL,
                              "record")) < 0 ||
        (rc = sv_opt_conflict(c->exec != NULL, "exec", c->discard,
                              "discard")) < 0 ||
        (rc = sv_opt_conflict(c->record_dir != NULL, "record", c->discard,
                              "discard")) < 0)
        return rc;
    for (i = 0; i < c->nlisten; i++)
        tls |= strncmp(c->listen[i], "rtmps://", 8) == 0;
    if (tls && (c->tls_cert == NULL || c->tls_key == NULL))
        return sv_opt_usage_error("rtmps:// listeners need --tls-cert and "
                                  "--tls-key");
    if (c->nlisten == 0 && c->npull == 0)
        return sv_opt_usage_error("nothing to ingest: give --listen or "
                                  "--pull");
    if (to_stdout && c->npull > 1)
        return sv_opt_usage_error("standard output carries one stream: "
                                  "several --pull need --exec or --record");
    if (to_stdout && isatty(STDOUT_FILENO))
        return sv_opt_usage_error("refusing to write media to a terminal: "
                                  "use --exec, --record or redirect standard "
                                  "output");
    if (to_stdout && a->events != NULL && strcmp(a->events, "-") == 0)
        return sv_opt_usage_error("--events cannot be '-' when standard "
                                  "output carries the stream");
    return 0;
}

int
main(int argc, char **argv)
{
    struct sv_ingest_args *a = &sv_ingest_args;
    struct sv_ingest_conf *c = &a->conf;
    struct sv_opt_result res;
    int rc, to_stdout;

    sv_log_init("sv-ingest");
    if (sv_opt_parse(&sv_ingest_tool, argc, argv, &res) < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    if (res.argc > 0) {
        sv_opt_usage_error("unexpected argument '%s'", res.argv[0]);
        return SV_EXIT_USAGE;
    }
    if (a->sign_key != NULL)
        return sign_key(a);
    to_stdout = c->exec == NULL && c->record_dir == NULL && !c->discard;
    if (check(a, to_stdout) < 0)
        return SV_EXIT_USAGE;
    if (a->events == NULL && !to_stdout)
        a->events = "-";
    if (a->events != NULL && sv_opt_events_open(a->events) < 0)
        return SV_EXIT_USAGE;
    rc = sv_ingest_run(c);
    sv_event_close();
    rc = rc == SV_EUSAGE ? SV_EXIT_USAGE : rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
    if (sv_ingest_exit_quickly()) {
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
