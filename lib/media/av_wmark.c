/* av_wmark.c -- decode, touch the luma, re-encode (sv-drm's A/B mark) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av_open.h"
#include "media/av_wmark.h"

/* ---- reading: a file or bytes in memory ---- */

struct memsrc {
    const uint8_t *p;
    size_t len, pos;
};

static int
mem_read(void *opaque, uint8_t *buf, int size)
{
    struct memsrc *m = opaque;
    size_t n = m->len - m->pos;

    if (n == 0)
        return AVERROR_EOF;
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return (int)n;
}

static int64_t
mem_seek(void *opaque, int64_t off, int whence)
{
    struct memsrc *m = opaque;
    int64_t base;

    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE)
        return (int64_t)m->len;
    base = whence == SEEK_CUR ? (int64_t)m->pos :
           whence == SEEK_END ? (int64_t)m->len : 0;
    if (base + off < 0 || base + off > (int64_t)m->len)
        return AVERROR(EINVAL);
    m->pos = (size_t)(base + off);
    return m->pos;
}

struct dec {
    AVFormatContext *fc;
    AVIOContext *pb;
    struct memsrc mem;
    AVCodecContext *c;
    int vidx;
    AVFrame *frame;
    AVPacket *pkt;
    int64_t first_pts;
    int64_t index;
};

static void
dec_close(struct dec *d)
{
    avcodec_free_context(&d->c);
    avformat_close_input(&d->fc);
    if (d->pb != NULL) {
        av_freep(&d->pb->buffer);
        avio_context_free(&d->pb);
    }
    av_frame_free(&d->frame);
    av_packet_free(&d->pkt);
}

static int
dec_open(struct dec *d, const char *name, const char *url,
         const uint8_t *mem, size_t len)
{
    const AVCodec *codec;
    uint8_t *iobuf;
    int rc;

    memset(d, 0, sizeof(*d));
    d->first_pts = AV_NOPTS_VALUE;
    if (mem != NULL) {
        d->mem.p = mem;
        d->mem.len = len;
        iobuf = av_malloc(65536);
        d->fc = avformat_alloc_context();
        if (iobuf == NULL || d->fc == NULL) {
            av_free(iobuf);
            rc = AVERROR(ENOMEM);
            goto fail;
        }
        d->pb = avio_alloc_context(iobuf, 65536, 0, &d->mem, mem_read, NULL,
                                   mem_seek);
        if (d->pb == NULL) {
            av_free(iobuf);
            rc = AVERROR(ENOMEM);
            goto fail;
        }
        d->fc->pb = d->pb;
        url = "";
    }
    rc = sv__av_open(&d->fc, url, NULL, NULL, NULL, NULL);
    if (rc < 0) {
        sv_log_error("cannot read '%s': %s", name, sv_strerror(rc));
        goto fail;
    }
    rc = av_find_best_stream(d->fc, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (rc < 0) {
        sv_log_error("'%s' has no video", name);
        rc = SV_ENOMEDIA;
        goto fail;
    }
    d->vidx = rc;
    d->c = avcodec_alloc_context3(codec);
    d->frame = av_frame_alloc();
    d->pkt = av_packet_alloc();
    if (d->c == NULL || d->frame == NULL || d->pkt == NULL) {
        rc = AVERROR(ENOMEM);
        goto fail;
    }
    rc = avcodec_parameters_to_context(d->c, d->fc->streams[d->vidx]->codecpar);
    if (rc >= 0) {
        d->c->thread_count = 1;
        rc = avcodec_open2(d->c, codec, NULL);
    }
    if (rc < 0) {
        sv_log_error("avcodec_open2() failed for '%s': %s", name,
                     sv_strerror(rc));
        goto fail;
    }
    return 0;
fail:
    dec_close(d);
    return rc;
}

/* Runs every frame of d through each(ud, frame); returns 0 or a code. */
static int
dec_run(struct dec *d, const char *name,
        int (*each)(void *ud, struct dec *d, AVFrame *f), void *ud)
{
    int rc, eof = 0;

    while (!eof) {
        rc = av_read_frame(d->fc, d->pkt);
        if (rc == AVERROR_EOF) {
            eof = 1;
            rc = avcodec_send_packet(d->c, NULL);
        } else if (rc < 0) {
            sv_log_error("cannot read '%s': %s", name, sv_strerror(rc));
            return rc;
        } else {
            if (d->pkt->stream_index == d->vidx)
                rc = avcodec_send_packet(d->c, d->pkt);
            av_packet_unref(d->pkt);
        }
        if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_INVALIDDATA) {
            sv_log_error("cannot decode '%s': %s", name, sv_strerror(rc));
            return rc;
        }
        for (;;) {
            rc = avcodec_receive_frame(d->c, d->frame);
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
                break;
            if (rc < 0) {
                sv_log_error("cannot decode '%s': %s", name,
                             sv_strerror(rc));
                return rc;
            }
            rc = each(ud, d, d->frame);
            av_frame_unref(d->frame);
            if (rc < 0)
                return rc;
            d->index++;
        }
    }
    return 0;
}

static double
frame_time(struct dec *d, const AVFrame *f)
{
    AVRational tb = d->fc->streams[d->vidx]->time_base;
    int64_t pts = f->best_effort_timestamp;

    if (pts == AV_NOPTS_VALUE)
        return 0;
    if (d->first_pts == AV_NOPTS_VALUE)
        d->first_pts = pts;
    return (double)(pts - d->first_pts) * av_q2d(tb);
}

/* ---- the re-encode ---- */

struct reenc {
    const struct sv_av_reenc_cfg *cfg;
    sv_av_luma_fn fn;
    void *ud;
    AVCodecContext *enc;
    AVPacket *pkt;
    struct sv_av_reenc *out;
    size_t cap;
};

static int
open_encoder(struct reenc *r, struct dec *d, const AVFrame *f)
{
    AVRational fps = d->fc->streams[d->vidx]->avg_frame_rate;

    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    AVDictionary *opts = NULL;
    char crf[16];
    int rc;

    if (codec == NULL) {
        sv_log_error("no libx264 encoder in this libavcodec");
        return SV_ENOMEDIA;
    }
    r->enc = avcodec_alloc_context3(codec);
    if (r->enc == NULL)
        return AVERROR(ENOMEM);
    r->enc->width = f->width;
    r->enc->height = f->height;
    r->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    /* pts count frames; the rate matters to x264's rate control */
    if (fps.num <= 0 || fps.den <= 0)
        fps = (AVRational){ 25, 1 };
    r->enc->time_base = av_inv_q(fps);
    r->enc->framerate = fps;
    r->enc->sample_aspect_ratio = f->sample_aspect_ratio;
    r->enc->color_range = f->color_range;
    r->enc->colorspace = f->colorspace;
    r->enc->color_primaries = f->color_primaries;
    r->enc->color_trc = f->color_trc;
    /* one closed GOP per segment; a scene cut must not add a keyframe */
    r->enc->gop_size = 100000;
    r->enc->keyint_min = 100000;
    r->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_CLOSED_GOP;
    /* one thread: frame threads would add delay and vary nothing else */
    r->enc->thread_count = 1;
    snprintf(crf, sizeof(crf), "%d", r->cfg->crf);
    av_dict_set(&opts, "crf", crf, 0);
    av_dict_set(&opts, "preset", r->cfg->preset, 0);
    av_dict_set(&opts, "x264-params", "scenecut=0:open-gop=0", 0);
    rc = avcodec_open2(r->enc, codec, &opts);
    av_dict_free(&opts);
    if (rc < 0) {
        sv_log_error("avcodec_open2() failed for libx264: %s",
                     sv_strerror(rc));
        return rc;
    }
    r->out->extradata = malloc(r->enc->extradata_size > 0 ?
                               (size_t)r->enc->extradata_size : 1);
    if (r->out->extradata == NULL)
        return AVERROR(ENOMEM);
    memcpy(r->out->extradata, r->enc->extradata,
           (size_t)r->enc->extradata_size);
    r->out->extralen = (size_t)r->enc->extradata_size;
    r->out->width = f->width;
    r->out->height = f->height;
    return 0;
}

static int
drain(struct reenc *r)
{
    struct sv_av_reenc_pkt *p;
    int rc;

    for (;;) {
        rc = avcodec_receive_packet(r->enc, r->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            return rc;
        if (r->out->npkt == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 64;

            p = realloc(r->out->pkt, cap * sizeof(*p));
            if (p == NULL) {
                av_packet_unref(r->pkt);
                return AVERROR(ENOMEM);
            }
            r->out->pkt = p;
            r->cap = cap;
        }
        p = &r->out->pkt[r->out->npkt];
        p->data = malloc(r->pkt->size > 0 ? (size_t)r->pkt->size : 1);
        if (p->data == NULL) {
            av_packet_unref(r->pkt);
            return AVERROR(ENOMEM);
        }
        memcpy(p->data, r->pkt->data, (size_t)r->pkt->size);
        p->size = (size_t)r->pkt->size;
        p->rank = r->pkt->pts;
        p->key = (r->pkt->flags & AV_PKT_FLAG_KEY) != 0;
        r->out->npkt++;
        av_packet_unref(r->pkt);
    }
}

static int
reenc_frame(void *ud, struct dec *d, AVFrame *f)
{
    struct reenc *r = ud;
    struct sv_av_luma l;
    AVFrame *g = f;
    int rc;

    if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) {
        sv_log_error("cannot mark %s pictures: 8-bit 4:2:0 only",
                     av_get_pix_fmt_name(f->format));
        return SV_EFORMAT;
    }
    if (r->enc == NULL) {
        rc = open_encoder(r, d, f);
        if (rc < 0)
            return rc;
    }
    if (f->width != r->enc->width || f->height != r->enc->height) {
        sv_log_error("the picture size changes inside a segment");
        return SV_EFORMAT;
    }
    rc = av_frame_make_writable(f);
    if (rc < 0)
        return rc;
    l.y = f->data[0];
    l.stride = f->linesize[0];
    l.width = f->width;
    l.height = f->height;
    l.index = d->index;
    l.time = frame_time(d, f);
    rc = r->fn(r->ud, &l);
    if (rc < 0)
        return rc;
    g->pts = d->index;
    g->pict_type = d->index == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    g->key_frame = d->index == 0;
    rc = avcodec_send_frame(r->enc, g);
    if (rc < 0) {
        sv_log_error("avcodec_send_frame() failed: %s", sv_strerror(rc));
        return rc;
    }
    return drain(r);
}

int
sv_av_reencode(const uint8_t *mem, size_t len,
               const struct sv_av_reenc_cfg *cfg, sv_av_luma_fn fn,
               void *ud, struct sv_av_reenc *out)
{
    struct reenc r;
    struct dec d;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    r.fn = fn;
    r.ud = ud;
    r.out = out;
    r.pkt = av_packet_alloc();
    if (r.pkt == NULL)
        return -ENOMEM;
    rc = dec_open(&d, "segment", NULL, mem, len);
    if (rc < 0)
        goto done;
    rc = dec_run(&d, "segment", reenc_frame, &r);
    if (rc == 0 && r.enc == NULL) {
        sv_log_error("the segment has no picture");
        rc = SV_ENOMEDIA;
    }
    if (rc == 0) {
        rc = avcodec_send_frame(r.enc, NULL);
        if (rc == 0)
            rc = drain(&r);
    }
    dec_close(&d);
done:
    avcodec_free_context(&r.enc);
    av_packet_free(&r.pkt);
    if (rc < 0)
        sv_av_reenc_release(out);
    return rc;
}

void
sv_av_reenc_release(struct sv_av_reenc *r)
{
    for (size_t i = 0; i < r->npkt; i++)
        free(r->pkt[i].data);
    free(r->pkt);
    free(r->extradata);
    memset(r, 0, sizeof(*r));
}

/* ---- scanning: gray pictures of one size ---- */

struct scan {
    int width, height;
    struct SwsContext *sws;
    uint8_t *buf;
    sv_av_luma_fn fn;
    void *ud;
};

static int
scan_frame(void *ud, struct dec *d, AVFrame *f)
{
    struct scan *s = ud;
    struct sv_av_luma l;
    uint8_t *dst[4] = { s->buf, NULL, NULL, NULL };
    int dstride[4] = { s->width, 0, 0, 0 };

    s->sws = sws_getCachedContext(s->sws, f->width, f->height, f->format,
                                  s->width, s->height, AV_PIX_FMT_GRAY8,
                                  SWS_AREA, NULL, NULL, NULL);
    if (s->sws == NULL) {
        sv_log_error("sws_getCachedContext() failed");
        return AVERROR(EINVAL);
    }
    sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0,
              f->height, dst, dstride);
    l.y = s->buf;
    l.stride = s->width;
    l.width = s->width;
    l.height = s->height;
    l.index = d->index;
    l.time = frame_time(d, f);
    return s->fn(s->ud, &l);
}

int
sv_av_luma_scan(const char *name, const char *url, const uint8_t *mem,
                size_t len, int width, int height, sv_av_luma_fn fn,
                void *ud)
{
    struct scan s;
    struct dec d;
    int rc;

    if (width <= 0 || height <= 0 || width > 4096 || height > 4096)
        return SV_EUSAGE;
    memset(&s, 0, sizeof(s));
    s.width = width;
    s.height = height;
    s.fn = fn;
    s.ud = ud;
    s.buf = malloc((size_t)width * (size_t)height);
    if (s.buf == NULL)
        return -ENOMEM;
    rc = dec_open(&d, name, url, mem, len);
    if (rc == 0) {
        rc = dec_run(&d, name, scan_frame, &s);
        dec_close(&d);
    }
    sws_freeContext(s.sws);
    free(s.buf);
    return rc;
}
