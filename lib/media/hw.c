/* hw.c -- hardware backends: pick, probe by opening real sessions, list */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/imgutils.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "media/av.h"

#define PROBE_W 256
#define PROBE_H 144

const struct sv__hw *
sv__hw_get(enum sv_hw which)
{
    switch (which) {
    case SV_HW_NVENC:
        return &sv__hw_nvenc;
    case SV_HW_VAAPI:
        return &sv__hw_vaapi;
    case SV_HW_QSV:
        return &sv__hw_qsv;
    default:
        return NULL;
    }
}

int
sv__hw_frames(AVCodecContext *c, AVBufferRef *dev, enum AVPixelFormat hw_fmt,
              enum AVPixelFormat sw_fmt)
{
    AVBufferRef *ref;
    AVHWFramesContext *fr;
    int rc;

    ref = av_hwframe_ctx_alloc(dev);
    if (ref == NULL)
        return AVERROR(ENOMEM);
    fr = (AVHWFramesContext *)ref->data;
    fr->format = hw_fmt;
    fr->sw_format = sw_fmt;
    fr->width = c->width;
    fr->height = c->height;
    fr->initial_pool_size = 24;
    rc = av_hwframe_ctx_init(ref);
    if (rc < 0) {
        av_buffer_unref(&ref);
        return rc;
    }
    c->hw_frames_ctx = ref;
    c->pix_fmt = hw_fmt;
    return 0;
}

int
sv__hw_upload(AVCodecContext *c, AVFrame *sw, AVFrame **out)
{
    AVFrame *hw;
    int rc;

    if (c->hw_frames_ctx == NULL) {
        *out = sw;
        return 0;
    }
    hw = av_frame_alloc();
    if (hw == NULL)
        return AVERROR(ENOMEM);
    rc = av_hwframe_get_buffer(c->hw_frames_ctx, hw, 0);
    if (rc >= 0)
        rc = av_hwframe_transfer_data(hw, sw, 0);
    if (rc >= 0)
        rc = av_frame_copy_props(hw, sw);
    if (rc < 0) {
        av_frame_free(&hw);
        return rc;
    }
    av_frame_free(&sw);
    *out = hw;
    return 0;
}

/* A small encode for probing: 256x144 at 30 fps. */
static void
probe_cfg(struct sv__venc_cfg *cfg, enum sv_codec codec)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->codec = codec;
    cfg->rate = SV_RATE_CRF;
    cfg->crf = 28;
    cfg->width = PROBE_W;
    cfg->height = PROBE_H;
    cfg->tb = (AVRational){ 1, 30 };
    cfg->fps = (AVRational){ 30, 1 };
    cfg->bitrate = 500000;
    cfg->gop = 30;
}

/*
 * Encodes one grey frame and wants a packet back: a working session.  With
 * keep, the first packet is moved there.
 */
static int
tiny_encode(AVCodecContext *c, enum AVPixelFormat sw_fmt, AVPacket *keep)
{
    AVFrame *f = av_frame_alloc(), *up = NULL;
    AVPacket *pkt = av_packet_alloc();
    int rc, got = 0;

    if (f == NULL || pkt == NULL) {
        rc = AVERROR(ENOMEM);
        goto done;
    }
    f->format = sw_fmt;
    f->width = c->width;
    f->height = c->height;
    rc = av_frame_get_buffer(f, 0);
    if (rc < 0)
        goto done;
    for (int p = 0; p < 4 && f->data[p] != NULL; p++)
        memset(f->data[p], 128, (size_t)f->linesize[p] *
               (size_t)(p == 0 ? f->height : (f->height + 1) / 2));
    f->pts = 0;
    rc = sv__hw_upload(c, f, &up);
    if (rc < 0)
        goto done;
    f = NULL;
    rc = avcodec_send_frame(c, up);
    if (rc >= 0)
        rc = avcodec_send_frame(c, NULL);
    while (rc >= 0) {
        rc = avcodec_receive_packet(c, pkt);
        if (rc >= 0) {
            if (keep != NULL && !got)
                av_packet_move_ref(keep, pkt);
            got = 1;
            av_packet_unref(pkt);
        }
    }
    rc = got ? 0 : (rc == AVERROR_EOF ? AVERROR(EIO) : rc);
done:
    if (up != f)
        av_frame_free(&up);
    av_frame_free(&f);
    av_packet_free(&pkt);
    return rc;
}

int
sv__hw_probe(const struct sv__hw *hw, enum sv_codec codec, AVBufferRef **dev,
             char *why, size_t size)
{
    struct sv__venc_cfg cfg;
    AVBufferRef *d = NULL;
    AVCodecContext *c = NULL;
    const char *name = hw->enc[codec];
    int rc;

    if (name == NULL || avcodec_find_encoder_by_name(name) == NULL) {
        snprintf(why, size, "%s has no %s encoder in this build", hw->name,
                 sv_codec_names[codec]);
        return SV_ENOHW;
    }
    rc = av_hwdevice_ctx_create(&d, hw->type, NULL, NULL, 0);
    if (rc < 0) {
        snprintf(why, size, "no %s device: %s",
                 av_hwdevice_get_type_name(hw->type), sv_strerror(rc));
        return SV_ENOHW;
    }
    probe_cfg(&cfg, codec);
    cfg.hw = hw;
    cfg.hwdev = d;
    rc = sv__venc_open(&c, &cfg);
    if (rc >= 0)
        rc = tiny_encode(c, hw->sw_fmt, NULL);
    avcodec_free_context(&c);
    if (rc < 0) {
        snprintf(why, size, "%s cannot open an encode session: %s", name,
                 sv_strerror(rc));
        av_buffer_unref(&d);
        return SV_ENOHW;
    }
    if (dev != NULL)
        *dev = d;
    else
        av_buffer_unref(&d);
    return 0;
}

static enum AVPixelFormat
want_hw_format(AVCodecContext *c, const enum AVPixelFormat *fmts)
{
    enum AVPixelFormat want = (enum AVPixelFormat)(intptr_t)c->opaque;

    for (; *fmts != AV_PIX_FMT_NONE; fmts++)
        if (*fmts == want)
            return want;
    return AV_PIX_FMT_NONE;     /* no software fallback: this is a probe */
}

/*
 * Decodes one small frame of codec on dev: a frame in the device's format
 * back means the hardware decoder really works.  The sample is made with
 * our software encoder.
 */
static int
probe_decode(enum sv_codec codec, const struct sv__hw *hw, AVBufferRef *dev)
{
    static const enum AVCodecID ids[] = {
        AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_VP9, AV_CODEC_ID_AV1,
    };
    const AVCodec *dec = avcodec_find_decoder(ids[codec]);
    const AVCodecHWConfig *hc;
    struct sv__venc_cfg cfg;
    AVCodecContext *enc = NULL, *c = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int i, rc = AVERROR(ENOSYS);

    if (dec == NULL || pkt == NULL || f == NULL)
        goto done;
    for (i = 0; (hc = avcodec_get_hw_config(dec, i)) != NULL; i++)
        if (hc->device_type == hw->type &&
            (hc->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX))
            break;
    if (hc == NULL)
        goto done;
    probe_cfg(&cfg, codec);
    cfg.threads = 1;
    rc = sv__venc_open(&enc, &cfg);
    if (rc >= 0)
        rc = tiny_encode(enc, AV_PIX_FMT_YUV420P, pkt);
    if (rc < 0)
        goto done;
    c = avcodec_alloc_context3(dec);
    if (c == NULL) {
        rc = AVERROR(ENOMEM);
        goto done;
    }
    c->hw_device_ctx = av_buffer_ref(dev);
    c->opaque = (void *)(intptr_t)hc->pix_fmt;
    c->get_format = want_hw_format;
    rc = avcodec_open2(c, dec, NULL);
    if (rc >= 0)
        rc = avcodec_send_packet(c, pkt);
    if (rc >= 0)
        rc = avcodec_send_packet(c, NULL);
    if (rc >= 0)
        rc = avcodec_receive_frame(c, f);
    if (rc >= 0 && f->format != hc->pix_fmt)
        rc = AVERROR(ENOSYS);
done:
    avcodec_free_context(&c);
    avcodec_free_context(&enc);
    av_packet_free(&pkt);
    av_frame_free(&f);
    return rc;
}

/* Decoders that really decode a frame on the device. */
static json_t *
probe_decoders(const struct sv__hw *hw, AVBufferRef *dev)
{
    json_t *arr = json_array();
    int c;

    for (c = 0; dev != NULL && c < 4; c++)
        if (probe_decode((enum sv_codec)c, hw, dev) >= 0)
            json_array_append_new(arr, json_string(sv_codec_names[c]));
    return arr;
}

int
sv_transcode_list_hw(void)
{
    const struct sv__hw *all[] = { &sv__hw_nvenc, &sv__hw_vaapi, &sv__hw_qsv };
    json_t *root = json_object(), *backends = json_array();
    size_t i;
    int c, rc;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const struct sv__hw *hw = all[i];
        json_t *b = json_object(), *encs = json_array();
        AVBufferRef *dev = NULL;
        char why[256] = "";

        rc = av_hwdevice_ctx_create(&dev, hw->type, NULL, NULL, 0);
        json_object_set_new(b, "name", json_string(hw->name));
        json_object_set_new(b, "device",
                            json_string(av_hwdevice_get_type_name(hw->type)));
        json_object_set_new(b, "present", json_boolean(rc >= 0));
        if (rc < 0) {
            snprintf(why, sizeof(why), "no %s device: %s",
                     av_hwdevice_get_type_name(hw->type), sv_strerror(rc));
            json_object_set_new(b, "reason", json_string(why));
        }
        for (c = 0; c < 4; c++) {
            json_t *e;

            if (hw->enc[c] == NULL ||
                avcodec_find_encoder_by_name(hw->enc[c]) == NULL)
                continue;
            e = json_object();
            json_object_set_new(e, "codec", json_string(sv_codec_names[c]));
            json_object_set_new(e, "encoder", json_string(hw->enc[c]));
            if (rc >= 0) {
                why[0] = '\0';
                json_object_set_new(e, "usable", json_boolean(
                    sv__hw_probe(hw, (enum sv_codec)c, NULL, why,
                                 sizeof(why)) == 0));
            } else {
                json_object_set_new(e, "usable", json_false());
            }
            if (why[0] != '\0')
                json_object_set_new(e, "reason", json_string(why));
            json_array_append_new(encs, e);
        }
        json_object_set_new(b, "encoders", encs);
        json_object_set_new(b, "decoders", probe_decoders(hw, dev));
        av_buffer_unref(&dev);
        json_array_append_new(backends, b);
    }
    json_object_set_new(root, "backends", backends);
    rc = sv_json_write_line(1, root);
    json_decref(root);
    return rc;
}
