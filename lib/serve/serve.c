/* serve.c -- sv-serve: its root, logs and token key on the server layer */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "serve/http_internal.h"

static int
setup(void *ud, h2o_pathconf_t *pc)
{
    return sv__http_setup(ud, pc);
}

/* each worker watches live playlists on its own loop (LL-HLS holds) */
static int
worker_init(void *ud, struct sv_http_worker *w)
{
    struct sv__server *srv = ud;
    struct sv_llhls *r;
    int rc;

    rc = sv_llhls_new(&w->loop, &r);
    if (rc < 0)
        return rc;
    w->data = r;
    /* main.c allows --tracker with one worker only */
    if (srv->conf->tracker != NULL && w->id == 0)
        return sv__tracker_open(srv, w);
    return 0;
}

static void
worker_stop(void *ud, struct sv_http_worker *w)
{
    sv_llhls_release_all(w->data);
    if (w->id == 0)
        sv__tracker_stop(ud);
}

static void
worker_release(void *ud, struct sv_http_worker *w)
{
    sv_llhls_free(w->data);
    w->data = NULL;
    if (w->id == 0)
        sv__tracker_close(ud);
}

static void
reload(void *ud)
{
    struct sv__server *srv = ud;

    sv_log_info("reopening logs");
    if (sv_jsonlog_reopen(srv->access) < 0 ||
        sv_jsonlog_reopen(srv->beacon) < 0)
        sv_log_error("cannot reopen a log: %s", strerror(errno));
    if (sv__http_load_key(srv) < 0)
        sv_log_error("cannot reload the token key; keeping the old one");
    if (sv__wmark_load(srv) < 0)
        sv_log_error("cannot reload the watermark key; keeping the old one");
    sv__steer_reload(srv);
}

static void
started(void *ud, const char *listen, unsigned nworkers)
{
    struct sv__server *srv = ud;

    sv_log_info("serving '%s' on %s with %u worker%s", srv->root, listen,
                nworkers, nworkers == 1 ? "" : "s");
}

static int
open_log(const char *path, struct sv_jsonlog **out)
{
    int rc;

    if (path == NULL)
        return 0;
    rc = sv_jsonlog_open(path, out);
    if (rc < 0)
        sv_log_error("cannot open '%s': %s", path, sv_strerror(rc));
    return rc;
}

int
sv_serve_run(const struct sv_serve_conf *conf)
{
    struct sv_http_server_conf hc;
    struct sv__server srv;
    int rc;

    memset(&srv, 0, sizeof(srv));
    srv.conf = conf;
    pthread_rwlock_init(&srv.key_lock, NULL);
    if (realpath(conf->root, srv.root) == NULL) {
        rc = -errno;
        sv_log_error("cannot open '%s': %s", conf->root, sv_strerror(rc));
        return rc;
    }
    srv.rootlen = strlen(srv.root);
    srv.rootfd = open(srv.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (srv.rootfd < 0) {
        rc = -errno;
        sv_log_error("cannot open '%s': %s", conf->root, sv_strerror(rc));
        return rc;
    }
    rc = sv__http_load_key(&srv);
    if (rc < 0)
        goto out;
    rc = sv_limit_new(conf->max_conns, conf->rate, conf->burst, &srv.limit);
    if (rc < 0)
        goto out;
    rc = open_log(conf->access_log, &srv.access);
    if (rc < 0)
        goto out;
    rc = open_log(conf->beacon_log, &srv.beacon);
    if (rc < 0)
        goto out;
    rc = sv__steer_open(&srv);
    if (rc < 0)
        goto out;
    rc = sv__wmark_load(&srv);
    if (rc < 0)
        goto out;

    memset(&hc, 0, sizeof(hc));
    hc.name = "sv-serve";
    hc.listen = conf->listen;
    hc.nlisten = conf->nlisten;
    hc.workers = conf->workers;
    hc.tls_cert = conf->tls_cert;
    hc.tls_key = conf->tls_key;
    hc.header_timeout_ms = conf->header_timeout_ms;
    hc.idle_timeout_ms = conf->idle_timeout_ms;
    hc.stop_timeout_ms = conf->stop_timeout_ms;
    hc.max_body = conf->beacon_max + 1;
    hc.limit = srv.limit;
    hc.ud = &srv;
    hc.setup = setup;
    hc.worker_init = worker_init;
    hc.worker_stop = worker_stop;
    hc.worker_release = worker_release;
    hc.reload = reload;
    hc.started = started;
    rc = sv_http_server_run(&hc);
out:
    sv__steer_close(&srv);
    sv__wmark_free(&srv);
    sv_jsonlog_close(srv.access);
    sv_jsonlog_close(srv.beacon);
    sv_limit_free(srv.limit);
    close(srv.rootfd);
    if (srv.mimemap != NULL)
        h2o_mem_release_shared(srv.mimemap);
    if (srv.key != NULL) {
        explicit_bzero(srv.key, srv.keylen);
        free(srv.key);
    }
    pthread_rwlock_destroy(&srv.key_lock);
    return rc;
}
