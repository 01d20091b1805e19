/* thumbs.c -- sprite sheets and their WebVTT track, a poster chosen by a
 * score, and scene cuts as chapters, from the frames of the ladder */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>

#include "core/afile.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "media/scene.h"
#include "media/thumbs.h"

#define CELL_W 160              /* thumbnail width; height keeps the shape */
#define SHEET_COLS 10
#define SHEET_ROWS 10
#define POSTER_STEP_US 500000   /* poster candidates, and the fade window */
#define SCENE_MIN_US 500000     /* shortest scene */
#define MAX_CUTS 100000
#define MAX_SHEETS 10000

/* what the poster score and its refusals look at, from the cell's luma */
struct look {
    double mean, sd, sharp;     /* luma 0..255; centre-weighted gradient */
};

struct cand {
    AVFrame *f;                 /* the big frame, a reference */
    int64_t pts;
    struct look l;
    double score;
};

struct sv_thumbs {
    char *dir, *scenes;
    int64_t interval, step, scene_min;  /* in tb ticks */
    double threshold;
    AVRational tb;
    struct SwsContext *sws;
    AVFrame *cell;              /* the current frame at cell size, yuvj420p */
    AVFrame *sheet;             /* the sheet being filled */
    int cw, ch, ncells, nsheets;
    int64_t next_cell, next_cand;
    struct sv_scene sc;
    int64_t *cuts;
    int ncuts;
    double *cut_score;
    /* the poster: the best accepted so far, the one waiting for the frame
     * after it (fades), and the best of all in case none is accepted */
    struct cand best, pending, any;
    double before;              /* luma mean of the candidate before */
    int have_before;
    struct sv_buf vtt;
};

int
sv_thumbs_new(struct sv_thumbs **out, const char *dir, int64_t interval_us,
              const char *scenes, double threshold, AVRational tb)
{
    struct sv_thumbs *t = calloc(1, sizeof(*t));
    int rc = -ENOMEM;

    if (t == NULL)
        return -ENOMEM;
    sv_buf_init(&t->vtt, 16 << 20);
    t->dir = dir ? strdup(dir) : NULL;
    t->scenes = scenes ? strdup(scenes) : NULL;
    if ((dir && t->dir == NULL) || (scenes && t->scenes == NULL))
        goto fail;
    t->tb = tb;
    t->interval = av_rescale_q(interval_us, AV_TIME_BASE_Q, tb);
    t->step = av_rescale_q(POSTER_STEP_US, AV_TIME_BASE_Q, tb);
    t->scene_min = av_rescale_q(SCENE_MIN_US, AV_TIME_BASE_Q, tb);
    if (t->interval < 1)
        t->interval = 1;
    if (t->step < 1)
        t->step = 1;
    t->threshold = threshold;
    t->cell = av_frame_alloc();
    if (t->cell == NULL)
        goto fail;
    if (dir != NULL) {
        rc = sv_mkdir_p(dir);
        if (rc < 0) {
            sv_log_error("cannot create '%s': %s", dir, sv_strerror(rc));
            goto fail;
        }
        rc = sv_buf_printf(&t->vtt, "WEBVTT\n");
        if (rc < 0)
            goto fail;
    }
    *out = t;
    return 0;
fail:
    sv_thumbs_free(t);
    return rc;
}

static void
cand_clear(struct cand *c)
{
    av_frame_free(&c->f);
    memset(c, 0, sizeof(*c));
}

void
sv_thumbs_free(struct sv_thumbs *t)
{
    if (t == NULL)
        return;
    cand_clear(&t->best);
    cand_clear(&t->pending);
    cand_clear(&t->any);
    sws_freeContext(t->sws);
    av_frame_free(&t->cell);
    av_frame_free(&t->sheet);
    sv_scene_release(&t->sc);
    free(t->cuts);
    free(t->cut_score);
    sv_buf_release(&t->vtt);
    free(t->dir);
    free(t->scenes);
    free(t);
}

/* Scales src (any format and size) into dst, yuvj420p of w x h. */
static int
scale_to(struct SwsContext **sws, const AVFrame *src, AVFrame *dst, int w,
         int h)
{
    int rc;

    if (dst->data[0] == NULL) {
        dst->format = AV_PIX_FMT_YUVJ420P;
        dst->width = w;
        dst->height = h;
        rc = av_frame_get_buffer(dst, 0);
        if (rc < 0)
            return rc;
    }
    *sws = sws_getCachedContext(*sws, src->width, src->height, src->format,
                                w, h, AV_PIX_FMT_YUVJ420P, SWS_AREA, NULL,
                                NULL, NULL);
    if (*sws == NULL)
        return AVERROR(EINVAL);
    sws_scale(*sws, (const uint8_t *const *)src->data, src->linesize, 0,
              src->height, dst->data, dst->linesize);
    return 0;
}

/*
 * Mean and spread of the luma, and detail: the mean absolute gradient,
 * weighted 1 at the centre down to 0.25 at the edges, where a subject
 * seldom is.
 */
static struct look
look_at(const AVFrame *c)
{
    struct look l = { 0, 0, 0 };
    double sum = 0, sq = 0, g = 0, wsum = 0;
    int x, y, w = c->width, h = c->height;

    for (y = 0; y < h; y++) {
        const uint8_t *p = c->data[0] + (size_t)y * c->linesize[0];
        double dy = fabs(2.0 * y / h - 1);

        for (x = 0; x < w; x++) {
            double dx = fabs(2.0 * x / w - 1);
            double wt = 1 - 0.75 * (dx > dy ? dx : dy);

            sum += p[x];
            sq += (double)p[x] * p[x];
            if (x + 1 < w && y + 1 < h) {
                g += wt * (abs(p[x + 1] - p[x]) +
                           abs(p[x + c->linesize[0]] - p[x]));
                wsum += wt;
            }
        }
    }
    l.mean = sum / ((double)w * h);
    l.sd = sqrt(fmax(0, sq / ((double)w * h) - l.mean * l.mean));
    l.sharp = wsum > 0 ? g / wsum : 0;
    return l;
}

/*
 * The poster score: detail, times exposure (1 at a mid-grey mean of 0.45,
 * falling to 0 at black or white), so a sharp, well exposed frame wins.
 */
static double
poster_score(const struct look *l)
{
    double m = l->mean / 255, expo = 1 - fabs(m - 0.45) / 0.55;

    if (expo < 0)
        expo = 0;
    return l->sharp * (0.5 + 0.5 * expo);
}

/* Refused as a poster: near black or white, flat, or in a fade. */
static int
refused(const struct look *l, double before, int have_before, double after,
        int have_after)
{
    if (l->mean < 0.10 * 255 || l->mean > 0.92 * 255 || l->sd < 0.04 * 255)
        return 1;
    /* a fade moves the mean luma; a held shot keeps it within 3% */
    if (have_before && fabs(l->mean - before) > 0.03 * 255)
        return 1;
    if (have_after && fabs(after - l->mean) > 0.03 * 255)
        return 1;
    return 0;
}

static void
cand_take(struct cand *to, struct cand *from)
{
    cand_clear(to);
    *to = *from;
    memset(from, 0, sizeof(*from));
}

/* Decides on the pending candidate, knowing the luma mean after it. */
static void
settle_pending(struct sv_thumbs *t, double after, int have_after)
{
    struct cand *p = &t->pending;
    double mean = p->l.mean;

    if (p->f == NULL)
        return;
    if (!refused(&p->l, t->before, t->have_before, after, have_after) &&
        (t->best.f == NULL || p->score > t->best.score))
        cand_take(&t->best, p);
    else
        cand_clear(p);
    t->before = mean;
    t->have_before = 1;
}

static int
poster_frame(struct sv_thumbs *t, const AVFrame *big, const struct look *l)
{
    struct cand c;

    memset(&c, 0, sizeof(c));
    c.pts = big->pts;
    c.l = *l;
    c.score = poster_score(l);
    settle_pending(t, l->mean, 1);
    if (t->any.f == NULL || c.score > t->any.score) {
        c.f = av_frame_clone(big);
        if (c.f == NULL)
            return AVERROR(ENOMEM);
        cand_take(&t->any, &c);
        c = t->any;
        c.f = NULL;
    }
    c.f = av_frame_clone(big);
    if (c.f == NULL)
        return AVERROR(ENOMEM);
    cand_take(&t->pending, &c);
    return 0;
}

/* Encodes f (yuvj420p) as a JPEG into path. */
static int
jpeg_write(const AVFrame *f, const char *path)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *c = NULL;
    AVPacket *pkt = av_packet_alloc();
    int rc = AVERROR_ENCODER_NOT_FOUND;

    if (pkt == NULL)
        return AVERROR(ENOMEM);
    if (codec == NULL)
        goto out;
    c = avcodec_alloc_context3(codec);
    rc = AVERROR(ENOMEM);
    if (c == NULL)
        goto out;
    c->width = f->width;
    c->height = f->height;
    c->pix_fmt = AV_PIX_FMT_YUVJ420P;
    c->time_base = (AVRational){ 1, 25 };
    /* fixed quality: qscale 3 is a good JPEG at thumbnail sizes */
    c->flags |= AV_CODEC_FLAG_QSCALE;
    c->global_quality = FF_QP2LAMBDA * 3;
    rc = avcodec_open2(c, codec, NULL);
    if (rc < 0)
        goto out;
    rc = avcodec_send_frame(c, f);
    if (rc >= 0)
        rc = avcodec_send_frame(c, NULL);
    if (rc >= 0)
        rc = avcodec_receive_packet(c, pkt);
    if (rc >= 0)
        rc = sv_afile_put(path, pkt->data, (size_t)pkt->size, 0644);
out:
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", path, sv_strerror(rc));
    avcodec_free_context(&c);
    av_packet_free(&pkt);
    return rc;
}

static int
sheet_flush(struct sv_thumbs *t)
{
    char path[4096];
    int used, rows, h, rc;

    used = t->ncells - t->nsheets * SHEET_COLS * SHEET_ROWS;
    if (t->sheet == NULL || used <= 0)
        return 0;
    rows = (used + SHEET_COLS - 1) / SHEET_COLS;
    h = t->sheet->height;
    t->sheet->height = rows * t->ch;
    snprintf(path, sizeof(path), "%s/sprite-%03d.jpg", t->dir, t->nsheets);
    rc = jpeg_write(t->sheet, path);
    t->sheet->height = h;
    t->nsheets++;
    return rc;
}

static int
ts_print(struct sv_buf *b, double s)
{
    int64_t ms = llround(s * 1000);

    return sv_buf_printf(b, "%02lld:%02lld:%02lld.%03lld",
                         (long long)(ms / 3600000),
                         (long long)(ms / 60000 % 60),
                         (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

/* Copies the cell into its place on the sheet and cues it in the VTT. */
static int
add_cell(struct sv_thumbs *t)
{
    int k = t->ncells % (SHEET_COLS * SHEET_ROWS), p, y, rc;
    int cx = k % SHEET_COLS * t->cw, cy = k / SHEET_COLS * t->ch;

    if (k == 0 && t->ncells > 0) {
        rc = sheet_flush(t);
        if (rc < 0)
            return rc;
    }
    if (t->nsheets >= MAX_SHEETS)
        return 0;
    if (t->sheet == NULL) {
        t->sheet = av_frame_alloc();
        if (t->sheet == NULL)
            return AVERROR(ENOMEM);
        t->sheet->format = AV_PIX_FMT_YUVJ420P;
        t->sheet->width = SHEET_COLS * t->cw;
        t->sheet->height = SHEET_ROWS * t->ch;
        rc = av_frame_get_buffer(t->sheet, 0);
        if (rc < 0)
            return rc;
    }
    if (k == 0) {
        /* black, so a last sheet's empty cells are not old pictures */
        memset(t->sheet->data[0], 0,
               (size_t)t->sheet->linesize[0] * t->sheet->height);
        memset(t->sheet->data[1], 128,
               (size_t)t->sheet->linesize[1] * t->sheet->height / 2);
        memset(t->sheet->data[2], 128,
               (size_t)t->sheet->linesize[2] * t->sheet->height / 2);
    }
    for (p = 0; p < 3; p++) {
        int sh = p ? 1 : 0;

        for (y = 0; y < t->ch >> sh; y++)
            memcpy(t->sheet->data[p] + (size_t)((cy >> sh) + y) *
                   t->sheet->linesize[p] + (cx >> sh),
                   t->cell->data[p] + (size_t)y * t->cell->linesize[p],
                   (size_t)(t->cw >> sh));
    }
    t->ncells++;
    return 0;
}

/* Writes root to path whole, reals at 10 digits (0.15, not 0.1499...). */
static int
json_put(const char *path, const json_t *root)
{
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                            JSON_REAL_PRECISION(10));
    int rc;

    if (text == NULL)
        return AVERROR(ENOMEM);
    rc = sv_afile_put(path, text, strlen(text), 0644);
    free(text);
    return rc;
}

/* A cut where the score passes the threshold, a scene apart at least. */
static int
scene_frame(struct sv_thumbs *t, int64_t pts)
{
    double score = sv_scene_score(&t->sc, t->cell->data[0],
                                  t->cell->linesize[0], t->cw, t->ch);
    int64_t last = t->ncuts > 0 ? t->cuts[t->ncuts - 1] : 0;
    int64_t *c;
    double *s;

    if (score < 0)
        return AVERROR(ENOMEM);
    if (score < t->threshold || pts - last < t->scene_min ||
        t->ncuts >= MAX_CUTS)
        return 0;
    c = realloc(t->cuts, (size_t)(t->ncuts + 1) * sizeof(*c));
    if (c == NULL)
        return AVERROR(ENOMEM);
    t->cuts = c;
    s = realloc(t->cut_score, (size_t)(t->ncuts + 1) * sizeof(*s));
    if (s == NULL)
        return AVERROR(ENOMEM);
    t->cut_score = s;
    t->cuts[t->ncuts] = pts;
    t->cut_score[t->ncuts++] = score;
    return 0;
}

int
sv_thumbs_frame(struct sv_thumbs *t, const AVFrame *small, const AVFrame *big)
{
    struct look l;
    int rc;

    if (t->cw == 0) {
        /* even sizes keep the 4:2:0 cells whole */
        t->cw = CELL_W;
        t->ch = (int)(2 * lround((double)CELL_W * small->height /
                                 small->width / 2));
        if (t->ch < 2)
            t->ch = 2;
    }
    rc = scale_to(&t->sws, small, t->cell, t->cw, t->ch);
    if (rc < 0)
        return rc;
    if (t->scenes != NULL) {
        rc = scene_frame(t, small->pts);
        if (rc < 0)
            return rc;
    }
    if (t->dir == NULL)
        return 0;
    /* the cell of time i * interval is the first frame at or after it */
    if (small->pts >= t->next_cell) {
        rc = add_cell(t);
        if (rc < 0)
            return rc;
        t->next_cell = (int64_t)t->ncells * t->interval;
    }
    if (small->pts >= t->next_cand) {
        l = look_at(t->cell);
        rc = poster_frame(t, big, &l);
        if (rc < 0)
            return rc;
        t->next_cand = small->pts - small->pts % t->step + t->step;
    }
    return 0;
}

static json_t *
secs(struct sv_thumbs *t, int64_t pts)
{
    return json_real(round(pts * av_q2d(t->tb) * 1000) / 1000);
}

static int
write_scenes(struct sv_thumbs *t, int64_t end)
{
    json_t *root = json_object(), *cuts = json_array(), *sc = json_array();
    int i, rc;

    for (i = 0; i <= t->ncuts; i++) {
        json_t *o = json_object();
        int64_t a = i == 0 ? 0 : t->cuts[i - 1];
        int64_t b = i < t->ncuts ? t->cuts[i] : end;
        char title[32];

        if (i < t->ncuts)
            json_array_append_new(cuts, secs(t, t->cuts[i]));
        snprintf(title, sizeof(title), "Scene %d", i + 1);
        json_object_set_new(o, "start", secs(t, a));
        json_object_set_new(o, "end", secs(t, b));
        json_object_set_new(o, "title", json_string(title));
        if (i > 0)
            json_object_set_new(o, "score",
                                json_real(round(t->cut_score[i - 1] * 1000) /
                                          1000));
        json_array_append_new(sc, o);
    }
    json_object_set_new(root, "threshold", json_real(t->threshold));
    json_object_set_new(root, "duration", secs(t, end));
    json_object_set_new(root, "cuts", cuts);
    json_object_set_new(root, "scenes", sc);
    rc = json_put(t->scenes, root);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", t->scenes, sv_strerror(rc));
    json_decref(root);
    return rc;
}

static int
write_vtt(struct sv_thumbs *t, int64_t end)
{
    char path[4096];
    int i, rc = 0;

    for (i = 0; rc == 0 && i < t->ncells &&
         i < MAX_SHEETS * SHEET_COLS * SHEET_ROWS; i++) {
        int64_t a = (int64_t)i * t->interval, b = a + t->interval;
        int k = i % (SHEET_COLS * SHEET_ROWS);

        if (b > end || i == t->ncells - 1)
            b = end;
        rc = sv_buf_printf(&t->vtt, "\n");
        if (rc == 0)
            rc = ts_print(&t->vtt, a * av_q2d(t->tb));
        if (rc == 0)
            rc = sv_buf_printf(&t->vtt, " --> ");
        if (rc == 0)
            rc = ts_print(&t->vtt, b * av_q2d(t->tb));
        if (rc == 0)
            rc = sv_buf_printf(&t->vtt, "\nsprite-%03d.jpg#xywh=%d,%d,%d,%d\n",
                               i / (SHEET_COLS * SHEET_ROWS),
                               k % SHEET_COLS * t->cw, k / SHEET_COLS * t->ch,
                               t->cw, t->ch);
    }
    snprintf(path, sizeof(path), "%s/thumbnails.vtt", t->dir);
    if (rc == 0)
        rc = sv_afile_put(path, t->vtt.data, t->vtt.len, 0644);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", path, sv_strerror(rc));
    return rc;
}

static int
write_poster(struct sv_thumbs *t, json_t *meta)
{
    struct cand *c = t->best.f != NULL ? &t->best : &t->any;
    struct SwsContext *sws = NULL;
    AVFrame *f = av_frame_alloc();
    json_t *o = json_object();
    char path[4096];
    int rc;

    if (f == NULL || o == NULL) {
        av_frame_free(&f);
        json_decref(o);
        return AVERROR(ENOMEM);
    }
    /* full size, in JPEG's full range */
    rc = scale_to(&sws, c->f, f, c->f->width & ~1, c->f->height & ~1);
    snprintf(path, sizeof(path), "%s/poster.jpg", t->dir);
    if (rc == 0)
        rc = jpeg_write(f, path);
    sws_freeContext(sws);
    av_frame_free(&f);
    json_object_set_new(o, "file", json_string("poster.jpg"));
    json_object_set_new(o, "time", secs(t, c->pts));
    json_object_set_new(o, "score", json_real(round(c->score * 1000) / 1000));
    json_object_set_new(o, "mean", json_real(round(c->l.mean * 10) / 10));
    /* no frame passed the refusals (all dark, flat or fading): the best
     * of them anyway */
    json_object_set_new(o, "fallback", json_boolean(c == &t->any));
    json_object_set_new(meta, "poster", o);
    return rc;
}

int
sv_thumbs_finish(struct sv_thumbs *t, int64_t end)
{
    json_t *meta;
    char path[4096];
    int rc = 0;

    if (t->scenes != NULL)
        rc = write_scenes(t, end);
    if (rc < 0 || t->dir == NULL || t->ncells == 0)
        return rc;
    settle_pending(t, 0, 0);
    rc = sheet_flush(t);
    if (rc == 0)
        rc = write_vtt(t, end);
    if (rc < 0)
        return rc;
    meta = json_object();
    if (meta == NULL)
        return AVERROR(ENOMEM);
    json_object_set_new(meta, "interval", json_real(t->interval *
                                                    av_q2d(t->tb)));
    json_object_set_new(meta, "width", json_integer(t->cw));
    json_object_set_new(meta, "height", json_integer(t->ch));
    json_object_set_new(meta, "cells", json_integer(t->ncells));
    json_object_set_new(meta, "sheets", json_integer(t->nsheets));
    json_object_set_new(meta, "columns", json_integer(SHEET_COLS));
    json_object_set_new(meta, "rows", json_integer(SHEET_ROWS));
    json_object_set_new(meta, "vtt", json_string("thumbnails.vtt"));
    rc = write_poster(t, meta);
    snprintf(path, sizeof(path), "%s/thumbnails.json", t->dir);
    if (rc == 0)
        rc = json_put(path, meta);
    json_decref(meta);
    return rc;
}
