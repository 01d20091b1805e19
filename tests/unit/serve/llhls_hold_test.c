/* llhls_hold_test.c -- lib/serve/llhls_hold.c: holds on a real loop */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "model/llhls.h"
#include "serve/llhls_hold.h"
#include "t.h"

/* ---- holds on a real loop with real renames ---- */

struct seen {
    int calls, ready;
    char first[64];
    struct sv_llhls *reg;       /* set: ask sv_llhls_batch() in the call */
    const struct sv_llhls_info *batch;
    int64_t batch_msn;
    uint64_t serial;
};

static void
on_hold(struct sv_llhls_hold *h, int ready, const char *data, size_t len)
{
    struct seen *s = h->ud;

    s->calls++;
    s->ready = ready;
    if (data != NULL)
        snprintf(s->first, sizeof(s->first), "%.*s", (int)(len < 20 ? len : 20),
                 data);
    if (s->reg != NULL) {
        s->batch = sv_llhls_batch(s->reg, data, &s->serial);
        s->batch_msn = s->batch != NULL ? s->batch->last_msn : -1;
        /* only the text handed to this call is the batch's */
        CHECK(sv_llhls_batch(s->reg, "other", &s->serial) == NULL);
    }
}

struct step {
    const char *dir;
    int n;
};

static void
on_tick(uv_timer_t *t)
{
    struct step *st = t->data;
    char tmp[512], dst[512];
    FILE *f;

    /* publish the way a packager does: a dot temp name, then rename */
    snprintf(tmp, sizeof(tmp), "%s/.p.m3u8.tmp", st->dir);
    snprintf(dst, sizeof(dst), "%s/p.m3u8", st->dir);
    f = fopen(tmp, "w");
    fputs("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.m4s\n"
          "#EXTINF:1,\nb.m4s\n", f);
    fclose(f);
    rename(tmp, dst);
    snprintf(tmp, sizeof(tmp), "%s/.x.m4s.tmp", st->dir);
    snprintf(dst, sizeof(dst), "%s/x.m4s", st->dir);
    f = fopen(tmp, "w");
    fputs("data", f);
    fclose(f);
    rename(tmp, dst);
    st->n++;
}

static void
releases_holds_on_rename_and_times_out(void)
{
    char dir[] = "/tmp/sv-llhls-XXXXXX", path[512];
    struct sv_llhls *r;
    struct sv_llhls_hold pl = { 0 }, file = { 0 }, late = { 0 };
    struct seen s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
    struct step st;
    uv_loop_t loop;
    uv_timer_t tick;
    FILE *f;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/p.m3u8", dir);
    f = fopen(path, "w");
    fputs("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.m4s\n", f);
    fclose(f);
    uv_loop_init(&loop);
    CHECK_INT(sv_llhls_new(&loop, &r), 0);
    pl.name = "p.m3u8";
    pl.msn = 1;
    pl.part = -1;
    pl.cb = on_hold;
    pl.ud = &s1;
    file.name = "x.m4s";
    file.msn = -1;
    file.cb = on_hold;
    file.ud = &s2;
    late.name = "p.m3u8";
    late.msn = 3;
    late.part = -1;
    late.cb = on_hold;
    late.ud = &s3;
    CHECK_INT(sv_llhls_hold_add(r, &pl, dir, 5000), 0);
    CHECK_INT(sv_llhls_hold_add(r, &file, dir, 5000), 0);
    CHECK_INT(sv_llhls_hold_add(r, &late, dir, 300), 0);
    CHECK_INT(sv_llhls_held(r), 3);
    st.dir = dir;
    st.n = 0;
    uv_timer_init(&loop, &tick);
    tick.data = &st;
    uv_timer_start(&tick, on_tick, 50, 0);
    while (sv_llhls_held(r) > 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(s1.calls, 1);
    CHECK_INT(s1.ready, 1);
    CHECK_STR(s1.first, "#EXTM3U\n#EXT-X-TARGE");
    CHECK_INT(s2.calls, 1);
    CHECK_INT(s2.ready, 1);
    CHECK_INT(s3.calls, 1);
    CHECK_INT(s3.ready, 0);
    uv_close((uv_handle_t *)&tick, NULL);
    sv_llhls_free(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    CHECK_INT(system(path), 0);
}

static void
one_release_is_parsed_once_for_all_its_holds(void)
{
    char dir[] = "/tmp/sv-llhls-XXXXXX", path[512];
    struct sv_llhls *r;
    struct sv_llhls_hold a = { 0 }, b = { 0 };
    struct seen sa = { 0 }, sb = { 0 };
    struct step st;
    uv_loop_t loop;
    uv_timer_t tick;
    FILE *f;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/p.m3u8", dir);
    f = fopen(path, "w");
    fputs("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.m4s\n", f);
    fclose(f);
    uv_loop_init(&loop);
    CHECK_INT(sv_llhls_new(&loop, &r), 0);
    a.name = b.name = "p.m3u8";
    a.msn = b.msn = 1;
    a.part = b.part = -1;
    a.cb = b.cb = on_hold;
    a.ud = &sa;
    b.ud = &sb;
    sa.reg = sb.reg = r;
    CHECK_INT(sv_llhls_hold_add(r, &a, dir, 5000), 0);
    CHECK_INT(sv_llhls_hold_add(r, &b, dir, 5000), 0);
    st.dir = dir;
    st.n = 0;
    uv_timer_init(&loop, &tick);
    tick.data = &st;
    uv_timer_start(&tick, on_tick, 50, 0);
    while (sv_llhls_held(r) > 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(sa.ready, 1);
    CHECK_INT(sb.ready, 1);
    CHECK(sa.batch != NULL && sa.batch == sb.batch);
    CHECK_INT(sa.batch_msn, 1);
    CHECK(sa.serial != 0 && sa.serial == sb.serial);
    uv_close((uv_handle_t *)&tick, NULL);
    sv_llhls_free(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    CHECK_INT(system(path), 0);
}

static void
cancels_without_a_callback(void)
{
    struct sv_llhls *r;
    struct sv_llhls_hold h = { 0 };
    struct seen s = { 0 };
    uv_loop_t loop;

    uv_loop_init(&loop);
    sv_llhls_new(&loop, &r);
    h.name = "none.m4s";
    h.msn = -1;
    h.cb = on_hold;
    h.ud = &s;
    CHECK_INT(sv_llhls_hold_add(r, &h, "/tmp", 10000), 0);
    sv_llhls_hold_cancel(&h);
    sv_llhls_hold_cancel(&h);
    CHECK_INT(sv_llhls_held(r), 0);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(s.calls, 0);
    CHECK(sv_llhls_hold_add(r, &h, "/nonexistent/dir", 10) < 0);
    sv_llhls_free(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

static void
put(const char *dir, const char *name)
{
    char tmp[512], dst[512];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    f = fopen(tmp, "w");
    fputs("data", f);
    fclose(f);
    rename(tmp, dst);
}

#define DIRS 1100

static void
watches_go_with_their_last_hold(void)
{
    char dir[] = "/tmp/sv-llhls-XXXXXX", sub[512];
    struct sv_llhls *r;
    struct sv_llhls_hold h = { 0 };
    struct seen s = { 0 };
    uv_loop_t loop;
    int i, refused = 0, late = 0;

    CHECK(mkdtemp(dir) != NULL);
    uv_loop_init(&loop);
    CHECK_INT(sv_llhls_new(&loop, &r), 0);
    h.name = "x.m4s";
    h.msn = -1;
    h.cb = on_hold;
    h.ud = &s;
    /* more directories than one worker may watch at once, in turn: each
     * hold is answered by a file there or cancelled */
    for (i = 0; i < DIRS; i++) {
        snprintf(sub, sizeof(sub), "%s/%d", dir, i);
        CHECK_INT(mkdir(sub, 0755), 0);
        if (i % 2 == 0)
            put(sub, "x.m4s");
        s.calls = s.ready = 0;
        if (sv_llhls_hold_add(r, &h, sub, 10000) != 0) {
            refused++;
            continue;
        }
        if (i % 2 == 0) {
            /* the file is there: the check on the next turn answers */
            while (sv_llhls_held(r) > 0)
                uv_run(&loop, UV_RUN_NOWAIT);
            if (s.calls != 1 || s.ready != 1)
                late++;
        } else {
            sv_llhls_hold_cancel(&h);
        }
        if (sv_llhls_watches(r) != 0)
            late++;
    }
    CHECK_INT(refused, 0);
    CHECK_INT(late, 0);
    sv_llhls_free(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
    CHECK_INT(system(sub), 0);
}

static void
a_directory_made_again_is_watched_again(void)
{
    char dir[] = "/tmp/sv-llhls-XXXXXX", path[512];
    struct sv_llhls *r;
    struct sv_llhls_hold a = { 0 }, b = { 0 };
    struct seen sa = { 0 }, sb = { 0 };
    uv_loop_t loop;
    int i;

    CHECK(mkdtemp(dir) != NULL);
    uv_loop_init(&loop);
    CHECK_INT(sv_llhls_new(&loop, &r), 0);
    a.name = "x.m4s";
    a.msn = -1;
    a.cb = on_hold;
    a.ud = &sa;
    b.name = "y.m4s";
    b.msn = -1;
    b.cb = on_hold;
    b.ud = &sb;
    /* a stream holds a request, stops and starts again in a new
     * directory of the same name */
    CHECK_INT(sv_llhls_hold_add(r, &a, dir, 20000), 0);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(rmdir(dir), 0);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(mkdir(dir, 0700), 0);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sv_llhls_hold_add(r, &b, dir, 20000), 0);
    for (i = 0; i < 10; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sv_llhls_held(r), 2);
    /* the renames are queued at once: a few turns see them, long before
     * any deadline */
    put(dir, "x.m4s");
    put(dir, "y.m4s");
    for (i = 0; i < 100 && sv_llhls_held(r) > 0; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sa.calls, 1);
    CHECK_INT(sa.ready, 1);
    CHECK_INT(sb.calls, 1);
    CHECK_INT(sb.ready, 1);
    CHECK_INT(sv_llhls_watches(r), 0);
    sv_llhls_release_all(r);
    sv_llhls_free(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    CHECK_INT(system(path), 0);
}

/*
 * A hinted part whose segment ends before it (a packager cut at a
 * keyframe) never comes: its hold is answered -1 when the segment or a
 * later one appears, long before the deadline; a part that does come, or
 * one of a later segment, is not disturbed; a hold added when the segment
 * is already there is answered on the next turn.
 */
static void
a_part_that_never_comes_is_answered_when_its_segment_appears(void)
{
    char dir[] = "/tmp/sv-llhls-XXXXXX", path[512];
    struct sv_llhls *r;
    struct sv_llhls_hold a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
    struct seen sa = { 0 }, sb = { 0 }, sc = { 0 }, sd = { 0 };
    uv_loop_t loop;
    int i;

    CHECK(mkdtemp(dir) != NULL);
    uv_loop_init(&loop);
    CHECK_INT(sv_llhls_new(&loop, &r), 0);
    a.name = "seg-5.4.m4s";     /* hinted, never written */
    b.name = "seg-5.3.m4s";     /* written, then the segment */
    c.name = "seg-6.1.m4s";     /* the next segment's: still to come */
    a.msn = b.msn = c.msn = d.msn = -1;
    a.cb = b.cb = c.cb = d.cb = on_hold;
    a.ud = &sa;
    b.ud = &sb;
    c.ud = &sc;
    d.ud = &sd;
    CHECK_INT(sv_llhls_hold_add(r, &a, dir, 20000), 0);
    CHECK_INT(sv_llhls_hold_add(r, &b, dir, 20000), 0);
    CHECK_INT(sv_llhls_hold_add(r, &c, dir, 20000), 0);
    for (i = 0; i < 10; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    /* another rendition's segment, a playlist: nothing */
    put(dir, "seg-5.m4s.other");
    put(dir, "v0.m3u8");
    for (i = 0; i < 20; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sv_llhls_held(r), 3);
    put(dir, "seg-5.3.m4s");
    put(dir, "seg-5.m4s");
    for (i = 0; i < 100 && sv_llhls_held(r) > 1; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sa.calls, 1);
    CHECK_INT(sa.ready, -1);
    CHECK_INT(sb.calls, 1);
    CHECK_INT(sb.ready, 1);
    CHECK_INT(sc.calls, 0);
    CHECK_INT(sv_llhls_held(r), 1);
    /* held when its segment is there already: answered at once */
    d.name = "seg-5.6.m4s";
    CHECK_INT(sv_llhls_hold_add(r, &d, dir, 20000), 0);
    for (i = 0; i < 100 && sd.calls == 0; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sd.calls, 1);
    CHECK_INT(sd.ready, -1);
    /* a part of a later segment supersedes too */
    put(dir, "seg-7.0.m4s");
    for (i = 0; i < 100 && sv_llhls_held(r) > 0; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(sc.calls, 1);
    CHECK_INT(sc.ready, -1);
    sv_llhls_free(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    CHECK_INT(system(path), 0);
}

int
main(void)
{
    RUN(releases_holds_on_rename_and_times_out);
    RUN(one_release_is_parsed_once_for_all_its_holds);
    RUN(cancels_without_a_callback);
    RUN(watches_go_with_their_last_hold);
    RUN(a_directory_made_again_is_watched_again);
    RUN(a_part_that_never_comes_is_answered_when_its_segment_appears);
    return DONE();
}
