/* audience.c -- the read and follow loops of `sv-stats logs` */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/sig.h"
#include "core/time.h"
#include "http/endpoint.h"
#include "stats/audience.h"
#include "stats/logread.h"

static int
one_line(const struct sv_audience_conf *c, const char *line, size_t len)
{
    struct sv_logrec r;
    int kind, rc;

    if (len == 0)
        return 0;
    kind = len == SIZE_MAX ? SV_EFORMAT : sv_logline_parse(line, len, &r);
    if (kind < 0) {
        sv_agg_bad_line(c->agg);    /* counted as skipped, not a failure */
        return 0;
    }
    if (c->geo != NULL && r.country[0] == '\0' && r.addr[0] != '\0') {
        uint8_t a[16];
        const char *cc;

        if (sv_drm_addr_parse(r.addr, a) == 0 &&
            (cc = sv_drm_geo_country(c->geo, a)) != NULL)
            snprintf(r.country, sizeof(r.country), "%s", cc);
    }
    rc = sv_agg_add(c->agg, &r);
    if (rc < 0)
        return rc;
    if (c->ch != NULL && kind == SV_LOGLINE_REQUEST) {
        rc = sv_clickhouse_add(c->ch, &r);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
read_file(const struct sv_audience_conf *c, const char *path)
{
    struct sv_logread *r;
    const char *line;
    size_t len;
    int rc, partial = 0;

    sv_log_debug("reading %s", path);
    rc = sv_logread_open(&r, path);
    if (rc < 0) {
        sv_log_error("cannot read %s: %s", path, sv_strerror(rc));
        return 1;
    }
    while ((rc = sv_logread_line(r, &line, &len)) != 0) {
        if (rc == SV_ELIMIT) {
            sv_agg_bad_line(c->agg);
            continue;
        }
        if (rc < 0) {
            sv_log_error("cannot read %s: %s", path, sv_strerror(rc));
            partial = 1;
            break;
        }
        rc = one_line(c, line, len);
        if (rc < 0) {
            sv_logread_close(r);
            return rc;
        }
        partial |= rc;
    }
    sv_logread_close(r);
    return partial;
}

int
sv_audience_read(const struct sv_audience_conf *c)
{
    int i, rc, failed = 0;

    for (i = 0; i < c->npaths; i++) {
        rc = read_file(c, c->paths[i]);
        if (rc < 0)
            return rc;
        failed += rc;
    }
    if (c->ch != NULL) {
        rc = sv_clickhouse_flush(c->ch);
        if (rc < 0)
            return rc;
    }
    return failed == 0 ? 0 : failed < c->npaths ? 1 : 2;
}

/* ---- following ---- */

struct follower {
    const struct sv_audience_conf *c;
    pthread_mutex_t lock;
    char *text;                 /* the last Prometheus exposition */
    size_t len;
    volatile int stop;
    int rc;
};

static int
tail_line(void *ud, const char *line, size_t len)
{
    int rc = one_line(((struct follower *)ud)->c, line, len);

    return rc < 0 ? rc : 0;
}

static void
publish(struct follower *f)
{
    size_t len = 0;
    char *text;

    if (f->c->prometheus == NULL)
        return;
    text = sv_agg_prometheus(f->c->agg, &len);
    if (text == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    free(f->text);
    f->text = text;
    f->len = len;
    pthread_mutex_unlock(&f->lock);
}

static int
emit(struct follower *f, int64_t now)
{
    json_t *w = sv_agg_window(f->c->agg, now);
    char *s;

    if (w == NULL)
        return -ENOMEM;
    s = json_dumps(w, JSON_COMPACT | JSON_PRESERVE_ORDER |
                   JSON_REAL_PRECISION(12));
    json_decref(w);
    if (s == NULL)
        return -ENOMEM;
    fprintf(f->c->out, "%s\n", s);
    free(s);
    return fflush(f->c->out) == 0 ? 0 : -errno;
}

static int
stopped(struct follower *f)
{
    return f->stop || sv_sig_stop;
}

static void *
follow_main(void *arg)
{
    struct follower *f = arg;
    const struct sv_audience_conf *c = f->c;
    struct sv_logtail *t = NULL;
    struct timespec ts;
    int64_t next, now;
    int i, rc;

    for (i = 0; i + 1 < c->npaths; i++) {
        rc = read_file(c, c->paths[i]);
        if (rc < 0)
            goto out;
    }
    rc = sv_logtail_open(&t, c->paths[c->npaths - 1], 1);
    if (rc < 0) {
        sv_log_error("cannot follow %s: %s", c->paths[c->npaths - 1],
                     sv_strerror(rc));
        goto out;
    }
    json_decref(sv_agg_window(c->agg, sv_time_now_ms()));  /* starts now */
    next = sv_time_now_ms() + c->window_ms;
    while (!stopped(f)) {
        rc = sv_logtail_poll(t, tail_line, f, 16 << 20);
        if (rc < 0) {
            sv_log_error("cannot follow %s: %s", c->paths[c->npaths - 1],
                         sv_strerror(rc));
            goto out;
        }
        if (c->ch != NULL && (rc = sv_clickhouse_flush(c->ch)) < 0)
            goto out;
        publish(f);
        now = sv_time_now_ms();
        if (now >= next) {
            if ((rc = emit(f, now)) < 0)
                goto out;
            next += c->window_ms;
            if (next <= now)
                next = now + c->window_ms;
        }
        ts.tv_sec = c->poll_ms / 1000;
        ts.tv_nsec = (c->poll_ms % 1000) * 1000000L;
        nanosleep(&ts, NULL);
    }
    /* the last lines and the last (partial) window */
    rc = sv_logtail_poll(t, tail_line, f, SIZE_MAX);
    if (rc >= 0 && c->ch != NULL)
        rc = sv_clickhouse_flush(c->ch);
    if (rc >= 0)
        rc = emit(f, sv_time_now_ms());
out:
    sv_logtail_close(t);
    f->rc = rc < 0 ? rc : 0;
    if (rc < 0 && c->prometheus != NULL)
        kill(getpid(), SIGTERM);    /* the server stops too */
    return NULL;
}

static int
on_req(void *ud, h2o_req_t *req)
{
    struct follower *f = ud;
    static const char ctype[] = "text/plain; version=0.0.4; charset=utf-8";
    const char *p;
    size_t plen;
    int rc;

    p = sv_http_req_path(req, &plen);
    if (plen != 8 || memcmp(p, "/metrics", 8) != 0)
        return sv_http_reply(req, 404, "Not Found", "text/plain", NULL,
                             "not found\n", 10);
    if (!sv_http_req_method_is(req, "GET") &&
        !sv_http_req_method_is(req, "HEAD"))
        return sv_http_reply(req, 405, "Method Not Allowed", "text/plain",
                             NULL, "use GET\n", 8);
    pthread_mutex_lock(&f->lock);
    rc = sv_http_reply(req, 200, "OK", ctype, NULL,
                       f->text != NULL ? f->text : "", f->len);
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int
setup(void *ud, h2o_pathconf_t *pc)
{
    sv_http_endpoint_add(pc, on_req, ud);
    return 0;
}

static void
started(void *ud, const char *listen, unsigned nworkers)
{
    sv_log_info("serving metrics on http://%s/metrics", listen);
}

int
sv_audience_follow(const struct sv_audience_conf *c)
{
    struct sv_http_server_conf hc;
    const char *listen[1];
    struct follower f;
    pthread_t th;
    int rc;

    memset(&f, 0, sizeof(f));
    f.c = c;
    pthread_mutex_init(&f.lock, NULL);
    if (c->prometheus == NULL) {
        sv_sig_install();
        follow_main(&f);
        rc = f.rc;
        goto out;
    }
    publish(&f);
    rc = pthread_create(&th, NULL, follow_main, &f);
    if (rc != 0) {
        rc = -rc;
        goto out;
    }
    memset(&hc, 0, sizeof(hc));
    listen[0] = c->prometheus;
    hc.name = "sv-stats";
    hc.listen = listen;
    hc.nlisten = 1;
    hc.workers = 1;
    hc.stop_timeout_ms = 2000;
    hc.max_body = 0;
    hc.ud = &f;
    hc.setup = setup;
    hc.started = started;
    rc = sv_http_server_run(&hc);
    f.stop = 1;
    pthread_join(th, NULL);
    if (rc == 0)
        rc = f.rc;
out:
    free(f.text);
    pthread_mutex_destroy(&f.lock);
    return rc;
}
