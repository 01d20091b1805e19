/* av_encode.c -- open video encoders (software or hardware) and audio */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av.h"

/* software encoders, by enum sv_codec */
static const char *const sw_encoders[] = {
    "libx264", "libx265", "libvpx-vp9", "libaom-av1",
};

static const char *const default_presets[] = {
    "veryfast", "veryfast", "6", "8",
};

enum AVPixelFormat
sv__venc_pix_fmt(const struct sv__venc_cfg *cfg)
{
    if (cfg->hw != NULL)
        return cfg->hw->sw_fmt;
    return cfg->ten_bit ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P;
}

static void
set_int(AVDictionary **d, const char *key, int64_t v)
{
    char s[32];

    snprintf(s, sizeof(s), "%lld", (long long)v);
    av_dict_set(d, key, s, 0);
}

/*
 * libvpx and libaom count their keyframe distance from their own last
 * keyframe, not from one we forced, so they would add one a frame after
 * ours: a fixed interval far away keeps them out of it.
 */
static void
no_own_keyframes(AVCodecContext *c)
{
    c->gop_size = 100000;
    c->keyint_min = 100000;
}

/*
 * Software rate control.  VOD: capped CRF (quality target, never above the
 * rung's bitrate over a 2 s buffer), or with two passes the rung's bitrate
 * on average, peaks capped at 1.5 times it.  Live: CBR with a 1 s buffer.
 * Keyframes: we force them by timestamp on every rung, so the encoders'
 * own scene-cut keyframes are off (they would differ between rungs).
 */
static void
sw_setup(AVCodecContext *c, AVDictionary **opts,
         const struct sv__venc_cfg *cfg)
{
    const char *preset = cfg->preset ? cfg->preset
                                     : default_presets[cfg->codec];
    int cbr = cfg->rate == SV_RATE_CBR, crf = !cbr && cfg->pass == 0;
    char x26x[512];

    c->rc_max_rate = cfg->bitrate;
    c->rc_buffer_size = (int)(cbr ? cfg->bitrate : 2 * cfg->bitrate);
    if (cbr) {
        c->bit_rate = cfg->bitrate;
        c->rc_min_rate = cfg->bitrate;
    }
    if (cfg->pass != 0) {
        c->bit_rate = cfg->bitrate;
        c->rc_max_rate = cfg->bitrate * 3 / 2;
        c->flags |= cfg->pass == 1 ? AV_CODEC_FLAG_PASS1
                                   : AV_CODEC_FLAG_PASS2;
        /* libvpx and libaom keep their statistics in memory */
        c->stats_in = (char *)cfg->stats_in;
    }
    switch (cfg->codec) {
    case SV_CODEC_H264:
        av_dict_set(opts, "preset", preset, 0);
        av_dict_set(opts, "forced-idr", "1", 0);
        av_dict_set(opts, "x264-params", cbr ? "scenecut=0:nal-hrd=cbr"
                                             : "scenecut=0", 0);
        if (cfg->pass != 0)
            av_dict_set(opts, "stats", cfg->stats_path, 0);
        break;
    case SV_CODEC_HEVC:
        av_dict_set(opts, "preset", preset, 0);
        av_dict_set(opts, "forced-idr", "1", 0);
        snprintf(x26x, sizeof(x26x), "scenecut=0:open-gop=0:log-level=error%s",
                 cbr ? ":strict-cbr=1" : "");
        if (cfg->pass != 0)
            snprintf(x26x + strlen(x26x), sizeof(x26x) - strlen(x26x),
                     ":pass=%d:stats=%s", cfg->pass, cfg->stats_path);
        /* HDR kept: the source's mastering display and light level as
         * SEI on every keyframe (libx265 here does not take them from
         * frame side data) */
        if (cfg->ten_bit && cfg->x265_hdr != NULL)
            snprintf(x26x + strlen(x26x), sizeof(x26x) - strlen(x26x),
                     "%s", cfg->x265_hdr);
        av_dict_set(opts, "x265-params", x26x, 0);
        break;
    case SV_CODEC_VP9:
    case SV_CODEC_AV1:
        /* constrained quality: crf with the bitrate as a ceiling */
        c->bit_rate = cfg->bitrate;
        if (cfg->codec == SV_CODEC_VP9)
            av_dict_set(opts, "deadline", cbr ? "realtime" : "good", 0);
        else
            av_dict_set(opts, "usage", cfg->pass ? "good" : "realtime", 0);
        /* libaom's good usage (two passes) stops at cpu-used 6 */
        if (cfg->codec == SV_CODEC_AV1 && cfg->pass != 0 && atoi(preset) > 6)
            preset = "6";
        av_dict_set(opts, "cpu-used", preset, 0);
        av_dict_set(opts, "row-mt", "1", 0);
        no_own_keyframes(c);
        break;
    }
    if (crf)
        set_int(opts, "crf", cfg->crf);
}

int
sv__venc_open(AVCodecContext **out, const struct sv__venc_cfg *cfg)
{
    const char *name = cfg->hw ? cfg->hw->enc[cfg->codec]
                               : sw_encoders[cfg->codec];
    const AVCodec *codec;
    AVCodecContext *c = NULL;
    AVDictionary *opts = NULL;
    int rc;

    codec = name ? avcodec_find_encoder_by_name(name) : NULL;
    if (codec == NULL) {
        sv_log_error("cannot encode %s: encoder %s is not available",
                     sv_codec_names[cfg->codec], name ? name : "(none)");
        return SV_ENOHW;
    }
    c = avcodec_alloc_context3(codec);
    if (c == NULL)
        return -ENOMEM;
    c->width = cfg->width;
    c->height = cfg->height;
    c->sample_aspect_ratio = (AVRational){ 1, 1 };
    c->time_base = cfg->tb;
    c->framerate = cfg->fps;
    c->pix_fmt = cfg->hw ? AV_PIX_FMT_YUV420P : sv__venc_pix_fmt(cfg);
    c->gop_size = cfg->gop;
    c->thread_count = cfg->threads;
    c->color_range = AVCOL_RANGE_MPEG;
    if (cfg->tagged) {
        /* the encoders write these into the VUI / sequence header */
        c->color_primaries = cfg->prim;
        c->color_trc = cfg->trc;
        c->colorspace = cfg->space;
    }
    if (cfg->global_header)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (cfg->hw != NULL) {
        c->rc_max_rate = cfg->bitrate;
        c->rc_buffer_size = (int)(2 * cfg->bitrate);
        c->bit_rate = cfg->bitrate;
        rc = cfg->hw->setup(c, &opts, cfg->hwdev, cfg);
        if (rc < 0)
            goto fail;
    } else {
        sw_setup(c, &opts, cfg);
    }
    rc = avcodec_open2(c, codec, &opts);
    if (rc < 0) {
        sv_log_debug("%s: avcodec_open2() failed: %s", name,
                     sv_strerror(rc));
        goto fail;
    }
    av_dict_free(&opts);
    *out = c;
    return 0;
fail:
    av_dict_free(&opts);
    avcodec_free_context(&c);
    return rc;
}

int
sv__aenc_open(AVCodecContext **out, enum sv_codec vcodec, int channels,
              int64_t bitrate, int global_header)
{
    int opus = vcodec == SV_CODEC_VP9 || vcodec == SV_CODEC_AV1;
    const AVCodec *codec;
    AVCodecContext *c;
    int rc;

    codec = avcodec_find_encoder_by_name(opus ? "libopus" : "aac");
    if (codec == NULL)
        return AVERROR_ENCODER_NOT_FOUND;
    c = avcodec_alloc_context3(codec);
    if (c == NULL)
        return -ENOMEM;
    c->sample_rate = 48000;
    c->sample_fmt = opus ? AV_SAMPLE_FMT_FLT : AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&c->ch_layout, channels >= 2 ? 2 : 1);
    c->bit_rate = bitrate;
    c->time_base = (AVRational){ 1, 48000 };
    if (global_header)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    rc = avcodec_open2(c, codec, NULL);
    if (rc < 0) {
        sv_log_error("cannot open the audio encoder %s: %s", codec->name,
                     sv_strerror(rc));
        avcodec_free_context(&c);
        return rc;
    }
    *out = c;
    return 0;
}
