/* http_server.h -- the h2o server layer of sv-serve and `sv-drm serve` */
#ifndef SV_HTTP_SERVER_H
#define SV_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

struct sv_limit;

/* a worker: one thread, one libuv loop, one h2o context */
struct sv_http_worker {
    unsigned id;
    uv_loop_t loop;
    h2o_context_t ctx;
    void *data;                 /* the application's, set by worker_init */
};

struct sv_http_server_conf {
    const char *name;               /* the Server header */
    const char *const *listen;      /* "[http://|https://]ADDR:PORT", ... */
    size_t nlisten;
    unsigned workers;               /* >= 1 */
    const char *tls_cert, *tls_key; /* PEM, for https:// listeners, or NULL */
    uint64_t header_timeout_ms;     /* 0: h2o's default */
    uint64_t idle_timeout_ms;       /* HTTP/2; 0: h2o's default */
    uint64_t stop_timeout_ms;       /* graceful stop bound */
    size_t max_body;                /* largest request body */
    struct sv_limit *limit;         /* connections per address, or NULL */
    void *ud;                       /* passed to every hook */
    /* registers the handlers on "/" of the one host; 0 or a negative code */
    int (*setup)(void *ud, h2o_pathconf_t *pc);
    /* per worker, before it runs (NULL: none); 0 or a negative code */
    int (*worker_init)(void *ud, struct sv_http_worker *w);
    /* the worker is stopping: answer what is held (NULL: nothing) */
    void (*worker_stop)(void *ud, struct sv_http_worker *w);
    /* the worker's loop ended, its handles are about to close (or NULL) */
    void (*worker_release)(void *ud, struct sv_http_worker *w);
    void (*reload)(void *ud);       /* SIGHUP (NULL: ignored) */
    /* once listening: says so, for each listener (NULL: nothing said) */
    void (*started)(void *ud, const char *listen, unsigned nworkers);
};

/*
 * Parses every listen spec, loads the TLS certificate, binds every listener
 * for every worker (SO_REUSEPORT; a port someone else holds fails with
 * -EADDRINUSE), then serves until SIGTERM/SIGINT: no new connections, held
 * requests answered, open ones given stop_timeout_ms (a second signal stops
 * at once).  SIGHUP calls reload.  Failures are logged; returns 0 after a
 * stop, SV_EUSAGE for a bad listen spec, or another negative code.
 */
int sv_http_server_run(const struct sv_http_server_conf *conf);

/* The worker that serves req (from a handler). */
struct sv_http_worker *sv_http_worker_of(h2o_req_t *req);

#endif
