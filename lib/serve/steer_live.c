/* steer_live.c -- sv-serve's /steering: the policy file reread when it
 * changes, pathways probed by a health thread, one manifest per request */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/slurp.h"
#include "core/time.h"
#include "drm/cidr.h"
#include "http/client.h"
#include "http/endpoint.h"
#include "serve/http_internal.h"
#include "serve/steering.h"

#define PROBE_TIMEOUT_US 1000000

struct sv__steer {
    char path[PATH_MAX];
    pthread_mutex_t lock;           /* guards what follows */
    pthread_cond_t wake;
    struct sv_steer_policy *pol;
    struct sv_drm_geo *geo;
    struct timespec mtime;          /* of the file read */
    off_t fsize;
    ino_t ino;
    int64_t checked_ms;             /* last stat */
    unsigned gen;                   /* bumped on every reload */
    int stop;
    atomic_uint down;               /* bit i: pw[i] failed its probe */
    pthread_t thread;
    int have_thread;
};

/* Reads path into a new policy (and its country table). */
static int
load(const char *path, struct sv_steer_policy **pol, struct sv_drm_geo **geo)
{
    char err[512], gpath[PATH_MAX], *text = NULL;
    const char *slash;
    size_t len;
    int rc;

    *geo = NULL;
    rc = sv_slurp(path, SV_STEER_TEXT_MAX, &text, &len);
    if (rc < 0) {
        sv_log_error("cannot read '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = sv_steer_parse(text, len, path, pol, err, sizeof(err));
    free(text);
    if (rc < 0) {
        sv_log_error("%s", err);
        return rc;
    }
    if ((*pol)->geo == NULL)
        return 0;
    /* a relative table is next to the policy */
    slash = strrchr(path, '/');
    if ((*pol)->geo[0] == '/' || slash == NULL)
        snprintf(gpath, sizeof(gpath), "%s", (*pol)->geo);
    else
        snprintf(gpath, sizeof(gpath), "%.*s/%s", (int)(slash - path), path,
                 (*pol)->geo);
    rc = sv_drm_geo_load(gpath, geo, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        sv_steer_free(*pol);
        *pol = NULL;
    }
    return rc;
}

/* Rereads the file when it changed; the old policy stays on a bad one. */
static void
refresh(struct sv__steer *s, int64_t now)
{
    struct sv_steer_policy *pol;
    struct sv_drm_geo *geo;
    struct stat st;

    if (now - s->checked_ms < 1000 && now >= s->checked_ms)
        return;
    s->checked_ms = now;
    if (stat(s->path, &st) < 0 ||
        (st.st_mtim.tv_sec == s->mtime.tv_sec &&
         st.st_mtim.tv_nsec == s->mtime.tv_nsec && st.st_size == s->fsize &&
         st.st_ino == s->ino))
        return;
    s->mtime = st.st_mtim;
    s->fsize = st.st_size;
    s->ino = st.st_ino;
    if (load(s->path, &pol, &geo) < 0) {
        sv_log_error("keeping the steering policy read before");
        return;
    }
    sv_steer_free(s->pol);
    sv_drm_geo_free(s->geo);
    s->pol = pol;
    s->geo = geo;
    s->gen++;
    atomic_store(&s->down, 0);
    pthread_cond_signal(&s->wake);
    sv_log_info("steering policy '%s' read: %d pathways", s->path, pol->npw);
}

/* ---- the health thread ---- */

static int
probe(const char *url)
{
    struct sv_http_req q;
    struct sv_http_reply r;
    char err[256];
    int rc, up;

    memset(&q, 0, sizeof(q));
    q.method = "GET";
    q.url = url;
    q.timeout_us = PROBE_TIMEOUT_US;
    q.user_agent = "sv-serve-health";
    rc = sv_http_send(&q, &r, err, sizeof(err));
    up = rc == 0 && r.status >= 200 && r.status < 400;
    sv_http_reply_release(&r);
    return up;
}

static void *
health_main(void *arg)
{
    struct sv__steer *s = arg;
    char *urls[SV_STEER_MAX], ids[SV_STEER_MAX][SV_STEER_ID_MAX + 1];
    struct timespec until;
    unsigned gen, ms, mask, old;
    int i, n;

    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        gen = s->gen;
        ms = s->pol->health_ms;
        n = s->pol->npw;
        for (i = 0; i < n; i++) {
            urls[i] = s->pol->pw[i].health != NULL ?
                strdup(s->pol->pw[i].health) : NULL;
            memcpy(ids[i], s->pol->pw[i].id, sizeof(ids[i]));
        }
        pthread_mutex_unlock(&s->lock);
        mask = 0;
        for (i = 0; i < n; i++) {
            if (urls[i] != NULL && !probe(urls[i]))
                mask |= 1u << i;
        }
        pthread_mutex_lock(&s->lock);
        if (gen == s->gen) {
            old = atomic_exchange(&s->down, mask);
            for (i = 0; i < n; i++)
                if ((old ^ mask) & (1u << i))
                    sv_log_info("pathway '%s' is %s: %s", ids[i],
                                mask & (1u << i) ? "down" : "up again",
                                urls[i]);
        }
        for (i = 0; i < n; i++)
            free(urls[i]);
        if (gen != s->gen || s->stop)
            continue;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ms / 1000;
        until.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- what http_internal.h declares ---- */

int
sv__steer_open(struct sv__server *srv)
{
    const char *path = srv->conf->steering_policy;
    struct sv__steer *s;
    struct stat st;
    int rc;

    if (path == NULL)
        return 0;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    if (snprintf(s->path, sizeof(s->path), "%s", path) >=
        (int)sizeof(s->path)) {
        free(s);
        return -ENAMETOOLONG;
    }
    if (stat(path, &st) == 0) {
        s->mtime = st.st_mtim;
        s->fsize = st.st_size;
        s->ino = st.st_ino;
    }
    rc = load(path, &s->pol, &s->geo);
    if (rc < 0) {
        free(s);
        return rc;
    }
    s->checked_ms = sv_time_now_ms();
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, health_main, s) == 0)
        s->have_thread = 1;
    srv->steer = s;
    return 0;
}

void
sv__steer_close(struct sv__server *srv)
{
    struct sv__steer *s = srv->steer;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->have_thread)
        pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    sv_steer_free(s->pol);
    sv_drm_geo_free(s->geo);
    free(s);
    srv->steer = NULL;
}

void
sv__steer_reload(struct sv__server *srv)
{
    struct sv__steer *s = srv->steer;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    memset(&s->mtime, 0, sizeof(s->mtime));
    refresh(s, s->checked_ms + 1000);
    pthread_mutex_unlock(&s->lock);
}

/* The viewer's address: the peer, or the hop a trusted cache added. */
static void
client_addr(h2o_req_t *req, const char *addr, int forwarded, char *out,
            size_t size)
{
    const char *xff, *p;
    size_t len;

    snprintf(out, size, "%s", addr);
    xff = forwarded ? sv_http_req_header(req, "x-forwarded-for", &len) : NULL;
    if (xff == NULL)
        return;
    /* the last entry: the one our own cache appended */
    for (p = xff + len; p > xff && p[-1] != ','; p--)
        ;
    while (p < xff + len && *p == ' ')
        p++;
    while (len > 0 && xff[len - 1] == ' ')
        len--;
    if (xff + len > p && (size_t)(xff + len - p) < size) {
        memcpy(out, p, (size_t)(xff + len - p));
        out[xff + len - p] = '\0';
    }
}

void
sv__steer_answer(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    struct sv__steer *s = srv->steer;
    char who[64], *text;
    const char *cc = NULL;
    uint8_t a[16];
    int order[SV_STEER_MAX], n;
    json_t *m;

    if (s == NULL) {
        sv__serve_fail(req, 404, "Not Found");
        return;
    }
    pthread_mutex_lock(&s->lock);
    refresh(s, sv_time_now_ms());
    client_addr(req, addr, s->pol->forwarded, who, sizeof(who));
    if (s->geo != NULL && sv_drm_addr_parse(who, a) == 0)
        cc = sv_drm_geo_country(s->geo, a);
    n = sv_steer_order(s->pol, cc, sv_steer_hash(who, strlen(who)),
                       atomic_load(&s->down), order);
    m = sv_steer_manifest(s->pol, order, n);
    pthread_mutex_unlock(&s->lock);
    text = m != NULL ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    if (text == NULL) {
        sv__serve_fail(req, 500, "Internal Server Error");
        return;
    }
    /* per viewer and per moment: no cache may keep it */
    sv_http_res_header(req, "cache-control", "no-store");
    sv_http_reply(req, 200, "OK", "application/json", NULL, text,
                  strlen(text));
    free(text);
}
