/* pertitle.c -- per-title ladders: sample the title at scene starts,
 * trial-encode the samples with the final pass's encoder at several sizes
 * and quality settings, measure them against the source, and choose the
 * rungs from the convex hull of the rate-quality points */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "media/job.h"
#include "media/pertitle.h"
#include "media/quality_math.h"

#define SAMPLES 4               /* samples spread over the title */
#define SAMPLE_US 2000000       /* each this long, or shorter titles cut */
#define SCAN_W 160              /* scene scores on pictures this wide */
#define TOP_PSNR 45.0           /* past this, more bits are not seen */
#define RUNG_STEP 1.5           /* neighbouring rungs' bitrate ratio */

static const int default_crf[] = { 23, 28, 33, 35 };
static const int crf_max[] = { 51, 51, 63, 63 };
/* around the default: finer near it, and far enough up that the top
 * size's curve reaches down to the low rungs' bitrates */
static const int crf_steps[] = { -6, -2, 2, 6, 11, 16 };

/* ---- choosing rungs (no media) ---- */

/* A resolution's curve at kbps, linear in log kbps between its points
 * as the hull is; NAN below its cheapest point, its best value above its
 * dearest. */
static double
curve_at(const struct sv_pt_point *pt, int n, int res, double kbps,
         int what, double *crf)
{
    const struct sv_pt_point *lo = NULL, *hi = NULL;
    double f, a, b;
    int i;

    for (i = 0; i < n; i++) {
        if (pt[i].res != res)
            continue;
        if (pt[i].kbps <= kbps && (lo == NULL || pt[i].kbps > lo->kbps))
            lo = &pt[i];
        if (pt[i].kbps >= kbps && (hi == NULL || pt[i].kbps < hi->kbps))
            hi = &pt[i];
    }
    if (lo == NULL)
        return NAN;
    if (hi == NULL || hi == lo || hi->kbps == lo->kbps) {
        *crf = lo->crf;
        return what ? lo->ssim : lo->psnr;
    }
    f = log(kbps / lo->kbps) / log(hi->kbps / lo->kbps);
    a = what ? lo->ssim : lo->psnr;
    b = what ? hi->ssim : hi->psnr;
    *crf = lo->crf + f * (hi->crf - lo->crf);
    return a + f * (b - a);
}

/*
 * Marks the hull: the rate-quality front of the sizes under max_res, the
 * points that no other size's curve beats at their bitrate (their size
 * is the best there) and that no cheaper point matches.  It is drawn on
 * a log bitrate axis, as BD-rate compares ladders and as rungs are spaced
 * (by ratio).  Not the convex hull of all the points: the small sizes,
 * held back by scaling, flatten early while the top size keeps climbing,
 * so one chord from the cheapest point to the dearest would pass over
 * every size's curve in between.
 */
static void
mark_hull(struct sv_pt_point *pt, int n, int max_res)
{
    double crf, q;
    int i, j;

    for (i = 0; i < n; i++) {
        pt[i].hull = pt[i].res <= max_res;
        for (j = 0; j < n && pt[i].hull; j++) {
            if (j == i || pt[j].res > max_res)
                continue;
            if (pt[j].kbps <= pt[i].kbps && pt[j].psnr >= pt[i].psnr &&
                (pt[j].kbps < pt[i].kbps || pt[j].psnr > pt[i].psnr ||
                 j < i))
                pt[i].hull = 0;
            if (pt[j].res == pt[i].res)
                continue;
            q = curve_at(pt, n, pt[j].res, pt[i].kbps, 0, &crf);
            if (!isnan(q) && q > pt[i].psnr + 1e-9)
                pt[i].hull = 0;
        }
    }
}

/* The lowest bitrate at which a size under the cap reaches top_psnr on
 * its curve (linear in log kbps between its points); the best point's
 * bitrate when none does. */
static double
hull_top(const struct sv_pt_point *pt, int n, const struct sv_pt_caps *caps)
{
    const struct sv_pt_point *a, *b, *best = NULL;
    double top = INFINITY, x;
    int i, j;

    for (i = 0; i < n; i++) {
        b = &pt[i];
        if (b->res > caps->max_res)
            continue;
        if (best == NULL || b->psnr > best->psnr ||
            (b->psnr == best->psnr && b->kbps < best->kbps))
            best = b;
        if (b->psnr < caps->top_psnr)
            continue;
        /* from the next cheaper point of its size, if that is under */
        a = NULL;
        for (j = 0; j < n; j++)
            if (pt[j].res == b->res && pt[j].kbps < b->kbps &&
                (a == NULL || pt[j].kbps > a->kbps))
                a = &pt[j];
        x = b->kbps;
        if (a != NULL && a->psnr < caps->top_psnr)
            x = a->kbps * pow(b->kbps / a->kbps,
                              (caps->top_psnr - a->psnr) /
                              (b->psnr - a->psnr));
        if (x < top)
            top = x;
    }
    if (best == NULL)
        return 0;
    return isinf(top) ? best->kbps : top;
}

/* The lowest rung's bitrate (kbps): the caps' lowest, or, when the top
 * rung is under the caps' highest (the content needs fewer bits), that
 * lowered in proportion, so the ladder spans the bitrate range the caps
 * span and the bottom rung stays as far under the top. */
static double
floor_kbps(const struct sv_pt_caps *caps, double top)
{
    double lo = caps->min_bps / 1000.0, hi = caps->max_bps / 1000.0;

    if (hi > 0 && top < hi && top * lo / hi < lo)
        return top * lo / hi;
    return lo;
}

/* The front at kbps: the best PSNR of the sizes' curves there, of the
 * sizes under the cap and no larger than max_size; the smaller of a tie.
 * Its point in *best (-1, and NAN returned, when no curve reaches down to
 * kbps) and its CRF in *crf. */
static double
front_at(const struct sv_pt_point *pt, int n, int max_res, int max_size,
         double kbps, int *best, double *crf)
{
    double q, c, best_q = NAN;
    int i;

    *best = -1;
    for (i = 0; i < n; i++) {
        if (pt[i].res > max_res || pt[i].res > max_size)
            continue;
        q = curve_at(pt, n, pt[i].res, kbps, 0, &c);
        if (isnan(q))
            continue;
        if (*best < 0 || q > best_q + 1e-9 ||
            (q > best_q - 1e-9 && pt[i].res < pt[*best].res)) {
            best_q = q;
            *best = i;
            *crf = c;
        }
    }
    return best_q;
}

/* The cheapest bitrate in [lo, hi] where the front reaches want, by
 * bisection in log rate; hi when it never does there. */
static double
front_reach(const struct sv_pt_point *pt, int n, int max_res, int max_size,
            double lo, double hi, double want)
{
    double mid, q, crf;
    int i, b;

    q = front_at(pt, n, max_res, max_size, lo, &b, &crf);
    if (!isnan(q) && q >= want)
        return lo;
    for (i = 0; i < 48; i++) {
        mid = sqrt(lo * hi);
        q = front_at(pt, n, max_res, max_size, mid, &b, &crf);
        if (!isnan(q) && q >= want)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

int
sv_pt_choose(struct sv_pt_point *pt, int n, const struct sv_pt_caps *caps,
             struct sv_ladder *l, double *psnr, double *ssim, int *crfs)
{
    struct sv_ladder out;
    double top, t = 0, lo, q_top, q_lo, want, best_q, crf, cheapest;
    double last_q = INFINITY, last_t = INFINITY;
    int i, k, rc, best, last_res = 1 << 30, cs[SV_LADDER_MAX];
    char spec[SV_LADDER_MAX * 32] = "", err[128];
    double qs[SV_LADDER_MAX], ss[SV_LADDER_MAX];

    if (n < 1)
        return SV_ELADDER;
    mark_hull(pt, n, caps->max_res);
    /* the top: where a curve crosses top_psnr (more is not seen), else
     * the best point */
    top = hull_top(pt, n, caps);
    if (top == 0)
        return SV_ELADDER;
    if (top > caps->max_bps / 1000.0)
        top = caps->max_bps / 1000.0;
    if (top < 16)
        top = 16;
    lo = floor_kbps(caps, top);
    if (lo < 16)
        lo = 16;
    /* a floor under every curve rises to the cheapest point */
    cheapest = INFINITY;
    for (i = 0; i < n; i++)
        if (pt[i].res <= caps->max_res && pt[i].kbps < cheapest)
            cheapest = pt[i].kbps;
    if (lo < cheapest)
        lo = cheapest < top ? cheapest : top;
    q_top = front_at(pt, n, caps->max_res, last_res, top, &best, &crf);
    q_lo = front_at(pt, n, caps->max_res, last_res, lo, &best, &crf);
    if (isnan(q_top))
        return SV_ELADDER;
    if (isnan(q_lo) || q_lo > q_top)
        q_lo = q_top;
    /*
     * The rungs step down the front in even steps of quality, from the
     * top to the floor, each at least step (1.5x) under the one above in
     * bitrate: even steps in bitrate would leave a wide gap in quality
     * where the front is steep (the top size's curve, before the smaller
     * sizes' scaling loss flattens it) and crowd the flat part.
     */
    memset(&out, 0, sizeof(out));
    for (k = 0; k < caps->max_rungs && out.n < caps->max_rungs; k++) {
        if (k == 0) {
            t = top;
        } else {
            if (last_t / caps->step < lo * (1 - 1e-6))
                break;
            want = q_top - k * (q_top - q_lo) / (caps->max_rungs - 1);
            t = front_reach(pt, n, caps->max_res, last_res, lo,
                            last_t / caps->step, want);
        }
        /* the size whose curve is best at t, no larger than the rung
         * above's: a size may hold two rungs (the top size is often the
         * best down to low bitrates), the smaller of a tie is taken */
        best_q = front_at(pt, n, caps->max_res, last_res, t, &best, &crf);
        /* a rung must be a step down in quality too, not only bits */
        if (best < 0 || best_q > last_q - 0.5)
            continue;
        qs[out.n] = best_q;
        cs[out.n] = (int)(crf + 0.5);
        ss[out.n] = curve_at(pt, n, pt[best].res, t, 1, &crf);
        snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
                 "%s%dp:%lldk", out.n ? "," : "", pt[best].res,
                 (long long)(t + 0.5));
        out.n++;
        last_res = pt[best].res;
        last_q = best_q;
        last_t = t;
    }
    if (out.n == 0)
        return SV_ELADDER;
    k = out.n;
    rc = sv_ladder_parse(spec, &out, err, sizeof(err));
    if (rc < 0)
        return SV_ELADDER;
    for (i = 0; i < k; i++) {
        if (psnr != NULL)
            psnr[i] = qs[i];
        if (ssim != NULL)
            ssim[i] = ss[i];
        if (crfs != NULL)
            crfs[i] = cs[i];
    }
    *l = out;
    return 0;
}

/* ---- the media side ---- */

struct pt {
    const struct sv_transcode_opts *o;
    struct sv__input in;
    AVRational ftb;             /* 1/fps: one tick a frame */
    int64_t t0;                 /* first frame's timestamp (stream tb) */
    int t0_set;
    int W, H;                   /* source picture */
    /* scan */
    struct sv_scene sc;
    struct SwsContext *scan_sws;
    uint8_t *scan_buf;
    int scan_w, scan_h;
    double *score;
    int64_t nscore, cap;
    /* a sample being read */
    int64_t s_from, s_to;       /* frames [from, to) */
    AVFrame **ref;
    int nref;
    struct SwsContext *to_src;
    /* trials */
    struct sv_ladder res;       /* the sizes tried */
    int crf[SV_PT_MAX_Q], ncrf;
    double bytes[SV_PT_MAX_RES][SV_PT_MAX_Q];
    double mse[SV_PT_MAX_RES][SV_PT_MAX_Q];
    double ssim[SV_PT_MAX_RES][SV_PT_MAX_Q];
    int64_t frames[SV_PT_MAX_RES][SV_PT_MAX_Q];
    int trial, trials;
    int64_t encoded_frames;
    const struct sv__hw *hw;
    AVBufferRef *hwdev;
};

static int64_t
frame_index(struct pt *p, const AVFrame *f)
{
    AVStream *st = p->in.fc->streams[p->in.vidx];
    int64_t ts = f->best_effort_timestamp;

    if (ts == AV_NOPTS_VALUE)
        ts = f->pts;
    if (ts == AV_NOPTS_VALUE)
        return -1;
    if (!p->t0_set) {
        p->t0 = ts;
        p->t0_set = 1;
    }
    return av_rescale_q_rnd(ts - p->t0, st->time_base, p->ftb,
                            AV_ROUND_NEAR_INF);
}

static int
on_scan(void *ud, AVFrame *f)
{
    struct pt *p = ud;
    uint8_t *dst[4];
    int ls[4], rc = 0;
    int64_t idx = frame_index(p, f);
    double s;

    if (p->scan_sws == NULL) {
        p->W = f->width;
        p->H = f->height;
        p->scan_w = SCAN_W;
        p->scan_h = (int)((int64_t)SCAN_W * f->height / f->width) & ~1;
        if (p->scan_h < 8)
            p->scan_h = 8;
        p->scan_sws = sws_getContext(f->width, f->height, f->format,
                                     p->scan_w, p->scan_h, AV_PIX_FMT_GRAY8,
                                     SWS_BILINEAR, NULL, NULL, NULL);
        p->scan_buf = malloc((size_t)p->scan_w * p->scan_h);
        if (p->scan_sws == NULL || p->scan_buf == NULL) {
            rc = -ENOMEM;
            goto out;
        }
    }
    if (idx < 0 || idx > (int64_t)1 << 28)
        goto out;
    dst[0] = p->scan_buf;
    ls[0] = p->scan_w;
    sws_scale(p->scan_sws, (const uint8_t *const *)f->data, f->linesize, 0,
              f->height, dst, ls);
    s = sv_scene_score(&p->sc, p->scan_buf, p->scan_w, p->scan_w, p->scan_h);
    if (s < 0) {
        rc = -ENOMEM;
        goto out;
    }
    if (idx >= p->cap) {
        int64_t cap = idx + 1 > p->cap * 2 ? idx + 1 : p->cap * 2;
        double *n = realloc(p->score, (size_t)cap * sizeof(*n));

        if (n == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        for (int64_t i = p->cap; i < cap; i++)
            n[i] = 0;
        p->score = n;
        p->cap = cap;
    }
    p->score[idx] = s;
    if (idx + 1 > p->nscore)
        p->nscore = idx + 1;
out:
    av_frame_free(&f);
    return rc;
}

static int
on_sample(void *ud, AVFrame *f)
{
    struct pt *p = ud;
    int64_t idx = frame_index(p, f);
    AVFrame *r = NULL;
    int rc = 0;

    if (idx < p->s_from || idx >= p->s_to || p->nref >= p->s_to - p->s_from)
        goto out;
    if (f->width != p->W || f->height != p->H) {
        sv_log_error("'%s': the picture size changes; per-title needs one "
                     "size", sv__shown(p->o->input));
        rc = SV_EFORMAT;
        goto out;
    }
    if (p->to_src == NULL) {
        p->to_src = sws_getContext(p->W, p->H, f->format, p->W, p->H,
                                   AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL,
                                   NULL, NULL);
        if (p->to_src == NULL) {
            rc = -ENOMEM;
            goto out;
        }
    }
    r = av_frame_alloc();
    if (r == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    r->width = p->W;
    r->height = p->H;
    r->format = AV_PIX_FMT_YUV420P;
    rc = av_frame_get_buffer(r, 0);
    if (rc < 0)
        goto out;
    sws_scale(p->to_src, (const uint8_t *const *)f->data, f->linesize, 0,
              p->H, r->data, r->linesize);
    p->ref[p->nref++] = r;
    r = NULL;
out:
    av_frame_free(&r);
    av_frame_free(&f);
    return rc;
}

/* Decodes from where the input stands to its end or until stop. */
static int
decode_until(struct pt *p, sv__frame_fn fn, int64_t stop)
{
    AVPacket *pkt = av_packet_alloc();
    int rc = 0;

    if (pkt == NULL)
        return -ENOMEM;
    for (;;) {
        if (sv_sig_stop) {
            rc = SV_EINTR;
            break;
        }
        if (stop >= 0 && p->nref >= stop)
            break;
        rc = av_read_frame(p->in.fc, pkt);
        if (rc == AVERROR_EOF) {
            rc = sv__input_decode(&p->in, p->in.vdec, NULL, 0, fn, p);
            break;
        }
        if (rc < 0) {
            sv_log_error("cannot read '%s': %s", sv__shown(p->o->input),
                         sv_strerror(rc));
            break;
        }
        if (pkt->stream_index == p->in.vidx)
            rc = sv__input_decode(&p->in, p->in.vdec, pkt, 0, fn, p);
        av_packet_unref(pkt);
        if (rc < 0)
            break;
    }
    av_packet_free(&pkt);
    return rc;
}

/* Where the k-th sample starts: at the first scene cut in its part of
 * the title that leaves room for it, else in the middle of the part. */
static int64_t
sample_start(const struct pt *p, int k, int nsamples, int64_t len)
{
    int64_t n = p->nscore, a = n * k / nsamples, b = n * (k + 1) / nsamples;
    double th = p->o->scene_threshold > 0 ? p->o->scene_threshold : 0.15;

    for (int64_t i = a; i + len <= b; i++)
        if (i > 0 && p->score[i] >= th)
            return i;
    a = (a + b - len) / 2;
    return a < 0 ? 0 : a;
}

static void
free_refs(struct pt *p)
{
    for (int i = 0; i < p->nref; i++)
        av_frame_free(&p->ref[i]);
    p->nref = 0;
}

/* Scales refs to w x h (bicubic, as the ladder graph's scale does). */
static int
scale_all(AVFrame **src, int n, int w, int h, enum AVPixelFormat fmt,
          AVFrame **dst)
{
    struct SwsContext *s;
    int rc = 0, i;

    s = sws_getContext(src[0]->width, src[0]->height, AV_PIX_FMT_YUV420P,
                       w, h, fmt, SWS_BICUBIC, NULL, NULL, NULL);
    if (s == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        dst[i] = av_frame_alloc();
        if (dst[i] == NULL) {
            rc = -ENOMEM;
            break;
        }
        dst[i]->width = w;
        dst[i]->height = h;
        dst[i]->format = fmt;
        rc = av_frame_get_buffer(dst[i], 0);
        if (rc < 0)
            break;
        sws_scale(s, (const uint8_t *const *)src[i]->data, src[i]->linesize,
                  0, src[i]->height, dst[i]->data, dst[i]->linesize);
        dst[i]->pts = i;
    }
    sws_freeContext(s);
    return rc;
}

/* A decoded trial frame against its source frame, at the source size. */
struct measure {
    struct pt *p;
    struct SwsContext *up;
    AVFrame *big;
    int n;
    double mse, ssim;
};

static int
measure_frame(struct measure *m, const AVFrame *f)
{
    struct pt *p = m->p;
    struct sv_plane8 a, b;
    double s;

    if (m->n >= p->nref)
        return 0;
    if (m->up == NULL) {
        m->up = sws_getContext(f->width, f->height, f->format, p->W, p->H,
                               AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL,
                               NULL);
        m->big = av_frame_alloc();
        if (m->up == NULL || m->big == NULL)
            return -ENOMEM;
        m->big->width = p->W;
        m->big->height = p->H;
        m->big->format = AV_PIX_FMT_YUV420P;
        if (av_frame_get_buffer(m->big, 0) < 0)
            return -ENOMEM;
    }
    sws_scale(m->up, (const uint8_t *const *)f->data, f->linesize, 0,
              f->height, m->big->data, m->big->linesize);
    a = (struct sv_plane8){ p->ref[m->n]->data[0], p->ref[m->n]->linesize[0],
                            p->W, p->H };
    b = (struct sv_plane8){ m->big->data[0], m->big->linesize[0], p->W,
                            p->H };
    m->mse += sv_quality_mse(&a, &b);
    s = sv_quality_ssim(&a, &b);
    if (s < 0)
        return (int)s;
    m->ssim += s;
    m->n++;
    return 0;
}

static int
decode_packet(AVCodecContext *dec, const AVPacket *pkt, struct measure *m,
              AVFrame *f)
{
    int rc = avcodec_send_packet(dec, pkt);

    if (rc < 0 && rc != AVERROR_EOF)
        return rc;
    for (;;) {
        rc = avcodec_receive_frame(dec, f);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            return rc;
        rc = measure_frame(m, f);
        av_frame_unref(f);
        if (rc < 0)
            return rc;
    }
}

static int
drain(AVCodecContext *enc, AVCodecContext *dec, AVPacket *pkt,
      struct measure *m, AVFrame *f, double *bytes)
{
    int rc;

    for (;;) {
        rc = avcodec_receive_packet(enc, pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            return rc;
        *bytes += pkt->size;
        rc = decode_packet(dec, pkt, m, f);
        av_packet_unref(pkt);
        if (rc < 0)
            return rc;
    }
}

static const AVCodec *
trial_decoder(enum AVCodecID id)
{
    /* FFmpeg's own AV1 decoder needs hardware; dav1d or libaom do not */
    if (id == AV_CODEC_ID_AV1) {
        const AVCodec *c = avcodec_find_decoder_by_name("libdav1d");

        if (c == NULL)
            c = avcodec_find_decoder_by_name("libaom-av1");
        if (c != NULL)
            return c;
    }
    return avcodec_find_decoder(id);
}

/* One trial: the scaled sample at setting q, decoded and measured. */
static int
trial(struct pt *p, int ri, int qi, AVFrame **scaled)
{
    const struct sv_transcode_opts *o = p->o;
    struct sv__venc_cfg cfg;
    AVCodecContext *enc = NULL, *dec = NULL;
    struct measure m = { p, NULL, NULL, 0, 0, 0 };
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc(), *up = NULL;
    const AVCodec *dc;
    double bytes = 0;
    int rc, i;

    if (pkt == NULL || f == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.codec = o->codec;
    cfg.rate = SV_RATE_CRF;
    cfg.crf = p->crf[qi];
    cfg.preset = o->preset;
    cfg.width = p->res.r[ri].width;
    cfg.height = p->res.r[ri].height;
    cfg.tb = p->ftb;
    cfg.fps = av_inv_q(p->ftb);
    /* uncapped: the curve is the encoder's own, the caps come later;
     * hardware rate control wants some ceiling */
    cfg.bitrate = p->hw != NULL ? 100000000 : 0;
    cfg.gop = p->nref + 1;
    cfg.threads = o->threads;
    cfg.hw = p->hw;
    cfg.hwdev = p->hwdev;
    rc = sv__venc_open(&enc, &cfg);
    if (rc < 0) {
        sv_log_error("cannot open the %s encoder for a %dx%d trial: %s",
                     sv_codec_names[o->codec], cfg.width, cfg.height,
                     sv_strerror(rc));
        goto out;
    }
    dc = trial_decoder(enc->codec_id);
    dec = dc ? avcodec_alloc_context3(dc) : NULL;
    if (dec == NULL) {
        sv_log_error("no decoder for the %s trials",
                     sv_codec_names[o->codec]);
        rc = SV_ENOMEDIA;
        goto out;
    }
    dec->thread_count = 1;
    rc = avcodec_open2(dec, dc, NULL);
    if (rc < 0)
        goto out;
    for (i = 0; i < p->nref; i++) {
        AVFrame *in = scaled[i];

        in->pict_type = i == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
        if (enc->hw_frames_ctx != NULL) {
            /* the upload takes its frame: give it a new reference */
            AVFrame *c = av_frame_clone(in);

            rc = c != NULL ? sv__hw_upload(enc, c, &up) : -ENOMEM;
            if (rc < 0) {
                av_frame_free(&c);
                goto out;
            }
            in = up;
        }
        rc = avcodec_send_frame(enc, in);
        av_frame_free(&up);
        if (rc < 0)
            goto out;
        rc = drain(enc, dec, pkt, &m, f, &bytes);
        if (rc < 0)
            goto out;
    }
    rc = avcodec_send_frame(enc, NULL);
    if (rc >= 0)
        rc = drain(enc, dec, pkt, &m, f, &bytes);
    if (rc >= 0)
        rc = decode_packet(dec, NULL, &m, f);
    if (rc < 0)
        goto out;
    if (m.n != p->nref) {
        sv_log_error("a %dx%d trial decoded %d of %d frames", cfg.width,
                     cfg.height, m.n, p->nref);
        rc = SV_ECORRUPT;
        goto out;
    }
    p->bytes[ri][qi] += bytes;
    p->mse[ri][qi] += m.mse;
    p->ssim[ri][qi] += m.ssim;
    p->frames[ri][qi] += m.n;
    p->encoded_frames += m.n;
out:
    if (rc < 0 && rc != SV_ENOHW && rc != SV_ECORRUPT && rc != SV_ENOMEDIA)
        sv_log_error("a %s trial encode failed: %s",
                     sv_codec_names[o->codec], sv_strerror(rc));
    sws_freeContext(m.up);
    av_frame_free(&m.big);
    av_frame_free(&up);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&enc);
    avcodec_free_context(&dec);
    return rc;
}

static void
progress(struct pt *p, int ri, int qi)
{
    p->trial++;
    if (sv_log_tty())
        sv_log_progress("%s: per-title trial %d/%d  %s crf %d",
                        sv_log_tool(), p->trial, p->trials,
                        p->res.r[ri].name, p->crf[qi]);
    json_t *d = json_object();
    json_object_set_new(d, "trial", json_integer(p->trial));
    json_object_set_new(d, "trials", json_integer(p->trials));
    json_object_set_new(d, "res", json_integer(p->res.r[ri].height <
                                               p->res.r[ri].width
                                               ? p->res.r[ri].height
                                               : p->res.r[ri].width));
    json_object_set_new(d, "crf", json_integer(p->crf[qi]));
    json_object_set_new(d, "percent",
                        json_real((double)(int)(1000.0 * p->trial /
                                                p->trials) / 10));
    sv_event_emit("video.pertitle.progress", d);
}

/* Every size and setting on one sample. */
static int
trial_sample(struct pt *p)
{
    AVFrame **scaled = calloc((size_t)p->nref, sizeof(*scaled));
    struct sv__venc_cfg pc;
    int ri, qi, rc = 0, i;

    if (scaled == NULL)
        return -ENOMEM;
    memset(&pc, 0, sizeof(pc));
    pc.hw = p->hw;
    for (ri = 0; ri < p->res.n && rc == 0; ri++) {
        rc = scale_all(p->ref, p->nref, p->res.r[ri].width,
                       p->res.r[ri].height, sv__venc_pix_fmt(&pc), scaled);
        for (qi = 0; qi < p->ncrf && rc == 0; qi++) {
            if (sv_sig_stop) {
                rc = SV_EINTR;
                break;
            }
            rc = trial(p, ri, qi, scaled);
            if (rc == 0)
                progress(p, ri, qi);
        }
        for (i = 0; i < p->nref; i++)
            av_frame_free(&scaled[i]);
    }
    free(scaled);
    return rc;
}

/* ---- the run ---- */

static int
caps_of(const char *spec, struct sv_pt_caps *c)
{
    struct sv_ladder l;
    char err[256];
    int i;

    if (sv_ladder_parse(spec, &l, err, sizeof(err)) < 0) {
        sv_log_error("bad --ladder '%s': %s", spec, err);
        return SV_EUSAGE;
    }
    memset(c, 0, sizeof(*c));
    c->min_bps = l.r[0].bitrate;
    for (i = 0; i < l.n; i++) {
        int h = l.r[i].req_h;

        /* a WxH box caps by its short side */
        if (l.r[i].req_w > 0 && l.r[i].req_w < h)
            h = l.r[i].req_w;
        if (h > c->max_res)
            c->max_res = h;
        if (l.r[i].bitrate > c->max_bps)
            c->max_bps = l.r[i].bitrate;
        if (l.r[i].bitrate < c->min_bps)
            c->min_bps = l.r[i].bitrate;
    }
    c->max_rungs = l.n;
    c->step = RUNG_STEP;
    c->top_psnr = TOP_PSNR;
    return 0;
}

/* The sizes to try: the grid under the cap and the source, and the
 * source (or cap) itself. */
static int
pick_sizes(struct pt *p, int max_res)
{
    static const int grid[] = { 2160, 1440, 1080, 720, 540, 432, 360, 288,
                                240, 180, 144 };
    int short_side = p->W < p->H ? p->W : p->H, top, n = 0, i;
    char spec[SV_PT_MAX_RES * 16] = "", err[256];

    top = short_side < max_res ? short_side : max_res;
    if (top < 16)
        top = 16;
    snprintf(spec, sizeof(spec), "%dp:1000k", top);
    n = 1;
    for (i = 0; i < (int)(sizeof(grid) / sizeof(grid[0])) &&
         n < SV_PT_MAX_RES - 2; i++)
        if (grid[i] < top) {
            snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
                     ",%dp:1000k", grid[i]);
            n++;
        }
    if (sv_ladder_parse(spec, &p->res, err, sizeof(err)) < 0 ||
        sv_ladder_fit(&p->res, p->W, p->H, err, sizeof(err)) < 0) {
        sv_log_error("'%s': cannot size the trials of a %dx%d source: %s",
                     sv__shown(p->o->input), p->W, p->H, err);
        return SV_ELADDER;
    }
    return 0;
}

static int
short_of(int w, int h)
{
    return w < h ? w : h;
}

static double
round3(double v)
{
    return round(v * 1000) / 1000;
}

static json_t *
point_json(const struct sv_pt_point *q)
{
    json_t *o = json_object();

    json_object_set_new(o, "res", json_integer(q->res));
    json_object_set_new(o, "crf", json_integer(q->crf));
    json_object_set_new(o, "kbps", json_real(round3(q->kbps)));
    json_object_set_new(o, "psnr", json_real(round3(q->psnr)));
    json_object_set_new(o, "ssim", json_real(round(q->ssim * 1e6) / 1e6));
    return o;
}

static double
cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return 0;
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int
read_sample(struct pt *p, int64_t from, int64_t len)
{
    AVStream *st = p->in.fc->streams[p->in.vidx];
    int64_t ts = p->t0 + av_rescale_q(from, p->ftb, st->time_base);
    int rc;

    p->s_from = from;
    p->s_to = from + len;
    rc = av_seek_frame(p->in.fc, p->in.vidx, ts, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) {
        sv_log_error("cannot seek in '%s': %s", sv__shown(p->o->input),
                     sv_strerror(rc));
        return rc;
    }
    avcodec_flush_buffers(p->in.vdec);
    rc = decode_until(p, on_sample, len);
    if (rc == 0 && p->nref == 0) {
        sv_log_error("'%s': no frames decoded at %.3f s",
                     sv__shown(p->o->input), from * av_q2d(p->ftb));
        rc = SV_ECORRUPT;
    }
    return rc;
}

static json_t *
build_json(struct pt *p, const struct sv_pt_caps *caps,
           struct sv_pt_point *pt, int npt, const struct sv_ladder *l,
           const double *psnr, const double *ssim, const int *crf,
           json_t *samples, const char *spec, json_t *cost)
{
    json_t *root = json_object(), *lad = json_array(), *curves = json_array();
    json_t *hull = json_array(), *src = json_object(), *cj = json_object();
    struct sv_ladder fit = *l;
    char err[128];
    int i, ri;

    if (sv_ladder_fit(&fit, p->W, p->H, err, sizeof(err)) < 0)
        fit = *l;
    for (i = 0; i < l->n; i++) {
        json_t *r = json_object();

        json_object_set_new(r, "name", json_string(fit.r[i].name));
        json_object_set_new(r, "res", json_integer(l->r[i].req_h));
        json_object_set_new(r, "width", json_integer(fit.r[i].width));
        json_object_set_new(r, "height", json_integer(fit.r[i].height));
        json_object_set_new(r, "bitrate", json_integer(l->r[i].bitrate));
        json_object_set_new(r, "kbps",
                            json_integer(l->r[i].bitrate / 1000));
        json_object_set_new(r, "crf", json_integer(crf[i]));
        json_object_set_new(r, "psnr", json_real(round3(psnr[i])));
        json_object_set_new(r, "ssim", json_real(round(ssim[i] * 1e6) / 1e6));
        json_array_append_new(lad, r);
    }
    for (ri = 0; ri < p->res.n; ri++) {
        json_t *c = json_object(), *pts = json_array();

        json_object_set_new(c, "res", json_integer(
            short_of(p->res.r[ri].width, p->res.r[ri].height)));
        json_object_set_new(c, "width", json_integer(p->res.r[ri].width));
        json_object_set_new(c, "height", json_integer(p->res.r[ri].height));
        for (i = 0; i < npt; i++)
            if (pt[i].width == p->res.r[ri].width &&
                pt[i].height == p->res.r[ri].height) {
                json_t *q = point_json(&pt[i]);

                json_object_set_new(q, "hull", json_boolean(pt[i].hull));
                json_array_append_new(pts, q);
            }
        json_object_set_new(c, "points", pts);
        json_array_append_new(curves, c);
    }
    /* the hull by bitrate: the curves list points by size, then setting */
    for (;;) {
        int best = -1;

        for (i = 0; i < npt; i++)
            if (pt[i].hull == 1 && (best < 0 || pt[i].kbps < pt[best].kbps))
                best = i;
        if (best < 0)
            break;
        json_array_append_new(hull, point_json(&pt[best]));
        pt[best].hull = 2;
    }
    for (i = 0; i < npt; i++)
        if (pt[i].hull == 2)
            pt[i].hull = 1;
    json_object_set_new(src, "width", json_integer(p->W));
    json_object_set_new(src, "height", json_integer(p->H));
    json_object_set_new(src, "fps", json_real(round3(1 / av_q2d(p->ftb))));
    json_object_set_new(src, "frames", json_integer(p->nscore));
    json_object_set_new(cj, "ladder", json_string(p->o->ladder));
    json_object_set_new(cj, "max_res", json_integer(caps->max_res));
    json_object_set_new(cj, "min_bitrate", json_integer(caps->min_bps));
    json_object_set_new(cj, "floor_bitrate", json_integer(
        (long long)(floor_kbps(caps, l->r[0].bitrate / 1000.0) * 1000)));
    json_object_set_new(cj, "max_bitrate", json_integer(caps->max_bps));
    json_object_set_new(cj, "max_rungs", json_integer(caps->max_rungs));
    json_object_set_new(cj, "step", json_real(caps->step));
    json_object_set_new(cj, "top_psnr", json_real(caps->top_psnr));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "input", json_string(p->o->input));
    json_object_set_new(root, "codec",
                        json_string(sv_codec_names[p->o->codec]));
    json_object_set_new(root, "hw", json_string(p->hw ? p->hw->name
                                                      : "software"));
    json_object_set_new(root, "source", src);
    json_object_set_new(root, "caps", cj);
    json_object_set_new(root, "spec", json_string(spec));
    json_object_set_new(root, "ladder", lad);
    json_object_set_new(root, "samples", samples);
    json_object_set_new(root, "curves", curves);
    json_object_set_new(root, "hull", hull);
    json_object_set_new(root, "metrics", json_string("psnr and ssim of Y "
                        "at the source size; psnr from the mean squared "
                        "error of all frames, ssim the mean of frames"));
    json_object_set_new(root, "vmaf", json_string(sv_av_has_vmaf()
                        ? "not measured: the trials use PSNR and SSIM"
                        : "not measured: the linked FFmpeg has no libvmaf"));
    json_object_set_new(root, "cost", cost);
    return root;
}

int
sv_pertitle_run(const struct sv_transcode_opts *o, json_t **out, char *spec,
                size_t size)
{
    struct pt *p;
    struct sv_pt_caps caps;
    struct sv_pt_point pt[SV_PT_MAX_RES * SV_PT_MAX_Q];
    struct sv_ladder l;
    double psnr[SV_LADDER_MAX], ssim[SV_LADDER_MAX], cpu0, fps;
    int crfs[SV_LADDER_MAX], npt = 0, ri, qi, k, nsamples, rc, i, base;
    int64_t len, wall0;
    json_t *samples = NULL, *cost;
    const char *ladder = o->ladder ? o->ladder : "default";

    if (strcmp(o->input, "-") == 0) {
        sv_log_error("--per-title reads the input more than once; it "
                     "cannot read stdin");
        return SV_EUSAGE;
    }
    rc = caps_of(ladder, &caps);
    if (rc < 0)
        return rc;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->o = o;
    wall0 = sv__now_us();
    cpu0 = cpu_seconds();
    rc = sv__input_open(&p->in, o->input, 0, NULL);
    if (rc < 0)
        goto out;
    if (p->in.vdec == NULL) {
        sv_log_error("'%s' has no video to fit a ladder to",
                     sv__shown(o->input));
        rc = SV_ENOMEDIA;
        goto out;
    }
    p->ftb = av_inv_q(p->in.fps);
    fps = av_q2d(p->in.fps);
    rc = decode_until(p, on_scan, -1);
    if (rc < 0)
        goto out;
    if (p->nscore < 2 || p->W < 16 || p->H < 16) {
        sv_log_error("'%s' is too short or too small for per-title trials "
                     "(%lld frames of %dx%d)", sv__shown(o->input),
                     (long long)p->nscore, p->W, p->H);
        rc = SV_EFORMAT;
        goto out;
    }
    rc = pick_sizes(p, caps.max_res);
    if (rc < 0)
        goto out;
    base = o->crf >= 0 ? o->crf : default_crf[o->codec];
    for (i = 0; i < (int)(sizeof(crf_steps) / sizeof(crf_steps[0])); i++) {
        int c = base + crf_steps[i];

        if (c < 0 || c > crf_max[o->codec])
            continue;
        p->crf[p->ncrf++] = c;
    }
    rc = sv__hw_pick(o, &p->hw, &p->hwdev);
    if (rc < 0)
        goto out;
    nsamples = p->nscore >= SAMPLES * 2 ? SAMPLES : 1;
    len = (int64_t)(SAMPLE_US / 1e6 * fps + 0.5);
    if (len > p->nscore / nsamples)
        len = p->nscore / nsamples;
    if (len < 1)
        len = 1;
    p->ref = calloc((size_t)len, sizeof(*p->ref));
    samples = json_array();
    if (p->ref == NULL || samples == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    p->trials = nsamples * p->res.n * p->ncrf;
    for (k = 0; k < nsamples; k++) {
        int64_t from = sample_start(p, k, nsamples, len);
        json_t *s = json_object();
        double th = o->scene_threshold > 0 ? o->scene_threshold : 0.15;

        json_object_set_new(s, "start", json_real(round3(from / fps)));
        json_object_set_new(s, "frames", json_integer(len));
        json_object_set_new(s, "scene", json_boolean(
            from > 0 && p->score[from] >= th));
        json_array_append_new(samples, s);
        rc = read_sample(p, from, len);
        if (rc == 0)
            rc = trial_sample(p);
        free_refs(p);
        if (rc < 0)
            goto out;
    }
    if (sv_log_tty())
        sv_log_progress_end();
    for (ri = 0; ri < p->res.n; ri++)
        for (qi = 0; qi < p->ncrf; qi++) {
            struct sv_pt_point *q = &pt[npt];
            double secs = p->frames[ri][qi] / fps;

            if (p->frames[ri][qi] == 0)
                continue;
            q->width = p->res.r[ri].width;
            q->height = p->res.r[ri].height;
            q->res = short_of(q->width, q->height);
            q->crf = p->crf[qi];
            q->kbps = p->bytes[ri][qi] * 8 / secs / 1000;
            q->psnr = sv_quality_psnr(p->mse[ri][qi] / p->frames[ri][qi],
                                      255);
            q->ssim = p->ssim[ri][qi] / p->frames[ri][qi];
            npt++;
        }
    rc = sv_pt_choose(pt, npt, &caps, &l, psnr, ssim, crfs);
    if (rc < 0) {
        if (rc == SV_ELADDER)
            sv_log_error("'%s': no trial point fits the caps of --ladder "
                         "'%s'", sv__shown(o->input), ladder);
        goto out;
    }
    spec[0] = '\0';
    for (i = 0; i < l.n; i++)
        snprintf(spec + strlen(spec), size - strlen(spec), "%s%dp:%lldk",
                 i ? "," : "", l.r[i].req_h,
                 (long long)(l.r[i].bitrate / 1000));
    cost = json_object();
    json_object_set_new(cost, "trials", json_integer(p->trials));
    json_object_set_new(cost, "cpu_s", json_real(round3(cpu_seconds() -
                                                        cpu0)));
    json_object_set_new(cost, "wall_s", json_real(round3(
        (sv__now_us() - wall0) / 1e6)));
    json_object_set_new(cost, "encoded_s", json_real(round3(
        p->encoded_frames / fps)));
    *out = build_json(p, &caps, pt, npt, &l, psnr, ssim, crfs, samples,
                      spec, cost);
    samples = NULL;
    {
        json_t *d = json_object();

        json_object_set_new(d, "ladder", json_string(spec));
        json_object_set_new(d, "cost", json_deep_copy(cost));
        sv_event_emit("video.pertitle.complete", d);
    }
    sv_log_debug("per-title ladder for '%s': %s", sv__shown(o->input), spec);
out:
    if (rc < 0 && rc != SV_EINTR)
        sv_event_error(rc, "per-title trials failed", NULL);
    json_decref(samples);
    if (p->ref != NULL)
        free_refs(p);
    free(p->ref);
    sws_freeContext(p->scan_sws);
    sws_freeContext(p->to_src);
    free(p->scan_buf);
    free(p->score);
    sv_scene_release(&p->sc);
    sv__input_close(&p->in);
    av_buffer_unref(&p->hwdev);
    free(p);
    return rc;
}
