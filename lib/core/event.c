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
    pthread_mutex_unlock(&lock);
    sv_jsonlog_close(old);
}

int
sv_event_reopen(void)
{
    int rc;

    pthread_mutex_lock(&lock);
    rc = sv_jsonlog_reopen(sink);
    pthread_mutex_unlock(&lock);
    return rc;
}

int
sv_event_enabled(void)
{
    return sink != NULL;
}

int
sv_event_emit(const char *name, json_t *data)
{
    int rc;

    if (sink == NULL) {
        json_decref(data);
        return 0;
    }
    pthread_mutex_lock(&lock);
    rc = sv_jsonlog_emit(sink, name, data);
    pthread_mutex_unlock(&lock);
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
