/* serve.c -- `sv-drm serve`: the ClearKey license and HLS key server */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "drm/cidr.h"
#include "drm/key.h"
#include "drm/ledger.h"
#include "drm/license_server.h"
#include "verbs.h"

static int
load(void *ud, json_t **doc)
{
    const struct sv_drm_opts *o = ud;
    struct sv_drm_opts all = *o;

    /* the server holds every key of the store; tokens choose among them */
    all.content_id = NULL;
    all.nkids = 0;
    all.nlabels = 0;
    return sv__drm_load_keys(&all, doc);
}

static int
check(const struct sv_drm_opts *o)
{
    int https = strncmp(o->listen, "https://", 8) == 0;

    if (sv__drm_check_keys(o, "serve") < 0)
        return SV_EUSAGE;
    if ((o->tls_cert == NULL) != (o->tls_key == NULL))
        return sv_opt_usage_error("--tls-cert and --tls-key go together");
    if (https && o->tls_cert == NULL)
        return sv_opt_usage_error("an https:// --listen needs --tls-cert "
                                  "and --tls-key");
    if (!https && o->tls_cert != NULL)
        return sv_opt_usage_error("--tls-cert needs an https:// --listen");
    if (o->ledger != NULL && o->store == NULL)
        return sv_opt_usage_error("--ledger needs --store (the keystore "
                                  "keeps its signing key)");
    return 0;
}

int
sv_drm_cmd_serve(struct sv_drm_opts *o)
{
    struct sv_license_conf c;
    struct sv_drm_jwt_keys keys;
    struct sv_drm_geo *geo;
    struct sv_ledger *ledger = NULL;
    int rc;

    if (check(o) < 0)
        return SV_EXIT_USAGE;
    rc = sv__drm_token_setup(o, &keys, &geo);
    if (rc != 0)
        return rc;
    if (o->ledger != NULL) {
        struct sv_ledger_conf lc;
        uint8_t seed[32];
        char err[512];

        rc = sv__drm_ledger_key(o, seed);
        if (rc != 0)
            goto done;
        lc.path = o->ledger;
        lc.seed = seed;
        lc.every = (uint64_t)o->checkpoint_every;
        lc.interval_ms = (o->checkpoint_us + 999) / 1000;
        rc = sv_ledger_open(&lc, &ledger, err, sizeof(err));
        explicit_bzero(seed, sizeof(seed));
        if (rc < 0) {
            sv_log_error("%s", err);
            rc = SV_EXIT_FAIL;
            goto done;
        }
    }
    if (sv_opt_events_open(o->events) < 0) {
        sv_ledger_close(ledger);
        rc = SV_EXIT_USAGE;
        goto done;
    }
    memset(&c, 0, sizeof(c));
    c.listen = &o->listen;
    c.nlisten = 1;
    c.tls_cert = o->tls_cert;
    c.tls_key = o->tls_key;
    c.stop_timeout_ms = (uint64_t)(o->stop_timeout_us / 1000);
    c.workers = (unsigned)o->workers;
    c.cors = strcmp(o->cors, "") == 0 ? NULL : o->cors;
    c.rate = (double)o->rate;
    c.jwt = &keys;
    c.geo = geo;
    c.load = load;
    c.ud = (void *)o;
    c.ledger = ledger;      /* the server closes it */
    /* load and listen failures say what went wrong themselves */
    rc = sv_license_serve(&c);
    rc = rc == SV_EUSAGE ? SV_EXIT_USAGE : rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
    sv_event_close();
done:
    sv_drm_geo_free(geo);
    sv__drm_token_keys_release(&keys);
    return rc;
}
