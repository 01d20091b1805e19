/* webhook.c -- events POSTed as signed JSON, a queue and a worker per URL */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/time.h"
#include "crypto/hmac.h"
#include "http/client.h"
#include "publish/webhook.h"

#define DEFAULT_QUEUE 1024
#define DEFAULT_ATTEMPTS 6
#define DEFAULT_BACKOFF_US 500000
#define MAX_BACKOFF_US 30000000
#define DEFAULT_TIMEOUT_US 10000000
#define MAX_ATTEMPTS 20
#define MAX_BODY (1 << 20)         /* an event larger than this is dropped */

struct item {
    struct item *next;
    char id[48];                /* SV-Delivery: the same on every attempt */
    size_t len;
    char body[];
};

struct hook {
    struct sv_webhook *w;
    const char *url;
    pthread_t th;
    int started;
    pthread_cond_t cv;          /* work, or a change of w->closing/abort */
    struct item *head, *tail;
    size_t n;
};

struct sv_webhook {
    struct sv_webhook_conf c;
    unsigned char *secret;
    pthread_mutex_t mu;         /* queues, flags and stats */
    pthread_cond_t done;        /* a worker ended */
    int running;
    int closing;                /* no more posts; workers end when empty */
    int abort;                  /* workers end now */
    int64_t deadline_us;        /* closing: monotonic end of the drain */
    int tapped;
    uint64_t seq;
    struct sv_webhook_stats st;
    int nhooks;
    struct hook hooks[];
};

static int64_t
mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
abs_time(int64_t mono, struct timespec *ts)
{
    ts->tv_sec = (time_t)(mono / 1000000);
    ts->tv_nsec = (long)(mono % 1000000) * 1000;
}

/* ---- signatures ---- */

int
sv_webhook_sign(const void *secret, size_t slen, int64_t t, const char *body,
                size_t len, char out[SV_WEBHOOK_SIG_MAX])
{
    unsigned char mac[SV_HMAC_SHA256_LEN];
    char ts[24], *msg;
    int n, i, rc;

    n = snprintf(ts, sizeof(ts), "%" PRId64 ".", t);
    msg = malloc((size_t)n + len + 1);
    if (msg == NULL)
        return -ENOMEM;
    memcpy(msg, ts, (size_t)n);
    if (len > 0)
        memcpy(msg + n, body, len);
    rc = sv_hmac_sha256(secret, slen, msg, (size_t)n + len, mac);
    free(msg);
    if (rc < 0)
        return rc;
    n = snprintf(out, SV_WEBHOOK_SIG_MAX, "t=%" PRId64 ",v1=", t);
    for (i = 0; i < SV_HMAC_SHA256_LEN; i++)
        snprintf(out + n + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
sv_webhook_verify(const void *secret, size_t slen, const char *header,
                  const char *body, size_t len, int64_t now,
                  int64_t tolerance)
{
    unsigned char want[SV_HMAC_SHA256_LEN], got[SV_HMAC_SHA256_LEN];
    unsigned char sigs[8][SV_HMAC_SHA256_LEN];
    char sig[SV_WEBHOOK_SIG_MAX];
    const char *p = header, *e;
    int64_t t = -1;
    int nsig = 0, i, ok = 0, hi, lo;

    /* "t=<digits>,v1=<64 hex>[,v1=...]", fields in any order */
    while (*p != '\0') {
        e = strchr(p, ',');
        if (e == NULL)
            e = p + strlen(p);
        if (e - p > 2 && strncmp(p, "t=", 2) == 0 && e - p <= 2 + 15) {
            t = 0;
            for (p += 2; p < e; p++) {
                if (*p < '0' || *p > '9')
                    return SV_EFORMAT;
                t = t * 10 + (*p - '0');
            }
        } else if (e - p == 3 + 2 * SV_HMAC_SHA256_LEN &&
                   strncmp(p, "v1=", 3) == 0) {
            if (nsig == 8)
                return SV_EFORMAT;
            for (i = 0; i < SV_HMAC_SHA256_LEN; i++) {
                hi = hexval(p[3 + 2 * i]);
                lo = hexval(p[4 + 2 * i]);
                if (hi < 0 || lo < 0)
                    return SV_EFORMAT;
                sigs[nsig][i] = (unsigned char)(hi << 4 | lo);
            }
            nsig++;
        } else if (e - p > 64 || memchr(p, '=', (size_t)(e - p)) == NULL) {
            return SV_EFORMAT;  /* other schemes are skipped, junk is not */
        }
        p = *e == ',' ? e + 1 : e;
    }
    if (t < 0 || nsig == 0)
        return SV_EFORMAT;
    if (sv_webhook_sign(secret, slen, t, body, len, sig) < 0)
        return SV_EINTERNAL;
    /* back from the hex we wrote: compare bytes in constant time */
    for (i = 0; i < SV_HMAC_SHA256_LEN; i++) {
        const char *x = strstr(sig, "v1=") + 3 + 2 * i;
        want[i] = (unsigned char)(hexval(x[0]) << 4 | hexval(x[1]));
    }
    for (i = 0; i < nsig; i++) {
        memcpy(got, sigs[i], sizeof(got));
        ok |= sv_ct_equal(want, got, sizeof(want));
    }
    if (!ok)
        return SV_EAUTH;
    if (t > now + tolerance || t < now - tolerance)
        return SV_EAUTH;
    return 0;
}

/* ---- delivery ---- */

/* Waits on h->cv until mono time until or abort; 1 when aborted. */
static int
pause_until(struct hook *h, int64_t until)
{
    struct sv_webhook *w = h->w;
    struct timespec ts;

    abs_time(until, &ts);
    pthread_mutex_lock(&w->mu);
    while (!w->abort && mono_us() < until)
        if (pthread_cond_timedwait(&h->cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&w->mu);
    return w->abort;
}

/* The time a request may take now: the timeout, or what is left of the
 * drain; 0 when nothing is left. */
static int64_t
request_budget(struct sv_webhook *w)
{
    int64_t t = w->c.timeout_us, left;

    pthread_mutex_lock(&w->mu);
    if (w->abort)
        t = 0;
    else if (w->closing) {
        left = w->deadline_us - mono_us();
        if (left < t)
            t = left > 0 ? left : 0;
    }
    pthread_mutex_unlock(&w->mu);
    return t;
}

static void
count(struct sv_webhook *w, uint64_t *field)
{
    pthread_mutex_lock(&w->mu);
    (*field)++;
    pthread_mutex_unlock(&w->mu);
}

static void
deliver(struct hook *h, const struct item *it)
{
    struct sv_webhook *w = h->w;
    char sig[SV_WEBHOOK_SIG_MAX], sighdr[SV_WEBHOOK_SIG_MAX + 16];
    char idhdr[64], err[512], why[300] = "";
    const char *hdrs[5];
    struct sv_http_req q;
    struct sv_http_reply r;
    int64_t wait = w->c.backoff_us, budget;
    int k, rc, cut = 0;

    for (k = 0; k < w->c.attempts; k++) {
        if (k > 0) {
            count(w, &w->st.retries);
            if (pause_until(h, mono_us() + wait)) {
                cut = 1;
                break;
            }
            wait = wait * 2 > MAX_BACKOFF_US ? MAX_BACKOFF_US : wait * 2;
        }
        budget = request_budget(w);
        if (budget <= 0) {
            cut = 1;
            break;
        }
        /* signed per attempt: a retry minutes later is not refused as a
         * replay */
        if (sv_webhook_sign(w->secret, w->c.secret_len,
                            sv_time_now_ms() / 1000, it->body, it->len,
                            sig) < 0) {
            snprintf(why, sizeof(why), "cannot sign");
            break;
        }
        snprintf(sighdr, sizeof(sighdr), "SV-Signature: %s", sig);
        snprintf(idhdr, sizeof(idhdr), "SV-Delivery: %s", it->id);
        hdrs[0] = "Content-Type: application/json";
        hdrs[1] = sighdr;
        hdrs[2] = idhdr;
        hdrs[3] = "Expect:";    /* no 100-continue wait for a large body */
        hdrs[4] = NULL;
        memset(&q, 0, sizeof(q));
        q.method = "POST";
        q.url = h->url;
        q.headers = hdrs;
        q.body = it->body;
        q.body_len = it->len;
        q.timeout_us = budget;
        q.user_agent = w->c.user_agent;
        rc = sv_http_send(&q, &r, err, sizeof(err));
        if (rc == 0 && r.status >= 200 && r.status < 300) {
            sv_http_reply_release(&r);
            count(w, &w->st.sent);
            return;
        }
        if (rc == 0)
            snprintf(why, sizeof(why), "HTTP %ld", r.status);
        else
            snprintf(why, sizeof(why), "%s", r.error[0] ? r.error
                     : sv_strerror(rc));
        if (rc == 0 && r.status < 500 && r.status != 429) {
            sv_http_reply_release(&r);
            sv_log_warn("webhook '%s' refused event %s: %s", h->url,
                        it->id, why);
            count(w, &w->st.failed);
            return;
        }
        sv_http_reply_release(&r);
    }
    if (cut) {
        count(w, &w->st.dropped);   /* the drain ended first */
        return;
    }
    count(w, &w->st.failed);
    sv_log_warn("webhook '%s': event %s not delivered after %d attempts: "
                "%s", h->url, it->id, k, why);
}

static void *
worker(void *arg)
{
    struct hook *h = arg;
    struct sv_webhook *w = h->w;
    struct item *it;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (h->head == NULL && !w->closing && !w->abort)
            pthread_cond_wait(&h->cv, &w->mu);
        if (w->abort || h->head == NULL)
            break;
        it = h->head;
        h->head = it->next;
        if (h->head == NULL)
            h->tail = NULL;
        h->n--;
        pthread_mutex_unlock(&w->mu);
        deliver(h, it);
        free(it);
        pthread_mutex_lock(&w->mu);
    }
    w->running--;
    pthread_cond_broadcast(&w->done);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- the queue ---- */

int
sv_webhook_post(struct sv_webhook *w, const char *body, size_t len)
{
    struct item *it;
    int i, rc = 0;
    uint64_t seq;

    if (len > MAX_BODY) {
        pthread_mutex_lock(&w->mu);
        w->st.dropped += (uint64_t)w->nhooks;
        pthread_mutex_unlock(&w->mu);
        return SV_ELIMIT;
    }
    pthread_mutex_lock(&w->mu);
    seq = ++w->seq;
    for (i = 0; i < w->nhooks; i++) {
        struct hook *h = &w->hooks[i];

        if (w->closing || h->n >= w->c.queue_max) {
            w->st.dropped++;
            rc = SV_ELIMIT;
            continue;
        }
        it = malloc(sizeof(*it) + len + 1);
        if (it == NULL) {
            w->st.dropped++;
            rc = -ENOMEM;
            continue;
        }
        it->next = NULL;
        snprintf(it->id, sizeof(it->id), "%" PRId64 "-%ld-%" PRIu64,
                 sv_time_now_ms(), (long)getpid(), seq);
        it->len = len;
        memcpy(it->body, body, len);
        it->body[len] = '\0';
        if (h->tail != NULL)
            h->tail->next = it;
        else
            h->head = it;
        h->tail = it;
        h->n++;
        w->st.queued++;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void
on_event(void *ud, const json_t *ev)
{
    struct sv_webhook *w = ud;
    char *s = json_dumps(ev, JSON_COMPACT);

    if (s == NULL) {
        pthread_mutex_lock(&w->mu);
        w->st.dropped += (uint64_t)w->nhooks;
        pthread_mutex_unlock(&w->mu);
        return;
    }
    sv_webhook_post(w, s, strlen(s));
    free(s);
}

void
sv_webhook_tap(struct sv_webhook *w)
{
    if (w != NULL) {
        sv_event_tap(on_event, w);
        w->tapped = 1;
    } else {
        sv_event_tap(NULL, NULL);
    }
}

/* ---- start and stop ---- */

static int
check_conf(const struct sv_webhook_conf *c, char *err, size_t size)
{
    int i;

    if (c->nurls <= 0 || c->nurls > SV_WEBHOOK_MAX_URLS) {
        snprintf(err, size, c->nurls <= 0 ? "no webhook URL"
                 : "too many webhook URLs (at most %d)", SV_WEBHOOK_MAX_URLS);
        return SV_EUSAGE;
    }
    for (i = 0; i < c->nurls; i++)
        if (strncmp(c->urls[i], "http://", 7) != 0 &&
            strncmp(c->urls[i], "https://", 8) != 0) {
            snprintf(err, size, "bad webhook URL '%s': expected http:// or "
                     "https://", c->urls[i]);
            return SV_EUSAGE;
        }
    if (c->secret == NULL || c->secret_len < SV_WEBHOOK_MIN_SECRET) {
        snprintf(err, size, "the webhook secret is too short (%zu bytes, "
                 "%d at least)", c->secret ? c->secret_len : 0,
                 SV_WEBHOOK_MIN_SECRET);
        return SV_EUSAGE;
    }
    return 0;
}

static void
free_webhook(struct sv_webhook *w)
{
    struct item *it, *nx;
    int i;

    for (i = 0; i < w->nhooks; i++) {
        for (it = w->hooks[i].head; it != NULL; it = nx) {
            nx = it->next;
            free(it);
        }
        pthread_cond_destroy(&w->hooks[i].cv);
    }
    pthread_cond_destroy(&w->done);
    pthread_mutex_destroy(&w->mu);
    if (w->secret != NULL) {
        memset(w->secret, 0, w->c.secret_len);
        free(w->secret);
    }
    free(w);
}

int
sv_webhook_start(const struct sv_webhook_conf *c, struct sv_webhook **out,
                 char *err, size_t size)
{
    struct sv_webhook *w;
    pthread_condattr_t ca;
    int i, rc;

    err[0] = '\0';
    rc = check_conf(c, err, size);
    if (rc < 0)
        return rc;
    w = calloc(1, sizeof(*w) + (size_t)c->nurls * sizeof(w->hooks[0]));
    if (w == NULL)
        return -ENOMEM;
    w->c = *c;
    if (w->c.queue_max == 0)
        w->c.queue_max = DEFAULT_QUEUE;
    if (w->c.attempts <= 0)
        w->c.attempts = DEFAULT_ATTEMPTS;
    if (w->c.attempts > MAX_ATTEMPTS)
        w->c.attempts = MAX_ATTEMPTS;
    if (w->c.backoff_us <= 0)
        w->c.backoff_us = DEFAULT_BACKOFF_US;
    if (w->c.timeout_us <= 0)
        w->c.timeout_us = DEFAULT_TIMEOUT_US;
    w->secret = malloc(c->secret_len);
    if (w->secret == NULL) {
        free(w);
        return -ENOMEM;
    }
    memcpy(w->secret, c->secret, c->secret_len);
    w->c.secret = NULL;         /* only the copy is used */
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->done, &ca);
    w->nhooks = c->nurls;
    for (i = 0; i < w->nhooks; i++) {
        w->hooks[i].w = w;
        w->hooks[i].url = c->urls[i];
        pthread_cond_init(&w->hooks[i].cv, &ca);
    }
    pthread_condattr_destroy(&ca);
    for (i = 0; i < w->nhooks; i++) {
        pthread_mutex_lock(&w->mu);
        w->running++;
        pthread_mutex_unlock(&w->mu);
        rc = pthread_create(&w->hooks[i].th, NULL, worker, &w->hooks[i]);
        if (rc != 0) {
            pthread_mutex_lock(&w->mu);
            w->running--;
            pthread_mutex_unlock(&w->mu);
            snprintf(err, size, "cannot start a webhook worker: %s",
                     strerror(rc));
            sv_webhook_stop(w, 0, NULL);
            return -rc;
        }
        w->hooks[i].started = 1;
    }
    *out = w;
    return 0;
}

void
sv_webhook_stop(struct sv_webhook *w, int64_t drain_us,
                struct sv_webhook_stats *st)
{
    struct timespec ts;
    int i;

    if (w == NULL)
        return;
    if (w->tapped)
        sv_webhook_tap(NULL);
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    w->deadline_us = mono_us() + (drain_us > 0 ? drain_us : 0);
    for (i = 0; i < w->nhooks; i++)
        pthread_cond_broadcast(&w->hooks[i].cv);
    abs_time(w->deadline_us, &ts);
    while (w->running > 0 && mono_us() < w->deadline_us)
        if (pthread_cond_timedwait(&w->done, &w->mu, &ts) == ETIMEDOUT)
            break;
    /* the drain is over: a worker in a request ends with its budget */
    w->abort = 1;
    for (i = 0; i < w->nhooks; i++) {
        pthread_cond_broadcast(&w->hooks[i].cv);
        w->st.dropped += w->hooks[i].n;
    }
    pthread_mutex_unlock(&w->mu);
    for (i = 0; i < w->nhooks; i++)
        if (w->hooks[i].started)
            pthread_join(w->hooks[i].th, NULL);
    if (st != NULL)
        *st = w->st;
    free_webhook(w);
}
