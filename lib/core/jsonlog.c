/* jsonlog.c -- the one writer of event-shaped JSON lines (events, logs) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/jsonlog.h"
#include "core/log.h"
#include "core/time.h"

struct sv_jsonlog {
    pthread_mutex_t lock;
    int fd;
    int owned;
    char *path;
};

static int
open_path(const char *path)
{
    int fd;

    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

int
sv_jsonlog_open(const char *spec, struct sv_jsonlog **out)
{
    struct sv_jsonlog *l;
    char *end;
    long n;

    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    if (strcmp(spec, "-") == 0) {
        l->fd = STDOUT_FILENO;
    } else if (strncmp(spec, "fd:", 3) == 0) {
        errno = 0;
        n = strtol(spec + 3, &end, 10);
        if (errno != 0 || *end != '\0' || end == spec + 3 || n < 0 ||
            n > 65535) {
            free(l);
            return SV_EUSAGE;
        }
        if (fcntl((int)n, F_GETFD) < 0) {
            free(l);
            return -EBADF;
        }
        l->fd = (int)n;
    } else {
        l->fd = open_path(spec);
        l->path = strdup(spec);
        if (l->fd < 0 || l->path == NULL) {
            n = l->fd < 0 ? l->fd : -ENOMEM;
            if (l->fd >= 0)
                close(l->fd);
            free(l->path);
            free(l);
            return (int)n;
        }
        l->owned = 1;
    }
    pthread_mutex_init(&l->lock, NULL);
    *out = l;
    return 0;
}

void
sv_jsonlog_close(struct sv_jsonlog *l)
{
    if (l == NULL)
        return;
    if (l->owned)
        close(l->fd);
    pthread_mutex_destroy(&l->lock);
    free(l->path);
    free(l);
}

int
sv_jsonlog_discards(const struct sv_jsonlog *l)
{
    struct stat a, b;

    return l != NULL && fstat(l->fd, &a) == 0 && S_ISCHR(a.st_mode) &&
           stat("/dev/null", &b) == 0 && S_ISCHR(b.st_mode) &&
           a.st_rdev == b.st_rdev;
}

int
sv_jsonlog_reopen(struct sv_jsonlog *l)
{
    int fd;

    if (l == NULL || l->path == NULL)
        return 0;
    fd = open_path(l->path);
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&l->lock);
    close(l->fd);
    l->fd = fd;
    pthread_mutex_unlock(&l->lock);
    return 0;
}

/* {"v":1,"tool":...,"event":name,"ts":...,"data":data}; steals data */
json_t *
sv_jsonlog_event(const char *name, json_t *data)
{
    char ts[SV_TIME_ISO_MAX];

    sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, ts, sizeof(ts));
    return json_pack("{s:i, s:s, s:s, s:s, s:o}", "v", 1, "tool",
                     sv_log_tool(), "event", name, "ts", ts, "data",
                     data != NULL ? data : json_object());
}

int
sv_jsonlog_emit(struct sv_jsonlog *l, const char *name, json_t *data)
{
    json_t *ev;
    int rc;

    if (l == NULL) {
        json_decref(data);
        return 0;
    }
    ev = sv_jsonlog_event(name, data);
    if (ev == NULL)
        return -ENOMEM;
    rc = sv_jsonlog_write(l, ev);
    json_decref(ev);
    return rc;
}

int
sv_jsonlog_write(struct sv_jsonlog *l, const json_t *ev)
{
    int rc;

    if (l == NULL)
        return 0;
    pthread_mutex_lock(&l->lock);
    rc = sv_json_write_line(l->fd, ev);
    pthread_mutex_unlock(&l->lock);
    return rc;
}
