/* http_internal.h -- sv-serve's state and request phases, across lib/serve */
#ifndef SV_HTTP_INTERNAL_H
#define SV_HTTP_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/jsonlog.h"
#include "drm/token.h"
#include "http/http_server.h"
#include "http/limit.h"
#include "model/llhls.h"
#include "serve/llhls_hold.h"
#include "serve/serve.h"

/* sv-serve's state, shared by every worker (the server layer holds h2o's) */
struct sv__server {
    const struct sv_serve_conf *conf;
    char root[PATH_MAX];            /* realpath of conf->root */
    size_t rootlen;
    int rootfd;                     /* O_PATH descriptor of root */
    struct sv_limit *limit;
    struct sv_jsonlog *access, *beacon;
    pthread_rwlock_t key_lock;
    unsigned char *key;             /* token key, NULL: no tokens */
    size_t keylen;
    struct sv__steer *steer;        /* /steering, NULL: no policy */
    struct sv__tracker *tracker;    /* the one worker's, NULL: none */
    uint8_t *wmkey;                 /* A/B watermark key, NULL: none */
    size_t wmkeylen;
    h2o_mimemap_t *mimemap;         /* ours over h2o's defaults: both paths */
};

/* sv-serve's request handler: runs before h2o's file handler */
struct sv__handler {
    h2o_handler_t super;
    struct sv__server *srv;
};

/* ---- request.c: limits, method, path and token checks, then dispatch */

/* Registers the request handler, file handler and logger on the path. */
int sv__http_setup(struct sv__server *srv, h2o_pathconf_t *pc);

/* Answers with a plain-text error; never cached by a CDN for long. */
void sv__serve_fail(h2o_req_t *req, int status, const char *reason);

/* Adds the CORS headers when the request's Origin is allowed; returns 1. */
int sv__serve_cors(struct sv__server *srv, h2o_req_t *req);

/*
 * Decodes the request path into out and checks it: 0 when it names
 * something under the root, 400 for traversal or encoded separators, 404
 * for dotfiles, 414 when it does not fit.
 */
int sv__serve_check_path(const char *raw, size_t len, char *out,
                         size_t outsz);

/*
 * Opens path (decoded, with its leading '/') for reading without leaving
 * the root.  Returns a descriptor or -errno (-EXDEV for an escape).
 */
int sv__serve_open(struct sv__server *srv, const char *path);

/*
 * Checks the request's token against the decoded path; fills t and tok
 * (the token as found), *from_query says where it was.  Returns
 * SV_TOKEN_OK, or a refusal (SV_TOKEN_MALFORMED when there is none).
 */
enum sv_token_status sv__serve_check_token(struct sv__server *srv,
                                           h2o_req_t *req, const char *path,
                                           const char *addr,
                                           struct sv_token *t,
                                           int *from_query, char *tok,
                                           size_t toksz);

/* ---- endpoints.c: /healthz, /metrics, /time, /beacon ---- */

/*
 * Answers req when path (decoded) is one of the endpoints and returns 1;
 * returns 0, nothing sent, for any other path.  addr: the peer, as text.
 */
int sv__endpoint_serve(struct sv__server *srv, h2o_req_t *req,
                       const char *path, const char *addr);

/* ---- files.c: static files, listings, caching headers ---- */

/*
 * Serves the file at path (decoded; raw: the path as sent, rawlen bytes)
 * from the root; returns as an h2o handler does (-1: h2o's file handler
 * goes on).
 */
int sv__files_serve(struct sv__handler *hd, h2o_req_t *req, const char *path,
                    const char *raw, size_t rawlen);

/* Cache-Control for a file of extension ext at fspath. */
const char *sv__cache_policy(const char *ext, const char *fspath);

/* Registers h2o's file handler (ranges, HEAD, ETag, 304) on the path. */
void sv__files_register(struct sv__server *srv, h2o_pathconf_t *pc);

/* ---- llhls_req.c: what is not there yet ---- */

/*
 * Answers a playlist request (fd: the playlist, kept open; st: its
 * fstat): blocking reloads (_HLS_msn, _HLS_part), delta updates
 * (_HLS_skip), ETag.
 */
void sv__llreq_playlist(struct sv__handler *hd, h2o_req_t *req, int fd,
                        const struct stat *st, const char *fspath);

/*
 * For a file that could not be opened (err: -errno): holds req when a live
 * playlist hints at it, or streams a low-latency DASH segment from its
 * parts.  Returns 0 when req was taken, -1 when it is for the caller to
 * answer.
 */
int sv__llreq_missing(struct sv__handler *hd, h2o_req_t *req,
                      const char *path, const char *fspath, const char *ext,
                      int err);

/* ---- access_log.c ---- */

/* Registers the logger: metrics and the access log, per request. */
void sv__access_register(struct sv__server *srv, h2o_pathconf_t *pc);

/*
 * Streams the media segment name of directory dir (dirfd: its descriptor,
 * taken) from its part files as they appear, until the whole segment is
 * there or timeout_ms passes (low-latency DASH, http_chunks.c).  The
 * response headers set on req are kept.  Returns 0, or SV_EUSAGE when name
 * is not a segment name (nothing sent).
 */
int sv__chunks_serve(h2o_req_t *req, struct sv_llhls *reg, int dirfd,
                     const char *dir, const char *name, uint64_t timeout_ms);

/* ---- steer_live.c: /steering (content steering) ---- */

/* Reads conf->steering_policy (none: 0) and starts its health probes. */
int sv__steer_open(struct sv__server *srv);

/* Stops the probes and frees the policy; NULL-safe. */
void sv__steer_close(struct sv__server *srv);

/* Rereads the policy file now (SIGHUP); a bad file keeps the old one. */
void sv__steer_reload(struct sv__server *srv);

/* Answers a steering request with the manifest for this viewer. */
void sv__steer_answer(struct sv__server *srv, h2o_req_t *req,
                      const char *addr);

/* ---- tracker_route.c: the WebSocket tracker (--tracker, one worker) */

struct sv__tracker;

/* Starts the tracker on worker w's loop (conf->tracker set). */
int sv__tracker_open(struct sv__server *srv, struct sv_http_worker *w);

/* Drops every tracker socket (the worker stops). */
void sv__tracker_stop(struct sv__server *srv);

/* Frees the tracker after its loop ended; NULL-safe. */
void sv__tracker_close(struct sv__server *srv);

/*
 * Answers a request for the tracker path: the upgrade, or 400, 403 (an
 * Origin not allowed), 426 (not a WebSocket) or 429 (too many sockets).
 */
void sv__tracker_serve(struct sv__server *srv, h2o_req_t *req);

/* Appends the tracker's counters in Prometheus text to buf (size bytes);
 * returns the bytes written (0 without a tracker). */
size_t sv__tracker_metrics(struct sv__server *srv, char *buf, size_t size);

/* ---- wm_route.c: A/B watermark variants ---- */

/* Reads (or, on SIGHUP, reloads) conf->watermark_key_file (none: 0);
 * 0 or a negative code, the key in place kept on failure. */
int sv__wmark_load(struct sv__server *srv);

/* Wipes and frees the key; NULL-safe. */
void sv__wmark_free(struct sv__server *srv);

/*
 * For a viewer with a token subject: a request of a file that has A/B
 * variants ("dir/name" beside "dir/a/name") is redirected (302) to the
 * viewer's variant, the query kept; a request of a variant by name that
 * is not the viewer's is refused (403).  Returns 1 when req was answered,
 * 0 when it is for the file handler.
 */
int sv__wmark_route(struct sv__server *srv, h2o_req_t *req,
                    const char *path, const char *subject);

/* Loads (or reloads) the token key; returns 0 or a negative code. */
int sv__http_load_key(struct sv__server *srv);

#endif
