/* client.c -- the one HTTP client of libsv: a request out, a reply back */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    const struct sv_http_req *q;
    struct sv_http_reply *r;
    struct sv_buf body;
    struct sv_buf hdrs;
    int over;                   /* the body passed q->max_reply */
    int hover;                  /* the headers passed HDRS_MAX */
    int nomem;
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
