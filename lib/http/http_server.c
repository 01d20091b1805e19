/* http_server.c -- the h2o server layer: listeners, TLS, workers, stop */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>


#include "core/err.h"
#include "core/log.h"
#include "core/sig.h"
#include "crypto/tls.h"
#include "http/http_server.h"
#include "http/limit.h"
#include "http/metrics.h"

struct worker;

/* a listening socket; the uv handle comes first */
struct listener {
    uv_tcp_t tcp;
    struct worker *w;
    h2o_accept_ctx_t *accept;   /* the worker's plain or TLS context */
};

struct server {
    const struct sv_http_server_conf *conf;
    h2o_globalconf_t global;
    struct sv_tls_ctx *tls;     /* owns ssl */
    SSL_CTX *ssl;
    struct worker *workers;
    unsigned nworkers;
    uv_async_t *done;           /* wakes the main loop as workers end */
    unsigned finished;          /* workers whose loop ended (atomic) */
};

struct worker {
    struct sv_http_worker pub;  /* first: handlers get this one */
    struct server *srv;
    uv_thread_t thread;
    h2o_accept_ctx_t accept;        /* http:// */
    h2o_accept_ctx_t accept_tls;    /* https:// */
    struct listener *listeners;
    size_t nlisteners;
    uv_async_t stop_async;
    uv_timer_t stop_timer;
    uv_timer_t idle_timer;      /* gives idle connections' buffers back */
    struct conn *open;          /* every connection counted, a list */
    size_t idle_dirty;          /* connections busy since the last trim */
    size_t idle_freed;          /* input buffers freed since then */
    int64_t conns;
    int stopping;
};

/* a client connection: the uv handle comes first (h2o owns handle->data) */
struct conn {
    uv_tcp_t tcp;
    struct worker *w;
    struct conn *next, *prev;   /* the worker's open list, when counted */
    uint64_t seen_read;         /* bytes read at the last idle sweep */
    struct sockaddr_storage peer;
    int counted;
};

/*
 * Idle keep-alive connections: h2o keeps the input buffer of a connection
 * (8 KiB, its first page touched) and the pages of the last request's
 * memory pool, freed to malloc but resident, for as long as it stays
 * open.  Every IDLE_SWEEP_MS a connection that read nothing since the last
 * sweep and holds no unread input gives its buffer back (the next read
 * takes a new one), and once enough went, malloc returns the free pages
 * to the system.
 */
#define IDLE_SWEEP_MS 200
#define IDLE_TRIM_MIN 64        /* busy connections before a malloc_trim() */

/*
 * Parses "[http://|https://]ADDR:PORT" ("[V6]:PORT", ":PORT" or "PORT" for
 * the address part); *tls is set for https://.
 */
static int
parse_listen(const char *spec, struct sockaddr_storage *ss, int *tls)
{
    char host[128];
    const char *colon, *port;
    char *end;
    long p;

    memset(ss, 0, sizeof(*ss));
    *tls = 0;
    if (strncmp(spec, "https://", 8) == 0) {
        *tls = 1;
        spec += 8;
    } else if (strncmp(spec, "http://", 7) == 0) {
        spec += 7;
    }
    if (spec[0] == '[') {
        colon = strstr(spec, "]:");
        if (colon == NULL || (size_t)(colon - spec - 1) >= sizeof(host))
            return SV_EUSAGE;
        memcpy(host, spec + 1, (size_t)(colon - spec - 1));
        host[colon - spec - 1] = '\0';
        port = colon + 2;
    } else {
        colon = strrchr(spec, ':');
        if (colon == NULL) {
            strcpy(host, "0.0.0.0");
            port = spec;
        } else {
            if ((size_t)(colon - spec) >= sizeof(host))
                return SV_EUSAGE;
            memcpy(host, spec, (size_t)(colon - spec));
            host[colon - spec] = '\0';
            if (host[0] == '\0')
                strcpy(host, "0.0.0.0");
            port = colon + 1;
        }
    }
    errno = 0;
    p = strtol(port, &end, 10);
    if (errno != 0 || *end != '\0' || end == port || p < 0 || p > 65535)
        return SV_EUSAGE;
    if (spec[0] == '[')
        return uv_ip6_addr(host, (int)p, (struct sockaddr_in6 *)ss) == 0 ?
            0 : SV_EUSAGE;
    return uv_ip4_addr(host, (int)p, (struct sockaddr_in *)ss) == 0 ?
        0 : SV_EUSAGE;
}

/*
 * Fails with -EADDRINUSE when someone listens on ss already: SO_REUSEPORT
 * would otherwise let a second server share the port without a word.
 */
static int
probe_listener(const struct sockaddr_storage *ss)
{
    int fd, on = 1, rc = 0;
    socklen_t len = ss->ss_family == AF_INET6 ?
        sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

    fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        (ss->ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
        bind(fd, (const struct sockaddr *)ss, len) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* A listening socket with SO_REUSEPORT, so every worker binds its own. */
static int
open_listener(const struct sockaddr_storage *ss)
{
    int fd, on = 1;
    socklen_t len = ss->ss_family == AF_INET6 ?
        sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

    fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
        (ss->ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0 ||
        bind(fd, (const struct sockaddr *)ss, len) < 0 ||
        listen(fd, 4096) < 0) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    return fd;
}

static void
maybe_done(struct worker *w)
{
    if (w->stopping && w->conns == 0)
        uv_stop(&w->pub.loop);
}

static void
on_conn_closed(uv_handle_t *h)
{
    struct conn *c = (struct conn *)h;
    struct worker *w = c->w;

    if (c->counted) {
        if (c->prev != NULL)
            c->prev->next = c->next;
        else
            w->open = c->next;
        if (c->next != NULL)
            c->next->prev = c->prev;
        if (w->srv->conf->limit != NULL)
            sv_limit_conn_close(w->srv->conf->limit,
                                (struct sockaddr *)&c->peer);
        w->conns--;
        sv_metrics_conns(-1);
    }
    free(c);
    maybe_done(w);
}

static void
on_accept(uv_stream_t *listener, int status)
{
    struct listener *l = (struct listener *)listener;
    struct worker *w = l->w;
    struct sv_limit *limit = w->srv->conf->limit;
    struct conn *c;
    h2o_socket_t *sock;
    int len = sizeof(c->peer);

    if (status < 0 || w->stopping)
        return;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->w = w;
    uv_tcp_init(&w->pub.loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
        uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &len) != 0 ||
        (limit != NULL &&
         sv_limit_conn_open(limit, (struct sockaddr *)&c->peer) < 0)) {
        if (len > 0 && c->peer.ss_family != 0)
            sv_metrics_refused();
        uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
        return;
    }
    c->counted = 1;
    c->next = w->open;
    if (w->open != NULL)
        w->open->prev = c;
    w->open = c;
    w->conns++;
    sv_metrics_conns(1);
    sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
    h2o_accept(l->accept, sock);
}

static void
on_idle_sweep(uv_timer_t *t)
{
    struct worker *w = t->data;
    struct conn *c;
    h2o_socket_t *sock;
    size_t freed = 0, busy = 0;

    for (c = w->open; c != NULL; c = c->next) {
        sock = c->tcp.data;
        if (sock == NULL || uv_is_closing((uv_handle_t *)&c->tcp))
            continue;
        if (sock->bytes_read != c->seen_read) {
            busy++;
        } else if (sock->input != NULL && sock->input->size == 0 &&
                   sock->input->bytes != NULL &&
                   sock->input->_prototype != NULL) {
            /* nothing unread, so nothing of h2o's points into it */
            h2o_buffer_prototype_t *proto = sock->input->_prototype;

            h2o_buffer_dispose(&sock->input);
            h2o_buffer_init(&sock->input, proto);
            freed++;
        }
        c->seen_read = sock->bytes_read;
    }
    w->idle_freed += freed;
    if (busy > 0) {
        w->idle_dirty += busy;
    } else if (w->idle_dirty + w->idle_freed >= IDLE_TRIM_MIN) {
        /* every connection went quiet after a burst: the pages of its
         * requests' pools, free in malloc now, go back to the system */
        w->idle_dirty = w->idle_freed = 0;
        malloc_trim(0);
    }
}

static void
on_stop_timer(uv_timer_t *t)
{
    struct worker *w = t->data;

    sv_log_debug("worker %u: stop timeout with %lld connections open",
                 w->pub.id, (long long)w->conns);
    uv_stop(&w->pub.loop);
}

/* graceful stop: no new connections, held requests answered, then wait */
static void
on_stop(uv_async_t *a)
{
    struct worker *w = a->data;
    const struct sv_http_server_conf *conf = w->srv->conf;
    size_t i;

    if (w->stopping)
        return;
    w->stopping = 1;
    for (i = 0; i < w->nlisteners; i++)
        uv_close((uv_handle_t *)&w->listeners[i].tcp, NULL);
    if (conf->worker_stop != NULL)
        conf->worker_stop(conf->ud, &w->pub);
    h2o_context_request_shutdown(&w->pub.ctx);
    uv_timer_start(&w->stop_timer, on_stop_timer, conf->stop_timeout_ms, 0);
    maybe_done(w);
}

static void
worker_main(void *arg)
{
    struct worker *w = arg;

    uv_run(&w->pub.loop, UV_RUN_DEFAULT);
    __atomic_add_fetch(&w->srv->finished, 1, __ATOMIC_SEQ_CST);
    uv_async_send(w->srv->done);
}

static int
worker_init(struct worker *w, struct server *srv, int *fds, const int *tls,
            size_t nfds)
{
    const struct sv_http_server_conf *conf = srv->conf;
    size_t i;
    int rc;

    w->srv = srv;
    rc = uv_loop_init(&w->pub.loop);
    if (rc < 0)
        return rc;
    h2o_context_init(&w->pub.ctx, &w->pub.loop, &srv->global);
    w->accept.ctx = &w->pub.ctx;
    w->accept.hosts = srv->global.hosts;
    w->accept_tls = w->accept;
    w->accept_tls.ssl_ctx = srv->ssl;
    if (conf->worker_init != NULL) {
        rc = conf->worker_init(conf->ud, &w->pub);
        if (rc < 0)
            return rc;
    }
    w->listeners = calloc(nfds, sizeof(*w->listeners));
    if (w->listeners == NULL)
        return -ENOMEM;
    for (i = 0; i < nfds; i++) {
        struct listener *l = &w->listeners[i];

        uv_tcp_init(&w->pub.loop, &l->tcp);
        l->w = w;
        l->accept = tls[i] ? &w->accept_tls : &w->accept;
        rc = uv_tcp_open(&l->tcp, fds[i]);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)&l->tcp, 4096, on_accept);
        if (rc < 0)
            return rc;
        w->nlisteners++;
    }
    uv_async_init(&w->pub.loop, &w->stop_async, on_stop);
    w->stop_async.data = w;
    uv_timer_init(&w->pub.loop, &w->stop_timer);
    w->stop_timer.data = w;
    uv_timer_init(&w->pub.loop, &w->idle_timer);
    w->idle_timer.data = w;
    uv_timer_start(&w->idle_timer, on_idle_sweep, IDLE_SWEEP_MS,
                   IDLE_SWEEP_MS);
    return 0;
}

/* uv_walk(): connections still open close through on_conn_closed() */
static void
close_handle(uv_handle_t *h, void *arg)
{
    struct worker *w = arg;

    if (uv_is_closing(h))
        return;
    if (w != NULL && h->type == UV_TCP)
        uv_close(h, on_conn_closed);
    else
        uv_close(h, NULL);
}

/*
 * After the loop ended: the application's state and every handle go, then
 * the loop.  Connections still open when the stop timeout fired are closed
 * under h2o without its bookkeeping; the process is exiting then.
 */
static void
worker_release(struct worker *w)
{
    const struct sv_http_server_conf *conf = w->srv->conf;

    if (conf->worker_release != NULL)
        conf->worker_release(conf->ud, &w->pub);
    /*
     * h2o_context_dispose() asserts that no timeout is pending, which h2o
     * itself does not guarantee after a graceful shutdown; the context's
     * memory goes with the process.
     */
    w->stopping = 0;    /* on_conn_closed() must not stop the loop now */
    uv_walk(&w->pub.loop, close_handle, w);
    uv_run(&w->pub.loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->pub.loop);
    free(w->listeners);
}

static int
setup_tls(struct server *srv)
{
    const struct sv_http_server_conf *c = srv->conf;
    char msg[512];

    if (sv_tls_ctx_new(&srv->tls, c->tls_cert, c->tls_key, msg,
                       sizeof(msg)) < 0) {
        sv_log_error("%s", msg);
        return SV_EFORMAT;
    }
    srv->ssl = sv_tls_ctx_ssl(srv->tls);
    h2o_ssl_register_alpn_protocols(srv->ssl, h2o_http2_alpn_protocols);
    return 0;
}

/* main loop: signals, and the end of the workers */
struct ctl {
    struct server *srv;
    uv_signal_t term, intr, hup;
    int stopping;
};

static void
on_signal(uv_signal_t *s, int signum)
{
    struct ctl *ctl = s->data;
    const struct sv_http_server_conf *conf = ctl->srv->conf;
    unsigned i;

    if (signum == SIGHUP) {
        if (conf->reload != NULL)
            conf->reload(conf->ud);
        return;
    }
    if (ctl->stopping) {
        sv_log_info("second signal: stopping now");
        sv_sig_exit_now();
    }
    ctl->stopping = 1;
    sv_log_info("stopping");
    for (i = 0; i < ctl->srv->nworkers; i++)
        uv_async_send(&ctl->srv->workers[i].stop_async);
    uv_close((uv_handle_t *)&ctl->hup, NULL);
}

static void
on_worker_done(uv_async_t *a)
{
    (void)a;
}

/* Runs the workers until they all stopped; the process exits on failure. */
static void
run_workers(struct server *srv)
{
    const struct sv_http_server_conf *conf = srv->conf;
    struct ctl ctl;
    uv_loop_t main_loop;
    uv_async_t done;
    unsigned wi;
    size_t i;
    int rc;

    uv_loop_init(&main_loop);
    memset(&ctl, 0, sizeof(ctl));
    ctl.srv = srv;
    uv_signal_init(&main_loop, &ctl.term);
    uv_signal_init(&main_loop, &ctl.intr);
    uv_signal_init(&main_loop, &ctl.hup);
    ctl.term.data = ctl.intr.data = ctl.hup.data = &ctl;
    uv_signal_start(&ctl.term, on_signal, SIGTERM);
    uv_signal_start(&ctl.intr, on_signal, SIGINT);
    uv_signal_start(&ctl.hup, on_signal, SIGHUP);
    uv_async_init(&main_loop, &done, on_worker_done);
    srv->done = &done;
    /* the workers' own loops never see these signals */
    for (wi = 0; wi < srv->nworkers; wi++) {
        rc = uv_thread_create(&srv->workers[wi].thread, worker_main,
                              &srv->workers[wi]);
        if (rc < 0) {
            sv_log_error("cannot start worker %u: %s", wi, sv_strerror(rc));
            _exit(1);
        }
    }
    if (conf->started != NULL)
        for (i = 0; i < conf->nlisten; i++)
            conf->started(conf->ud, conf->listen[i], srv->nworkers);
    /* a second signal while the workers drain still ends at once */
    while (__atomic_load_n(&srv->finished, __ATOMIC_SEQ_CST) < srv->nworkers)
        uv_run(&main_loop, UV_RUN_ONCE);
    for (wi = 0; wi < srv->nworkers; wi++)
        uv_thread_join(&srv->workers[wi].thread);
    for (wi = 0; wi < srv->nworkers; wi++)
        worker_release(&srv->workers[wi]);
    srv->nworkers = 0;
    uv_walk(&main_loop, close_handle, NULL);
    uv_run(&main_loop, UV_RUN_DEFAULT);
    uv_loop_close(&main_loop);
    sv_log_info("stopped");
}

struct sv_http_worker *
sv_http_worker_of(h2o_req_t *req)
{
    return H2O_STRUCT_FROM_MEMBER(struct sv_http_worker, ctx, req->conn->ctx);
}

int
sv_http_server_run(const struct sv_http_server_conf *conf)
{
    struct server srv;
    struct sockaddr_storage *addrs = NULL;
    h2o_hostconf_t *host;
    h2o_pathconf_t *pc;
    int *fds = NULL, *tls = NULL;
    size_t nfds = 0, i, nl = conf->nlisten;
    unsigned wi;
    int rc;

    memset(&srv, 0, sizeof(srv));
    srv.conf = conf;
    signal(SIGPIPE, SIG_IGN);
    if (conf->tls_cert != NULL) {
        rc = setup_tls(&srv);
        if (rc < 0)
            goto out;
    }

    h2o_config_init(&srv.global);
    srv.global.server_name = h2o_iovec_init(conf->name, strlen(conf->name));
    srv.global.filecache.capacity = 0;  /* live files change under us */
    if (conf->header_timeout_ms > 0)
        srv.global.http1.req_timeout = conf->header_timeout_ms;
    if (conf->idle_timeout_ms > 0)
        srv.global.http2.idle_timeout = conf->idle_timeout_ms;
    srv.global.http2.graceful_shutdown_timeout = conf->stop_timeout_ms;
    srv.global.max_request_entity_size = conf->max_body;
    host = h2o_config_register_host(&srv.global,
                                    h2o_iovec_init(H2O_STRLIT("default")),
                                    65535);
    pc = h2o_config_register_path(host, "/", 0);
    rc = conf->setup(conf->ud, pc);
    if (rc < 0)
        goto out;

    /* every listener for every worker, before anything runs */
    addrs = calloc(nl, sizeof(*addrs));
    tls = calloc(nl, sizeof(*tls));
    fds = calloc(nl * conf->workers, sizeof(*fds));
    if (addrs == NULL || tls == NULL || fds == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < nl; i++) {
        if (parse_listen(conf->listen[i], &addrs[i], &tls[i]) < 0) {
            sv_log_error("bad listen address '%s'", conf->listen[i]);
            rc = SV_EUSAGE;
            goto out;
        }
        if (tls[i] && srv.ssl == NULL) {
            sv_log_error("cannot listen on '%s': https needs --tls-cert and "
                         "--tls-key", conf->listen[i]);
            rc = SV_EUSAGE;
            goto out;
        }
    }
    for (i = 0; i < nl; i++) {
        rc = probe_listener(&addrs[i]);
        if (rc < 0) {
            sv_log_error("cannot listen on '%s': %s", conf->listen[i],
                         sv_strerror(rc));
            goto out;
        }
    }
    for (wi = 0; wi < conf->workers; wi++) {
        for (i = 0; i < nl; i++) {
            rc = open_listener(&addrs[i]);
            if (rc < 0) {
                sv_log_error("cannot listen on '%s': %s", conf->listen[i],
                             sv_strerror(rc));
                goto out;
            }
            fds[nfds++] = rc;
        }
    }
    srv.workers = calloc(conf->workers, sizeof(*srv.workers));
    if (srv.workers == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (wi = 0; wi < conf->workers; wi++) {
        srv.workers[wi].pub.id = wi;
        rc = worker_init(&srv.workers[wi], &srv, fds + wi * nl, tls, nl);
        if (rc < 0) {
            sv_log_error("cannot start worker %u: %s", wi, sv_strerror(rc));
            goto out;
        }
        srv.nworkers++;
    }
    nfds = 0;   /* the workers own the sockets now */
    run_workers(&srv);
    rc = 0;
out:
    free(srv.workers);
    if (srv.global.hosts != NULL)
        h2o_config_dispose(&srv.global);
    sv_tls_ctx_free(srv.tls);
    for (i = 0; i < nfds; i++)
        close(fds[i]);
    free(fds);
    free(tls);
    free(addrs);
    return rc;
}
