/* event_test.c -- lib/core/event.c, lib/core/err.c */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "t.h"

static void
emit_shape(void)
{
    char path[] = "/tmp/sv-event-XXXXXX";
    char line[1024];
    json_t *ev;
    FILE *fp;
    int fd = mkstemp(path);

    close(fd);
    sv_log_init("sv-test");
    CHECK_INT(sv_event_open(path), 0);
    CHECK(sv_event_enabled());
    CHECK_INT(sv_event_emit("package.complete", json_pack("{s:i}", "n", 3)),
              0);
    CHECK_INT(sv_event_error(-ENOENT, "cannot open 'x'", NULL), 0);
    sv_event_close();
    CHECK_INT(sv_event_emit("dropped", NULL), 0);

    fp = fopen(path, "r");
    CHECK(fgets(line, sizeof(line), fp) != NULL);
    ev = json_loads(line, 0, NULL);
    CHECK(ev != NULL);
    CHECK_INT(json_integer_value(json_object_get(ev, "v")), 1);
    CHECK_STR(json_string_value(json_object_get(ev, "tool")), "sv-test");
    CHECK_STR(json_string_value(json_object_get(ev, "event")),
              "package.complete");
    CHECK(strlen(json_string_value(json_object_get(ev, "ts"))) == 24);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ev, "data"),
                                                 "n")), 3);
    json_decref(ev);
    CHECK(fgets(line, sizeof(line), fp) != NULL);
    ev = json_loads(line, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(ev, "event")), "error");
    CHECK_STR(json_string_value(json_object_get(json_object_get(ev, "data"),
                                                "code")), "ENOENT");
    json_decref(ev);
    CHECK(fgets(line, sizeof(line), fp) == NULL);
    fclose(fp);
    unlink(path);
}

static void
bad_sinks(void)
{
    CHECK_INT(sv_event_open("fd:x"), SV_EUSAGE);
    CHECK_INT(sv_event_open("fd:987"), -EBADF);
    CHECK_INT(sv_event_open("/nonexistent/dir/events"), -ENOENT);
}

static void
messages(void)
{
    CHECK_STR(sv_strerror(-ENOENT), "no such file or directory");
    CHECK_STR(sv_errname(-ENOSPC), "ENOSPC");
    CHECK_STR(sv_errname(SV_ETRUNC), "ETRUNC");
    CHECK_STR(sv_strerror(SV_ELADDER), "impossible ladder");
}

/* a tap sees every event, as a sink would write it, with or without one */
struct tapped {
    int n;
    char last[64];
    int n_data;
};

static void
on_tap(void *ud, const json_t *ev)
{
    struct tapped *t = ud;

    t->n++;
    snprintf(t->last, sizeof(t->last), "%s",
             json_string_value(json_object_get(ev, "event")));
    t->n_data = (int)json_integer_value(json_object_get(
        json_object_get(ev, "data"), "n"));
}

static void
a_tap_sees_every_event(void)
{
    struct tapped t = { 0 };

    sv_log_init("sv-test");
    sv_event_close();
    CHECK(!sv_event_enabled());
    sv_event_tap(on_tap, &t);
    CHECK(sv_event_enabled());
    CHECK_INT(sv_event_emit("publish.progress", json_pack("{s:i}", "n", 7)),
              0);
    CHECK_INT(t.n, 1);
    CHECK_STR(t.last, "publish.progress");
    CHECK_INT(t.n_data, 7);
    CHECK_INT(sv_event_error(-ENOENT, "cannot open 'x'", NULL), 0);
    CHECK_INT(t.n, 2);
    CHECK_STR(t.last, "error");
    sv_event_tap(NULL, NULL);
    CHECK(!sv_event_enabled());
    CHECK_INT(sv_event_emit("dropped", NULL), 0);
    CHECK_INT(t.n, 2);
}

int
main(void)
{
    RUN(emit_shape);
    RUN(bad_sinks);
    RUN(messages);
    RUN(a_tap_sees_every_event);
    return DONE();
}
