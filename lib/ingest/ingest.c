/* ingest.c -- sv-ingest's loop: listeners, pulls, signals, stats, shutdown */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "ingest/ingest_int.h"
#include "srt/srt_sock.h"

/* after SIGTERM: pipelines get this long to finish, then SIGTERM, SIGKILL */
#define GRACE_MS 10000

void
sv__ingest_refused(struct sv_ingest *ing, const char *proto,
                   const char *remote, const struct sv_streamid *sid,
                   int code, const char *why)
{
    json_t *extra = json_pack("{s:s,s:s}", "proto", proto, "remote", remote);

    if (sid != NULL && sid->name[0] != '\0') {
        json_object_set_new(extra, "app", json_string(sid->app));
        json_object_set_new(extra, "stream", json_string(sid->name));
    }
    sv_log_warn("refused %s publisher %s: %s", proto, remote, why);
    sv_event_error(code, why, extra);
}

static void
stats_tick(uv_timer_t *t)
{
    struct sv_ingest *ing = t->data;
    struct sv_istream *st;

    for (st = ing->streams; st != NULL; st = st->next)
        sv__stream_stats(st);
}

static void
sweep_tick(uv_timer_t *t)
{
    sv__rtmp_sweep(t->data);
}

static void
on_async(uv_async_t *a)
{
    struct sv_ingest *ing = a->data;

    sv__threads_drain(ing);
    sv__ingest_maybe_done(ing);
}

static void
on_sigchld(uv_signal_t *s, int signum)
{
    sv__sink_reap(s->data);
}

static void
kill_all(struct sv_ingest *ing, int sig)
{
    struct sv_istream *st;

    for (st = ing->streams; st != NULL; st = st->next)
        sv__sink_kill(st, sig);
}

static void
grace_over(uv_timer_t *t)
{
    struct sv_ingest *ing = t->data;
    static int round;

    sv_log_warn("pipelines still running after shutdown: sending %s",
                round == 0 ? "SIGTERM" : "SIGKILL");
    kill_all(ing, round++ == 0 ? SIGTERM : SIGKILL);
    uv_timer_start(t, grace_over, 2000, 0);
}

static void
begin_stop(struct sv_ingest *ing)
{
    struct sv_istream *st, *next;

    if (ing->stopping)
        return;
    ing->stopping = 1;
    sv__rtmp_close_all(ing);
    sv__whip_close_all(ing);
    sv__threads_stop(ing);
    for (st = ing->streams; st != NULL; st = next) {
        next = st->next;
        if (st->state != ST_ENDED)
            sv__stream_end(st, "shutdown");
    }
    uv_timer_stop(&ing->stats_timer);
    uv_timer_stop(&ing->sweep_timer);
    uv_timer_start(&ing->stop_timer, grace_over, GRACE_MS, 0);
    sv__ingest_maybe_done(ing);
}

/* the loop ends when every handle is closed: close ours once idle */
void
sv__ingest_maybe_done(struct sv_ingest *ing)
{
    struct sv_istream *st;
    int i;

    if (!ing->stopping && ing->nstreams == 0 &&
        ((ing->single && ing->single_used) ||
         (ing->conf->nlisten == 0 && !sv__threads_running(ing)))) {
        /* stdout's one stream is over, or every pull has ended */
        begin_stop(ing);
        return;
    }
    if (!ing->stopping || ing->nstreams > 0 || sv__threads_running(ing))
        return;
    for (st = ing->streams; st != NULL; st = st->next)
        if (st->sink.proc_running)
            return;         /* a pipeline is still finishing */
    if (uv_is_closing((uv_handle_t *)&ing->async))
        return;
    uv_close((uv_handle_t *)&ing->async, NULL);
    uv_close((uv_handle_t *)&ing->sigchld, NULL);
    uv_close((uv_handle_t *)&ing->stats_timer, NULL);
    uv_close((uv_handle_t *)&ing->stop_timer, NULL);
    uv_close((uv_handle_t *)&ing->sweep_timer, NULL);
    uv_close((uv_handle_t *)&ing->rtmp_resume, NULL);
    for (i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&ing->sig[i], NULL);
}

static void
on_signal(uv_signal_t *s, int signum)
{
    struct sv_ingest *ing = s->data;

    if (signum == SIGHUP) {
        sv__auth_reload(ing->auth);
        sv_event_reopen();
        return;
    }
    if (ing->stopping) {
        sv_log_warn("second signal: exiting now");
        kill_all(ing, SIGTERM);
        sv_sig_exit_now();
    }
    sv_log_info("stopping (%s)", signum == SIGINT ? "SIGINT" : "SIGTERM");
    ing->rc = 0;
    begin_stop(ing);
}

static int
start_sources(struct sv_ingest *ing)
{
    const struct sv_ingest_conf *conf = ing->conf;
    int i, rc = 0;

    for (i = 0; i < conf->nlisten && rc == 0; i++) {
        const char *u = conf->listen[i];

        if (strncmp(u, "rtmp://", 7) == 0)
            rc = sv__rtmp_listen(ing, u, 0);
        else if (strncmp(u, "rtmps://", 8) == 0)
            rc = sv__rtmp_listen(ing, u, 1);
        else if (strncmp(u, "srt://", 6) == 0)
            rc = sv__srt_listen(ing, u);
        else if (strncmp(u, "whip://", 7) == 0)
            rc = sv__whip_listen(ing, u);
        else {
            sv_log_error("cannot listen on '%s': not rtmp://, srt:// or "
                         "whip://", u);
            rc = SV_EUSAGE;
        }
    }
    for (i = 0; i < conf->npull && rc == 0; i++)
        rc = sv__pull_start(ing, conf->pull[i], i);
    return rc;
}

int
sv_ingest_run(const struct sv_ingest_conf *conf)
{
    static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
    struct sv_ingest *ing;
    const char *secret = NULL;
    int rc, i;

    signal(SIGPIPE, SIG_IGN);
    sv_av_ingest_init();
    if (conf->auth_hmac) {
        secret = getenv("SV_INGEST_HMAC_SECRET");
        if (secret == NULL || secret[0] == '\0') {
            sv_log_error("--auth-hmac needs SV_INGEST_HMAC_SECRET in the "
                         "environment");
            return SV_EUSAGE;
        }
        if (strlen(secret) < SV_INGEST_HMAC_MIN) {
            sv_log_error("SV_INGEST_HMAC_SECRET must have at least %d "
                         "bytes (it has %zu)", SV_INGEST_HMAC_MIN,
                         strlen(secret));
            return SV_EUSAGE;
        }
    }
    ing = calloc(1, sizeof(*ing));
    if (ing == NULL)
        return -ENOMEM;
    ing->conf = conf;
    ing->single = conf->exec == NULL && conf->record_dir == NULL &&
                  !conf->discard;
    ing->rc = 0;
    pthread_mutex_init(&ing->mu, NULL);
    rc = sv__auth_new(&ing->auth, conf, secret);
    if (rc < 0) {
        pthread_mutex_destroy(&ing->mu);
        free(ing);
        return rc;
    }
    uv_loop_init(&ing->loop);
    uv_async_init(&ing->loop, &ing->async, on_async);
    ing->async.data = ing;
    uv_signal_init(&ing->loop, &ing->sigchld);
    ing->sigchld.data = ing;
    uv_signal_start(&ing->sigchld, on_sigchld, SIGCHLD);
    uv_unref((uv_handle_t *)&ing->sigchld);
    uv_timer_init(&ing->loop, &ing->stats_timer);
    ing->stats_timer.data = ing;
    uv_timer_init(&ing->loop, &ing->stop_timer);
    ing->stop_timer.data = ing;
    uv_unref((uv_handle_t *)&ing->stop_timer);
    uv_timer_init(&ing->loop, &ing->sweep_timer);
    ing->sweep_timer.data = ing;
    uv_timer_start(&ing->sweep_timer, sweep_tick, 1000, 1000);
    uv_check_init(&ing->loop, &ing->rtmp_resume);
    ing->rtmp_resume.data = ing;
    for (i = 0; i < 3; i++) {
        uv_signal_init(&ing->loop, &ing->sig[i]);
        ing->sig[i].data = ing;
        uv_signal_start(&ing->sig[i], on_signal, sigs[i]);
    }
    if (conf->stats_interval_us > 0)
        uv_timer_start(&ing->stats_timer, stats_tick,
                       (uint64_t)(conf->stats_interval_us / 1000),
                       (uint64_t)(conf->stats_interval_us / 1000));
    rc = start_sources(ing);
    if (rc < 0) {
        ing->rc = rc;
        begin_stop(ing);
    }
    uv_run(&ing->loop, UV_RUN_DEFAULT);
    /* in single-stream mode a failed stream fails the run */
    if (ing->rc == 0 && ing->single && ing->single_used == 0 &&
        conf->npull > 0)
        ing->rc = SV_ENOMEDIA;
    rc = ing->rc;
    uv_loop_close(&ing->loop);
    sv_srt_cleanup();
    sv__auth_free(ing->auth);
    pthread_mutex_destroy(&ing->mu);
    free(ing);
    return rc;
}

int
sv_ingest_exit_quickly(void)
{
    return sv_srt_used();
}
