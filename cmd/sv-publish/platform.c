/* platform.c -- sv-publish --platform, auth and status: video platforms */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "modes.h"
#include "publish/platform.h"

#define USAGE(...) (sv_opt_usage_error(__VA_ARGS__), SV_EXIT_USAGE)

int
sv_publish_is_platform(const struct sv_publish_opts *o)
{
    if (o->platform != NULL)
        return 1;
    return o->nargs > 0 && o->nsimulcast == 0 &&
        (strcmp(o->args[0], "auth") == 0 || strcmp(o->args[0], "status") == 0);
}

static void
conf_of(const struct sv_publish_opts *o, struct sv_plat_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->creds = o->credentials;
    c->apis = o->apis;
    c->napis = o->napis;
    c->sets = o->sets;
    c->nsets = o->nsets;
    c->meta.title = o->title;
    c->meta.description = o->description;
    c->meta.tags = o->tags;
    c->meta.privacy = o->privacy;
    c->meta.publish_at = o->publish_at;
    c->meta.for_kids = o->for_kids == NULL ? -1 :
        strcmp(o->for_kids, "yes") == 0;
    c->meta.thumbnail = o->thumbnail;
    c->chunk_size = o->chunk_size;
    c->retries = o->retries;
    c->timeout_us = o->timeout_us;
    c->backoff_us = 250000;
    c->wait_us = o->proc_wait;
    c->poll_us = o->proc_poll;
    c->device = o->device;
    c->user_agent = "sv-publish";
}

int
sv_publish_platform_live(struct sv_publish_opts *o, int i)
{
    static char urls[SV_PUBLISH_MAX_REPEAT][2048];
    struct sv_plat_conf c;
    char err[2048] = "";
    int rc;

    conf_of(o, &c);
    rc = sv_platform_live_url(&c, o->simulcast[i], urls[i], sizeof(urls[i]),
                              err, sizeof(err));
    if (rc == -ENOTSUP)
        return USAGE("bad --simulcast: %s", err);
    if (rc < 0) {
        sv_log_error("%s", err);
        return SV_EXIT_FAIL;
    }
    sv_log_info("%s: pushing to its live ingest", o->simulcast[i]);
    o->simulcast[i] = urls[i];
    return 0;
}

/* 0 all, 3 some, 1 none */
static int
outcome(int rc, int nok, int n, const char *err)
{
    if (rc < 0) {
        sv_log_error("%s", err[0] != '\0' ? err : sv_strerror(rc));
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    }
    if (nok == n)
        return SV_EXIT_OK;
    sv_log_error("%d of %d platforms failed", n - nok, n);
    return nok > 0 ? SV_EXIT_PARTIAL : SV_EXIT_FAIL;
}

int
sv_publish_cmd_platform(struct sv_publish_opts *o)
{
    struct sv_plat_conf c;
    const char *names[SV_PUBLISH_MAX_REPEAT];
    char buf[1024], err[2048] = "";
    struct stat sb;
    int n = 0, nok = 0, rc;

    conf_of(o, &c);
    if (o->platform == NULL && strcmp(o->args[0], "auth") == 0) {
        if (o->nargs != 2)
            return USAGE("auth takes one platform (%s)",
                         sv_platform_names());
        sv_sig_install();
        rc = sv_platform_auth(&c, o->args[1], err, sizeof(err));
        if (rc == SV_EUSAGE)
            return USAGE("%s", err);
        return outcome(rc, 1, 1, err);
    }
    if (o->platform == NULL) {          /* status */
        if (o->nargs < 2)
            return USAGE("status takes platform:id operands");
        if (o->events != NULL && sv_opt_events_open(o->events) < 0)
            return SV_EXIT_USAGE;
        rc = sv_platform_status(&c, (const char *const *)o->args + 1,
                                o->nargs - 1, &nok, err, sizeof(err));
        if (rc == SV_EUSAGE)
            return USAGE("%s", err);
        return outcome(rc, nok, o->nargs - 1, err);
    }
    if (o->nargs != 1)
        return USAGE("--platform uploads one file, not %d operands",
                     o->nargs);
    rc = sv_platform_check(&c, o->platform, buf, sizeof(buf), names,
                           SV_PUBLISH_MAX_REPEAT, &n, err, sizeof(err));
    if (rc < 0)
        return USAGE("%s", err);
    if (stat(o->args[0], &sb) < 0 || !S_ISREG(sb.st_mode)) {
        sv_log_error("cannot upload '%s': not a regular file", o->args[0]);
        return SV_EXIT_FAIL;
    }
    if (sb.st_size == 0) {
        sv_log_error("cannot upload '%s': the file is empty", o->args[0]);
        return SV_EXIT_FAIL;
    }
    if (o->thumbnail != NULL && stat(o->thumbnail, &sb) < 0)
        return USAGE("cannot read --thumbnail '%s'", o->thumbnail);
    if (o->events != NULL && sv_opt_events_open(o->events) < 0)
        return SV_EXIT_USAGE;
    sv_sig_install();
    rc = sv_platform_publish(&c, names, n, o->args[0], &nok, err,
                             sizeof(err));
    return outcome(rc, nok, n, err);
}
