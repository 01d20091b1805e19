/* http_internal.h -- sv-serve's state, shared by serve.c and http_handler.c */
#ifndef SV_HTTP_INTERNAL_H
#define SV_HTTP_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>


#include "core/jsonlog.h"
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
};

/* Registers the request handler, file handler and logger on the path. */
int sv__http_setup(struct sv__server *srv, h2o_pathconf_t *pc);

/*
 * Streams the media segment name of directory dir (dirfd: its descriptor,
 * taken) from its part files as they appear, until the whole segment is
 * there or timeout_ms passes (low-latency DASH, http_chunks.c).  The
 * response headers set on req are kept.  Returns 0, or SV_EUSAGE when name
 * is not a segment name (nothing sent).
 */
int sv__chunks_serve(h2o_req_t *req, struct sv_llhls *reg, int dirfd,
                     const char *dir, const char *name, uint64_t timeout_ms);

/* Loads (or reloads) the token key; returns 0 or a negative code. */
int sv__http_load_key(struct sv__server *srv);

#endif
