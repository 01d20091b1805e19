/* s3.c -- S3 requests: addressing, signing, errors, the listing calls */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/textenc.h"
#include "crypto/digest.h"
#include "publish/s3.h"
#include "publish/s3xml.h"

#define S3_MAX_REPLY (16 * 1024 * 1024)
#define S3_TIMEOUT_US (300LL * 1000 * 1000)

int
sv_s3_init(struct sv_s3 *s, const char *endpoint, const char *bucket,
           int virtual_host, const struct sv_awsconf *conf, char *err,
           size_t size)
{
    const char *hp, *slash;
    size_t n;

    memset(s, 0, sizeof(*s));
    if (strncmp(endpoint, "http://", 7) == 0)
        hp = endpoint + 7;
    else if (strncmp(endpoint, "https://", 8) == 0)
        hp = endpoint + 8;
    else {
        snprintf(err, size, "bad --endpoint '%s': not http:// or https://",
                 endpoint);
        return SV_EUSAGE;
    }
    slash = strchr(hp, '/');
    n = slash != NULL ? (size_t)(slash - hp) : strlen(hp);
    if (n == 0 || n >= sizeof(s->host) - sizeof(s->bucket) - 1 ||
        (slash != NULL && slash[1] != '\0')) {
        snprintf(err, size, "bad --endpoint '%s': want scheme://host[:port]",
                 endpoint);
        return SV_EUSAGE;
    }
    if (strlen(bucket) < 3 || strlen(bucket) > 63 ||
        strpbrk(bucket, "/?#% ") != NULL) {
        snprintf(err, size, "bad bucket name '%s'", bucket);
        return SV_EUSAGE;
    }
    snprintf(s->bucket, sizeof(s->bucket), "%s", bucket);
    s->virtual_host = virtual_host;
    if (virtual_host)
        snprintf(s->host, sizeof(s->host), "%s.%.*s", bucket, (int)n, hp);
    else
        snprintf(s->host, sizeof(s->host), "%.*s", (int)n, hp);
    snprintf(s->base, sizeof(s->base), "%.*s%s", (int)(hp - endpoint),
             endpoint, s->host);
    s->conf = conf;
    s->key.access = conf->access;
    s->key.secret = conf->secret;
    s->key.token = conf->token[0] != '\0' ? conf->token : NULL;
    s->key.region = conf->region;
    s->key.service = "s3";
    return 0;
}

int
sv_s3_call(const struct sv_s3 *s, struct sv_s3_call *c, const char *method,
           const char *key, const char *const *q, const char *const *h,
           const char *sha, const void *body, size_t len)
{
    struct sv_sigv4_hdr sh[SV_S3_HDR_MAX];
    char path[3 * 1100], query[4096], date[17], auth[1024];
    unsigned char d[SV_SHA256_LEN];
    size_t used = 0;
    int n = 0, nh = 0, rc, l, i;
    time_t now = time(NULL);

    memset(c, 0, sizeof(*c));
    if (s->virtual_host)
        l = snprintf(path, sizeof(path), "/");
    else
        l = snprintf(path, sizeof(path), "/%s%s", s->bucket,
                     key != NULL && key[0] != '\0' ? "/" : "");
    if (key != NULL && key[0] != '\0') {
        rc = sv_sigv4_encode(key, 1, path + l, sizeof(path) - l);
        if (rc < 0)
            return rc;
    }
    rc = sv_sigv4_query(q, query, sizeof(query));
    if (rc < 0)
        return rc;
    if (snprintf(c->url, sizeof(c->url), "%s%s%s%s", s->base, path,
                 query[0] != '\0' ? "?" : "", query) >= (int)sizeof(c->url))
        return SV_ELIMIT;
    if (sha != NULL) {
        snprintf(c->sha, sizeof(c->sha), "%s", sha);
    } else {
        rc = sv_sha256(body != NULL ? body : "", body != NULL ? len : 0, d);
        if (rc < 0)
            return rc;
        sv_hex_encode(d, sizeof(d), c->sha);
    }
    sv_sigv4_date(now, date);

    /* the header lines live in store; each signed header names its value */
#define ADD(nm_, vl_)                                                   \
    do {                                                                   \
        l = snprintf(c->store + used, sizeof(c->store) - used, "%s: %s",   \
                     (nm_), (vl_));                                     \
        if (l < 0 || (size_t)l >= sizeof(c->store) - used ||              \
            n >= SV_S3_HDR_MAX)                                            \
            return SV_ELIMIT;                                              \
        c->hdrs[n++] = c->store + used;                                    \
        used += l + 1;                                                     \
    } while (0)
#define SIGN(nm_, vl_)                                                  \
    do {                                                                   \
        ADD(nm_, vl_);                                                  \
        sh[nh].name = (nm_);                                              \
        sh[nh].value = c->hdrs[n - 1] + strlen(nm_) + 2;                  \
        nh++;                                                              \
    } while (0)
    SIGN("host", s->host);
    SIGN("x-amz-content-sha256", c->sha);
    SIGN("x-amz-date", date);
    if (s->key.token != NULL)
        SIGN("x-amz-security-token", s->key.token);
    for (i = 0; h != NULL && h[i] != NULL; i += 2)
        SIGN(h[i], h[i + 1]);
    rc = sv_sigv4_sign(&s->key, method, path, query, sh, nh, c->sha, now,
                       auth, sizeof(auth));
    if (rc < 0)
        return rc;
    ADD("authorization", auth);
    /* 100-continue costs a round trip per request; S3 answers fast */
    ADD("expect", "");
#undef SIGN
#undef ADD
    c->hdrs[n - 1] = "Expect:";
    c->hdrs[n] = NULL;
    c->q.method = method;
    c->q.url = c->url;
    c->q.headers = c->hdrs;
    c->q.max_reply = S3_MAX_REPLY;
    c->q.timeout_us = S3_TIMEOUT_US;
    c->q.user_agent = "sv-publish";
    return 0;
}

struct errxml {
    char code[128];
    char msg[512];
};

static int
on_err(void *ud, const char *path, const char *text, size_t len)
{
    struct errxml *e = ud;

    (void)len;
    if (text == NULL)
        return 0;
    if (strcmp(path, "Error/Code") == 0)
        snprintf(e->code, sizeof(e->code), "%s", text);
    else if (strcmp(path, "Error/Message") == 0)
        snprintf(e->msg, sizeof(e->msg), "%s", text);
    return 0;
}

static const char *
reason(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "error";
    }
}

/* AWS's words for codes that radosgw sends without a <Message> */
static const char *
known_message(const char *code)
{
    static const char *const m[][2] = {
        { "SignatureDoesNotMatch", "The request signature we calculated "
          "does not match the signature you provided. Check your key and "
          "signing method." },
        { "InvalidAccessKeyId", "The AWS Access Key Id you provided does "
          "not exist in our records." },
        { "AccessDenied", "Access Denied" },
        { "NoSuchBucket", "The specified bucket does not exist" },
        { "NoSuchUpload", "The specified upload does not exist." },
        { "RequestTimeTooSkewed", "The difference between the request time "
          "and the current time is too large." },
        { NULL, NULL },
    };
    int i;

    for (i = 0; m[i][0] != NULL; i++)
        if (strcmp(code, m[i][0]) == 0)
            return m[i][1];
    return NULL;
}

void
sv_s3_error(const struct sv_http_reply *r, char *out, size_t size)
{
    struct errxml e;
    const char *k;
    char *p;

    memset(&e, 0, sizeof(e));
    if (r->body != NULL && r->len > 0)
        sv_s3xml_parse(r->body, r->len, on_err, &e);
    if (e.msg[0] == '\0' && (k = known_message(e.code)) != NULL)
        snprintf(e.msg, sizeof(e.msg), "%s", k);
    for (p = e.msg; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (e.code[0] != '\0' && e.msg[0] != '\0')
        snprintf(out, size, "%ld %s: %s", r->status, e.code, e.msg);
    else if (e.code[0] != '\0')
        snprintf(out, size, "%ld %s", r->status, e.code);
    else
        snprintf(out, size, "%ld %s", r->status, reason(r->status));
}

int
sv_s3_retryable(int rc, long status)
{
    if (rc < 0)
        return rc == SV_EPROTO;
    return status >= 500 || status == 429 || status == 408;
}

int
sv_s3_send(struct sv_s3_call *c, int retries, struct sv_http_reply *r,
           char *err, size_t size)
{
    int rc, i;

    for (i = 0;; i++) {
        rc = sv_http_send(&c->q, r, err, size);
        if (i >= retries || !sv_s3_retryable(rc, r->status))
            return rc;
        sv_http_reply_release(r);
        {
            long ms = 250L << (i < 5 ? i : 5);
            struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

            nanosleep(&ts, NULL);
        }
    }
}

/* ---- listings ---- */

struct listing {
    struct sv_s3_obj *objs;
    int n, cap;
    struct sv_s3_obj cur;
    char token[1024];
    int truncated;
    int rc;
};

static void
strip_quotes(char *dst, size_t size, const char *s)
{
    size_t n = strlen(s);

    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s++;
        n -= 2;
    }
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int
on_list(void *ud, const char *path, const char *text, size_t len)
{
    struct listing *l = ud;

    if (strcmp(path, "ListBucketResult/Contents") == 0 && text == NULL) {
        if (l->cur.key == NULL)
            return 0;
        if (l->n == l->cap) {
            int cap = l->cap ? l->cap * 2 : 64;
            void *p;

            if (cap > 10 * 1000 * 1000) {
                l->rc = SV_ELIMIT;
                return 1;
            }
            p = realloc(l->objs, cap * sizeof(*l->objs));
            if (p == NULL) {
                l->rc = -ENOMEM;
                return 1;
            }
            l->objs = p;
            l->cap = cap;
        }
        l->objs[l->n++] = l->cur;
        memset(&l->cur, 0, sizeof(l->cur));
    } else if (strcmp(path, "ListBucketResult/Contents/Key") == 0) {
        free(l->cur.key);
        l->cur.key = strndup(text, len);
        if (l->cur.key == NULL) {
            l->rc = -ENOMEM;
            return 1;
        }
    } else if (strcmp(path, "ListBucketResult/Contents/Size") == 0) {
        l->cur.size = strtoll(text, NULL, 10);
    } else if (strcmp(path, "ListBucketResult/Contents/ETag") == 0) {
        strip_quotes(l->cur.etag, sizeof(l->cur.etag), text);
    } else if (strcmp(path, "ListBucketResult/IsTruncated") == 0) {
        l->truncated = strcmp(text, "true") == 0;
    } else if (strcmp(path, "ListBucketResult/NextContinuationToken") == 0) {
        snprintf(l->token, sizeof(l->token), "%s", text);
    }
    return 0;
}

static int
obj_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sv_s3_obj *)a)->key,
                  ((const struct sv_s3_obj *)b)->key);
}

void
sv_s3_objs_free(struct sv_s3_obj *objs, int n)
{
    int i;

    for (i = 0; i < n; i++)
        free(objs[i].key);
    free(objs);
}

/* One GET whose 200 reply is XML fed to cb; what names the call in err.
 * *cbrc is the callback's own code when it stopped the parse. */
static int
get_xml(const struct sv_s3 *s, struct sv_s3_call *c, const char *key,
        const char **q, int retries, const char *what, sv_s3xml_cb cb,
        void *ud, const int *cbrc, char *err, size_t size)
{
    struct sv_http_reply r;
    int rc;

    rc = sv_s3_call(s, c, "GET", key, q, NULL, NULL, NULL, 0);
    if (rc < 0) {
        snprintf(err, size, "%s: %s", what, sv_strerror(rc));
        return rc;
    }
    rc = sv_s3_send(c, retries, &r, err, size);
    if (rc == 0 && r.status != 200) {
        sv_s3_error(&r, err, size);
        rc = r.status == 403 ? SV_EAUTH : SV_EPROTO;
    } else if (rc == 0 && sv_s3xml_parse(r.body, r.len, cb, ud) != 0) {
        rc = *cbrc < 0 ? *cbrc : SV_EFORMAT;
        snprintf(err, size, "%s: bad reply: %s", what, sv_strerror(rc));
    }
    sv_http_reply_release(&r);
    return rc;
}

int
sv_s3_list(const struct sv_s3 *s, const char *prefix, int retries,
           struct sv_s3_obj **objs, int *n, char *err, size_t size)
{
    struct listing l;
    struct sv_s3_call *c;
    char token[sizeof(l.token)];
    int rc = 0, pages = 0;

    memset(&l, 0, sizeof(l));
    c = malloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    do {
        const char *q[] = { "list-type", "2", "prefix", prefix,
                            "continuation-token", token, NULL };

        /* the reply writes the next token: ask with a copy of this one */
        memcpy(token, l.token, sizeof(token));
        if (token[0] == '\0')
            q[4] = NULL;
        l.token[0] = '\0';
        l.truncated = 0;
        rc = get_xml(s, c, NULL, q, retries, "ListObjectsV2", on_list, &l,
                     &l.rc, err, size);
        if (rc == 0 && ++pages > 100000) {
            rc = SV_ELIMIT;
            snprintf(err, size, "ListObjectsV2: too many pages");
        }
    } while (rc == 0 && l.truncated && l.token[0] != '\0');
    free(l.cur.key);
    free(c);
    if (rc < 0) {
        sv_s3_objs_free(l.objs, l.n);
        return rc;
    }
    if (l.n > 1)
        qsort(l.objs, l.n, sizeof(*l.objs), obj_cmp);
    *objs = l.objs;
    *n = l.n;
    return 0;
}

/* ---- multipart listings ---- */

struct uploads {
    const char *key;
    char curkey[1100];
    char curid[512];
    char curinit[64];
    char *id;
    size_t idsize;
    char best[64];
    int found;
};

static int
on_uploads(void *ud, const char *path, const char *text, size_t len)
{
    struct uploads *u = ud;

    (void)len;
    if (strcmp(path, "ListMultipartUploadsResult/Upload") == 0 &&
        text == NULL) {
        /* the newest (Initiated is ISO 8601: compares as text) */
        if (strcmp(u->curkey, u->key) == 0 && u->curid[0] != '\0' &&
            (!u->found || strcmp(u->curinit, u->best) >= 0)) {
            snprintf(u->id, u->idsize, "%s", u->curid);
            snprintf(u->best, sizeof(u->best), "%s", u->curinit);
            u->found = 1;
        }
        u->curkey[0] = u->curid[0] = u->curinit[0] = '\0';
    } else if (strcmp(path, "ListMultipartUploadsResult/Upload/Key") == 0) {
        snprintf(u->curkey, sizeof(u->curkey), "%s", text);
    } else if (strcmp(path, "ListMultipartUploadsResult/Upload/UploadId") ==
               0) {
        snprintf(u->curid, sizeof(u->curid), "%s", text);
    } else if (strcmp(path, "ListMultipartUploadsResult/Upload/Initiated") ==
               0) {
        snprintf(u->curinit, sizeof(u->curinit), "%s", text);
    }
    return 0;
}

int
sv_s3_find_upload(const struct sv_s3 *s, const char *key, int retries,
                  char *id, size_t idsize, char *err, size_t size)
{
    const char *q[] = { "uploads", "", "prefix", key, NULL };
    struct uploads u;
    struct sv_s3_call *c;
    int rc, none = 0;

    memset(&u, 0, sizeof(u));
    u.key = key;
    u.id = id;
    u.idsize = idsize;
    c = malloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    rc = get_xml(s, c, NULL, q, retries, "ListMultipartUploads", on_uploads,
                 &u, &none, err, size);
    free(c);
    return rc < 0 ? rc : u.found;
}

struct parts {
    struct sv_s3_part *p;
    int n, cap;
    struct sv_s3_part cur;
    int truncated;
    char marker[32];
    int rc;
};

static int
on_parts(void *ud, const char *path, const char *text, size_t len)
{
    struct parts *l = ud;

    (void)len;
    if (strcmp(path, "ListPartsResult/Part") == 0 && text == NULL) {
        if (l->n == l->cap) {
            int cap = l->cap ? l->cap * 2 : 64;
            void *p;

            if (cap > 20000) {
                l->rc = SV_ELIMIT;
                return 1;
            }
            p = realloc(l->p, cap * sizeof(*l->p));
            if (p == NULL) {
                l->rc = -ENOMEM;
                return 1;
            }
            l->p = p;
            l->cap = cap;
        }
        l->p[l->n++] = l->cur;
        memset(&l->cur, 0, sizeof(l->cur));
    } else if (strcmp(path, "ListPartsResult/Part/PartNumber") == 0) {
        l->cur.number = atoi(text);
    } else if (strcmp(path, "ListPartsResult/Part/Size") == 0) {
        l->cur.size = strtoll(text, NULL, 10);
    } else if (strcmp(path, "ListPartsResult/Part/ETag") == 0) {
        strip_quotes(l->cur.etag, sizeof(l->cur.etag), text);
    } else if (strcmp(path, "ListPartsResult/IsTruncated") == 0) {
        l->truncated = strcmp(text, "true") == 0;
    } else if (strcmp(path, "ListPartsResult/NextPartNumberMarker") == 0) {
        snprintf(l->marker, sizeof(l->marker), "%s", text);
    }
    return 0;
}

int
sv_s3_list_parts(const struct sv_s3 *s, const char *key, const char *id,
                 int retries, struct sv_s3_part **parts, int *n, char *err,
                 size_t size)
{
    struct parts l;
    struct sv_s3_call *c;
    char marker[sizeof(l.marker)];
    int rc = 0, pages = 0;

    memset(&l, 0, sizeof(l));
    c = malloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    do {
        const char *q[] = { "uploadId", id, "part-number-marker", marker,
                            NULL };

        memcpy(marker, l.marker, sizeof(marker));
        if (marker[0] == '\0')
            q[2] = NULL;
        l.marker[0] = '\0';
        l.truncated = 0;
        rc = get_xml(s, c, key, q, retries, "ListParts", on_parts, &l, &l.rc,
                     err, size);
        if (rc == 0 && ++pages > 1000) {
            rc = SV_ELIMIT;
            snprintf(err, size, "ListParts: too many pages");
        }
    } while (rc == 0 && l.truncated && l.marker[0] != '\0');
    free(c);
    if (rc < 0) {
        free(l.p);
        return rc;
    }
    *parts = l.p;
    *n = l.n;
    return 0;
}

struct idxml {
    char *id;
    size_t size;
    int found;
};

static int
on_id(void *ud, const char *path, const char *text, size_t len)
{
    struct idxml *x = ud;

    if (text != NULL &&
        strcmp(path, "InitiateMultipartUploadResult/UploadId") == 0 &&
        len > 0 && len < x->size) {
        memcpy(x->id, text, len + 1);
        x->found = 1;
    }
    return 0;
}

int
sv_s3_upload_id(const struct sv_http_reply *r, char *id, size_t size)
{
    struct idxml x = { id, size, 0 };

    if (r->body == NULL ||
        sv_s3xml_parse(r->body, r->len, on_id, &x) != 0 || !x.found)
        return SV_EFORMAT;
    return 0;
}
