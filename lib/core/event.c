/* event.c -- the process's event sink: one jsonlog that every module uses */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>

#include "core/err.h"
#include "core/event.h"
#include "core/jsonlog.h"

/* held while the sink is in use, so that close never frees it mid-line */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct sv_jsonlog *sink;
/* the sink writes somewhere (not /dev/null): events are worth building */
static int live;
static sv_event_tap_fn tap;
static void *tap_ud;

int
sv_event_open(const char *spec)
{
    struct sv_jsonlog *l, *old;
    int rc;

    rc = sv_jsonlog_open(spec, &l);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&lock);
    old = sink;
    sink = l;
    live = !sv_jsonlog_discards(l);
    pthread_mutex_unlock(&lock);
    sv_jsonlog_close(old);
    return 0;
}

void
sv_event_close(void)
{
    struct sv_jsonlog *old;

    pthread_mutex_lock(&lock);
    old = sink;
    sink = NULL;
    live = 0;
    pthread_mutex_unlock(&lock);
    sv_jsonlog_close(old);
}

int
sv_event_reopen(void)
{
    int rc;

    pthread_mutex_lock(&lock);
    rc = sv_jsonlog_reopen(sink);
    live = sink != NULL && !sv_jsonlog_discards(sink);
    pthread_mutex_unlock(&lock);
    return rc;
}

int
sv_event_enabled(void)
{
    return live || tap != NULL;
}

void
sv_event_tap(sv_event_tap_fn fn, void *ud)
{
    pthread_mutex_lock(&lock);
    tap = fn;
    tap_ud = ud;
    pthread_mutex_unlock(&lock);
}

int
sv_event_emit(const char *name, json_t *data)
{
    json_t *ev;
    int rc = 0;

    if (!live && tap == NULL) {
        json_decref(data);
        return 0;
    }
    ev = sv_jsonlog_event(name, data);
    if (ev == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&lock);
    if (live && sink != NULL)
        rc = sv_jsonlog_write(sink, ev);
    if (tap != NULL)
        tap(tap_ud, ev);
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
