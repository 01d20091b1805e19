/* http_internal.h -- shared by lib/net/http*.c, the only users of h2o */
#ifndef SV_HTTP_INTERNAL_H
#define SV_HTTP_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include <h2o.h>

#include "net/jsonlog.h"
#include "net/limit.h"
#include "net/llhls.h"
#include "net/serve.h"

struct sv__server;

struct sv__worker {
    struct sv__server *srv;
    unsigned id;
    uv_loop_t loop;
    uv_thread_t thread;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    uv_tcp_t *listeners;
    size_t nlisteners;
    uv_async_t stop_async;
    uv_timer_t stop_timer;
    struct sv_llhls *llhls;
    int64_t conns;
    int stopping;
    int rc;
};

struct sv__server {
    const struct sv_serve_conf *conf;
    h2o_globalconf_t global;
    h2o_handler_t *handler;         /* ours, first on the path */
    SSL_CTX *ssl;
    char root[PATH_MAX];            /* realpath of conf->root */
    size_t rootlen;
    int rootfd;                     /* O_PATH descriptor of root */
    struct sv_limit *limit;
    struct sv_jsonlog *access, *beacon;
    pthread_rwlock_t key_lock;
    unsigned char *key;             /* token key, NULL: no tokens */
    size_t keylen;
    struct sv__worker *workers;
    unsigned nworkers;
    uv_async_t *done;               /* wakes the main loop as workers end */
    unsigned finished;              /* workers whose loop ended (atomic) */
};

/* Registers the request handler, file handler and logger on the path. */
int sv__http_setup(struct sv__server *srv, h2o_pathconf_t *pc);

/* Loads (or reloads) the token key; returns 0 or a negative code. */
int sv__http_load_key(struct sv__server *srv);

#endif
