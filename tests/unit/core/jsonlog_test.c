/* jsonlog_test.c -- lib/core/jsonlog.c: the shape, reopen, bad specs */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "core/err.h"
#include "core/jsonlog.h"
#include "core/log.h"
#include "t.h"

/* The one line of path, parsed; NULL unless there is exactly one. */
static json_t *
only_line(const char *path)
{
    char line[1024];
    json_t *ev = NULL;
    FILE *fp = fopen(path, "r");

    if (fp == NULL)
        return NULL;
    if (fgets(line, sizeof(line), fp) != NULL)
        ev = json_loads(line, 0, NULL);
    if (fgets(line, sizeof(line), fp) != NULL) {
        json_decref(ev);
        ev = NULL;
    }
    fclose(fp);
    return ev;
}

static void
writes_the_event_shape_and_reopens(void)
{
    char path[] = "/tmp/sv-jsonlog-XXXXXX", old[64];
    struct sv_jsonlog *l = NULL;
    json_t *ev;
    int fd = mkstemp(path);

    close(fd);
    snprintf(old, sizeof(old), "%s.1", path);
    sv_log_init("sv-test");
    CHECK_INT(sv_jsonlog_open(path, &l), 0);
    CHECK_INT(sv_jsonlog_emit(l, "serve.request", json_pack("{s:i}", "s",
                                                            200)), 0);
    CHECK_INT(rename(path, old), 0);
    CHECK_INT(sv_jsonlog_reopen(l), 0);
    CHECK_INT(sv_jsonlog_emit(l, "serve.beacon", NULL), 0);
    sv_jsonlog_close(l);

    ev = only_line(old);
    CHECK(ev != NULL);
    CHECK_INT(json_object_size(ev), 5);
    CHECK_INT(json_integer_value(json_object_get(ev, "v")), 1);
    CHECK_STR(json_string_value(json_object_get(ev, "tool")), "sv-test");
    CHECK_STR(json_string_value(json_object_get(ev, "event")),
              "serve.request");
    CHECK(strlen(json_string_value(json_object_get(ev, "ts"))) == 24);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ev, "data"),
                                                 "s")), 200);
    json_decref(ev);
    ev = only_line(path);
    CHECK(ev != NULL);
    CHECK_STR(json_string_value(json_object_get(ev, "event")),
              "serve.beacon");
    CHECK(json_is_object(json_object_get(ev, "data")));
    json_decref(ev);
    unlink(path);
    unlink(old);
}

static void
refuses_bad_specs_and_drops_without_a_log(void)
{
    struct sv_jsonlog *l = NULL;

    CHECK_INT(sv_jsonlog_open("fd:x", &l), SV_EUSAGE);
    CHECK_INT(sv_jsonlog_open("fd:987", &l), -EBADF);
    CHECK_INT(sv_jsonlog_open("/nonexistent/dir/log", &l), -ENOENT);
    CHECK(l == NULL);
    CHECK_INT(sv_jsonlog_emit(NULL, "x", json_object()), 0);
    CHECK_INT(sv_jsonlog_reopen(NULL), 0);
    sv_jsonlog_close(NULL);
}

int
main(void)
{
    RUN(writes_the_event_shape_and_reopens);
    RUN(refuses_bad_specs_and_drops_without_a_log);
    return DONE();
}
