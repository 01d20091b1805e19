/* ingest_thread.c -- sources on their own threads (SRT callers, pulls),
 * handing packets to the loop through a locked list and a uv_async_t */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "ingest/ingest_int.h"
#include "srt/srt_sock.h"

/* packets a thread may have waiting for the loop before it drops */
#define MAX_QUEUED 4096
#define SRT_POLL_MS 250

enum { TH_SRT_LISTEN, TH_SRT_CONN, TH_PULL };

struct sv_ithread {
    struct sv_isource src;      /* first: a thread is a source */
    struct sv_ithread *next;
    struct sv_ingest *ing;
    int kind;
    pthread_t tid;
    atomic_int stop;
    atomic_int queued;
    atomic_ullong dropped;
    atomic_ullong wire;
    struct sv_srt_listener *lsn;
    struct sv_srt_conn *conn;
    char url[1024];
    struct sv_streamid sid;
    pthread_mutex_t smu;        /* guards stats */
    struct sv_srt_stats stats;
    int have_stats;
    struct timespec last_stats;
};

static void
post(struct sv_ithread *th, struct sv_tmsg *m)
{
    struct sv_ingest *ing = th->ing;

    m->th = th;
    pthread_mutex_lock(&ing->mu);
    if (ing->mtail != NULL)
        ing->mtail->next = m;
    else
        ing->mhead = m;
    ing->mtail = m;
    pthread_mutex_unlock(&ing->mu);
    uv_async_send(&ing->async);
}

static void
post_simple(struct sv_ithread *th, int type, const char *why)
{
    struct sv_tmsg *m = calloc(1, sizeof(*m));

    /* an end must arrive or the thread is never joined: retry on ENOMEM */
    while (m == NULL) {
        usleep(10000);
        m = calloc(1, sizeof(*m));
    }
    m->type = type;
    if (why != NULL)
        snprintf(m->why, sizeof(m->why), "%s", why);
    post(th, m);
}

static void
src_close(struct sv_isource *src)
{
    atomic_store(&((struct sv_ithread *)src)->stop, 1);
}

static void
src_stats(struct sv_isource *src, json_t *data)
{
    struct sv_ithread *th = (struct sv_ithread *)src;

    if (th->kind != TH_SRT_CONN)
        return;
    pthread_mutex_lock(&th->smu);
    if (th->have_stats)
        json_object_set_new(data, "srt", json_pack(
            "{s:f,s:f,s:I,s:I,s:I}", "rtt_ms", th->stats.rtt_ms,
            "recv_mbps", th->stats.recv_mbps,
            "lost", (json_int_t)th->stats.lost,
            "retransmitted", (json_int_t)th->stats.retransmitted,
            "dropped", (json_int_t)th->stats.dropped));
    pthread_mutex_unlock(&th->smu);
}

static const struct sv_isource_ops thread_ops = { src_close, src_stats };

/* ---- the demuxer's callbacks, on the source's thread ---- */

static int
cb_tracks(void *ud, const struct sv_ingest_track *tracks)
{
    struct sv_ithread *th = ud;
    struct sv_tmsg *m = calloc(1, sizeof(*m));
    int i;

    if (m == NULL)
        return -ENOMEM;
    m->type = TM_TRACKS;
    for (i = 0; i < SV_TRACKS; i++) {
        if (tracks[i].codec != SV_CODEC_NONE &&
            sv_av_track_copy(&m->tracks[i], &tracks[i]) < 0) {
            while (i-- > 0)
                sv_av_track_release(&m->tracks[i]);
            free(m);
            return -ENOMEM;
        }
    }
    post(th, m);
    return 0;
}

static int
cb_packet(void *ud, const struct sv_ingest_pkt *p)
{
    struct sv_ithread *th = ud;
    struct sv_tmsg *m;

    if (atomic_load(&th->queued) >= MAX_QUEUED) {
        atomic_fetch_add(&th->dropped, 1);   /* the loop is behind */
        return 0;
    }
    m = malloc(sizeof(*m) + p->size);
    if (m == NULL) {
        atomic_fetch_add(&th->dropped, 1);
        return 0;
    }
    memset(m, 0, sizeof(*m));
    m->type = TM_PACKET;
    m->pkt = *p;
    memcpy(m + 1, p->data, p->size);
    m->pkt.data = (const uint8_t *)(m + 1);
    atomic_fetch_add(&th->queued, 1);
    post(th, m);
    return 0;
}

static int
cb_stop(void *ud)
{
    return atomic_load(&((struct sv_ithread *)ud)->stop);
}

static const struct sv_av_input_cbs input_cbs = {
    cb_tracks, cb_packet, cb_stop,
};

/* ---- SRT ---- */

static void
refresh_stats(struct sv_ithread *th)
{
    struct sv_srt_stats s;
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec == th->last_stats.tv_sec)
        return;
    th->last_stats = now;
    if (sv_srt_conn_stats(th->conn, &s) < 0)
        return;
    pthread_mutex_lock(&th->smu);
    th->stats = s;
    th->have_stats = 1;
    pthread_mutex_unlock(&th->smu);
}

static int
srt_read(void *ud, uint8_t *p, size_t len)
{
    struct sv_ithread *th = ud;
    int n;

    for (;;) {
        if (atomic_load(&th->stop))
            return -ECANCELED;
        n = sv_srt_recv(th->conn, p, len, SRT_POLL_MS);
        refresh_stats(th);
        if (n == -EAGAIN)
            continue;
        if (n > 0)
            atomic_fetch_add(&th->wire, (unsigned long long)n);
        return n;
    }
}

static void *
srt_conn_main(void *arg)
{
    struct sv_ithread *th = arg;
    char why[256], err[256];
    int rc;

    rc = sv__auth_url(th->ing->conf, &th->sid, "srt", th->src.remote, why,
                      sizeof(why));
    if (rc < 0) {
        sv__ingest_refused(th->ing, "srt", th->src.remote, &th->sid, rc,
                           why);
        post_simple(th, TM_END, "refused");
        return NULL;
    }
    post_simple(th, TM_BEGIN, NULL);
    rc = sv_av_input_run(NULL, srt_read, th, &input_cbs, th, 0, err,
                         sizeof(err));
    if (rc < 0 && rc != SV_EINTR && !atomic_load(&th->stop))
        sv_log_warn("srt caller %s: %s", th->src.remote, err);
    post_simple(th, TM_END, atomic_load(&th->stop) ? "closed"
                            : rc == 0 ? "disconnected" : "error");
    return NULL;
}

static struct sv_ithread *
thread_new(struct sv_ingest *ing, int kind)
{
    struct sv_ithread *th = calloc(1, sizeof(*th));

    if (th == NULL)
        return NULL;
    th->ing = ing;
    th->kind = kind;
    th->src.ops = &thread_ops;
    pthread_mutex_init(&th->smu, NULL);
    return th;
}

static int
thread_start(struct sv_ithread *th, void *(*fn)(void *))
{
    struct sv_ingest *ing = th->ing;
    int rc;

    /* the list is the loop's; listener threads add conns through it too */
    pthread_mutex_lock(&ing->mu);
    th->next = ing->threads;
    ing->threads = th;
    pthread_mutex_unlock(&ing->mu);
    rc = -pthread_create(&th->tid, NULL, fn, th);
    if (rc < 0) {
        pthread_mutex_lock(&ing->mu);
        ing->threads = th->next;
        pthread_mutex_unlock(&ing->mu);
    }
    return rc;
}

static void *
srt_listen_main(void *arg)
{
    struct sv_ithread *th = arg, *c;
    struct sv_srt_conn *conn;

    while (!atomic_load(&th->stop)) {
        if (sv_srt_accept(th->lsn, &conn) < 0)
            break;
        c = thread_new(th->ing, TH_SRT_CONN);
        if (c == NULL) {
            sv_srt_conn_free(conn);
            continue;
        }
        c->conn = conn;
        c->src.proto = "srt";
        snprintf(c->src.remote, sizeof(c->src.remote), "%s",
                 sv_srt_conn_peer(conn));
        if (sv_streamid_parse(sv_srt_conn_streamid(conn), &c->sid) < 0 ||
            thread_start(c, srt_conn_main) < 0) {
            sv_srt_conn_free(conn);
            pthread_mutex_destroy(&c->smu);
            free(c);
        }
    }
    post_simple(th, TM_END, NULL);
    return NULL;
}

/* libsrt's handshake hook: the stream id picks the passphrase */
static int
srt_accept_cb(void *ud, const char *streamid, const char *peer, char *pass,
              size_t size)
{
    struct sv_ithread *th = ud;
    struct sv_streamid sid;
    char why[256];
    int rc;

    rc = sv_streamid_parse(streamid, &sid);
    if (rc < 0) {
        snprintf(why, sizeof(why), "bad stream id '%.200s'", streamid);
        sv__ingest_refused(th->ing, "srt", peer, NULL, rc, why);
        return rc;
    }
    if (sid.mode != SV_SID_PUBLISH) {
        snprintf(why, sizeof(why), "stream id asks to play '%s/%s'; only "
                 "m=publish is served", sid.app, sid.name);
        sv__ingest_refused(th->ing, "srt", peer, &sid, SV_EAUTH, why);
        return SV_EAUTH;
    }
    rc = sv__auth_check(th->ing->auth, &sid, pass, size, why, sizeof(why));
    if (rc < 0) {
        sv__ingest_refused(th->ing, "srt", peer, &sid, rc, why);
        return rc;
    }
    return 0;
}

int
sv__srt_listen(struct sv_ingest *ing, const char *url)
{
    char host[256], err[256], *colon, *e;
    struct sv_ithread *th;
    long port;
    int rc;

    snprintf(host, sizeof(host), "%s", url + strlen("srt://"));
    host[strcspn(host, "?/")] = '\0';
    colon = strrchr(host, ':');
    if (colon == NULL) {
        sv_log_error("bad listen address '%s': no port", url);
        return SV_EUSAGE;
    }
    *colon = '\0';
    port = strtol(colon + 1, &e, 10);
    if (*e != '\0' || port < 1 || port > 65535) {
        sv_log_error("bad listen address '%s'", url);
        return SV_EUSAGE;
    }
    if (host[0] == '[') {
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = '\0';
    }
    th = thread_new(ing, TH_SRT_LISTEN);
    if (th == NULL)
        return -ENOMEM;
    rc = sv_srt_listen(&th->lsn, host, (int)port, ing->conf->srt_latency_ms,
                       srt_accept_cb, th, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        free(th);
        return rc;
    }
    rc = thread_start(th, srt_listen_main);
    if (rc < 0) {
        sv_srt_listener_free(th->lsn);
        free(th);
        return rc;
    }
    sv_log_info("listening on %s", url);
    return 0;
}

/* ---- pull ---- */

static int
sleep_unless_stopped(struct sv_ithread *th, int64_t ms)
{
    for (; ms > 0 && !atomic_load(&th->stop); ms -= 100)
        usleep(100000);
    return atomic_load(&th->stop);
}

static void *
pull_main(void *arg)
{
    struct sv_ithread *th = arg;
    const int64_t retries = th->ing->conf->pull_retries;
    int64_t failures = 0, backoff = 500;
    char err[512];
    const char *why;
    int rc;

    post_simple(th, TM_BEGIN, NULL);
    for (;;) {
        uint64_t before = atomic_load(&th->wire);

        rc = sv_av_input_run(th->url, NULL, NULL, &input_cbs, th,
                             th->ing->conf->timeout_us, err, sizeof(err));
        if (atomic_load(&th->stop)) {
            why = "closed";
            break;
        }
        if (rc == 0) {
            why = "source-ended";
            break;
        }
        if (atomic_load(&th->queued) > 0 || before != atomic_load(&th->wire)) {
            failures = 0;   /* it worked for a while: start over */
            backoff = 500;
        }
        failures++;
        if (retries >= 0 && failures > retries) {
            sv_log_error("pull '%s': %s; giving up", th->sid.name, err);
            why = "source-failed";
            break;
        }
        sv_log_warn("pull '%s': %s; retrying in %.1f s", th->sid.name, err,
                    (double)backoff / 1000);
        if (sleep_unless_stopped(th, backoff)) {
            why = "closed";
            break;
        }
        backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
    }
    post_simple(th, TM_END, why);
    return NULL;
}

int
sv__pull_start(struct sv_ingest *ing, const char *spec, int index)
{
    struct sv_ithread *th;
    const char *eq = strchr(spec, '='), *url = spec;
    char name[128];
    size_t n;
    int rc;

    /* "name=url" when what precedes '=' is a plain name */
    snprintf(name, sizeof(name), "pull%d", index + 1);
    if (eq != NULL) {
        n = (size_t)(eq - spec);
        if (n > 0 && n < sizeof(name) && strcspn(spec, ":/?") > n) {
            memcpy(name, spec, n);
            name[n] = '\0';
            url = eq + 1;
        }
    }
    if (!sv_streamid_name_ok(name)) {
        sv_log_error("bad pull name '%s'", name);
        return SV_EUSAGE;
    }
    th = thread_new(ing, TH_PULL);
    if (th == NULL)
        return -ENOMEM;
    th->src.proto = "pull";
    snprintf(th->src.remote, sizeof(th->src.remote), "%.79s", url);
    snprintf(th->url, sizeof(th->url), "%s", url);
    snprintf(th->sid.app, sizeof(th->sid.app), "pull");
    snprintf(th->sid.name, sizeof(th->sid.name), "%s", name);
    rc = thread_start(th, pull_main);
    if (rc < 0)
        free(th);
    return rc;
}

/* ---- on the loop ---- */

static void
thread_done(struct sv_ithread *th)
{
    struct sv_ingest *ing = th->ing;
    struct sv_ithread **pp;

    pthread_join(th->tid, NULL);
    pthread_mutex_lock(&ing->mu);
    for (pp = &ing->threads; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == th) {
            *pp = th->next;
            break;
        }
    }
    pthread_mutex_unlock(&ing->mu);
    if (th->kind == TH_SRT_LISTEN)
        sv_srt_listener_free(th->lsn);
    sv_srt_conn_free(th->conn);
    pthread_mutex_destroy(&th->smu);
    free(th);
}

static void
handle(struct sv_tmsg *m)
{
    struct sv_ithread *th = m->th;
    struct sv_istream *st = th->src.st;
    char why[256];
    uint64_t d;
    int rc, i;

    switch (m->type) {
    case TM_BEGIN:
        rc = sv__stream_begin(th->ing, &th->src, &th->sid, why, sizeof(why));
        if (rc < 0) {
            sv__ingest_refused(th->ing, th->src.proto, th->src.remote,
                               &th->sid, rc, why);
            atomic_store(&th->stop, 1);
        }
        break;
    case TM_TRACKS:
        if (st != NULL)
            sv__stream_tracks(st, m->tracks);
        for (i = 0; i < SV_TRACKS; i++)
            sv_av_track_release(&m->tracks[i]);
        break;
    case TM_PACKET:
        atomic_fetch_sub(&th->queued, 1);
        if (st == NULL)
            break;
        d = atomic_exchange(&th->dropped, 0);
        if (d > 0)
            sv__stream_drop(st, d);
        th->src.bytes = atomic_load(&th->wire);
        sv__stream_packet(st, &m->pkt);
        break;
    case TM_END:
        if (st != NULL)
            sv__stream_detach(&th->src, m->why[0] != '\0' ? m->why
                                                           : "closed");
        thread_done(th);
        break;
    }
}

void
sv__threads_drain(struct sv_ingest *ing)
{
    struct sv_tmsg *m, *next;

    pthread_mutex_lock(&ing->mu);
    m = ing->mhead;
    ing->mhead = ing->mtail = NULL;
    pthread_mutex_unlock(&ing->mu);
    for (; m != NULL; m = next) {
        next = m->next;
        handle(m);
        free(m);
    }
}

void
sv__threads_stop(struct sv_ingest *ing)
{
    struct sv_ithread *th;

    pthread_mutex_lock(&ing->mu);
    for (th = ing->threads; th != NULL; th = th->next) {
        atomic_store(&th->stop, 1);
        if (th->kind == TH_SRT_LISTEN)
            sv_srt_listener_close(th->lsn);
    }
    pthread_mutex_unlock(&ing->mu);
}

int
sv__threads_running(struct sv_ingest *ing)
{
    int any;

    pthread_mutex_lock(&ing->mu);
    any = ing->threads != NULL;
    pthread_mutex_unlock(&ing->mu);
    return any;
}
