/* package_test.c -- lib/pack/package.c: what a live LL-HLS package
 * publishes, in the order a server and a player see it
 *
 * This file defines the sv_out_* functions, so the linker takes them from
 * here and never pulls out.o out of libsv.a: every file the packaging run
 * publishes is recorded in order (playlists with their text) instead of
 * written.  The input is real: ffmpeg makes an H.264/AAC MPEG-TS, which
 * sv_pack_run() reads through the demuxer like sv-package --live does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/err.h"
#include "model/llhls.h"
#include "pack/out.h"
#include "pack/package.h"
#include "t.h"

#define MAX_PUTS 8192

struct put {
    char name[128];
    char *text;                 /* media playlists: their text, else NULL */
};

static struct put puts_[MAX_PUTS];
static int nputs;
static int overflow;

struct sv_out {
    uint64_t bytes;
};

static struct sv_out the_out;

int
sv_out_dir(struct sv_out **o, const char *dir)
{
    *o = &the_out;
    return 0;
}

int
sv_out_tar(struct sv_out **o, int fd)
{
    *o = &the_out;
    return 0;
}

int
sv_out_put(struct sv_out *o, const char *rel, const struct iovec *iov,
           int n)
{
    struct put *p;
    size_t len = 0, off = 0;
    int i;

    for (i = 0; i < n; i++)
        len += iov[i].iov_len;
    o->bytes += len;
    if (nputs == MAX_PUTS) {
        overflow = 1;
        return 0;
    }
    p = &puts_[nputs++];
    snprintf(p->name, sizeof(p->name), "%s", rel);
    p->text = NULL;
    if (strcmp(rel + strlen(rel) - 5, ".m3u8") != 0 ||
        strcmp(rel, "master.m3u8") == 0)
        return 0;
    p->text = malloc(len + 1);
    if (p->text == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        memcpy(p->text + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    p->text[len] = '\0';
    return 0;
}

void
sv_out_remove(struct sv_out *o, const char *rel)
{
}

uint64_t
sv_out_bytes(const struct sv_out *o)
{
    return o->bytes;
}

int
sv_out_close(struct sv_out *o)
{
    return 0;
}

static void
forget(void)
{
    int i;

    for (i = 0; i < nputs; i++)
        free(puts_[i].text);
    nputs = 0;
    overflow = 0;
}

/* Makes SECONDS of 30 fps H.264 (keyframes every key_every frames) with
 * AAC into path; 0 when ffmpeg made it. */
static int
make_input(const char *path, int seconds, int key_every)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -hide_banner -loglevel error -y "
             "-f lavfi -i testsrc2=size=160x90:rate=30:duration=%d "
             "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=%d "
             "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g %d "
             "-keyint_min %d -sc_threshold 0 -c:a aac -b:a 64k "
             "-f mpegts '%s'", seconds, seconds, key_every, key_every, path);
    return system(cmd);
}

/*
 * Every EXT-X-PRELOAD-HINT of every live playlist published names a file
 * that is published later as exactly that name (a player asks for it and a
 * server holds the request until it comes: a hint for a part that is never
 * written stalls Shaka Player).  Returns the hints checked; *bad counts
 * those never published, *ended the playlists with EXT-X-ENDLIST.
 */
static int
check_hints(int *bad, int *ended)
{
    struct sv_llhls_info in;
    char want[512];
    const char *slash;
    int i, j, n = 0, found;

    *bad = *ended = 0;
    for (i = 0; i < nputs; i++) {
        if (puts_[i].text == NULL)
            continue;
        if (sv_llhls_parse(puts_[i].text, strlen(puts_[i].text), &in) < 0) {
            (*bad)++;
            continue;
        }
        *ended += in.endlist;
        if (in.hint[0] == '\0' || in.endlist)
            continue;
        slash = strrchr(puts_[i].name, '/');
        snprintf(want, sizeof(want), "%.*s%s",
                 slash ? (int)(slash - puts_[i].name + 1) : 0,
                 puts_[i].name, in.hint);
        n++;
        found = 0;
        for (j = i + 1; j < nputs && !found; j++)
            found = strcmp(puts_[j].name, want) == 0;
        if (!found) {
            if (*bad < 5)
                printf("#   %s (put %d) hints at %s, never written\n",
                       puts_[i].name, i, want);
            (*bad)++;
        }
    }
    return n;
}

/* ffmpeg's tracks through sv_pack_run() --live --ll-hls with these
 * durations (seconds) */
static void
package_live(const char *in, double seg, double part, int *hints, int *bad,
             int *ended)
{
    struct sv_pack_opts o;
    const char *inputs[1] = { in };
    char err[256];

    forget();
    sv_pack_defaults(&o);
    o.inputs = inputs;
    o.ninputs = 1;
    o.out = "/nonexistent/out";     /* recorded, never written */
    o.live = 1;
    o.ll_hls = 1;
    o.hls = 1;
    o.dash = 1;
    o.segment_us = (int64_t)(seg * 1e6);
    o.part_us = (int64_t)(part * 1e6);
    o.window_us = 30000000;
    CHECK_INT(sv_pack_run(&o, err, sizeof(err)), 0);
    if (err[0] != '\0')
        printf("#   %s\n", err);
    CHECK_INT(overflow, 0);
    *hints = check_hints(bad, ended);
}

static char dir[] = "/tmp/sv-pack-test-XXXXXX";

/* keyframes every 0.5 s, 1 s segments in 0.3 s parts: segments end after
 * a part that is not a whole part duration, at a keyframe */
static void
every_preload_hint_is_written_as_that_file(void)
{
    char in[256];
    int hints, bad, ended;

    snprintf(in, sizeof(in), "%s/k15.ts", dir);
    CHECK_INT(make_input(in, 6, 15), 0);
    package_live(in, 1.0, 0.3, &hints, &bad, &ended);
    CHECK(hints > 20);
    CHECK_INT(bad, 0);
    /* the last playlist of each rendition (video, audio) has ended */
    CHECK(ended >= 2);
}

/* keyframes every 2 s, 1 s segments: a segment ends only at a keyframe,
 * parts of 0.5 s go on past the target duration until one comes */
static void
hints_hold_when_segments_run_past_their_target(void)
{
    char in[256];
    int hints, bad, ended;

    snprintf(in, sizeof(in), "%s/k60.ts", dir);
    CHECK_INT(make_input(in, 7, 60), 0);
    package_live(in, 1.0, 0.5, &hints, &bad, &ended);
    CHECK(hints > 20);
    CHECK_INT(bad, 0);
    CHECK(ended >= 2);
}

int
main(void)
{
    char cmd[128];

    if (mkdtemp(dir) == NULL) {
        printf("not ok 1 - mkdtemp\n");
        return 1;
    }
    RUN(every_preload_hint_is_written_as_that_file);
    RUN(hints_hold_when_segments_run_past_their_target);
    forget();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# cannot remove %s\n", dir);
    return DONE();
}
