/* av_quality.c -- pairs of decoded pictures for sv-stats quality: REF as
 * it is, DIST scaled to REF's size with swscale's bicubic filter */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavfilter/avfilter.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av.h"
#include "media/av_quality.h"

struct side {
    struct sv__input in;
    AVPacket *pkt;
    AVFrame *frame;             /* as decoded */
    AVFrame *conv;              /* in the compared format and size */
    struct SwsContext *sws;
    int sent_eof;
    int64_t frames;
};

struct sv_av_pair {
    struct side ref, dist;
    enum AVPixelFormat fmt;
    int width, height;
    int started;
    struct sv_av_pair_info info;
};

static int
usable(enum AVPixelFormat f)
{
    return f == AV_PIX_FMT_YUV420P || f == AV_PIX_FMT_YUV422P ||
           f == AV_PIX_FMT_YUV444P || f == AV_PIX_FMT_GRAY8;
}

static enum AVPixelFormat
unj(enum AVPixelFormat f)
{
    /* full-range JPEG formats are the same planes */
    switch (f) {
    case AV_PIX_FMT_YUVJ420P: return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: return AV_PIX_FMT_YUV444P;
    default: return f;
    }
}

static int
side_open(struct side *s, const char *url)
{
    int rc;

    rc = sv__input_open(&s->in, url, 0, NULL);
    if (rc < 0)
        return rc;
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    s->conv = av_frame_alloc();
    if (s->pkt == NULL || s->frame == NULL || s->conv == NULL)
        return -ENOMEM;
    return 0;
}

static void
side_close(struct side *s)
{
    sws_freeContext(s->sws);
    av_frame_free(&s->conv);
    av_frame_free(&s->frame);
    av_packet_free(&s->pkt);
    if (s->in.fc != NULL)
        sv__input_close(&s->in);
}

/* The next decoded frame into s->frame: 1, 0 at the end, or a code. */
static int
side_next(struct side *s)
{
    int rc;

    av_frame_unref(s->frame);
    for (;;) {
        rc = avcodec_receive_frame(s->in.vdec, s->frame);
        if (rc == 0) {
            s->frames++;
            return 1;
        }
        if (rc == AVERROR_EOF)
            return 0;
        if (rc != AVERROR(EAGAIN)) {
            /* a frame that does not decode is skipped, as players do */
            s->in.errors++;
            continue;
        }
        if (s->sent_eof)
            return 0;
        rc = av_read_frame(s->in.fc, s->pkt);
        if (rc == AVERROR_EOF) {
            avcodec_send_packet(s->in.vdec, NULL);
            s->sent_eof = 1;
            continue;
        }
        if (rc < 0)
            return rc;
        if (s->pkt->stream_index == s->in.vidx &&
            avcodec_send_packet(s->in.vdec, s->pkt) < 0)
            s->in.errors++;
        av_packet_unref(s->pkt);
    }
}

/* s->frame in fmt at w x h: s->conv, or s->frame itself when it is. */
static int
side_convert(struct side *s, enum AVPixelFormat fmt, int w, int h,
             const AVFrame **out)
{
    const AVFrame *f = s->frame;
    int rc;

    if (unj(f->format) == fmt && f->width == w && f->height == h) {
        *out = f;
        return 0;
    }
    s->sws = sws_getCachedContext(s->sws, f->width, f->height, f->format,
                                  w, h, fmt, SWS_BICUBIC, NULL, NULL, NULL);
    if (s->sws == NULL)
        return AVERROR(EINVAL);
    if (s->conv->data[0] == NULL) {
        s->conv->format = fmt;
        s->conv->width = w;
        s->conv->height = h;
        rc = av_frame_get_buffer(s->conv, 0);
        if (rc < 0)
            return rc;
    }
    rc = sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0,
                   f->height, s->conv->data, s->conv->linesize);
    if (rc < 0)
        return rc;
    *out = s->conv;
    return 0;
}

static void
to_picture(const AVFrame *f, struct sv_picture *p)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);

    p->nplanes = d->nb_components >= 3 ? 3 : 1;
    for (int i = 0; i < p->nplanes; i++) {
        int cw = i ? d->log2_chroma_w : 0, ch = i ? d->log2_chroma_h : 0;

        p->p[i].data = f->data[i];
        p->p[i].stride = f->linesize[i];
        p->p[i].width = AV_CEIL_RSHIFT(f->width, cw);
        p->p[i].height = AV_CEIL_RSHIFT(f->height, ch);
    }
}

static void
fmt_name(char *buf, size_t size, int fmt)
{
    const char *n = av_get_pix_fmt_name(fmt);

    snprintf(buf, size, "%s", n != NULL ? n : "unknown");
}

int
sv_av_pair_open(struct sv_av_pair **out, const char *ref, const char *dist)
{
    struct sv_av_pair *p;
    int rc;

    if (strcmp(ref, "-") == 0 && strcmp(dist, "-") == 0) {
        sv_log_error("cannot read both inputs from stdin");
        return SV_EUSAGE;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    rc = side_open(&p->ref, ref);
    if (rc == 0)
        rc = side_open(&p->dist, dist);
    if (rc < 0) {
        sv_av_pair_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

void
sv_av_pair_info(const struct sv_av_pair *p, struct sv_av_pair_info *info)
{
    *info = p->info;
}

int
sv_av_pair_next(struct sv_av_pair *p, struct sv_picture *ref,
                struct sv_picture *dist)
{
    const AVFrame *a, *b;
    int rc, ra, rb;

    ra = side_next(&p->ref);
    rb = ra == 1 ? side_next(&p->dist) : 0;
    if (ra < 0 || rb < 0) {
        rc = ra < 0 ? ra : rb;
        sv_log_error("cannot decode '%s': %s", ra < 0 ?
                     p->ref.in.fc->url : p->dist.in.fc->url,
                     sv_strerror(rc));
        return rc;
    }
    if (ra == 0 || rb == 0)
        return 0;
    if (!p->started) {
        /* the first pair fixes the compared format and size */
        const AVFrame *f = p->ref.frame, *g = p->dist.frame;

        p->fmt = usable(unj(f->format)) ? unj(f->format) : AV_PIX_FMT_YUV420P;
        p->width = f->width;
        p->height = f->height;
        p->info.ref_width = f->width;
        p->info.ref_height = f->height;
        p->info.dist_width = g->width;
        p->info.dist_height = g->height;
        fmt_name(p->info.ref_format, sizeof(p->info.ref_format), f->format);
        fmt_name(p->info.dist_format, sizeof(p->info.dist_format),
                 g->format);
        fmt_name(p->info.format, sizeof(p->info.format), p->fmt);
        p->info.scaled = g->width != f->width || g->height != f->height;
        p->started = 1;
    }
    rc = side_convert(&p->ref, p->fmt, p->width, p->height, &a);
    if (rc == 0)
        rc = side_convert(&p->dist, p->fmt, p->width, p->height, &b);
    if (rc < 0) {
        sv_log_error("cannot convert the pictures: %s", sv_strerror(rc));
        return rc;
    }
    to_picture(a, ref);
    to_picture(b, dist);
    return 1;
}

int64_t
sv_av_pair_left(struct sv_av_pair *p)
{
    /* one of them has ended: count both to their ends */
    while (side_next(&p->ref) == 1)
        ;
    while (side_next(&p->dist) == 1)
        ;
    return p->ref.frames - p->dist.frames;
}

void
sv_av_pair_close(struct sv_av_pair *p)
{
    if (p == NULL)
        return;
    side_close(&p->ref);
    side_close(&p->dist);
    free(p);
}

int
sv_av_has_vmaf(void)
{
    return avfilter_get_by_name("libvmaf") != NULL;
}
