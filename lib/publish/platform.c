/* platform.c -- the platform driver: threads, retries, results, helpers */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "core/time.h"
#include "publish/platform_int.h"
#include "publish/sigv4.h"

#define MAX_REPLY (4 << 20)
#define MAX_BACKOFF_US 8000000

/* keep in the order of the man page's sections */
static const struct sv_plat_ops *const adapters[] = {
    &sv__plat_youtube,
    &sv__plat_vimeo,
    &sv__plat_tiktok,
    &sv__plat_dailymotion,
    &sv__plat_twitch,
    &sv__plat_kick,
    &sv__plat_rumble,
    &sv__plat_facebook,
    &sv__plat_instagram,
    &sv__plat_odysee,
    NULL,
};

static const struct sv_plat_ops *
find(const char *name)
{
    int i;

    for (i = 0; adapters[i] != NULL; i++)
        if (strcmp(adapters[i]->name, name) == 0)
            return adapters[i];
    return NULL;
}

int
sv_platform_known(const char *name)
{
    return find(name) != NULL;
}

const char *
sv_platform_names(void)
{
    return "youtube vimeo tiktok dailymotion twitch kick rumble facebook "
        "instagram odysee";
}

/* Nonzero when s starts a new --simulcast item: a scheme, or a platform
 * name that runs to a comma or the end. */
static int
cast_item_start(const char *s)
{
    static const char *const schemes[] = { "rtmp://", "rtmps://", "srt://",
                                           NULL };
    const char *comma = strchr(s, ',');
    char nm[32];
    size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
    int i;

    for (i = 0; schemes[i] != NULL; i++)
        if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
            return 1;
    if (len == 0)
        return 1;               /* an empty item: refused by the caller */
    if (len >= sizeof(nm))
        return 0;
    memcpy(nm, s, len);
    nm[len] = '\0';
    return find(nm) != NULL;
}

int
sv_platform_cast_split(const char *arg, char *buf, size_t bufsize,
                       const char **list, int max, int *n, char *err,
                       size_t size)
{
    size_t len = strlen(arg);
    char *p, *q;

    if (len >= bufsize) {
        snprintf(err, size, "--simulcast value is too long");
        return SV_EUSAGE;
    }
    memcpy(buf, arg, len + 1);
    for (p = buf;;) {
        /* the item ends at the first comma that starts another one */
        for (q = strchr(p, ','); q != NULL && !cast_item_start(q + 1);
             q = strchr(q + 1, ','))
            ;
        if (q != NULL)
            *q = '\0';
        if (*p == '\0') {
            snprintf(err, size, "bad --simulcast '%s': an empty item", arg);
            return SV_EUSAGE;
        }
        if (*n >= max) {
            snprintf(err, size, "more than %d --simulcast destinations",
                     max);
            return SV_EUSAGE;
        }
        list[(*n)++] = p;
        if (q == NULL)
            return 0;
        p = q + 1;
    }
}

/* ---- helpers for the adapters ---- */

void
sv__plat_url(const struct sv_plat_job *j, int upload, const char *path,
             char *out, size_t size)
{
    const char *host = upload && j->ops->upload != NULL ? j->ops->upload
        : j->ops->api;

    if (j->base[0] != '\0')
        host = j->base;
    snprintf(out, size, "%s%s", host, path);
}

int
sv__plat_backoff(struct sv_plat_job *j, int try)
{
    int64_t us = j->c->backoff_us > 0 ? j->c->backoff_us : 250000;
    struct timespec ts;

    us <<= try < 6 ? try : 6;
    if (us > MAX_BACKOFF_US)
        us = MAX_BACKOFF_US;
    ts.tv_sec = (time_t)(us / 1000000);
    ts.tv_nsec = (long)(us % 1000000) * 1000;
    nanosleep(&ts, NULL);
    return !sv_sig_stop;
}

static int
retryable(int rc, long status)
{
    if (rc < 0)
        return rc == SV_EPROTO;
    return status >= 500 || status == 429 || status == 408;
}

int
sv__plat_call(struct sv_plat_job *j, struct sv_http_req *q, unsigned flags,
              struct sv_http_reply *r)
{
    const char *hdrs[32];
    char auth[4200];
    const char *const *orig = q->headers;
    int n = 0, i, k, rc, refreshed = 0;

    if (q->timeout_us == 0)
        q->timeout_us = j->c->timeout_us;
    if (q->max_reply == 0)
        q->max_reply = MAX_REPLY;
    if (q->sent == NULL)
        q->sent = &j->sent;
    if (q->user_agent == NULL)
        q->user_agent = j->c->user_agent;
    for (i = 0;; i++) {
        n = 0;
        if (flags & SV_PLAT_AUTH) {
            snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
                     j->token);
            hdrs[n++] = auth;
        }
        for (k = 0; orig != NULL && orig[k] != NULL && n < 31; k++)
            hdrs[n++] = orig[k];
        hdrs[n] = NULL;
        q->headers = hdrs;
        rc = sv_http_send(q, r, j->err, sizeof(j->err));
        q->headers = orig;
        if (rc == 0 && r->status == 401 && (flags & SV_PLAT_AUTH) &&
            !refreshed && (j->ops->caps & SV_PLAT_REFRESH)) {
            /* an access token the platform no longer takes: refresh once */
            refreshed = 1;
            sv_log_debug("%s: 401, refreshing the access token",
                         j->ops->name);
            sv_http_reply_release(r);
            rc = sv__plat_refresh(j);
            if (rc < 0)
                return rc;
            i--;
            continue;
        }
        if ((flags & SV_PLAT_ONCE) || i >= j->c->retries ||
            !retryable(rc, r->status))
            return rc;
        sv_log_debug("%s: %s %s: %s, again", j->ops->name,
                     q->method != NULL ? q->method : "POST", q->url,
                     rc < 0 ? j->err : "retryable status");
        sv_http_reply_release(r);
        if (!sv__plat_backoff(j, i))
            return SV_EINTR;
    }
}

json_t *
sv__plat_json(const struct sv_http_reply *r)
{
    if (r->body == NULL || r->len == 0)
        return NULL;
    return json_loadb(r->body, r->len, 0, NULL);
}

int
sv__plat_fail(struct sv_plat_job *j, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(j->err, sizeof(j->err), fmt, ap);
    va_end(ap);
    return code;
}

/* the code that fits an HTTP failure */
static int
code_of(long status, const char *reason)
{
    /* a quota for the day (YouTube's quotaExceeded) is not a rate */
    if (reason != NULL && strstr(reason, "uotaExceeded") != NULL)
        return SV_EQUOTA;
    if (status == 401 || status == 403) {
        if (reason != NULL && (strstr(reason, "uota") != NULL ||
                               strstr(reason, "imit") != NULL))
            return SV_ELIMIT;
        return SV_EAUTH;
    }
    if (status == 429 || (reason != NULL && (strstr(reason, "uota") ||
                                             strstr(reason, "imit"))))
        return SV_ELIMIT;
    if (status == 404 || status == 410)
        return -ENOENT;
    return SV_EPROTO;
}

int
sv__plat_http_fail(struct sv_plat_job *j, const char *what,
                   const struct sv_http_reply *r)
{
    json_t *o = sv__plat_json(r), *e;
    const char *reason = NULL, *msg = NULL;

    /* the shapes of the four families' error bodies (platforms.md) */
    e = json_object_get(o, "error");
    if (json_is_object(e)) {
        json_t *errs = json_object_get(e, "errors");

        msg = json_string_value(json_object_get(e, "message"));
        if (json_is_array(errs) && json_array_size(errs) > 0)
            reason = json_string_value(json_object_get(
                    json_array_get(errs, 0), "reason"));
        if (reason == NULL)
            reason = json_string_value(json_object_get(e, "code"));
        if (reason == NULL)
            reason = json_string_value(json_object_get(e, "type"));
    } else if (json_is_string(e)) {
        reason = json_string_value(e);
        msg = json_string_value(json_object_get(o, "developer_message"));
        if (msg == NULL)
            msg = json_string_value(json_object_get(o,
                                                    "error_description"));
    }
    /* Twitch and Kick: {"error":"Unauthorized","status":401,"message"} */
    if (msg == NULL && json_is_object(o))
        msg = json_string_value(json_object_get(o, "message"));
    if (reason != NULL)
        snprintf(j->reason, sizeof(j->reason), "%s", reason);
    if (reason != NULL && msg != NULL)
        snprintf(j->err, sizeof(j->err), "%s: %ld %s: %s", what, r->status,
                 reason, msg);
    else if (reason != NULL || msg != NULL)
        snprintf(j->err, sizeof(j->err), "%s: %ld %s", what, r->status,
                 reason != NULL ? reason : msg);
    else
        snprintf(j->err, sizeof(j->err), "%s: HTTP %ld", what, r->status);
    json_decref(o);
    return code_of(r->status, j->reason[0] != '\0' ? j->reason : NULL);
}

int
sv__plat_pct(const char *s, char *out, size_t size)
{
    int rc = sv_sigv4_encode(s, 0, out, size);

    return rc < 0 ? rc : 0;
}

int
sv__plat_form(char *out, size_t size, const char *k, const char *v)
{
    size_t n = strlen(out);
    int rc;

    if (v == NULL)
        return 0;
    if (n + strlen(k) + 3 >= size)
        return SV_ELIMIT;
    n += (size_t)snprintf(out + n, size - n, "%s%s=", n > 0 ? "&" : "", k);
    rc = sv__plat_pct(v, out + n, size - n);
    return rc;
}

const char *
sv__plat_meta(const struct sv_plat_conf *c, const char *name,
              const char *field, const char *common)
{
    size_t nl = strlen(name), fl = strlen(field);
    int i;

    for (i = 0; i < c->nsets; i++) {
        const char *s = c->sets[i];

        if (strncmp(s, name, nl) == 0 && s[nl] == '.' &&
            strncmp(s + nl + 1, field, fl) == 0 && s[nl + 1 + fl] == '=')
            return s + nl + 2 + fl;
    }
    return common;
}

int
sv__plat_refresh(struct sv_plat_job *j)
{
    j->refreshes++;
    return sv__oauth_refresh(j);
}

void
sv__plat_progress(struct sv_plat_job *j)
{
    json_t *d = json_pack("{s:s,s:I,s:I,s:I}", "platform", j->ops->name,
                          "bytes", (json_int_t)j->confirmed,
                          "size", (json_int_t)j->size,
                          "sent", (json_int_t)j->sent);

    sv_event_emit("publish.progress", d);
}

const char *
sv__plat_title(const struct sv_plat_job *j, char *buf, size_t size)
{
    const char *b, *dot;

    if (j->c->meta.title != NULL)
        return j->c->meta.title;
    b = strrchr(j->file, '/');
    b = b != NULL ? b + 1 : j->file;
    dot = strrchr(b, '.');
    snprintf(buf, size, "%.*s", dot != NULL && dot != b ? (int)(dot - b)
             : (int)strlen(b), b);
    return buf;
}

const char *
sv__plat_type(const char *file)
{
    const char *dot = strrchr(file, '.');

    if (dot == NULL)
        return "video/mp4";
    if (strcasecmp(dot, ".mov") == 0)
        return "video/quicktime";
    if (strcasecmp(dot, ".webm") == 0)
        return "video/webm";
    if (strcasecmp(dot, ".mkv") == 0)
        return "video/x-matroska";
    if (strcasecmp(dot, ".ts") == 0)
        return "video/mp2t";
    return "video/mp4";
}

/* ---- checks ---- */

int
sv_platform_check(const struct sv_plat_conf *c, const char *list,
                  char *buf, size_t bufsize, const char **names, int max,
                  int *n, char *err, size_t size)
{
    const struct sv_plat_ops *ops;
    char *save = NULL, *t;
    int i, k = 0, rc;

    if (strlen(list) >= bufsize) {
        snprintf(err, size, "--platform list is too long");
        return SV_EUSAGE;
    }
    memcpy(buf, list, strlen(list) + 1);
    for (t = strtok_r(buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        ops = find(t);
        if (ops == NULL) {
            snprintf(err, size, "unknown platform '%s' (known: %s)", t,
                     sv_platform_names());
            return SV_EUSAGE;
        }
        for (i = 0; i < k; i++)
            if (strcmp(names[i], t) == 0) {
                snprintf(err, size, "platform '%s' is named twice", t);
                return SV_EUSAGE;
            }
        if (k == max) {
            snprintf(err, size, "more than %d platforms", max);
            return SV_EUSAGE;
        }
        names[k++] = t;
    }
    if (k == 0) {
        snprintf(err, size, "--platform names no platform");
        return SV_EUSAGE;
    }
    for (i = 0; i < c->nsets; i++) {
        const char *dot = strchr(c->sets[i], '.');
        char nm[32];

        if (dot == NULL || strchr(dot, '=') == NULL ||
            (size_t)(dot - c->sets[i]) >= sizeof(nm)) {
            snprintf(err, size, "bad --set '%s': expected "
                     "platform.field=value", c->sets[i]);
            return SV_EUSAGE;
        }
        snprintf(nm, sizeof(nm), "%.*s", (int)(dot - c->sets[i]),
                 c->sets[i]);
        if (find(nm) == NULL) {
            snprintf(err, size, "bad --set '%s': unknown platform '%s'",
                     c->sets[i], nm);
            return SV_EUSAGE;
        }
    }
    for (i = 0; i < c->napis; i++) {
        const char *eq = strchr(c->apis[i], '=');

        if (eq == NULL || (strncmp(eq + 1, "http://", 7) != 0 &&
                           strncmp(eq + 1, "https://", 8) != 0)) {
            snprintf(err, size, "bad --api '%s': expected "
                     "platform=http(s)://host[:port]", c->apis[i]);
            return SV_EUSAGE;
        }
    }
    for (i = 0; i < k; i++) {
        ops = find(names[i]);
        if (!(ops->caps & SV_PLAT_VOD)) {
            /* Twitch, Kick: stream keys only, no upload API exists */
            snprintf(err, size, "%s has no upload API: use --simulcast %s "
                     "for live", ops->name, ops->name);
            return SV_EUSAGE;
        }
        if (ops->check != NULL) {
            rc = ops->check(c, err, size);
            if (rc < 0)
                return rc;
        }
    }
    *n = k;
    return 0;
}

/* ---- jobs ---- */

static void
job_init(struct sv_plat_job *j, const struct sv_plat_conf *c,
         const struct sv_plat_ops *ops, struct sv_creds *creds)
{
    size_t nl = strlen(ops->name);
    int i;

    memset(j, 0, sizeof(*j));
    j->c = c;
    j->ops = ops;
    j->creds = creds;
    j->fd = -1;
    for (i = 0; i < c->napis; i++)
        if (strncmp(c->apis[i], ops->name, nl) == 0 &&
            c->apis[i][nl] == '=')
            snprintf(j->base, sizeof(j->base), "%s", c->apis[i] + nl + 1);
}

/* an access token that is there and not about to expire, or a refresh */
static int
job_token(struct sv_plat_job *j)
{
    int64_t exp;
    int rc;

    if (j->ops->caps & SV_PLAT_NOTOKEN)
        return 0;
    rc = sv_creds_get(j->creds, j->ops->name, "access_token", j->token,
                      sizeof(j->token));
    exp = sv_creds_get_int(j->creds, j->ops->name, "expires_at");
    if (rc == 0 && (exp == 0 || exp > sv_time_now_ms() + 60000))
        return 0;
    if (!(j->ops->caps & SV_PLAT_REFRESH)) {
        if (rc == 0)
            return 0;
        return sv__plat_fail(j, SV_EAUTH, "no access token for %s in '%s': "
                             "run 'sv-publish auth %s'", j->ops->name,
                             sv_creds_path(j->creds), j->ops->name);
    }
    return sv__plat_refresh(j);
}

static void
job_report(struct sv_plat_job *j)
{
    json_t *d;

    if (j->rc < 0) {
        d = json_pack("{s:s,s:I,s:I,s:i}", "platform", j->ops->name,
                      "bytes", (json_int_t)j->confirmed,
                      "sent", (json_int_t)j->sent, "resumes", j->resumes);
        if (j->reason[0] != '\0')
            json_object_set_new(d, "reason", json_string(j->reason));
        if (j->id[0] != '\0')
            json_object_set_new(d, "id", json_string(j->id));
        sv_log_error("%s: %s", j->ops->name, j->err);
        sv_event_error(j->rc, j->err, d);
        return;
    }
    d = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:i,s:i}", "platform",
                  j->ops->name, "id", j->id, "url", j->url, "state",
                  j->state[0] != '\0' ? j->state : "uploaded",
                  "bytes", (json_int_t)j->confirmed,
                  "sent", (json_int_t)j->sent, "resumes", j->resumes,
                  "refreshes", j->refreshes);
    if (j->extra != NULL)
        json_object_update(d, j->extra);
    sv_event_emit("publish.complete", d);
}

/* must: a publish step follows, so not finishing in time is a failure */
static int
job_poll(struct sv_plat_job *j, int must)
{
    int64_t limit = j->c->wait_us > 0 ? j->c->wait_us : 600000000;
    struct timespec t0, t;
    int done = 0, rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        rc = j->ops->poll(j, &done);
        if (rc < 0 || done)
            return rc;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((int64_t)(t.tv_sec - t0.tv_sec) * 1000000 +
            (t.tv_nsec - t0.tv_nsec) / 1000 >= limit) {
            if (must)
                return sv__plat_fail(j, -ETIMEDOUT, "still %s after the "
                                     "wait: not published", j->state);
            /* still processing is not a failure: the upload is done */
            sv_log_info("%s: still %s after the wait; 'sv-publish status "
                        "%s:%s' tells more later", j->ops->name, j->state,
                        j->ops->name, j->id);
            return 0;
        }
        {
            int64_t us = j->c->poll_us > 0 ? j->c->poll_us : 5000000;
            struct timespec ts = { (time_t)(us / 1000000),
                                   (long)(us % 1000000) * 1000 };

            nanosleep(&ts, NULL);
        }
        if (sv_sig_stop)
            return SV_EINTR;
    }
}

static void *
job_run(void *ud)
{
    struct sv_plat_job *j = ud;
    struct stat sb;
    int rc;

    j->fd = open(j->file, O_RDONLY | O_CLOEXEC);
    if (j->fd < 0 || fstat(j->fd, &sb) < 0) {
        rc = sv__plat_fail(j, -errno, "cannot open '%s': %s", j->file,
                           sv_strerror(-errno));
        goto out;
    }
    j->size = sb.st_size;
    j->chunk = j->c->chunk_size > 0 ? j->c->chunk_size
        : j->ops->chunk_default;
    rc = j->ops->quota != NULL ? j->ops->quota(j, SV_PLAT_Q_UPLOAD) : 0;
    if (rc == 0)
        rc = job_token(j);
    if (rc == 0)
        rc = j->ops->start(j);
    if (rc == 0 && j->ops->send != NULL)
        rc = j->ops->send(j);
    if (rc == 0 && j->ops->finish != NULL)
        rc = j->ops->finish(j);
    if (rc == 0 && j->c->meta.thumbnail != NULL &&
        j->ops->thumbnail != NULL)
        rc = j->ops->thumbnail(j);
    if (rc == 0 && j->ops->poll != NULL &&
        (j->c->wait_us > 0 || j->ops->publish != NULL))
        rc = job_poll(j, j->ops->publish != NULL);
    if (rc == 0 && j->ops->publish != NULL)
        rc = j->ops->publish(j);
out:
    j->rc = rc;
    if (j->fd >= 0)
        close(j->fd);
    job_report(j);
    return NULL;
}

static int
run_all(const struct sv_plat_conf *c, struct sv_plat_job *jobs, int n,
        void *(*fn)(void *), int *nok, char *err, size_t size)
{
    pthread_t *th;
    int i, rc = 0;

    th = calloc((size_t)n, sizeof(*th));
    if (th == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        if (pthread_create(&th[i], NULL, fn, &jobs[i]) != 0) {
            /* no thread: run it here, the others still go */
            fn(&jobs[i]);
            th[i] = 0;
        }
    }
    *nok = 0;
    for (i = 0; i < n; i++) {
        if (th[i] != 0)
            pthread_join(th[i], NULL);
        if (jobs[i].rc == 0)
            ++*nok;
        json_decref(jobs[i].extra);
        explicit_bzero(jobs[i].token, sizeof(jobs[i].token));
    }
    free(th);
    (void)c;
    (void)err;
    (void)size;
    return rc;
}

int
sv_platform_publish(const struct sv_plat_conf *c, const char *const *names,
                    int n, const char *file, int *nok, char *err,
                    size_t size)
{
    struct sv_plat_job *jobs;
    struct sv_creds *creds;
    int i, rc;

    rc = sv_creds_open(c->creds, &creds, err, size);
    if (rc < 0)
        return rc;
    jobs = calloc((size_t)n, sizeof(*jobs));
    if (jobs == NULL) {
        sv_creds_free(creds);
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        job_init(&jobs[i], c, find(names[i]), creds);
        jobs[i].file = file;
    }
    rc = run_all(c, jobs, n, job_run, nok, err, size);
    free(jobs);
    sv_creds_free(creds);
    return rc;
}

/* ---- status ---- */

static void *
status_run(void *ud)
{
    struct sv_plat_job *j = ud;
    json_t *out = NULL;
    int rc;

    rc = j->ops->quota != NULL ? j->ops->quota(j, SV_PLAT_Q_STATUS) : 0;
    if (rc == 0)
        rc = job_token(j);
    if (rc == 0)
        rc = j->ops->status(j, j->id, &out);
    j->rc = rc;
    if (rc < 0) {
        sv_log_error("%s: %s", j->ops->name, j->err);
        sv_event_error(rc, j->err, json_pack("{s:s,s:s}", "platform",
                                             j->ops->name, "id", j->id));
        return NULL;
    }
    json_object_set_new(out, "platform", json_string(j->ops->name));
    json_object_set_new(out, "id", json_string(j->id));
    sv_event_emit("publish.status", out);
    return NULL;
}

int
sv_platform_status(const struct sv_plat_conf *c, const char *const *items,
                   int n, int *nok, char *err, size_t size)
{
    struct sv_plat_job *jobs;
    struct sv_creds *creds;
    const struct sv_plat_ops *ops;
    char nm[32];
    int i, rc;

    for (i = 0; i < n; i++) {
        const char *colon = strchr(items[i], ':');

        if (colon == NULL || colon == items[i] || colon[1] == '\0' ||
            (size_t)(colon - items[i]) >= sizeof(nm)) {
            snprintf(err, size, "bad item '%s': expected platform:id",
                     items[i]);
            return SV_EUSAGE;
        }
        snprintf(nm, sizeof(nm), "%.*s", (int)(colon - items[i]), items[i]);
        ops = find(nm);
        if (ops == NULL || ops->status == NULL) {
            snprintf(err, size, "bad item '%s': %s '%s'", items[i],
                     ops == NULL ? "unknown platform" :
                     "no status API on", nm);
            return SV_EUSAGE;
        }
    }
    rc = sv_creds_open(c->creds, &creds, err, size);
    if (rc < 0)
        return rc;
    jobs = calloc((size_t)n, sizeof(*jobs));
    if (jobs == NULL) {
        sv_creds_free(creds);
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        const char *colon = strchr(items[i], ':');

        snprintf(nm, sizeof(nm), "%.*s", (int)(colon - items[i]), items[i]);
        job_init(&jobs[i], c, find(nm), creds);
        snprintf(jobs[i].id, sizeof(jobs[i].id), "%s", colon + 1);
    }
    rc = run_all(c, jobs, n, status_run, nok, err, size);
    free(jobs);
    sv_creds_free(creds);
    return rc;
}

/* ---- auth and live ---- */

int
sv_platform_auth(const struct sv_plat_conf *c, const char *name, char *err,
                 size_t size)
{
    struct sv_plat_job j;
    struct sv_creds *creds;
    const struct sv_plat_ops *ops = find(name);
    int rc;

    if (ops == NULL) {
        snprintf(err, size, "unknown platform '%s' (known: %s)", name,
                 sv_platform_names());
        return SV_EUSAGE;
    }
    if (ops->token_url == NULL && ops->auth == NULL) {
        snprintf(err, size, "%s has no OAuth flow: put its access_token "
                 "in the credentials file or SV_<PLATFORM>_ACCESS_TOKEN",
                 name);
        return SV_EUSAGE;
    }
    if (c->device && !(ops->caps & SV_PLAT_DEVICE)) {
        snprintf(err, size, "%s has no device flow: leave out --device",
                 name);
        return SV_EUSAGE;
    }
    rc = sv_creds_open(c->creds, &creds, err, size);
    if (rc < 0)
        return rc;
    job_init(&j, c, ops, creds);
    rc = sv__oauth_auth(&j);
    if (rc < 0)
        snprintf(err, size, "%s", j.err);
    explicit_bzero(j.token, sizeof(j.token));
    sv_creds_free(creds);
    return rc;
}

int
sv_platform_live_url(const struct sv_plat_conf *c, const char *name,
                     char *url, size_t usize, char *err, size_t size)
{
    struct sv_plat_job j;
    struct sv_creds *creds;
    const struct sv_plat_ops *ops = find(name);
    int rc;

    if (ops == NULL || ops->live == NULL) {
        snprintf(err, size, "%s: %s", name, ops == NULL ?
                 "unknown platform" : "the platform has no live API");
        return -ENOTSUP;
    }
    rc = sv_creds_open(c->creds, &creds, err, size);
    if (rc < 0)
        return rc;
    job_init(&j, c, ops, creds);
    rc = ops->quota != NULL ? ops->quota(&j, SV_PLAT_Q_LIVE) : 0;
    if (rc == 0)
        rc = job_token(&j);
    if (rc == 0)
        rc = ops->live(&j, url, usize);
    if (rc < 0)
        snprintf(err, size, "%s: %s", name, j.err);
    explicit_bzero(j.token, sizeof(j.token));
    json_decref(j.extra);
    sv_creds_free(creds);
    return rc;
}
