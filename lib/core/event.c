/* event.c -- the single writer of JSON event lines */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/time.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int sink = -1;
static int sink_owned;
static char *sink_path;

static int
open_path(const char *path)
{
    int fd;

    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

int
sv_event_open(const char *spec)
{
    char *end;
    long n;
    int fd, owned = 0;
    char *path = NULL;

    if (strcmp(spec, "-") == 0) {
        fd = STDOUT_FILENO;
    } else if (strncmp(spec, "fd:", 3) == 0) {
        errno = 0;
        n = strtol(spec + 3, &end, 10);
        if (errno != 0 || *end != '\0' || end == spec + 3 || n < 0 ||
            n > 65535)
            return SV_EUSAGE;
        if (fcntl((int)n, F_GETFD) < 0)
            return -EBADF;
        fd = (int)n;
    } else {
        fd = open_path(spec);
        if (fd < 0)
            return fd;
        path = strdup(spec);
        if (path == NULL) {
            close(fd);
            return -ENOMEM;
        }
        owned = 1;
    }
    sv_event_close();
    pthread_mutex_lock(&lock);
    sink = fd;
    sink_owned = owned;
    sink_path = path;
    pthread_mutex_unlock(&lock);
    return 0;
}

void
sv_event_close(void)
{
    pthread_mutex_lock(&lock);
    if (sink_owned && sink >= 0)
        close(sink);
    sink = -1;
    sink_owned = 0;
    free(sink_path);
    sink_path = NULL;
    pthread_mutex_unlock(&lock);
}

int
sv_event_reopen(void)
{
    int fd, rc = 0;

    pthread_mutex_lock(&lock);
    if (sink_path != NULL) {
        fd = open_path(sink_path);
        if (fd < 0) {
            rc = fd;
        } else {
            close(sink);
            sink = fd;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int
sv_event_enabled(void)
{
    return sink >= 0;
}

json_t *
sv_event_new(const char *name, json_t *data)
{
    char ts[SV_TIME_ISO_MAX];

    sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, ts, sizeof(ts));
    return json_pack("{s:i, s:s, s:s, s:s, s:o}", "v", 1, "tool",
                     sv_log_tool(), "event", name, "ts", ts, "data",
                     data != NULL ? data : json_object());
}

int
sv_event_emit(const char *name, json_t *data)
{
    json_t *ev;
    int rc;

    if (sink < 0) {
        json_decref(data);
        return 0;
    }
    ev = sv_event_new(name, data);
    if (ev == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&lock);
    rc = sink >= 0 ? sv_json_write_line(sink, ev) : 0;
    pthread_mutex_unlock(&lock);
    json_decref(ev);
    return rc;
}

int
sv_event_error(int code, const char *msg, json_t *extra)
{
    json_t *data = extra != NULL ? extra : json_object();

    json_object_set_new(data, "code", json_string(sv_errname(code)));
    json_object_set_new(data, "msg", json_string(msg));
    return sv_event_emit("error", data);
}
