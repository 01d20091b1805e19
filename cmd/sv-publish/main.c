/* main.c -- sv-publish: put packages and live streams where audiences are */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "modes.h"
#include "publish/webhook.h"

#define WEBHOOK_DRAIN_US 10000000   /* deliveries may finish after the mode */

/* --webhook: the workers, tapped into the events; 0 or an exit status */
static int
webhooks_start(const struct sv_publish_opts *o, struct sv_webhook **w)
{
    const char *secret = getenv("SV_WEBHOOK_SECRET");
    struct sv_webhook_conf c;
    char err[512];
    int i, rc;

    *w = NULL;
    if (o->nwebhooks == 0)
        return 0;
    for (i = 0; i < o->nwebhooks; i++) {
        if (strncmp(o->webhooks[i], "http://", 7) != 0 &&
            strncmp(o->webhooks[i], "https://", 8) != 0) {
            sv_opt_usage_error("bad --webhook '%s': expected an http:// or "
                               "https:// URL", o->webhooks[i]);
            return SV_EXIT_USAGE;
        }
    }
    /* the secret never on the command line, where ps shows it */
    if (secret == NULL || secret[0] == '\0') {
        sv_opt_usage_error("--webhook needs SV_WEBHOOK_SECRET in the "
                           "environment");
        return SV_EXIT_USAGE;
    }
    if (strlen(secret) < SV_WEBHOOK_MIN_SECRET) {
        sv_opt_usage_error("SV_WEBHOOK_SECRET must have at least %d bytes "
                           "(it has %zu)", SV_WEBHOOK_MIN_SECRET,
                           strlen(secret));
        return SV_EXIT_USAGE;
    }
    memset(&c, 0, sizeof(c));
    c.urls = o->webhooks;
    c.nurls = o->nwebhooks;
    c.secret = secret;
    c.secret_len = strlen(secret);
    c.user_agent = "sv-publish";
    rc = sv_webhook_start(&c, w, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("cannot start the webhooks: %s", err[0] ? err
                     : sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    sv_webhook_tap(*w);
    return 0;
}

/* Delivers what is queued (bounded), says what was lost. */
static void
webhooks_stop(struct sv_webhook *w)
{
    struct sv_webhook_stats st;

    if (w == NULL)
        return;
    sv_webhook_stop(w, WEBHOOK_DRAIN_US, &st);
    if (st.failed > 0 || st.dropped > 0)
        sv_log_warn("webhooks: %llu of %llu deliveries failed, %llu dropped",
                    (unsigned long long)st.failed,
                    (unsigned long long)(st.queued),
                    (unsigned long long)st.dropped);
}

int
main(int argc, char **argv)
{
    struct sv_publish_opts *o = &sv_publish_opts;
    struct sv_opt_result r;
    struct sv_webhook *w;
    int rc;

    sv_log_init("sv-publish");
    if (sv_opt_parse(&sv_publish_tool, argc, argv, &r) < 0)
        return SV_EXIT_USAGE;
    if (r.done)
        return SV_EXIT_OK;
    o->args = r.argv;
    o->nargs = r.argc;
    rc = webhooks_start(o, &w);
    if (rc != 0)
        return rc;
    if (o->nsimulcast > 0 && o->npurge > 0) {
        sv_opt_conflict(1, "simulcast", 1, "purge");
        rc = SV_EXIT_USAGE;
    } else if (o->npurge > 0)
        rc = sv_publish_cmd_purge(o);
    else if (sv_publish_is_platform(o))
        rc = sv_publish_cmd_platform(o);
    else if (o->nsimulcast > 0)
        rc = sv_publish_cmd_simulcast(o);
    else
        rc = sv_publish_cmd_store(o);
    webhooks_stop(w);
    return rc;
}
