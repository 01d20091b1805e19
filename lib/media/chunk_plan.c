/* chunk_plan.c -- --split-plan: decode once, score scene cuts, print where
 * the chunks of a title begin and end */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/sig.h"
#include "media/av.h"
#include "media/chunk.h"
#include "media/job.h"

#define PLAN_WIDTH 160          /* the scene detector's picture */
#define PLAN_PART_S 60          /* a part's length when --chunks is not set */

struct plan {
    const struct sv_transcode_opts *o;
    struct sv__input in;
    struct sv__vgraph vg;
    struct sv_scene scene;
    float *score;               /* by frame at the output rate */
    int64_t nscore, cap;
    int64_t vend;
};

static int
put_score(struct plan *p, int64_t pts, double s)
{
    float *n;

    if (pts < 0)
        return 0;
    if (pts >= p->cap) {
        int64_t cap = p->cap ? p->cap : 1024;

        while (cap <= pts)
            cap *= 2;
        n = realloc(p->score, (size_t)cap * sizeof(*n));
        if (n == NULL)
            return AVERROR(ENOMEM);
        memset(n + p->cap, 0, (size_t)(cap - p->cap) * sizeof(*n));
        p->score = n;
        p->cap = cap;
    }
    p->score[pts] = (float)s;
    if (pts + 1 > p->nscore)
        p->nscore = pts + 1;
    return 0;
}

static int
drain(struct plan *p)
{
    AVFrame *f = av_frame_alloc();
    double s;
    int rc;

    if (f == NULL)
        return AVERROR(ENOMEM);
    for (;;) {
        rc = av_buffersink_get_frame(p->vg.sink[0], f);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0)
            break;
        s = sv_scene_score(&p->scene, f->data[0], f->linesize[0], f->width,
                           f->height);
        rc = s < 0 ? AVERROR(ENOMEM) : put_score(p, f->pts, s);
        av_frame_unref(f);
        if (rc < 0)
            break;
    }
    av_frame_free(&f);
    return rc;
}

static int
on_frame(void *ud, AVFrame *f)
{
    struct plan *p = ud;
    AVStream *st = p->in.fc->streams[p->in.vidx];
    struct sv_ladder l;
    int rc = 0;

    if (p->vg.g == NULL) {
        /* one small grey rung: the picture the scene detector looks at */
        memset(&l, 0, sizeof(l));
        l.n = 1;
        l.r[0].width = PLAN_WIDTH;
        l.r[0].height = f->width > 0 ? (int)((int64_t)PLAN_WIDTH * f->height
                                             / f->width) & ~1 : 90;
        if (l.r[0].height < 2)
            l.r[0].height = 2;
        rc = sv__vgraph_build(&p->vg, f, st->time_base, p->in.fps, 0,
                              SV_DEINT_OFF, &l, AV_PIX_FMT_GRAY8, NULL);
        if (rc < 0)
            goto done;
    }
    f->pts = f->best_effort_timestamp;
    if (f->pts == AV_NOPTS_VALUE)
        goto done;
    f->pts -= av_rescale_q(p->in.start, AV_TIME_BASE_Q, st->time_base);
    p->vend = f->pts + (f->pkt_duration > 0 ? f->pkt_duration
                        : av_rescale_q(1, av_inv_q(p->in.fps),
                                       st->time_base));
    rc = av_buffersrc_add_frame_flags(p->vg.src, f, 0);
    if (rc >= 0)
        rc = drain(p);
done:
    av_frame_free(&f);
    return rc;
}

static int
scan(struct plan *p)
{
    AVPacket *pkt = av_packet_alloc();
    int rc = 0;

    if (pkt == NULL)
        return AVERROR(ENOMEM);
    while (!sv_sig_stop) {
        rc = av_read_frame(p->in.fc, pkt);
        if (rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0) {
            p->in.errors++;
            rc = p->o->strict ? SV_ECORRUPT : 0;
            break;
        }
        if (pkt->stream_index == p->in.vidx)
            rc = sv__input_decode(&p->in, p->in.vdec, pkt, p->o->strict,
                                  on_frame, p);
        av_packet_unref(pkt);
        if (rc < 0)
            break;
    }
    av_packet_free(&pkt);
    if (sv_sig_stop && rc == 0)
        rc = SV_EINTR;
    if (rc == 0)
        rc = sv__input_decode(&p->in, p->in.vdec, NULL, p->o->strict,
                              on_frame, p);
    if (rc == 0 && p->vg.g != NULL) {
        rc = av_buffersrc_close(p->vg.src, p->vend, 0);
        if (rc >= 0)
            rc = drain(p);
    }
    return rc;
}

/* Seconds of a frame count, as --range reads them back: no trailing 0s. */
static json_t *
secs_text(int64_t frames, AVRational fps)
{
    char s[48];
    size_t n;

    snprintf(s, sizeof(s), "%.6f", (double)frames * fps.den / fps.num);
    n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    return json_string(s);
}

static json_t *
plan_json(const struct plan *p, int64_t gop, int n, const int64_t *b,
          const int *cut)
{
    AVRational fps = p->in.fps;
    json_t *root = json_object(), *a = json_array(), *c;
    char rate[32], range[100];
    int i;

    snprintf(rate, sizeof(rate), "%d/%d", fps.num, fps.den);
    json_object_set_new(root, "input", json_string(sv__shown(p->o->input)));
    json_object_set_new(root, "frames", json_integer(p->nscore));
    json_object_set_new(root, "frame_rate", json_string(rate));
    json_object_set_new(root, "duration",
                        json_real((double)p->nscore * fps.den / fps.num));
    json_object_set_new(root, "gop_frames", json_integer(gop));
    json_object_set_new(root, "chunks_n", json_integer(n));
    for (i = 0; i < n; i++) {
        json_t *s = secs_text(b[i], fps), *e = secs_text(b[i + 1], fps);

        snprintf(range, sizeof(range), "%s-%s", json_string_value(s),
                 i == n - 1 ? "" : json_string_value(e));
        c = json_object();
        json_object_set_new(c, "index", json_integer(i));
        json_object_set_new(c, "start_frame", json_integer(b[i]));
        json_object_set_new(c, "end_frame", json_integer(b[i + 1]));
        json_object_set_new(c, "start", json_real((double)b[i] * fps.den
                                                  / fps.num));
        json_object_set_new(c, "end", json_real((double)b[i + 1] * fps.den
                                                / fps.num));
        json_object_set_new(c, "scene_cut", json_boolean(cut[i]));
        json_object_set_new(c, "range", json_string(range));
        json_array_append_new(a, c);
        json_decref(s);
        json_decref(e);
    }
    json_object_set_new(root, "chunks", a);
    return root;
}

int
sv_transcode_split_plan(const struct sv_transcode_opts *o)
{
    struct plan p;
    int64_t gop, g, *bounds = NULL, part;
    int *cut = NULL, n, rc;
    json_t *root;

    memset(&p, 0, sizeof(p));
    p.o = o;
    rc = sv__input_open(&p.in, o->input, 0, NULL);
    if (rc < 0)
        return rc;
    rc = scan(&p);
    if (rc < 0)
        goto out;
    if (p.nscore == 0) {
        sv_log_error("cannot use '%s': no video frame could be decoded",
                     sv__shown(o->input));
        rc = SV_ENOMEDIA;
        goto out;
    }
    gop = av_rescale_q(o->gop_us, AV_TIME_BASE_Q, av_inv_q(p.in.fps));
    if (gop < 1)
        gop = 1;
    g = (p.nscore + gop - 1) / gop;
    part = av_rescale_q(PLAN_PART_S * AV_TIME_BASE, AV_TIME_BASE_Q,
                        av_inv_q(p.in.fps));
    n = o->chunks > 0 ? o->chunks : (int)((p.nscore + part - 1) / part);
    if (n > g) {
        sv_log_error("cannot cut '%s' into %d chunks: it has %" PRId64
                     " keyframe interval%s (--gop %gs)", sv__shown(o->input),
                     n, g, g == 1 ? "" : "s", (double)o->gop_us / 1e6);
        rc = SV_EUSAGE;
        goto out;
    }
    bounds = calloc((size_t)n + 1, sizeof(*bounds));
    cut = calloc((size_t)n + 1, sizeof(*cut));
    if (bounds == NULL || cut == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    rc = sv_chunk_plan_cuts(p.score, p.nscore, gop, n, o->scene_threshold,
                            bounds, cut);
    if (rc < 0)
        goto out;
    root = plan_json(&p, gop, n, bounds, cut);
    rc = sv_json_write_line(STDOUT_FILENO, root);
    json_decref(root);
    if (rc < 0)
        sv_log_error("cannot write the plan: %s", sv_strerror(rc));
out:
    free(bounds);
    free(cut);
    free(p.score);
    sv_scene_release(&p.scene);
    sv__vgraph_free(&p.vg);
    sv__input_close(&p.in);
    return rc;
}
