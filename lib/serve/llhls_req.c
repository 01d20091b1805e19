/* llhls_req.c -- requests for what is not there yet (LL-HLS, LL-DASH) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/parse.h"
#include "core/slurp.h"
#include "http/endpoint.h"
#include "http/metrics.h"
#include "http/query.h"
#include "serve/http_internal.h"

#define HINTS 256
#define DEFAULT_TARGET_MS 6000

/* a request waiting for a playlist update or a file (LL-HLS) */
struct held {
    struct sv_llhls_hold hold;
    h2o_req_t *req;
    struct sv__handler *h;
    int skip;               /* 0, 1 (YES) or 2 (v2) */
    int done;
    char name[256];
};

/*
 * Live playlists with a preload hint that we served, shared by the
 * workers, each with the directory its hint names (the playlist's own, or
 * a rendition's below it: sv-package writes playlists at the package root
 * and parts in subdirectories).  A request for a missing file is held only
 * when one of these playlists, read again now, hints at it or at a part
 * of the same segment just before it: random missing names cost a 404, not
 * a watch, and a player that read a newer playlist is still served.
 */
#define HINT_AHEAD 2    /* parts after the hinted one that are held too */

struct hint {
    char playlist[512];
    char dir[512];      /* where its hinted parts are, "" for a free slot */
};

static pthread_mutex_t hints_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hint hints[HINTS];
static unsigned hints_next;

static struct sv_llhls *
llhls_of(h2o_req_t *req)
{
    return sv_http_worker_of(req)->data;
}

/* ---- preload hints ---- */

/*
 * The file the hint URI of the playlist at playlist names, resolved
 * against the playlist's directory; -1 for a URI that is not a plain
 * relative path (a scheme, an absolute path, "..", a query).
 */
static int
hint_resolve(const char *playlist, const char *uri, char *out, size_t n)
{
    const char *slash = strrchr(playlist, '/');

    if (uri[0] == '\0' || uri[0] == '/' || strstr(uri, "://") != NULL ||
        strstr(uri, "..") != NULL || strpbrk(uri, "?#") != NULL ||
        slash == NULL)
        return -1;
    if (snprintf(out, n, "%.*s/%s", (int)(slash - playlist), playlist, uri) >=
        (int)n)
        return -1;
    return 0;
}

static void
hint_remember(const char *playlist, const char *uri)
{
    char path[PATH_MAX], *slash;
    unsigned i;

    if (strlen(playlist) >= sizeof(hints[0].playlist) ||
        hint_resolve(playlist, uri, path, sizeof(path)) < 0)
        return;
    slash = strrchr(path, '/');
    *slash = '\0';
    if (strlen(path) >= sizeof(hints[0].dir))
        return;
    pthread_mutex_lock(&hints_lock);
    for (i = 0; i < HINTS; i++) {
        if (strcmp(hints[i].playlist, playlist) == 0) {
            /* a playlist whose hints moved to another directory */
            memcpy(hints[i].dir, path, strlen(path) + 1);
            goto out;
        }
    }
    i = hints_next++ % HINTS;
    memcpy(hints[i].playlist, playlist, strlen(playlist) + 1);
    memcpy(hints[i].dir, path, strlen(path) + 1);
out:
    pthread_mutex_unlock(&hints_lock);
}

/*
 * "seg-5.2.m4s" -> its part number 2, with *stem the length of "seg-5" and
 * *ext the suffix ".m4s"; -1 for a name that is not <stem>.<digits><ext>.
 */
static int64_t
part_of(const char *name, size_t *stem, const char **ext)
{
    const char *e = strrchr(name, '.'), *d, *p;
    int64_t x = 0;

    if (e == NULL || e == name)
        return -1;
    for (d = e; d > name && d[-1] >= '0' && d[-1] <= '9'; d--)
        ;
    if (d == e || d - 1 == name || d[-1] != '.' || e - d > 9)
        return -1;
    for (p = d; p < e; p++)
        x = x * 10 + (*p - '0');
    *stem = (size_t)(d - 1 - name);
    *ext = e;
    return x;
}

/* Whether a request for name may be held on the hint hinted. */
static int
hint_covers(const char *hinted, const char *name)
{
    size_t hs, ns;
    const char *he, *ne;
    int64_t hp, np;

    if (strcmp(hinted, name) == 0)
        return 1;
    /* the next parts of the same segment (the specification allows it) */
    hp = part_of(hinted, &hs, &he);
    np = part_of(name, &ns, &ne);
    return hp >= 0 && np > hp && np <= hp + HINT_AHEAD && hs == ns &&
           strncmp(hinted, name, hs) == 0 && strcmp(he, ne) == 0;
}

/*
 * Target duration (ms) of a live playlist, in the directory of path or one
 * above it, hinting at path (or a part of the same segment just before
 * it), or -1.
 */
static int64_t
hint_lookup(const char *path)
{
    char cand[4][512], *data, hinted[PATH_MAX];
    const char *slash = strrchr(path, '/'), *hs;
    size_t dlen = (size_t)(slash - path), len;
    struct sv_llhls_info in;
    int64_t t = -1;
    unsigned i, n = 0;

    pthread_mutex_lock(&hints_lock);
    for (i = 0; i < HINTS && n < 4; i++) {
        if (strlen(hints[i].dir) == dlen &&
            strncmp(hints[i].dir, path, dlen) == 0)
            memcpy(cand[n++], hints[i].playlist, sizeof(cand[0]));
    }
    pthread_mutex_unlock(&hints_lock);
    for (i = 0; i < n && t < 0; i++) {
        if (sv_llhls_read(cand[i], &data, &len) < 0)
            continue;
        if (sv_llhls_parse(data, len, &in) == 0 && !in.endlist &&
            hint_resolve(cand[i], in.hint, hinted, sizeof(hinted)) == 0 &&
            (hs = strrchr(hinted, '/')) != NULL &&
            (size_t)(hs - hinted) == dlen &&
            strncmp(hinted, path, dlen) == 0 && hint_covers(hs + 1, slash + 1))
            t = in.target_ms;
        free(data);
    }
    return t;
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
    fd = sv__serve_open(srv, pj);
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
    dirfd = sv__serve_open(srv, rel);
    if (dirfd < 0)
        return -1;
    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(fspath, '/') - fspath),
             fspath);
    sv_http_res_header(req, "content-type", "video/iso.segment");
    sv_http_res_header(req, "cache-control", sv__cache_policy("m4s", fspath));
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

/* the ETag of the whole playlist released to many held requests at once */
static __thread struct {
    uint64_t serial;
    char etag[40];
} batch_etag;

/*
 * Answers with playlist text: the delta update when asked and possible,
 * an ETag over the bytes sent, and the cache policy of its state.  serial:
 * sv_llhls_batch()'s for a release (its ETag computed once), or 0.
 */
static void
send_playlist(h2o_req_t *req, const char *data, size_t len,
              const struct sv_llhls_info *in, int skip, int blocking,
              uint64_t serial)
{
    char *delta = NULL, etag[40];
    size_t dlen = 0, inmlen;
    const char *inm;
    int whole = 1;

    if (skip && sv_llhls_delta(data, len, in, skip == 2, &delta, &dlen) == 0 &&
        delta != NULL) {
        data = h2o_strdup(&req->pool, delta, dlen).base;
        len = dlen;
        free(delta);
        whole = 0;
    }
    if (whole && serial != 0 && batch_etag.serial == serial) {
        memcpy(etag, batch_etag.etag, sizeof(etag));
    } else {
        snprintf(etag, sizeof(etag), "\"%016" PRIx64 "\"", fnv64(data, len));
        if (whole && serial != 0) {
            memcpy(batch_etag.etag, etag, sizeof(etag));
            batch_etag.serial = serial;
        }
    }
    sv_http_res_header(req, "etag", etag);
    if (in->endlist || in->vod || !in->media)
        sv_http_res_header(req, "cache-control", "public, max-age=86400");
    else if (blocking)
        /* the URL names a future state: safe to cache for a while */
        sv_http_res_headerf(req, "cache-control", "public, max-age=%" PRId64,
                            (in->target_ms * 6 + 999) / 1000);
    else
        /* a cache may not serve it stale (Varnish's grace is 10 s) */
        sv_http_res_header(req, "cache-control",
                           "public, max-age=1, stale-while-revalidate=0");
    inm = sv_http_req_header(req, "if-none-match", &inmlen);
    if (inm != NULL && h2o_memis(inm, inmlen, etag, strlen(etag))) {
        /* no body, no Content-Length, no Content-Type */
        req->res.status = 304;
        req->res.reason = "Not Modified";
        h2o_send_inline(req, "", 0);
        return;
    }
    sv_http_reply(req, 200, "OK", "application/vnd.apple.mpegurl", NULL,
                  data, len);
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
    const struct sv_llhls_info *once;
    struct sv_llhls_info in;
    uint64_t serial = 0;

    h->done = 1;
    sv_metrics_held(-1);
    if (ready < 0) {
        /* a hinted part whose segment ended before it: it never comes */
        sv__serve_fail(h->req, 404, "Not Found");
        return;
    }
    if (!ready) {
        sv_http_res_header(h->req, "retry-after", "1");
        sv__serve_fail(h->req, 503, "Service Unavailable");
        return;
    }
    if (hold->msn < 0) {
        /* the preload-hinted file is there: the file handler sends it */
        h2o_delegate_request(h->req, &h->h->super);
        return;
    }
    once = sv_llhls_batch(llhls_of(h->req), data, &serial);
    if (once != NULL) {
        in = *once;
    } else if (sv_llhls_parse(data, len, &in) < 0) {
        sv__serve_fail(h->req, 503, "Service Unavailable");
        return;
    }
    send_playlist(h->req, data, len, &in, h->skip, 1, serial);
}

/* Holds req until name in dir satisfies msn/part (msn -1: exists). */
static int
hold(struct sv__handler *hd, h2o_req_t *req, const char *dir, const char *name,
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

void
sv__llreq_playlist(struct sv__handler *hd, h2o_req_t *req, int fd,
                   const struct stat *st, const char *fspath)
{
    const char *q, *slash;
    size_t qlen, len;
    char *data = NULL, dir[PATH_MAX], skipv[8];
    struct sv_llhls_info in;
    int64_t msn, part;
    int has_msn, has_part, skip = 0, rc, blocking;

    q = sv_http_req_query(req, &qlen);
    rc = sv_slurp_fd_stat(fd, st, SV_LLHLS_MAX_PLAYLIST, &data, &len);
    if (rc < 0) {
        sv__serve_fail(req, 403, "Forbidden");
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
        sv__serve_fail(req, 400, "Bad Request");
        goto out;
    }
    slash = strrchr(fspath, '/');
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - fspath), fspath);
    if (in.hint[0] != '\0' && !in.endlist)
        hint_remember(fspath, in.hint);
    blocking = has_msn && in.media && !in.endlist;
    if (blocking) {
        rc = sv_llhls_ready(&in, msn, has_part ? part : -1);
        if (rc < 0) {
            sv__serve_fail(req, 400, "Bad Request");
            goto out;
        }
        if (rc == 0) {
            rc = hold(hd, req, dir, slash + 1, msn, has_part ? part : -1,
                      skip, in.target_ms);
            if (rc < 0)
                sv__serve_fail(req, 503, "Service Unavailable");
            goto out;
        }
    }
    send_playlist(req, data, len, &in, skip, blocking, 0);
out:
    free(data);
}

int
sv__llreq_missing(struct sv__handler *hd, h2o_req_t *req, const char *path,
                  const char *fspath, const char *ext, int err)
{
    char dir[PATH_MAX], seg[256], segpath[PATH_MAX + 256];
    const char *slash;
    struct stat st;
    int64_t target;

    target = err == -ENOENT ? hint_lookup(fspath) : -1;
    if (target >= 0) {
        slash = strrchr(fspath, '/');
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - fspath), fspath);
        /* its segment is there without it: a part that never comes */
        if (sv_llhls_part_segment(slash + 1, seg, sizeof(seg)) == 0 &&
            snprintf(segpath, sizeof(segpath), "%s/%s", dir, seg) <
            (int)sizeof(segpath) && stat(segpath, &st) == 0)
            return -1;
        sv_http_res_header(req, "cache-control",
                           sv__cache_policy(ext, fspath));
        if (hold(hd, req, dir, slash + 1, -1, -1, 0, target) == 0)
            return 0;
    }
    if (err == -ENOENT && sv_http_req_method_is(req, "GET") &&
        (target = ll_dash_target(hd->srv, path)) > 0 &&
        serve_chunks(hd->srv, req, path, fspath, target) == 0)
        return 0;
    return -1;
}
