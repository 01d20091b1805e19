/* av_slate.c -- the slate: a still picture (SMPTE-style colour bars or an
 * image file scaled to the stream) and silence, encoded with libx264 and
 * FFmpeg's AAC to the live stream's size, rate, profile and audio layout */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "core/err.h"
#include "media/av_slate.h"

struct sv_slate {
    AVCodecContext *venc, *aenc;
    AVFrame *pic, *silence;
    AVPacket *pkt;
    int64_t vpts, apts;
    uint8_t *abuf;              /* ADTS header + frame */
    size_t acap;
    int sr_index;
};

/* 75% bars in BT.601 limited range: white, yellow, cyan, green, magenta,
 * red, blue */
static const uint8_t bars[7][3] = {
    { 180, 128, 128 }, { 162, 44, 142 }, { 131, 156, 44 }, { 112, 72, 58 },
    { 84, 184, 198 }, { 65, 100, 212 }, { 35, 212, 114 },
};

static void
draw_bars(AVFrame *f)
{
    int x, y, b;

    for (y = 0; y < f->height; y++)
        for (x = 0; x < f->width; x++) {
            b = x * 7 / f->width;
            f->data[0][y * f->linesize[0] + x] = bars[b][0];
            if ((x & 1) == 0 && (y & 1) == 0) {
                f->data[1][(y / 2) * f->linesize[1] + x / 2] = bars[b][1];
                f->data[2][(y / 2) * f->linesize[2] + x / 2] = bars[b][2];
            }
        }
}

/* decodes the first picture of path and scales it into f */
static int
draw_image(AVFrame *f, const char *path, char *err, size_t size)
{
    AVFormatContext *fc = NULL;
    AVCodecContext *dec = NULL;
    const AVCodec *codec;
    struct SwsContext *sws = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *img = av_frame_alloc();
    int rc, idx;

    if (pkt == NULL || img == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    rc = avformat_open_input(&fc, path, NULL, NULL);
    if (rc < 0) {
        snprintf(err, size, "cannot open slate '%s': %s", path,
                 av_err2str(rc));
        goto done;
    }
    rc = avformat_find_stream_info(fc, NULL);
    idx = rc < 0 ? -1
          : av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (idx < 0) {
        snprintf(err, size, "slate '%s' is not a picture", path);
        rc = SV_EFORMAT;
        goto done;
    }
    dec = avcodec_alloc_context3(codec);
    if (dec == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    avcodec_parameters_to_context(dec, fc->streams[idx]->codecpar);
    rc = avcodec_open2(dec, codec, NULL);
    while (rc >= 0) {
        rc = av_read_frame(fc, pkt);
        if (rc < 0)
            rc = avcodec_send_packet(dec, NULL);
        else if (pkt->stream_index == idx)
            rc = avcodec_send_packet(dec, pkt);
        av_packet_unref(pkt);
        if (rc < 0 && rc != AVERROR_EOF)
            break;
        rc = avcodec_receive_frame(dec, img);
        if (rc == 0)
            break;
        if (rc == AVERROR(EAGAIN))
            rc = 0;
    }
    if (rc < 0) {
        snprintf(err, size, "slate '%s' does not decode: %s", path,
                 av_err2str(rc));
        rc = SV_EFORMAT;
        goto done;
    }
    sws = sws_getContext(img->width, img->height, img->format, f->width,
                         f->height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL,
                         NULL, NULL);
    if (sws == NULL) {
        snprintf(err, size, "slate '%s' cannot be scaled", path);
        rc = SV_EFORMAT;
        goto done;
    }
    sws_scale(sws, (const uint8_t *const *)img->data, img->linesize, 0,
              img->height, f->data, f->linesize);
    rc = 0;
done:
    sws_freeContext(sws);
    avcodec_free_context(&dec);
    avformat_close_input(&fc);
    av_frame_free(&img);
    av_packet_free(&pkt);
    return rc;
}

static const char *
profile_name(int idc)
{
    switch (idc) {
    case 66: return "baseline";
    case 77: return "main";
    case 100: return "high";
    default: return NULL;      /* x264 picks from the settings */
    }
}

static int
open_video(struct sv_slate *s, const struct sv_slate_cfg *cfg, char *err,
           size_t size)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    AVDictionary *opts = NULL;
    AVCodecContext *c;
    int rc;

    if (codec == NULL) {
        snprintf(err, size, "libx264 is not available for the slate");
        return SV_ENOMEDIA;
    }
    c = avcodec_alloc_context3(codec);
    if (c == NULL)
        return -ENOMEM;
    s->venc = c;
    c->width = cfg->width;
    c->height = cfg->height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = (AVRational){ cfg->fps_den, cfg->fps_num };
    c->framerate = (AVRational){ cfg->fps_num, cfg->fps_den };
    c->gop_size = 2 * cfg->fps_num / (cfg->fps_den > 0 ? cfg->fps_den : 1);
    c->max_b_frames = 0;
    if (cfg->level > 0)
        c->level = cfg->level;
    av_dict_set(&opts, "preset", "veryfast", 0);
    av_dict_set(&opts, "tune", "zerolatency,stillimage", 0);
    av_dict_set(&opts, "crf", "28", 0);
    if (profile_name(cfg->profile) != NULL)
        av_dict_set(&opts, "profile", profile_name(cfg->profile), 0);
    rc = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    if (rc < 0) {
        snprintf(err, size, "cannot open the slate's encoder: %s",
                 av_err2str(rc));
        return rc;
    }
    s->pic = av_frame_alloc();
    if (s->pic == NULL)
        return -ENOMEM;
    s->pic->width = cfg->width;
    s->pic->height = cfg->height;
    s->pic->format = AV_PIX_FMT_YUV420P;
    rc = av_frame_get_buffer(s->pic, 0);
    if (rc < 0)
        return rc;
    if (cfg->image != NULL)
        return draw_image(s->pic, cfg->image, err, size);
    draw_bars(s->pic);
    return 0;
}

static const int aac_rates[] = { 96000, 88200, 64000, 48000, 44100, 32000,
                                 24000, 22050, 16000, 12000, 11025, 8000,
                                 7350 };

static int
open_audio(struct sv_slate *s, const struct sv_slate_cfg *cfg, char *err,
           size_t size)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    AVCodecContext *c;
    size_t i;
    int rc;

    s->sr_index = -1;
    for (i = 0; i < sizeof(aac_rates) / sizeof(aac_rates[0]); i++)
        if (aac_rates[i] == cfg->sample_rate)
            s->sr_index = (int)i;
    if (codec == NULL || s->sr_index < 0 || cfg->channels < 1 ||
        cfg->channels > 7) {
        snprintf(err, size, "no AAC slate for %d Hz, %d channels",
                 cfg->sample_rate, cfg->channels);
        return SV_ENOMEDIA;
    }
    c = avcodec_alloc_context3(codec);
    if (c == NULL)
        return -ENOMEM;
    s->aenc = c;
    c->sample_rate = cfg->sample_rate;
    c->sample_fmt = AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&c->ch_layout, cfg->channels);
    c->time_base = (AVRational){ 1, cfg->sample_rate };
    c->bit_rate = 32000 * cfg->channels;
    rc = avcodec_open2(c, codec, NULL);
    if (rc < 0) {
        snprintf(err, size, "cannot open the slate's audio encoder: %s",
                 av_err2str(rc));
        return rc;
    }
    s->silence = av_frame_alloc();
    if (s->silence == NULL)
        return -ENOMEM;
    s->silence->nb_samples = c->frame_size > 0 ? c->frame_size : 1024;
    s->silence->format = c->sample_fmt;
    s->silence->sample_rate = c->sample_rate;
    rc = av_channel_layout_copy(&s->silence->ch_layout, &c->ch_layout);
    if (rc == 0)
        rc = av_frame_get_buffer(s->silence, 0);
    if (rc == 0)
        rc = av_samples_set_silence(s->silence->extended_data, 0,
                                    s->silence->nb_samples, cfg->channels,
                                    c->sample_fmt);
    return rc < 0 ? rc : 0;
}

int
sv_slate_new(struct sv_slate **out, const struct sv_slate_cfg *cfg,
             char *err, size_t size)
{
    struct sv_slate *s = calloc(1, sizeof(*s));
    int rc = 0;

    err[0] = '\0';
    if (s == NULL)
        return -ENOMEM;
    s->pkt = av_packet_alloc();
    if (s->pkt == NULL)
        rc = -ENOMEM;
    if (rc == 0 && cfg->width > 0 && cfg->height > 0 && cfg->fps_num > 0 &&
        cfg->fps_den > 0)
        rc = open_video(s, cfg, err, size);
    if (rc == 0 && cfg->sample_rate > 0)
        rc = open_audio(s, cfg, err, size);
    if (rc < 0) {
        if (err[0] == '\0')
            snprintf(err, size, "cannot make the slate: %s",
                     av_err2str(rc));
        sv_slate_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* sends frame (NULL: nothing new) until a packet comes out */
static int
encode(AVCodecContext *c, AVFrame *f, int64_t *pts, AVPacket *pkt)
{
    int rc, tries;

    for (tries = 0; tries < 64; tries++) {
        rc = avcodec_receive_packet(c, pkt);
        if (rc == 0)
            return 0;
        if (rc != AVERROR(EAGAIN))
            return rc;
        f->pts = (*pts)++;
        if (c->codec_type == AVMEDIA_TYPE_AUDIO)
            f->pts = (*pts - 1) * f->nb_samples;
        rc = av_frame_make_writable(f);
        if (rc < 0)
            return rc;
        rc = avcodec_send_frame(c, f);
        if (rc < 0)
            return rc;
    }
    return SV_EINTERNAL;
}

int
sv_slate_video(struct sv_slate *s, const uint8_t **p, size_t *len, int *key)
{
    int rc;

    if (s->venc == NULL)
        return SV_ENOMEDIA;
    av_packet_unref(s->pkt);
    /* the same picture each time: the encoder's writable copy is ours */
    s->pic->pict_type = s->vpts == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    rc = encode(s->venc, s->pic, &s->vpts, s->pkt);
    if (rc < 0)
        return rc;
    *p = s->pkt->data;
    *len = (size_t)s->pkt->size;
    *key = (s->pkt->flags & AV_PKT_FLAG_KEY) != 0;
    return 0;
}

int
sv_slate_audio(struct sv_slate *s, const uint8_t **p, size_t *len)
{
    size_t n;
    int rc, ch;

    if (s->aenc == NULL)
        return SV_ENOMEDIA;
    av_packet_unref(s->pkt);
    rc = encode(s->aenc, s->silence, &s->apts, s->pkt);
    if (rc < 0)
        return rc;
    n = (size_t)s->pkt->size + 7;
    if (n > s->acap) {
        uint8_t *b = realloc(s->abuf, n);

        if (b == NULL)
            return -ENOMEM;
        s->abuf = b;
        s->acap = n;
    }
    /* ADTS: MPEG-4, no CRC, AAC LC, the rate index, the channels */
    ch = s->aenc->ch_layout.nb_channels;
    s->abuf[0] = 0xff;
    s->abuf[1] = 0xf1;
    s->abuf[2] = (uint8_t)(1 << 6 | s->sr_index << 2 | (ch >> 2 & 1));
    s->abuf[3] = (uint8_t)((ch & 3) << 6 | (n >> 11 & 3));
    s->abuf[4] = (uint8_t)(n >> 3);
    s->abuf[5] = (uint8_t)((n & 7) << 5 | 0x1f);
    s->abuf[6] = 0xfc;
    memcpy(s->abuf + 7, s->pkt->data, (size_t)s->pkt->size);
    *p = s->abuf;
    *len = n;
    return 0;
}

void
sv_slate_free(struct sv_slate *s)
{
    if (s == NULL)
        return;
    avcodec_free_context(&s->venc);
    avcodec_free_context(&s->aenc);
    av_frame_free(&s->pic);
    av_frame_free(&s->silence);
    av_packet_free(&s->pkt);
    free(s->abuf);
    free(s);
}
