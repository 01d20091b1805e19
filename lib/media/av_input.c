/* av_input.c -- open an input (file, URL, stdin), its streams, decoders */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/display.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av.h"

static const char *
shown(const char *url)
{
    return strcmp(url, "-") == 0 ? "stdin" : url;
}

/* Clockwise turn that makes the picture upright, from the display matrix. */
static int
rotation_of(const AVStream *st)
{
    const uint8_t *m;
    double theta;

    m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m == NULL)
        return 0;
    theta = -av_display_rotation_get((const int32_t *)m);
    if (isnan(theta))
        return 0;
    theta -= 360 * floor(theta / 360 + 0.9 / 360);
    if (fabs(theta - 90) < 1)
        return 90;
    if (fabs(theta - 180) < 1)
        return 180;
    if (fabs(theta - 270) < 1)
        return 270;
    return 0;
}

static enum AVPixelFormat
pick_hw_format(AVCodecContext *c, const enum AVPixelFormat *fmts)
{
    const enum AVPixelFormat *p;
    enum AVPixelFormat want = (enum AVPixelFormat)(intptr_t)c->opaque;

    for (p = fmts; *p != AV_PIX_FMT_NONE; p++)
        if (*p == want)
            return *p;
    /* the hardware cannot take this stream: decode in software */
    return avcodec_default_get_format(c, fmts);
}

/* Finds the hardware pixel format of dec for the device's type. */
static enum AVPixelFormat
hw_format(const AVCodec *dec, AVBufferRef *hwdev)
{
    const AVHWDeviceContext *d = (const AVHWDeviceContext *)hwdev->data;
    const AVCodecHWConfig *cfg;
    int i;

    for (i = 0; (cfg = avcodec_get_hw_config(dec, i)) != NULL; i++)
        if ((cfg->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX) &&
            cfg->device_type == d->type)
            return cfg->pix_fmt;
    return AV_PIX_FMT_NONE;
}

static int
open_decoder(struct sv__input *in, int idx, AVCodecContext **out,
             AVBufferRef *hwdev, const char *url)
{
    AVStream *st = in->fc->streams[idx];
    const AVCodec *dec;
    AVCodecContext *c = NULL;
    int rc;

    dec = avcodec_find_decoder(st->codecpar->codec_id);
    if (dec == NULL) {
        sv_log_error("cannot decode '%s': no decoder for %s", shown(url),
                     avcodec_get_name(st->codecpar->codec_id));
        return SV_ENOMEDIA;
    }
    c = avcodec_alloc_context3(dec);
    if (c == NULL)
        return -ENOMEM;
    rc = avcodec_parameters_to_context(c, st->codecpar);
    if (rc < 0)
        goto fail;
    c->pkt_timebase = st->time_base;
    c->thread_count = 0;
    if (hwdev != NULL && dec->type == AVMEDIA_TYPE_VIDEO) {
        in->hwfmt = hw_format(dec, hwdev);
        if (in->hwfmt != AV_PIX_FMT_NONE) {
            c->hw_device_ctx = av_buffer_ref(hwdev);
            c->opaque = (void *)(intptr_t)in->hwfmt;
            c->get_format = pick_hw_format;
        }
    }
    rc = avcodec_open2(c, dec, NULL);
    if (rc < 0) {
        sv_log_error("cannot decode '%s': avcodec_open2() failed: %s",
                     shown(url), sv_strerror(rc));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    avcodec_free_context(&c);
    return rc;
}

/* Whether nothing at all could be read from the input. */
static int
was_empty(AVIOContext *pb, const char *url)
{
    struct stat st;

    if (pb != NULL)
        return pb->bytes_read == 0;
    return stat(url, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

/* Demuxers that turn any text into pictures (tty) do not count as media. */
static int
is_media(const AVFormatContext *fc)
{
    return strcmp(fc->iformat->name, "tty") != 0 &&
           fc->probe_score > AVPROBE_SCORE_MAX / 4;
}

/*
 * Opens the container and reads its streams.  Stdin goes through our own
 * AVIOContext so an empty pipe can be told from a damaged one.
 */
static int
open_format(struct sv__input *in, const char *url)
{
    AVIOContext *pb = NULL;
    enum sv__av_step step = SV__AV_OPEN;
    int rc, stdin_ = strcmp(url, "-") == 0;

    if (stdin_) {
        rc = avio_open(&pb, "pipe:0", AVIO_FLAG_READ);
        if (rc < 0)
            goto fail;
        in->fc = avformat_alloc_context();
        if (in->fc == NULL) {
            rc = AVERROR(ENOMEM);
            goto fail;
        }
        in->fc->pb = pb;
        in->fc->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    rc = sv__av_open(&in->fc, url, NULL, NULL, is_media, &step);
    if (rc >= 0) {
        in->pb = pb;
        return 0;
    }
    if (step == SV__AV_INFO) {
        sv_log_error("cannot read '%s': %s", shown(url), sv_strerror(rc));
        avio_closep(&pb);
        return rc;
    }
fail:
    if (rc == AVERROR_EOF || was_empty(pb, url) ||
        (rc == AVERROR_INVALIDDATA && was_empty(NULL, url)))
        sv_log_error("cannot read '%s': the input is empty", shown(url));
    else if (rc == AVERROR_INVALIDDATA)
        sv_log_error("cannot read '%s': not a media file, or damaged",
                     shown(url));
    else
        sv_log_error("cannot open '%s': %s", shown(url), sv_strerror(rc));
    avformat_close_input(&in->fc);
    avio_closep(&pb);
    return rc == AVERROR_INVALIDDATA ? SV_EFORMAT : rc;
}

int
sv__input_open(struct sv__input *in, const char *url, int want_audio,
               AVBufferRef *hwdev)
{
    AVStream *st;
    int rc;

    memset(in, 0, sizeof(*in));
    in->vidx = in->aidx = -1;
    in->hwfmt = AV_PIX_FMT_NONE;
    rc = open_format(in, url);
    if (rc < 0)
        return rc;
    rc = av_find_best_stream(in->fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (rc < 0 || in->fc->streams[rc]->codecpar->width <= 0) {
        sv_log_error("cannot use '%s': it has no video stream", shown(url));
        rc = SV_ENOMEDIA;
        goto fail;
    }
    in->vidx = rc;
    if (want_audio) {
        rc = av_find_best_stream(in->fc, AVMEDIA_TYPE_AUDIO, -1, in->vidx,
                                 NULL, 0);
        in->aidx = rc >= 0 ? rc : -1;
    }
    st = in->fc->streams[in->vidx];
    in->rotation = rotation_of(st);
    in->fps = av_guess_frame_rate(in->fc, st, NULL);
    /* a constant rate out; implausible guesses fall back to 30 */
    if (in->fps.num <= 0 || in->fps.den <= 0 || av_q2d(in->fps) > 120 ||
        av_q2d(in->fps) < 1)
        in->fps = (AVRational){ 30, 1 };
    in->start = in->fc->start_time != AV_NOPTS_VALUE ? in->fc->start_time : 0;
    in->duration_us = in->fc->duration > 0 ? in->fc->duration : 0;
    rc = open_decoder(in, in->vidx, &in->vdec, hwdev, url);
    if (rc < 0)
        goto fail;
    if (in->aidx >= 0 && open_decoder(in, in->aidx, &in->adec, NULL,
                                      url) < 0) {
        sv_log_warn("'%s': audio cannot be decoded, going on without it",
                    shown(url));
        in->aidx = -1;
    }
    for (unsigned i = 0; i < in->fc->nb_streams; i++)
        if ((int)i != in->vidx && (int)i != in->aidx)
            in->fc->streams[i]->discard = AVDISCARD_ALL;
    return 0;
fail:
    sv__input_close(in);
    return rc;
}

void
sv__input_close(struct sv__input *in)
{
    avcodec_free_context(&in->vdec);
    avcodec_free_context(&in->adec);
    avformat_close_input(&in->fc);
    if (in->pb != NULL) {
        avio_closep(&in->pb);
    }
}

static int
bad_frame(const AVFrame *f)
{
    return (f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags != 0;
}

int
sv__input_decode(struct sv__input *in, AVCodecContext *dec,
                 const AVPacket *pkt, int strict, sv__frame_fn fn, void *ud)
{
    AVFrame *f = NULL, *sw = NULL;
    int rc;

    if (pkt != NULL && (pkt->flags & AV_PKT_FLAG_CORRUPT)) {
        in->errors++;
        if (strict)
            return SV_ECORRUPT;
    }
    rc = avcodec_send_packet(dec, pkt);
    if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) {
        if (rc == AVERROR(ENOMEM))
            return rc;
        in->errors++;
        if (strict)
            return SV_ECORRUPT;
    }
    for (;;) {
        f = av_frame_alloc();
        if (f == NULL)
            return -ENOMEM;
        rc = avcodec_receive_frame(dec, f);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0) {
            if (rc == AVERROR(ENOMEM))
                break;
            in->errors++;
            if (strict) {
                rc = SV_ECORRUPT;
                break;
            }
            av_frame_free(&f);
            continue;
        }
        if (bad_frame(f)) {
            in->errors++;
            if (strict) {
                rc = SV_ECORRUPT;
                break;
            }
        }
        if (f->format == in->hwfmt && in->hwfmt != AV_PIX_FMT_NONE) {
            /* hardware decode, software filters: bring the frame down */
            sw = av_frame_alloc();
            if (sw == NULL) {
                rc = -ENOMEM;
                break;
            }
            rc = av_hwframe_transfer_data(sw, f, 0);
            if (rc >= 0)
                rc = av_frame_copy_props(sw, f);
            av_frame_free(&f);
            if (rc < 0) {
                av_frame_free(&sw);
                return rc;
            }
            f = sw;
        }
        rc = fn(ud, f);
        f = NULL;
        if (rc < 0)
            return rc;
    }
    av_frame_free(&f);
    return rc;
}
