/* client.c -- the one HTTP client of libsv: a request out, a reply back */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/client.h"

/* response headers beyond this are an attack or a bug, not a reply */
#define HDRS_MAX (64 * 1024)

_Static_assert(sizeof(((struct sv_http_reply *)0)->error) >= CURL_ERROR_SIZE,
               "reply.error must hold curl's error buffer");

/*
 * One transfer: the easy handle and what its callbacks fill.  Setting it up
 * (xfer_init) and judging its outcome (xfer_finish) are apart from the
 * blocking curl_easy_perform() so that a curl multi sender can drive the
 * same struct.
 */
struct xfer {
    CURL *c;
    struct curl_slist *hl;
    curl_mime *mime;
    struct fpart *fparts;       /* the file parts' read positions */
    const struct sv_http_req *q;
    int64_t upoff;              /* next body byte to read from body_fd */
    int64_t upend;
    int readerr;                /* the descriptor failed or ended early */
    struct sv_http_reply *r;
    struct sv_buf body;
    struct sv_buf hdrs;
    int over;                   /* the body passed q->max_reply */
    int hover;                  /* the headers passed HDRS_MAX */
    int nomem;
    int nform;
};

/* a file part of a form being read */
struct fpart {
    const struct sv_http_part *p;
    int64_t pos;                /* from p->off */
    int readerr;
    int64_t *sent;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void
global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct xfer *x = ud;
    int rc;

    if (x->q->max_reply == 0)
        return sz * n;
    if (sz * n > x->q->max_reply - x->body.len) {
        x->over = 1;
        return 0;       /* makes curl stop with CURLE_WRITE_ERROR */
    }
    rc = sv_buf_append(&x->body, p, sz * n);
    if (rc < 0) {
        x->nomem = 1;
        return 0;
    }
    return sz * n;
}

/* The body from q->body_fd: pread, so parts of one file share a descriptor. */
static size_t
on_read(char *p, size_t sz, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t want = sz * n;
    ssize_t got;

    if ((int64_t)want > x->upend - x->upoff)
        want = (size_t)(x->upend - x->upoff);
    if (want == 0)
        return 0;
    do
        got = pread(x->q->body_fd, p, want, x->upoff);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
        x->readerr = 1;
        return CURL_READFUNC_ABORT;
    }
    x->upoff += got;
    if (x->q->sent != NULL)
        __atomic_add_fetch(x->q->sent, (int64_t)got, __ATOMIC_RELAXED);
    return (size_t)got;
}

/* Rewinds the body for a resend (a redirect, a refused 100-continue). */
static int
on_seek(void *ud, curl_off_t off, int origin)
{
    struct xfer *x = ud;

    if (origin != SEEK_SET || off < 0 ||
        off > x->upend - x->q->body_off)
        return CURL_SEEKFUNC_FAIL;
    if (x->q->sent != NULL)
        __atomic_sub_fetch(x->q->sent,
                           x->upoff - (x->q->body_off + (int64_t)off),
                           __ATOMIC_RELAXED);
    x->upoff = x->q->body_off + off;
    return CURL_SEEKFUNC_OK;
}

static size_t
on_part_read(char *buf, size_t sz, size_t n, void *ud)
{
    struct fpart *f = ud;
    size_t want = sz * n;
    ssize_t got;

    if ((int64_t)want > f->p->size - f->pos)
        want = (size_t)(f->p->size - f->pos);
    if (want == 0)
        return 0;
    do
        got = pread(f->p->fd, buf, want, f->p->off + f->pos);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
        f->readerr = 1;
        return CURL_READFUNC_ABORT;
    }
    f->pos += got;
    if (f->sent != NULL)
        __atomic_add_fetch(f->sent, (int64_t)got, __ATOMIC_RELAXED);
    return (size_t)got;
}

static int
on_part_seek(void *ud, curl_off_t off, int origin)
{
    struct fpart *f = ud;

    if (origin != SEEK_SET || off < 0 || off > f->p->size)
        return CURL_SEEKFUNC_FAIL;
    if (f->sent != NULL)
        __atomic_sub_fetch(f->sent, f->pos - (int64_t)off, __ATOMIC_RELAXED);
    f->pos = off;
    return CURL_SEEKFUNC_OK;
}

/* q->form as curl's mime parts */
static int
form_init(struct xfer *x, const struct sv_http_req *q)
{
    curl_mimepart *mp;
    int i;

    x->fparts = calloc(q->nform > 0 ? q->nform : 1, sizeof(*x->fparts));
    x->mime = curl_mime_init(x->c);
    if (x->fparts == NULL || x->mime == NULL)
        return -ENOMEM;
    for (i = 0; i < q->nform; i++) {
        const struct sv_http_part *p = &q->form[i];

        mp = curl_mime_addpart(x->mime);
        if (mp == NULL || curl_mime_name(mp, p->name) != CURLE_OK)
            return -ENOMEM;
        if (p->fd >= 0) {
            x->fparts[i].p = p;
            x->fparts[i].sent = q->sent;
            if (curl_mime_data_cb(mp, (curl_off_t)p->size, on_part_read,
                                  on_part_seek, NULL, &x->fparts[i])
                != CURLE_OK)
                return -ENOMEM;
        } else if (curl_mime_data(mp, p->value, p->len) != CURLE_OK) {
            return -ENOMEM;
        }
        if (p->filename != NULL &&
            curl_mime_filename(mp, p->filename) != CURLE_OK)
            return -ENOMEM;
        if (p->type != NULL && curl_mime_type(mp, p->type) != CURLE_OK)
            return -ENOMEM;
    }
    curl_easy_setopt(x->c, CURLOPT_MIMEPOST, x->mime);
    x->nform = q->nform;
    return 0;
}

static int
add_header(struct xfer *x, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    const char *v, *end = line + len;
    size_t nlen;
    int rc;

    while (end > line && (end[-1] == '\r' || end[-1] == '\n' ||
                          end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (colon == NULL || colon == line || colon >= end)
        return 0;       /* a blank line, a folded one or no field at all */
    nlen = colon - line;
    v = colon + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    if (x->hdrs.len + nlen + (end - v) + 2 > HDRS_MAX)
        return SV_ELIMIT;
    rc = sv_buf_append(&x->hdrs, line, nlen);
    if (rc == 0)
        rc = sv_buf_u8(&x->hdrs, 0);
    if (rc == 0)
        rc = sv_buf_append(&x->hdrs, v, end - v);
    if (rc == 0)
        rc = sv_buf_u8(&x->hdrs, 0);
    return rc;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct xfer *x = ud;
    int rc;

    /* a status line starts a new response (after a 1xx or a redirect):
     * only the final one's fields are kept */
    if (sz * n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        sv_buf_reset(&x->hdrs);
        return sz * n;
    }
    rc = add_header(x, p, sz * n);
    if (rc == SV_ELIMIT) {
        x->hover = 1;
        return 0;
    }
    if (rc < 0) {
        x->nomem = 1;
        return 0;
    }
    return sz * n;
}

static int
xfer_init(struct xfer *x, const struct sv_http_req *q,
          struct sv_http_reply *r)
{
    const char *const *h;
    const char *method = q->method;
    struct curl_slist *t;
    long ms;

    memset(x, 0, sizeof(*x));
    memset(r, 0, sizeof(*r));
    x->q = q;
    x->r = r;
    sv_buf_init(&x->body, q->max_reply);
    sv_buf_init(&x->hdrs, HDRS_MAX);
    pthread_once(&once, global_init);
    if (global_rc != CURLE_OK)
        return -ENOMEM;
    x->c = curl_easy_init();
    if (x->c == NULL)
        return -ENOMEM;
    for (h = q->headers; h != NULL && *h != NULL; h++) {
        t = curl_slist_append(x->hl, *h);
        if (t == NULL)
            return -ENOMEM;
        x->hl = t;
    }
    if (method == NULL)
        method = q->body != NULL ? "POST" : "GET";
    curl_easy_setopt(x->c, CURLOPT_URL, q->url);
    curl_easy_setopt(x->c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(x->c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(x->c, CURLOPT_NOBODY, 1L);
    } else if (q->body == NULL && q->form != NULL) {
        int rc = form_init(x, q);

        if (rc < 0)
            return rc;
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(x->c, CURLOPT_CUSTOMREQUEST, method);
    } else if (q->body == NULL && q->body_from_fd) {
        x->upoff = q->body_off;
        x->upend = q->body_off + (int64_t)q->body_len;
        curl_easy_setopt(x->c, CURLOPT_UPLOAD, 1L);
        if (strcmp(method, "PUT") != 0)
            curl_easy_setopt(x->c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(x->c, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)q->body_len);
        curl_easy_setopt(x->c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(x->c, CURLOPT_READDATA, x);
        curl_easy_setopt(x->c, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(x->c, CURLOPT_SEEKDATA, x);
    } else {
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(x->c, CURLOPT_CUSTOMREQUEST, method);
        /* POSTFIELDS sends the body with any method; "" and 0 for none */
        curl_easy_setopt(x->c, CURLOPT_POSTFIELDS,
                         q->body != NULL ? q->body : "");
        curl_easy_setopt(x->c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(q->body != NULL ? q->body_len : 0));
    }
    if (x->hl != NULL)
        curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, x->hl);
    if (q->user_agent != NULL)
        curl_easy_setopt(x->c, CURLOPT_USERAGENT, q->user_agent);
    if (q->follow) {
        curl_easy_setopt(x->c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(x->c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(x->c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    curl_easy_setopt(x->c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->c, CURLOPT_ERRORBUFFER, r->error);
    /* threads: no SIGALRM for name look-ups */
    curl_easy_setopt(x->c, CURLOPT_NOSIGNAL, 1L);
    if (q->timeout_us > 0) {
        ms = (long)((q->timeout_us + 999) / 1000);
        curl_easy_setopt(x->c, CURLOPT_TIMEOUT_MS, ms);
    }
    return 0;
}

/* Judges the outcome cc of x and fills x->r; writes err on failure. */
static int
xfer_finish(struct xfer *x, CURLcode cc, char *err, size_t size)
{
    struct sv_http_reply *r = x->r;
    const char *url = x->q->url;

    if (x->over) {
        snprintf(err, size, "reply from '%s' is larger than %zu bytes", url,
                 x->q->max_reply);
        return SV_ELIMIT;
    }
    if (x->hover) {
        snprintf(err, size, "headers from '%s' are larger than %d bytes",
                 url, HDRS_MAX);
        return SV_ELIMIT;
    }
    for (int i = 0; i < x->nform; i++)
        x->readerr |= x->fparts[i].readerr;
    if (x->readerr) {
        snprintf(err, size, "cannot send to '%s': the body's file ended "
                 "or failed", url);
        return -EIO;
    }
    if (x->nomem || cc == CURLE_OUT_OF_MEMORY) {
        snprintf(err, size, "cannot reach '%s': %s", url, sv_strerror(-ENOMEM));
        return -ENOMEM;
    }
    if (cc != CURLE_OK) {
        if (r->error[0] == '\0')
            snprintf(r->error, sizeof(r->error), "%s",
                     curl_easy_strerror(cc));
        snprintf(err, size, "cannot reach '%s': %s", url, r->error);
        return SV_EPROTO;
    }
    curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &r->status);
    /* the body's NUL is ours, beyond the cap the peer was held to */
    x->body.max = x->body.len + 1;
    if (sv_buf_u8(&x->body, 0) < 0) {
        snprintf(err, size, "cannot reach '%s': %s", url, sv_strerror(-ENOMEM));
        return -ENOMEM;
    }
    r->body = (char *)sv_buf_take(&x->body, &r->len);
    r->len--;
    r->hdrs = (char *)sv_buf_take(&x->hdrs, &r->hlen);
    return 0;
}

static void
xfer_release(struct xfer *x)
{
    if (x->body.data != NULL)
        explicit_bzero(x->body.data, x->body.len);
    sv_buf_release(&x->body);
    sv_buf_release(&x->hdrs);
    curl_slist_free_all(x->hl);
    curl_mime_free(x->mime);
    free(x->fparts);
    if (x->c != NULL) {
        /* the error buffer is r's: curl must not keep pointing at it */
        curl_easy_setopt(x->c, CURLOPT_ERRORBUFFER, NULL);
        curl_easy_cleanup(x->c);
    }
}

int
sv_http_send(const struct sv_http_req *q, struct sv_http_reply *r,
             char *err, size_t size)
{
    struct xfer x;
    int rc;

    rc = xfer_init(&x, q, r);
    if (rc < 0) {
        snprintf(err, size, "cannot reach '%s': %s", q->url,
                 sv_strerror(rc));
        goto done;
    }
    rc = xfer_finish(&x, curl_easy_perform(x.c), err, size);
done:
    xfer_release(&x);
    return rc;
}

/* ---- many at once (curl multi) ---- */

struct slot {
    struct xfer x;
    struct sv_http_req q;
    struct sv_http_reply r;
    void *tag;
    int busy;
};

static void
slot_cancel(CURLM *m, struct slot *s)
{
    if (!s->busy)
        return;
    curl_multi_remove_handle(m, s->x.c);
    xfer_release(&s->x);
    sv_http_reply_release(&s->r);
    s->busy = 0;
}

int
sv_http_batch(int parallel, const struct sv_http_batch_ops *ops, void *ud)
{
    struct slot *slots;
    char err[512];
    CURLMsg *msg;
    CURLM *m;
    int i, rc = 0, running, left, active = 0, waiting, more, finished;

    if (parallel < 1)
        parallel = 1;
    slots = calloc(parallel, sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    pthread_once(&once, global_init);
    m = global_rc == CURLE_OK ? curl_multi_init() : NULL;
    if (m == NULL) {
        free(slots);
        return -ENOMEM;
    }
    for (;;) {
        /* fill the free slots */
        waiting = 0;
        more = 1;
        for (i = 0; i < parallel && more; i++) {
            struct slot *s = &slots[i];

            if (s->busy)
                continue;
            memset(&s->q, 0, sizeof(s->q));
            s->tag = NULL;
            rc = ops->next(ud, &s->q, &s->tag);
            if (rc < 0)
                goto out;
            if (rc == 0 || rc == 2) {
                waiting |= rc == 2;
                more = 0;
                rc = 0;
                break;
            }
            rc = xfer_init(&s->x, &s->q, &s->r);
            if (rc == 0 && curl_multi_add_handle(m, s->x.c) != CURLM_OK)
                rc = -ENOMEM;
            if (rc < 0) {
                snprintf(err, sizeof(err), "cannot reach '%s': %s",
                         s->q.url, sv_strerror(rc));
                xfer_release(&s->x);
                rc = ops->done(ud, s->tag, rc, &s->r, err);
                sv_http_reply_release(&s->r);
                if (rc < 0)
                    goto out;
                i--;
                continue;
            }
            s->busy = 1;
            active++;
        }
        if (active == 0 && !waiting)
            break;
        if (active == 0) {
            struct timespec ts = { 0, 50 * 1000 * 1000 };

            nanosleep(&ts, NULL);
            continue;
        }
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            rc = -ENOMEM;
            goto out;
        }
        finished = 0;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            for (i = 0; i < parallel; i++)
                if (slots[i].busy && slots[i].x.c == msg->easy_handle)
                    break;
            if (i == parallel)
                continue;
            {
                struct slot *s = &slots[i];
                CURLcode cc = msg->data.result;

                curl_multi_remove_handle(m, s->x.c);
                err[0] = '\0';
                rc = xfer_finish(&s->x, cc, err, sizeof(err));
                xfer_release(&s->x);
                s->busy = 0;
                active--;
                finished = 1;
                rc = ops->done(ud, s->tag, rc, &s->r, err);
                sv_http_reply_release(&s->r);
                if (rc < 0)
                    goto out;
            }
        }
        if (active > 0 && !finished &&
            curl_multi_poll(m, NULL, 0, 50, NULL) != CURLM_OK) {
            rc = -ENOMEM;
            goto out;
        }
    }
    rc = 0;
out:
    for (i = 0; i < parallel; i++)
        slot_cancel(m, &slots[i]);
    curl_multi_cleanup(m);
    free(slots);
    return rc;
}

const char *
sv_http_reply_header(const struct sv_http_reply *r, const char *name)
{
    const char *p = r->hdrs, *end = r->hdrs + r->hlen, *v;

    if (p == NULL)
        return NULL;
    while (p < end) {
        v = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0)
            return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

void
sv_http_reply_release(struct sv_http_reply *r)
{
    if (r->body != NULL) {
        explicit_bzero(r->body, r->len);
        free(r->body);
    }
    free(r->hdrs);
    r->body = NULL;
    r->hdrs = NULL;
    r->len = 0;
    r->hlen = 0;
}
