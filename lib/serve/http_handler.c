/* http_handler.c -- sv-serve's requests: safety, tokens, LL-HLS, logs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "core/err.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/time.h"
#include "drm/token.h"
#include "http/metrics.h"
#include "http/query.h"
#include "serve/http_internal.h"

#define TOKEN_COOKIE "sv_token"
#define HINTS 256
#define DEFAULT_TARGET_MS 6000

struct handler {
    h2o_handler_t super;
    struct sv__server *srv;
};

struct logger {
    h2o_logger_t super;
    struct sv__server *srv;
};

/* a request waiting for a playlist update or a file (LL-HLS) */
struct held {
    struct sv_llhls_hold hold;
    h2o_req_t *req;
    struct handler *h;
    int skip;               /* 0, 1 (YES) or 2 (v2) */
    int done;
    char name[256];
};

/*
 * Live playlists with a preload hint that we served, shared by the
 * workers.  A request for a missing file is held only when one of these
 * playlists, read again now, hints at it: random missing names cost a 404,
 * not a watch, and a player that read a newer playlist is still served.
 */
static pthread_mutex_t hints_lock = PTHREAD_MUTEX_INITIALIZER;
static char hints[HINTS][512];
static unsigned hints_next;

static void
hint_remember(const char *playlist)
{
    unsigned i;

    if (strlen(playlist) >= sizeof(hints[0]))
        return;
    pthread_mutex_lock(&hints_lock);
    for (i = 0; i < HINTS; i++) {
        if (strcmp(hints[i], playlist) == 0)
            goto out;
    }
    i = hints_next++ % HINTS;
    memcpy(hints[i], playlist, strlen(playlist) + 1);
out:
    pthread_mutex_unlock(&hints_lock);
}

/* Target duration (ms) of a playlist beside path hinting at it, or -1. */
static int64_t
hint_lookup(const char *path)
{
    char cand[4][512], *data;
    const char *slash = strrchr(path, '/');
    size_t dlen = (size_t)(slash - path), len;
    struct sv_llhls_info in;
    int64_t t = -1;
    unsigned i, n = 0;

    pthread_mutex_lock(&hints_lock);
    for (i = 0; i < HINTS && n < 4; i++) {
        if (strncmp(hints[i], path, dlen + 1) == 0 &&
            strchr(hints[i] + dlen + 1, '/') == NULL)
            memcpy(cand[n++], hints[i], sizeof(cand[0]));
    }
    pthread_mutex_unlock(&hints_lock);
    for (i = 0; i < n && t < 0; i++) {
        if (sv_llhls_read(cand[i], &data, &len) < 0)
            continue;
        if (sv_llhls_parse(data, len, &in) == 0 && !in.endlist &&
            strcmp(in.hint, slash + 1) == 0)
            t = in.target_ms;
        free(data);
    }
    return t;
}

/* ---- small helpers ---- */

static struct sv_llhls *
llhls_of(h2o_req_t *req)
{
    return sv_http_worker_of(req)->data;
}

static void
peer_of(h2o_req_t *req, struct sockaddr_storage *ss, char *buf, size_t size)
{
    socklen_t len;

    memset(ss, 0, sizeof(*ss));
    buf[0] = '\0';
    len = req->conn->callbacks->get_peername(req->conn,
                                             (struct sockaddr *)ss);
    if (len == 0)
        return;
    if (ss->ss_family == AF_INET)
        uv_ip4_name((struct sockaddr_in *)ss, buf, size);
    else if (ss->ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)ss, buf, size);
}

static h2o_iovec_t *
header(h2o_req_t *req, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);

    return i < 0 ? NULL : &req->headers.entries[i].value;
}

static void
set_hdr(h2o_req_t *req, const char *name, const char *value)
{
    h2o_set_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
                          1, value, strlen(value), 1);
}

static void
set_hdrf(h2o_req_t *req, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_hdrf(h2o_req_t *req, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return;
    h2o_set_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
                          1, h2o_strdup(&req->pool, buf, (size_t)n).base,
                          (size_t)n, 1);
}

static void
respond(h2o_req_t *req, int status, const char *reason, const char *ctype,
        const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = len;
    set_hdr(req, "content-type", ctype);
    h2o_send_inline(req, body, len);
}

/* Plain-text errors; never cached by a CDN for long. */
static void
fail(h2o_req_t *req, int status, const char *reason)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);

    set_hdr(req, "cache-control",
            status == 404 ? "public, max-age=1" : "no-store");
    respond(req, status, reason, "text/plain; charset=utf-8", body,
            (size_t)n);
}

static int
method_is(h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

static const char *
ext_of(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

    return dot != NULL && (slash == NULL || dot > slash) ? dot + 1 : "";
}

static size_t
header_bytes(h2o_req_t *req)
{
    size_t i, n = 0;

    for (i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len +
             req->headers.entries[i].value.len + 4;
    return n;
}

/* ---- CORS ---- */

/* Adds the CORS headers when the request's Origin is allowed; returns 1. */
static int
cors(struct sv__server *srv, h2o_req_t *req)
{
    const struct sv_serve_conf *c = srv->conf;
    h2o_iovec_t *o;
    size_t i;

    if (c->ncors == 0)
        return 0;
    set_hdr(req, "vary", "Origin");
    o = header(req, "origin");
    if (o == NULL)
        return 0;
    for (i = 0; i < c->ncors; i++) {
        if (strcmp(c->cors[i], "*") == 0 ||
            h2o_memis(o->base, o->len, c->cors[i], strlen(c->cors[i]))) {
            if (strcmp(c->cors[i], "*") == 0)
                set_hdr(req, "access-control-allow-origin", "*");
            else
                h2o_set_header_by_str(&req->pool, &req->res.headers,
                                      H2O_STRLIT("access-control-allow-origin"),
                                      1, o->base, o->len, 1);
            set_hdr(req, "access-control-expose-headers",
                    "Content-Length, Content-Range, ETag, Age, Date");
            return 1;
        }
    }
    return 0;
}

/* Only header names made of token characters are echoed back. */
static int
header_list_ok(const h2o_iovec_t *v)
{
    size_t i;

    if (v->len > 512)
        return 0;
    for (i = 0; i < v->len; i++) {
        char ch = v->base[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == ',' ||
              ch == ' ' || ch == '_'))
            return 0;
    }
    return 1;
}

static void
preflight(struct sv__server *srv, h2o_req_t *req)
{
    h2o_iovec_t *rh;

    set_hdr(req, "allow", "GET, HEAD, POST, OPTIONS");
    if (cors(srv, req) && header(req, "access-control-request-method")) {
        set_hdr(req, "access-control-allow-methods",
                "GET, HEAD, POST, OPTIONS");
        rh = header(req, "access-control-request-headers");
        if (rh != NULL && header_list_ok(rh))
            h2o_set_header_by_str(&req->pool, &req->res.headers,
                                  H2O_STRLIT("access-control-allow-headers"),
                                  1, rh->base, rh->len, 1);
        set_hdr(req, "access-control-max-age", "86400");
    }
    set_hdr(req, "cache-control", "no-store");
    respond(req, 204, "No Content", "text/plain", "", 0);
}

/* ---- path safety ---- */

/*
 * Decodes the request path into out and checks it: 0 when it names
 * something under the root, 400 for traversal or encoded separators, 404
 * for dotfiles (our atomic writers' temporary files start with a dot).
 */
static int
check_path(const char *raw, size_t len, char *out, size_t outsz)
{
    size_t i;
    int n;
    char *seg, *p;

    if (len == 0 || raw[0] != '/')
        return 400;
    for (i = 0; i + 2 < len; i++) {
        if (raw[i] == '%' && ((raw[i + 1] == '2' &&
                               (raw[i + 2] == 'f' || raw[i + 2] == 'F')) ||
                              (raw[i + 1] == '5' &&
                               (raw[i + 2] == 'c' || raw[i + 2] == 'C'))))
            return 400;
    }
    n = sv_pct_decode(raw, len, out, outsz);
    if (n < 0)
        return n == SV_ELIMIT ? 414 : 400;
    if (strchr(out, '\\') != NULL)
        return 400;
    for (p = out + 1; ; p = seg + 1) {
        seg = strchr(p, '/');
        n = seg == NULL ? (int)strlen(p) : (int)(seg - p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 400;
        if (n > 0 && p[0] == '.')
            return 404;
        if (seg == NULL)
            break;
    }
    return 0;
}

/* Whether resolved lies under the root (symlinks pointing out do not). */
static int
under_root(struct sv__server *srv, const char *resolved)
{
    return strncmp(resolved, srv->root, srv->rootlen) == 0 &&
           (resolved[srv->rootlen] == '/' || resolved[srv->rootlen] == '\0');
}

/*
 * Opens path (decoded, with its leading '/') for reading without leaving
 * the root: the kernel refuses a walk that would, symlinks included
 * (openat2 RESOLVE_BENEATH, one system call); older kernels resolve the
 * path in user space and compare.  Returns a descriptor or -errno (-EXDEV
 * for an escape).
 */
static int
open_beneath(struct sv__server *srv, const char *path)
{
    struct open_how how;
    char full[PATH_MAX], resolved[PATH_MAX];
    long fd;

    memset(&how, 0, sizeof(how));
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    fd = syscall(SYS_openat2, srv->rootfd, path[1] != '\0' ? path + 1 : ".",
                 &how, sizeof(how));
    if (fd >= 0)
        return (int)fd;
    if (errno != ENOSYS)
        return -errno;
    if (snprintf(full, sizeof(full), "%s%s", srv->root, path) >=
        (int)sizeof(full))
        return -ENAMETOOLONG;
    if (realpath(full, resolved) == NULL)
        return -errno;
    if (!under_root(srv, resolved))
        return -EXDEV;
    fd = open(resolved, (int)how.flags);
    return fd < 0 ? -errno : (int)fd;
}

/* ---- tokens ---- */

int
sv__http_load_key(struct sv__server *srv)
{
    const struct sv_serve_conf *c = srv->conf;
    unsigned char *key = NULL;
    size_t len = 0;
    char *data;
    int rc;

    if (c->token_key_file != NULL) {
        rc = sv_llhls_read(c->token_key_file, &data, &len);
        if (rc < 0) {
            sv_log_error("cannot read '%s': %s", c->token_key_file,
                         sv_strerror(rc));
            return rc;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            len--;
        key = (unsigned char *)data;
    } else if (c->token_key != NULL) {
        len = strlen(c->token_key);
        key = (unsigned char *)strdup(c->token_key);
        if (key == NULL)
            return -ENOMEM;
    } else {
        return 0;
    }
    if (len < 16) {
        sv_log_error("token key is too short: %zu bytes, at least 16", len);
        explicit_bzero(key, len);
        free(key);
        return SV_EUSAGE;
    }
    pthread_rwlock_wrlock(&srv->key_lock);
    if (srv->key != NULL) {
        explicit_bzero(srv->key, srv->keylen);
        free(srv->key);
    }
    srv->key = key;
    srv->keylen = len;
    pthread_rwlock_unlock(&srv->key_lock);
    return 0;
}

/* Finds the token in the query or the cookie; *from_query says where. */
static int
find_token(h2o_req_t *req, char *out, size_t outsz, int *from_query)
{
    const char *q = NULL, *c, *end, *v;
    size_t qlen = 0;
    ssize_t i = -1;
    int n;

    if (req->query_at != SIZE_MAX) {
        q = req->path.base + req->query_at + 1;
        qlen = req->path.len - req->query_at - 1;
    }
    n = sv_query_get(q, qlen, "token", out, outsz);
    if (n > 0) {
        *from_query = 1;
        return n;
    }
    *from_query = 0;
    while ((i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) >= 0) {
        c = req->headers.entries[i].value.base;
        end = c + req->headers.entries[i].value.len;
        while (c < end) {
            while (c < end && (*c == ' ' || *c == ';'))
                c++;
            v = c;
            while (c < end && *c != ';')
                c++;
            if ((size_t)(c - v) > sizeof(TOKEN_COOKIE) &&
                memcmp(v, TOKEN_COOKIE "=", sizeof(TOKEN_COOKIE)) == 0) {
                v += sizeof(TOKEN_COOKIE);
                if ((size_t)(c - v) >= outsz)
                    return SV_ELIMIT;
                memcpy(out, v, (size_t)(c - v));
                out[c - v] = '\0';
                return (int)(c - v);
            }
        }
    }
    return -ENOENT;
}

/*
 * Checks the request's token against the decoded path; fills t.  Returns
 * SV_TOKEN_OK, or a refusal (SV_TOKEN_MALFORMED when there is none).
 */
static enum sv_token_status
check_token(struct sv__server *srv, h2o_req_t *req, const char *path,
            const char *addr, struct sv_token *t, int *from_query,
            char *tok, size_t toksz)
{
    enum sv_token_status st;
    int n;

    n = find_token(req, tok, toksz, from_query);
    if (n <= 0)
        return SV_TOKEN_MALFORMED;
    pthread_rwlock_rdlock(&srv->key_lock);
    st = sv_token_verify(srv->key, srv->keylen, tok, (size_t)n, path, addr,
                         (int64_t)time(NULL), t);
    pthread_rwlock_unlock(&srv->key_lock);
    return st;
}

static int
cookie_path_ok(const char *p)
{
    for (; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == ';' || *p == ',' || *p == '"')
            return 0;
    return 1;
}

/* ---- caching policy ---- */

static int
is_segment_ext(const char *e)
{
    static const char *const exts[] = {
        "m4s", "mp4", "m4a", "m4v", "ts", "aac", "ac3", "ec3", "mp3", "vtt",
        "webvtt", "cmfv", "cmfa", "cmft", "webm", "jpg", "jpeg", "png", NULL,
    };
    int i;

    for (i = 0; exts[i] != NULL; i++)
        if (strcmp(e, exts[i]) == 0)
            return 1;
    return 0;
}

/* A dynamic (live) MPD: type="dynamic" in its first 4 KiB. */
static int
mpd_is_live(const char *path)
{
    char buf[4097];
    ssize_t n;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strstr(buf, "type=\"dynamic\"") != NULL;
}

static const char *
cache_policy(const char *ext, const char *fspath)
{
    if (is_segment_ext(ext))
        return "public, max-age=31536000, immutable";
    if (strcmp(ext, "mpd") == 0)
        return mpd_is_live(fspath) ? "public, max-age=1" :
            "public, max-age=86400";
    if (strcmp(ext, "json") == 0)
        return "no-cache";
    if (strcmp(ext, "key") == 0)
        return "private, no-store";
    return "public, max-age=300";
}

/* ---- low-latency DASH ---- */

/*
 * For a missing segment path ("/a/v0/seg-3.m4s", not a part "seg-3.1.m4s"):
 * the target duration (ms) of the live low-latency DASH package whose
 * package.json is in the directory above ("/a/package.json"), or -1.
 */
static int64_t
ll_dash_target(struct sv__server *srv, const char *path)
{
    const char *slash = strrchr(path, '/'), *up, *dot;
    char pj[PATH_MAX], *data = NULL;
    json_t *root;
    size_t len;
    int64_t target = -1;
    int fd;

    dot = strrchr(slash, '.');
    if (dot == NULL || strcmp(dot, ".m4s") != 0)
        return -1;
    for (up = dot; up > slash + 1 && up[-1] >= '0' && up[-1] <= '9'; up--)
        ;
    if (up < dot && up[-1] == '.')
        return -1;      /* a part */
    for (up = slash; up > path && up[-1] != '/'; up--)
        ;
    if (up == path ||
        snprintf(pj, sizeof(pj), "%.*spackage.json", (int)(up - path),
                 path) >= (int)sizeof(pj))
        return -1;
    fd = open_beneath(srv, pj);
    if (fd < 0)
        return -1;
    if (sv_llhls_read_fd(fd, &data, &len) == 0 &&
        (root = json_loadb(data, len, 0, NULL)) != NULL) {
        if (json_is_true(json_object_get(root, "ll_dash")) &&
            !json_is_true(json_object_get(root, "ended")))
            target = json_integer_value(json_object_get(root,
                                                        "target_duration"))
                     * 1000;
        json_decref(root);
    }
    free(data);
    close(fd);
    return target > 0 ? target : -1;
}

/* Streams a low-latency DASH segment from its parts; 0 when taken. */
static int
serve_chunks(struct sv__server *srv, h2o_req_t *req, const char *path,
             const char *fspath, int64_t target)
{
    const char *slash = strrchr(path, '/');
    char rel[PATH_MAX], dir[PATH_MAX];
    int dirfd;

    snprintf(rel, sizeof(rel), "%.*s", (int)(slash - path), path);
    if (rel[0] == '\0')
        snprintf(rel, sizeof(rel), "/");
    dirfd = open_beneath(srv, rel);
    if (dirfd < 0)
        return -1;
    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(fspath, '/') - fspath),
             fspath);
    set_hdr(req, "content-type", "video/iso.segment");
    set_hdr(req, "cache-control", cache_policy("m4s", fspath));
    /* three target durations, as for held LL-HLS requests */
    return sv__chunks_serve(req, llhls_of(req), dirfd, dir, slash + 1,
                            (uint64_t)target * 3);
}

/* ---- playlists ---- */

static uint64_t
fnv64(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

/*
 * Answers with playlist text: the delta update when asked and possible,
 * an ETag over the bytes sent, and the cache policy of its state.
 */
static void
send_playlist(h2o_req_t *req, const char *data, size_t len,
              const struct sv_llhls_info *in, int skip, int blocking)
{
    char *delta = NULL, etag[40];
    size_t dlen = 0;
    h2o_iovec_t *inm;

    if (skip && sv_llhls_delta(data, len, in, skip == 2, &delta, &dlen) == 0 &&
        delta != NULL) {
        data = h2o_strdup(&req->pool, delta, dlen).base;
        len = dlen;
        free(delta);
    }
    snprintf(etag, sizeof(etag), "\"%016" PRIx64 "\"", fnv64(data, len));
    set_hdr(req, "etag", h2o_strdup(&req->pool, etag, strlen(etag)).base);
    if (in->endlist || in->vod || !in->media)
        set_hdr(req, "cache-control", "public, max-age=86400");
    else if (blocking)
        /* the URL names a future state: safe to cache for a while */
        set_hdrf(req, "cache-control", "public, max-age=%" PRId64,
                 (in->target_ms * 6 + 999) / 1000);
    else
        set_hdr(req, "cache-control", "public, max-age=1");
    inm = header(req, "if-none-match");
    if (inm != NULL && h2o_memis(inm->base, inm->len, etag, strlen(etag))) {
        req->res.status = 304;
        req->res.reason = "Not Modified";
        h2o_send_inline(req, "", 0);
        return;
    }
    respond(req, 200, "OK", "application/vnd.apple.mpegurl", data, len);
}

static void
held_dispose(void *p)
{
    struct held *h = p;

    if (!h->done) {
        h->done = 1;
        sv_llhls_hold_cancel(&h->hold);
        sv_metrics_held(-1);
    }
}

static void
on_held(struct sv_llhls_hold *hold, int ready, const char *data, size_t len)
{
    struct held *h = (struct held *)hold;
    struct sv_llhls_info in;

    h->done = 1;
    sv_metrics_held(-1);
    if (!ready) {
        set_hdr(h->req, "retry-after", "1");
        fail(h->req, 503, "Service Unavailable");
        return;
    }
    if (hold->msn < 0) {
        /* the preload-hinted file is there: the file handler sends it */
        h2o_delegate_request(h->req, &h->h->super);
        return;
    }
    if (sv_llhls_parse(data, len, &in) < 0) {
        fail(h->req, 503, "Service Unavailable");
        return;
    }
    send_playlist(h->req, data, len, &in, h->skip, 1);
}

/* Holds req until name in dir satisfies msn/part (msn -1: exists). */
static int
hold(struct handler *hd, h2o_req_t *req, const char *dir, const char *name,
     int64_t msn, int64_t part, int skip, int64_t target_ms)
{
    struct held *h;
    int rc;

    h = h2o_mem_alloc_shared(&req->pool, sizeof(*h), held_dispose);
    memset(h, 0, sizeof(*h));
    h->done = 1;    /* until it is really held */
    h->req = req;
    h->h = hd;
    h->skip = skip;
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->hold.name = h->name;
    h->hold.msn = msn;
    h->hold.part = part;
    h->hold.cb = on_held;
    if (target_ms <= 0)
        target_ms = DEFAULT_TARGET_MS;
    /* three target durations, as the LL-HLS specification says */
    rc = sv_llhls_hold_add(llhls_of(req), &h->hold, dir,
                           (uint64_t)target_ms * 3);
    if (rc < 0)
        return rc;
    h->done = 0;
    sv_metrics_held(1);
    return 0;
}

/* "123": 0..2^53, or -1 */
static int64_t
query_int(const char *q, size_t qlen, const char *name, int *present)
{
    char v[24];
    int64_t x;

    *present = sv_query_get(q, qlen, name, v, sizeof(v)) != -ENOENT;
    if (!*present)
        return -1;
    if (v[0] == '\0' || v[0] == '-' || v[0] == '+' ||
        sv_parse_int(v, 0, (int64_t)1 << 53, &x) < 0)
        return -2;
    return x;
}

static void
serve_playlist(struct handler *hd, h2o_req_t *req, int fd, const char *fspath)
{
    const char *q = NULL, *slash;
    size_t qlen = 0, len;
    char *data = NULL, dir[PATH_MAX], skipv[8];
    struct sv_llhls_info in;
    int64_t msn, part;
    int has_msn, has_part, skip = 0, rc, blocking;

    if (req->query_at != SIZE_MAX) {
        q = req->path.base + req->query_at + 1;
        qlen = req->path.len - req->query_at - 1;
    }
    rc = sv_llhls_read_fd(fd, &data, &len);
    if (rc < 0) {
        fail(req, 403, "Forbidden");
        return;
    }
    if (sv_llhls_parse(data, len, &in) < 0) {
        /* not ours to judge: send it as it is */
        memset(&in, 0, sizeof(in));
        in.endlist = 1;
    }
    msn = query_int(q, qlen, "_HLS_msn", &has_msn);
    part = query_int(q, qlen, "_HLS_part", &has_part);
    if (sv_query_get(q, qlen, "_HLS_skip", skipv, sizeof(skipv)) >= 0)
        skip = strcmp(skipv, "YES") == 0 ? 1 : strcmp(skipv, "v2") == 0 ? 2 :
            -1;
    if (skip < 0 || msn == -2 || part == -2 || (has_part && !has_msn)) {
        fail(req, 400, "Bad Request");
        goto out;
    }
    slash = strrchr(fspath, '/');
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - fspath), fspath);
    if (in.hint[0] != '\0' && !in.endlist)
        hint_remember(fspath);
    blocking = has_msn && in.media && !in.endlist;
    if (blocking) {
        rc = sv_llhls_ready(&in, msn, has_part ? part : -1);
        if (rc < 0) {
            fail(req, 400, "Bad Request");
            goto out;
        }
        if (rc == 0) {
            rc = hold(hd, req, dir, slash + 1, msn, has_part ? part : -1,
                      skip, in.target_ms);
            if (rc < 0)
                fail(req, 503, "Service Unavailable");
            goto out;
        }
    }
    send_playlist(req, data, len, &in, skip, blocking);
out:
    free(data);
}

/* ---- directory listings (--index) ---- */

static int
visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Appends s to the listing, HTML-escaped. */
static void
html_put(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* An HTML list of dir without dotfiles (at most 10000 names). */
static void
send_listing(h2o_req_t *req, const char *dir, const char *path)
{
    struct dirent **names = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    int n, i;

    n = scandir(dir, &names, visible, alphasort);
    if (n < 0) {
        fail(req, 403, "Forbidden");
        return;
    }
    f = open_memstream(&buf, &len);
    if (f == NULL)
        goto out;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    html_put(f, path);
    fputs("</title></head><body><h1>", f);
    html_put(f, path);
    fputs("</h1><ul>\n", f);
    for (i = 0; i < n && i < 10000; i++) {
        int isdir = names[i]->d_type == DT_DIR;

        fputs("<li><a href=\"", f);
        html_put(f, names[i]->d_name);
        fputs(isdir ? "/\">" : "\">", f);
        html_put(f, names[i]->d_name);
        fputs(isdir ? "/</a></li>\n" : "</a></li>\n", f);
    }
    fputs("</ul></body></html>\n", f);
    if (fclose(f) == 0) {
        set_hdr(req, "cache-control", "no-cache");
        respond(req, 200, "OK", "text/html; charset=utf-8", buf, len);
    } else {
        fail(req, 500, "Internal Server Error");
    }
out:
    if (f == NULL)
        fail(req, 500, "Internal Server Error");
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(buf);
}

/* ---- endpoints ---- */

static void
serve_metrics(h2o_req_t *req)
{
    size_t len = 0;
    char *text = sv_metrics_render(&len);

    if (text == NULL) {
        fail(req, 500, "Internal Server Error");
        return;
    }
    set_hdr(req, "cache-control", "no-store");
    respond(req, 200, "OK", "text/plain; version=0.0.4", text, len);
    free(text);
}

static void
serve_beacon(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    json_t *b, *data;
    json_error_t err;
    h2o_iovec_t *ua;

    if (srv->beacon == NULL) {
        fail(req, 404, "Not Found");
        return;
    }
    if (req->entity.base == NULL || req->entity.len == 0) {
        fail(req, 400, "Bad Request");
        return;
    }
    if (req->entity.len > srv->conf->beacon_max) {
        fail(req, 413, "Payload Too Large");
        return;
    }
    b = json_loadb(req->entity.base, req->entity.len,
                   JSON_REJECT_DUPLICATES, &err);
    if (b == NULL || !json_is_object(b) || json_object_size(b) > 256) {
        json_decref(b);
        fail(req, 400, "Bad Request");
        return;
    }
    ua = header(req, "user-agent");
    data = json_pack("{s:s, s:s#, s:o}", "addr", addr, "ua",
                     ua != NULL ? ua->base : "", ua != NULL ? (int)ua->len : 0,
                     "beacon", b);
    if (data == NULL || sv_jsonlog_emit(srv->beacon, "serve.beacon", data) <
        0) {
        fail(req, 500, "Internal Server Error");
        return;
    }
    set_hdr(req, "cache-control", "no-store");
    respond(req, 204, "No Content", "text/plain", "", 0);
}

/* The clock, for players' UTCTiming (urn:mpeg:dash:utc:http-iso:2014). */
static void
serve_time(h2o_req_t *req)
{
    char buf[SV_TIME_ISO_MAX];
    size_t n;

    n = sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, buf, sizeof(buf));
    set_hdr(req, "cache-control", "no-store");
    respond(req, 200, "OK", "text/plain", buf, n);
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct handler *hd = (struct handler *)self;
    struct sv__server *srv = hd->srv;
    struct sockaddr_storage ss;
    char addr[64], path[PATH_MAX], fspath[PATH_MAX];
    char tok[SV_TOKEN_MAX + 1], dir[PATH_MAX];
    struct sv_token t;
    size_t plen;
    int st, from_query = 0, fd;
    int64_t target;
    const char *ext, *slash;
    struct stat sb;

    peer_of(req, &ss, addr, sizeof(addr));
    if (sv_limit_request(srv->limit, (struct sockaddr *)&ss,
                         uv_now(&sv_http_worker_of(req)->loop)) < 0) {
        set_hdr(req, "retry-after", "1");
        fail(req, 429, "Too Many Requests");
        return 0;
    }
    if (req->input.path.len > srv->conf->max_uri) {
        fail(req, 414, "URI Too Long");
        return 0;
    }
    if (header_bytes(req) > srv->conf->max_headers) {
        fail(req, 431, "Request Header Fields Too Large");
        return 0;
    }
    plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    st = check_path(req->path.base, plen, path, sizeof(path));
    if (st != 0) {
        fail(req, st, st == 400 ? "Bad Request" :
             st == 414 ? "URI Too Long" : "Not Found");
        return 0;
    }
    if (method_is(req, "OPTIONS")) {
        preflight(srv, req);
        return 0;
    }
    if (strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0 ||
        strcmp(path, "/beacon") == 0 || strcmp(path, "/time") == 0) {
        cors(srv, req);
        if (strcmp(path, "/beacon") == 0 && method_is(req, "POST"))
            serve_beacon(srv, req, addr);
        else if (strcmp(path, "/beacon") == 0 ||
                 !(method_is(req, "GET") || method_is(req, "HEAD"))) {
            set_hdr(req, "allow", strcmp(path, "/beacon") == 0 ?
                    "POST, OPTIONS" : "GET, HEAD, OPTIONS");
            fail(req, 405, "Method Not Allowed");
        } else if (path[1] == 'h') {
            set_hdr(req, "cache-control", "no-store");
            respond(req, 200, "OK", "text/plain", "ok\n", 3);
        } else if (path[1] == 't') {
            serve_time(req);
        } else {
            serve_metrics(req);
        }
        return 0;
    }
    if (!(method_is(req, "GET") || method_is(req, "HEAD"))) {
        set_hdr(req, "allow", "GET, HEAD, OPTIONS");
        fail(req, 405, "Method Not Allowed");
        return 0;
    }
    cors(srv, req);
    if (srv->key != NULL) {
        st = check_token(srv, req, path, addr, &t, &from_query, tok,
                         sizeof(tok));
        if (st != SV_TOKEN_OK) {
            sv_log_debug("%s %s: token refused: %s", addr, path,
                         sv_token_status_str(st));
            fail(req, 403, "Forbidden");
            return 0;
        }
        if (from_query && cookie_path_ok(t.prefix))
            set_hdrf(req, "set-cookie", TOKEN_COOKIE "=%s; Path=%s; "
                     "Max-Age=%" PRId64 "; HttpOnly; SameSite=Lax%s", tok,
                     t.prefix, t.expires - (int64_t)time(NULL),
                     srv->conf->tls_cert != NULL ? "; Secure" : "");
    }
    if (snprintf(fspath, sizeof(fspath), "%s%s", srv->root, path) >=
        (int)sizeof(fspath)) {
        fail(req, 414, "URI Too Long");
        return 0;
    }
    ext = ext_of(path);
    fd = open_beneath(srv, path);
    if (fd < 0) {
        target = fd == -ENOENT ? hint_lookup(fspath) : -1;
        if (target >= 0) {
            slash = strrchr(fspath, '/');
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - fspath), fspath);
            set_hdr(req, "cache-control", cache_policy(ext, fspath));
            if (hold(hd, req, dir, slash + 1, -1, -1, 0, target) == 0)
                return 0;
        }
        if (fd == -ENOENT && method_is(req, "GET") &&
            (target = ll_dash_target(srv, path)) > 0 &&
            serve_chunks(srv, req, path, fspath, target) == 0)
            return 0;
        fail(req, 404, "Not Found");
        return 0;
    }
    if (fstat(fd, &sb) < 0 || !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))) {
        close(fd);
        fail(req, 404, "Not Found");
        return 0;
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        if (srv->conf->index && plen > 0 && req->path.base[plen - 1] == '/' &&
            snprintf(dir, sizeof(dir), "%s/index.html", fspath) <
                (int)sizeof(dir) && access(dir, R_OK) != 0) {
            send_listing(req, fspath, path);
            return 0;
        }
        return -1;  /* h2o: a redirect to "dir/", index.html, or 403 */
    }
    if (strcmp(ext, "m3u8") == 0) {
        serve_playlist(hd, req, fd, fspath);
        close(fd);
        return 0;
    }
    close(fd);
    set_hdr(req, "cache-control", cache_policy(ext, fspath));
    return -1;  /* h2o's file handler: ranges, HEAD, ETag and 304 */
}

/* ---- access log ---- */

static json_t *
cmcd_of(h2o_req_t *req)
{
    static const char *const hdrs[] = {
        "cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session", NULL,
    };
    char buf[2048];
    json_t *o = json_object();
    h2o_iovec_t *v;
    int n, i;

    if (req->query_at != SIZE_MAX) {
        n = sv_query_get(req->path.base + req->query_at + 1,
                         req->path.len - req->query_at - 1, "CMCD", buf,
                         sizeof(buf));
        if (n > 0)
            sv_cmcd_parse(buf, (size_t)n, o);
    }
    for (i = 0; hdrs[i] != NULL; i++) {
        v = header(req, hdrs[i]);
        if (v != NULL)
            sv_cmcd_parse(v->base, v->len, o);
    }
    if (json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void
log_access(h2o_logger_t *self, h2o_req_t *req)
{
    struct sv__server *srv = ((struct logger *)self)->srv;
    struct sockaddr_storage ss;
    struct timeval now;
    char addr[64], query[2048], tok[SV_TOKEN_MAX + 1];
    char path[PATH_MAX];
    uint64_t us = 0;
    json_t *d, *cmcd;
    h2o_iovec_t *ua, *ref;
    struct sv_token t;
    size_t plen;
    int n, fq;

    gettimeofday(&now, NULL);
    if (req->timestamps.request_begin_at.tv_sec != 0)
        us = (uint64_t)((now.tv_sec - req->timestamps.request_begin_at.tv_sec)
                        * 1000000 + (now.tv_usec -
                        req->timestamps.request_begin_at.tv_usec));
    sv_metrics_request(req->res.status, req->bytes_sent, us);
    if (srv->access == NULL)
        return;
    peer_of(req, &ss, addr, sizeof(addr));
    plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    d = json_object();
    json_object_set_new(d, "addr", json_string(addr));
    json_object_set_new(d, "method", json_stringn(req->method.base,
                                                  req->method.len));
    json_object_set_new(d, "path", json_stringn(req->path.base, plen));
    if (req->query_at != SIZE_MAX) {
        n = sv_query_strip(req->path.base + req->query_at + 1,
                           req->path.len - req->query_at - 1, "token", query,
                           sizeof(query));
        if (n > 0)
            json_object_set_new(d, "query", json_stringn(query, (size_t)n));
    }
    json_object_set_new(d, "proto", json_string(req->version >= 0x200 ?
                                                "HTTP/2" : "HTTP/1.1"));
    json_object_set_new(d, "status", json_integer(req->res.status));
    json_object_set_new(d, "bytes", json_integer((json_int_t)req->bytes_sent));
    json_object_set_new(d, "duration_ms", json_real((double)us / 1000.0));
    ua = header(req, "user-agent");
    json_object_set_new(d, "ua", ua != NULL ?
                        json_stringn(ua->base, ua->len) : json_null());
    ref = header(req, "referer");
    json_object_set_new(d, "referrer", ref != NULL ?
                        json_stringn(ref->base, ref->len) : json_null());
    /* the subject of a valid token (checked again: requests keep no state) */
    if (srv->key != NULL &&
        check_path(req->path.base, plen, path, sizeof(path)) == 0 &&
        check_token(srv, req, path, addr, &t, &fq, tok, sizeof(tok)) ==
            SV_TOKEN_OK && t.subject[0] != '\0')
        json_object_set_new(d, "subject", json_string(t.subject));
    cmcd = cmcd_of(req);
    if (cmcd != NULL)
        json_object_set_new(d, "cmcd", cmcd);
    sv_jsonlog_emit(srv->access, "serve.request", d);
}

/* ---- setup ---- */

static h2o_mimemap_t *
mimemap_new(void)
{
    static const char *const types[][2] = {
        { "m3u8", "application/vnd.apple.mpegurl" },
        { "mpd", "application/dash+xml" },
        { "m4s", "video/iso.segment" },
        { "mp4", "video/mp4" },
        { "m4v", "video/mp4" },
        { "m4a", "audio/mp4" },
        { "cmfv", "video/mp4" },
        { "cmfa", "audio/mp4" },
        { "cmft", "application/mp4" },
        { "ts", "video/mp2t" },
        { "aac", "audio/aac" },
        { "vtt", "text/vtt" },
        { "webvtt", "text/vtt" },
        { "json", "application/json" },
        { "key", "application/octet-stream" },
        { "webm", "video/webm" },
        { NULL, NULL },
    };
    h2o_mimemap_t *m = h2o_mimemap_create();
    int i;

    for (i = 0; types[i][0] != NULL; i++)
        h2o_mimemap_define_mimetype(m, types[i][0], types[i][1], NULL);
    return m;
}

int
sv__http_setup(struct sv__server *srv, h2o_pathconf_t *pc)
{
    static const char *no_index[] = { NULL };
    static const char *index_html[] = { "index.html", NULL };
    struct handler *hd;
    struct logger *lg;

    hd = (struct handler *)h2o_create_handler(pc, sizeof(*hd));
    hd->super.on_req = on_req;
    hd->srv = srv;
    h2o_file_register(pc, srv->root,
                      srv->conf->index ? index_html : no_index, mimemap_new(),
                      0);
    lg = (struct logger *)h2o_create_logger(pc, sizeof(*lg));
    lg->super.log_access = log_access;
    lg->srv = srv;
    return 0;
}
