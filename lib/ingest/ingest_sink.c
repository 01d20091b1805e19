/* ingest_sink.c -- a stream's output: --exec pipeline, stdout, --record */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "ingest/ingest_int.h"

extern char **environ;

struct wreq {
    uv_write_t req;
    struct sv_istream *st;
    size_t len;
    uint8_t data[];
};

static void
closed(uv_handle_t *h)
{
    sv__stream_unref(h->data);
}

/* the pipeline of st exited with a wait status */
static void
proc_exited(struct sv_istream *st, int status)
{
    st->sink.proc_running = 0;
    if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
        sv_log_warn("stream '%s': pipeline exited with %s %d", st->key,
                    WIFSIGNALED(status) ? "signal" : "status",
                    WIFSIGNALED(status) ? WTERMSIG(status)
                                        : WEXITSTATUS(status));
    if (st->state != ST_ENDED) {
        st->sink.failed = 1;
        sv__stream_end(st, "consumer-exited");
    }
    sv__ingest_maybe_done(st->ing);
    sv__stream_unref(st);       /* the process's hold */
}

void
sv__sink_reap(struct sv_ingest *ing)
{
    struct sv_istream *st, *next;
    int status;

    for (st = ing->streams; st != NULL; st = next) {
        next = st->next;
        if (st->sink.proc_running && st->sink.pid > 0 &&
            waitpid(st->sink.pid, &status, WNOHANG) == st->sink.pid)
            proc_exited(st, status);
    }
}

static char *
env_pair(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;
    char *s = malloc(n);

    if (s != NULL)
        snprintf(s, n, "%s=%s", name, value);
    return s;
}

/* our environment minus what we set, plus the stream's SV_* variables */
static char **
stream_env(const struct sv_istream *st)
{
    static const char *const names[] = { "SV_STREAM=", "SV_APP=",
                                         "SV_PROTO=", "SV_REMOTE_ADDR=",
                                         "SV_STREAM_ID=" };
    char id[24], **env;
    size_t n = 0, k = 0, i, j;

    while (environ[n] != NULL)
        n++;
    env = calloc(n + 6, sizeof(*env));
    if (env == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        for (j = 0; j < 5; j++)
            if (strncmp(environ[i], names[j], strlen(names[j])) == 0)
                break;
        if (j == 5 && strncmp(environ[i], "SV_INGEST_HMAC_SECRET=", 22) != 0)
            env[k++] = strdup(environ[i]);
    }
    snprintf(id, sizeof(id), "%" PRIu64, st->id);
    env[k++] = env_pair("SV_STREAM", st->sid.name);
    env[k++] = env_pair("SV_APP", st->sid.app);
    env[k++] = env_pair("SV_PROTO", st->proto);
    env[k++] = env_pair("SV_REMOTE_ADDR", st->remote);
    env[k++] = env_pair("SV_STREAM_ID", id);
    return env;
}

static void
free_env(char **env)
{
    size_t i;

    for (i = 0; env != NULL && env[i] != NULL; i++)
        free(env[i]);
    free(env);
}

/*
 * A pipeline is started on libuv's pool: fork and exec (uv_spawn) block
 * the calling thread until the child has exec'd, which on a loaded machine
 * is tens to hundreds of milliseconds, and 50 streams starting together
 * stalled every stream on the loop for seconds.  posix_spawn (vfork and
 * exec, no copy of our memory) runs on a pool thread instead; the loop
 * writes into the pipe meanwhile (the bytes wait in it and in libuv's
 * queue) and reaps the child on SIGCHLD.
 */
struct spawnreq {
    uv_work_t work;
    struct sv_istream *st;
    int rfd;                    /* the pipe's read end: the child's stdin */
    char **env;
    pid_t pid;
    int err;
};

static void
spawn_work(uv_work_t *w)
{
    struct spawnreq *r = w->data;
    char *args[] = { "sh", "-c", (char *)r->st->ing->conf->exec, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    int sig;

    sigemptyset(&none);
    sigemptyset(&dfl);
    /* every signal back to its default (we ignore SIGPIPE), none blocked
     * (pool threads block them) */
    for (sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaddset(&dfl, sig);
    r->err = posix_spawn_file_actions_init(&fa);
    if (r->err != 0)
        return;
    r->err = posix_spawnattr_init(&at);
    if (r->err != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return;
    }
    /* stdin from the pipe; our stdout carries events, so the pipeline
     * talks on stderr */
    r->err = posix_spawn_file_actions_adddup2(&fa, r->rfd, STDIN_FILENO);
    if (r->err == 0)
        r->err = posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO,
                                                  STDOUT_FILENO);
    /* its own session: a terminal's ^C reaches us, and we end it by
     * closing its stdin, then by signalling its whole process group */
    if (r->err == 0)
        r->err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
                                          POSIX_SPAWN_SETSIGMASK |
                                          POSIX_SPAWN_SETSIGDEF);
    if (r->err == 0)
        r->err = posix_spawnattr_setsigmask(&at, &none);
    if (r->err == 0)
        r->err = posix_spawnattr_setsigdefault(&at, &dfl);
    if (r->err == 0)
        r->err = posix_spawn(&r->pid, "/bin/sh", &fa, &at, args, r->env);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
}

static void
spawn_done(uv_work_t *w, int status)
{
    struct spawnreq *r = w->data;
    struct sv_istream *st = r->st;

    close(r->rfd);
    free_env(r->env);
    if (status == 0 && r->err == 0) {
        st->sink.pid = r->pid;
        free(r);
        sv__sink_reap(st->ing);     /* it may be gone already */
        return;
    }
    sv_log_error("cannot run '%s': %s", st->ing->conf->exec,
                 strerror(r->err != 0 ? r->err : ECANCELED));
    free(r);
    st->sink.proc_running = 0;
    st->sink.failed = 1;
    if (st->state != ST_ENDED)
        sv__stream_end(st, "consumer-exited");
    sv__ingest_maybe_done(st->ing);
    sv__stream_unref(st);
}

static int
open_exec(struct sv_istream *st)
{
    struct sv_isink *k = &st->sink;
    struct spawnreq *r;
    int fds[2], rc;

    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->env = stream_env(st);
    if (r->env == NULL) {
        free(r);
        return -ENOMEM;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        rc = -errno;
        free_env(r->env);
        free(r);
        return rc;
    }
    rc = uv_pipe_init(&st->ing->loop, &k->pipe, 0);
    if (rc == 0) {
        k->pipe.data = st;
        k->pipe_open = 1;
        st->handles++;
        rc = uv_pipe_open(&k->pipe, fds[1]);
        if (rc < 0)
            close(fds[1]);
    } else {
        close(fds[1]);
    }
    if (rc < 0) {
        close(fds[0]);
        free_env(r->env);
        free(r);
        return rc;
    }
    r->st = st;
    r->rfd = fds[0];
    r->work.data = r;
    rc = uv_queue_work(&st->ing->loop, &r->work, spawn_work, spawn_done);
    if (rc < 0) {
        sv_log_error("cannot run '%s': %s", st->ing->conf->exec,
                     uv_strerror(rc));
        close(fds[0]);
        free_env(r->env);
        free(r);
        return rc;
    }
    k->proc_running = 1;
    st->handles++;              /* the process's hold, until reaped */
    return 0;
}

static const char *
rec_ext(const char *format)
{
    if (strcmp(format, "matroska") == 0)
        return "mkv";
    if (strcmp(format, "nut") == 0)
        return "nut";
    return "ts";
}

static int
open_record_file(struct sv_istream *st)
{
    struct sv_isink *k = &st->sink;
    char path[4096], stamp[SV_TIME_ISO_MAX];
    int rc;

    sv_time_iso8601(sv_time_now_ms(), SV_TIME_BASIC, stamp, sizeof(stamp));
    snprintf(path, sizeof(path), "%s/%s-%s-%04u.%s", k->rec_dir,
             st->sid.name, stamp, k->rec_seq++,
             rec_ext(st->ing->conf->format));
    rc = sv_afile_open(&k->rec, path, 0644);
    if (rc < 0) {
        sv_log_error("cannot create '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    k->rec_start = INT64_MIN;
    return 0;
}

static int
open_record(struct sv_istream *st)
{
    const char *dir = st->ing->conf->record_dir;
    size_t n = strlen(dir) + strlen(st->sid.app) + strlen(st->sid.name) + 3;
    int rc;

    st->sink.rec_dir = malloc(n);
    if (st->sink.rec_dir == NULL)
        return -ENOMEM;
    snprintf(st->sink.rec_dir, n, "%s/%s/%s", dir, st->sid.app,
             st->sid.name);
    rc = sv_mkdir_p(st->sink.rec_dir);
    if (rc < 0) {
        sv_log_error("cannot create '%s': %s", st->sink.rec_dir,
                     sv_strerror(rc));
        return rc;
    }
    return open_record_file(st);
}

static int
open_stdout(struct sv_istream *st)
{
    struct sv_isink *k = &st->sink;
    int rc;

    if (uv_guess_handle(STDOUT_FILENO) != UV_NAMED_PIPE) {
        k->fd = STDOUT_FILENO;  /* a file: plain blocking writes */
        return 0;
    }
    rc = uv_pipe_init(&st->ing->loop, &k->pipe, 0);
    if (rc < 0)
        return rc;
    k->pipe.data = st;
    k->pipe_open = 1;
    st->handles++;
    return uv_pipe_open(&k->pipe, STDOUT_FILENO);
}

int
sv__sink_open(struct sv_istream *st)
{
    const struct sv_ingest_conf *conf = st->ing->conf;
    int rc;

    if (conf->exec != NULL) {
        st->sink.kind = SINK_EXEC;
        rc = open_exec(st);
    } else if (conf->discard) {
        st->sink.kind = SINK_DISCARD;
        rc = 0;
    } else if (conf->record_dir != NULL) {
        st->sink.kind = SINK_RECORD;
        rc = open_record(st);
    } else {
        st->sink.kind = SINK_STDOUT;
        rc = open_stdout(st);
    }
    if (rc < 0 && st->sink.pipe_open) {
        st->sink.pipe_open = 0;
        uv_close((uv_handle_t *)&st->sink.pipe, closed);
    }
    return rc;
}

static void
written(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct sv_istream *st = w->st;

    st->sink.queued -= (int64_t)w->len;
    free(w);
    if (status < 0 && status != UV_ECANCELED && !st->sink.failed) {
        st->sink.failed = 1;
        if (st->state != ST_ENDED) {
            sv_log_warn("stream '%s': cannot write to the consumer: %s",
                        st->key, uv_strerror(status));
            sv__stream_end(st, "consumer-exited");
        }
    }
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
sv__sink_write(struct sv_istream *st, const uint8_t *p, size_t len)
{
    struct sv_isink *k = &st->sink;
    struct wreq *w;
    uv_buf_t buf;
    int rc, n = 0;

    if (k->failed)
        return -EPIPE;
    if (k->kind == SINK_DISCARD)
        return 0;
    if (k->kind == SINK_RECORD) {
        rc = sv_afile_write(&k->rec, p, len);
        if (rc < 0) {
            k->failed = 1;
            sv_log_error("stream '%s': cannot write the recording: %s",
                         st->key, sv_strerror(rc));
        }
        return rc;
    }
    if (!k->pipe_open) {
        rc = write_all(k->fd, p, len);
        if (rc < 0)
            k->failed = 1;
        return rc;
    }
    /* write now what the pipe takes; queue the rest in libuv */
    if (k->queued == 0) {
        buf = uv_buf_init((char *)p, (unsigned)len);
        n = uv_try_write((uv_stream_t *)&k->pipe, &buf, 1);
        if (n == (int)len)
            return 0;
        if (n < 0 && n != UV_EAGAIN) {
            k->failed = 1;
            return n;
        }
        if (n < 0)
            n = 0;
    }
    w = malloc(sizeof(*w) + len - (size_t)n);
    if (w == NULL)
        return -ENOMEM;
    w->st = st;
    w->len = len - (size_t)n;
    memcpy(w->data, p + n, w->len);
    buf = uv_buf_init((char *)w->data, (unsigned)w->len);
    rc = uv_write(&w->req, (uv_stream_t *)&k->pipe, &buf, 1, written);
    if (rc < 0) {
        free(w);
        k->failed = 1;
        return rc;
    }
    k->queued += (int64_t)w->len;
    return 0;
}

int
sv__sink_full(struct sv_istream *st, int64_t limit)
{
    return st->sink.queued > limit;
}

int
sv__sink_rotate_due(struct sv_istream *st, int64_t dts)
{
    const struct sv_isink *k = &st->sink;
    int64_t seg = st->ing->conf->record_segment_us;

    return k->kind == SINK_RECORD && seg > 0 && k->rec_start != INT64_MIN &&
           dts - k->rec_start >= seg;
}

int
sv__sink_rotate(struct sv_istream *st)
{
    int rc = sv_afile_commit(&st->sink.rec, 0);

    if (rc < 0)
        sv_log_error("stream '%s': cannot finish a recording: %s", st->key,
                     sv_strerror(rc));
    return open_record_file(st);
}

static void
shut(uv_shutdown_t *req, int status)
{
    struct sv_istream *st = req->data;

    free(req);
    uv_close((uv_handle_t *)&st->sink.pipe, closed);
}

void
sv__sink_close(struct sv_istream *st)
{
    struct sv_isink *k = &st->sink;
    uv_shutdown_t *req;

    if (k->kind == SINK_RECORD && k->rec.fd >= 0) {
        if (k->rec_start == INT64_MIN || k->failed)
            sv_afile_abort(&k->rec);    /* nothing worth keeping */
        else if (sv_afile_commit(&k->rec, 0) < 0)
            sv_log_error("stream '%s': cannot finish a recording",
                         st->key);
    }
    if (!k->pipe_open)
        return;
    k->pipe_open = 0;
    /* let queued bytes reach the pipeline, then close its stdin */
    req = k->failed ? NULL : malloc(sizeof(*req));
    if (req != NULL) {
        req->data = st;
        if (uv_shutdown(req, (uv_stream_t *)&k->pipe, shut) == 0)
            return;
        free(req);
    }
    uv_close((uv_handle_t *)&k->pipe, closed);
}

void
sv__sink_kill(struct sv_istream *st, int sig)
{
    if (st->sink.proc_running && st->sink.pid > 0)
        kill(-st->sink.pid, sig);
}
