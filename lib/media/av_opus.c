/* av_opus.c -- a live stream's audio (AAC from RTMP or SRT) to Opus for
 * WebRTC viewers: decode, resample to 48 kHz stereo, 20 ms libopus frames.
 * One per stream, however many viewers watch it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av_opus.h"

#define OPUS_RATE 48000
#define OPUS_FRAME 960          /* 20 ms */
#define OPUS_BPS 96000
/* a gap in the input this long moves the output timeline with it */
#define RESYNC_US 200000

struct sv_av_opus {
    AVCodecContext *dec, *enc;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVPacket *in, *out;
    AVFrame *frame, *eframe;
    int swr_ready;
    int64_t next_us;            /* where the next input should start */
    int have_ts;
    uint32_t ts;                /* the next output frame's timestamp */
    uint64_t decoded, encoded, bad;
    sv_av_opus_fn fn;
    void *ud;
};

static enum AVCodecID
audio_id(int c)
{
    switch (c) {
    case SV_CODEC_AAC: return AV_CODEC_ID_AAC;
    case SV_CODEC_MP3: return AV_CODEC_ID_MP3;
    case SV_CODEC_OPUS: return AV_CODEC_ID_OPUS;
    case SV_CODEC_AC3: return AV_CODEC_ID_AC3;
    default: return AV_CODEC_ID_NONE;
    }
}

static int
open_decoder(struct sv_av_opus *o, const struct sv_ingest_track *t)
{
    const AVCodec *c;
    int rc;

    if (t->par != NULL) {
        const AVCodecParameters *par = t->par;

        c = avcodec_find_decoder(par->codec_id);
        if (c == NULL || par->codec_type != AVMEDIA_TYPE_AUDIO)
            return SV_EFORMAT;
        o->dec = avcodec_alloc_context3(c);
        if (o->dec == NULL)
            return -ENOMEM;
        rc = avcodec_parameters_to_context(o->dec, par);
        if (rc < 0)
            return rc;
    } else {
        c = avcodec_find_decoder(audio_id(t->codec));
        if (c == NULL)
            return SV_EFORMAT;
        o->dec = avcodec_alloc_context3(c);
        if (o->dec == NULL)
            return -ENOMEM;
        if (t->extra_len > 0) {
            o->dec->extradata = av_mallocz(t->extra_len +
                                           AV_INPUT_BUFFER_PADDING_SIZE);
            if (o->dec->extradata == NULL)
                return -ENOMEM;
            memcpy(o->dec->extradata, t->extra, t->extra_len);
            o->dec->extradata_size = (int)t->extra_len;
        }
        if (t->sample_rate > 0)
            o->dec->sample_rate = t->sample_rate;
        if (t->channels > 0)
            av_channel_layout_default(&o->dec->ch_layout, t->channels);
    }
    return avcodec_open2(o->dec, c, NULL);
}

static int
open_encoder(struct sv_av_opus *o)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libopus");
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    AVDictionary *opt = NULL;
    int rc;

    if (c == NULL)
        return SV_EFORMAT;
    o->enc = avcodec_alloc_context3(c);
    if (o->enc == NULL)
        return -ENOMEM;
    o->enc->sample_rate = OPUS_RATE;
    o->enc->sample_fmt = AV_SAMPLE_FMT_S16;
    o->enc->bit_rate = OPUS_BPS;
    o->enc->time_base = (AVRational){ 1, OPUS_RATE };
    rc = av_channel_layout_copy(&o->enc->ch_layout, &stereo);
    if (rc < 0)
        return rc;
    av_dict_set(&opt, "application", "lowdelay", 0);
    av_dict_set(&opt, "frame_duration", "20", 0);
    rc = avcodec_open2(o->enc, c, &opt);
    av_dict_free(&opt);
    return rc;
}

int
sv_av_opus_new(struct sv_av_opus **out, const struct sv_ingest_track *t,
               sv_av_opus_fn fn, void *ud)
{
    struct sv_av_opus *o = calloc(1, sizeof(*o));
    int rc;

    if (o == NULL)
        return -ENOMEM;
    o->fn = fn;
    o->ud = ud;
    rc = open_decoder(o, t);
    if (rc == 0)
        rc = open_encoder(o);
    if (rc < 0)
        goto fail;
    o->fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_S16, 2, OPUS_FRAME * 4);
    o->in = av_packet_alloc();
    o->out = av_packet_alloc();
    o->frame = av_frame_alloc();
    o->eframe = av_frame_alloc();
    if (o->fifo == NULL || o->in == NULL || o->out == NULL ||
        o->frame == NULL || o->eframe == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    *out = o;
    return 0;
fail:
    sv_av_opus_free(o);
    return rc;
}

/* the resampler, from the first decoded frame's format */
static int
swr_setup(struct sv_av_opus *o, const AVFrame *f)
{
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    int rc;

    rc = swr_alloc_set_opts2(&o->swr, &stereo, AV_SAMPLE_FMT_S16, OPUS_RATE,
                             (AVChannelLayout *)&f->ch_layout, f->format,
                             f->sample_rate, 0,
                             NULL);
    if (rc == 0)
        rc = swr_init(o->swr);
    if (rc == 0)
        o->swr_ready = 1;
    return rc;
}

static int
encode_ready(struct sv_av_opus *o)
{
    int rc;

    while (av_audio_fifo_size(o->fifo) >= OPUS_FRAME) {
        AVFrame *e = o->eframe;

        av_frame_unref(e);
        e->nb_samples = OPUS_FRAME;
        e->format = AV_SAMPLE_FMT_S16;
        e->sample_rate = OPUS_RATE;
        rc = av_channel_layout_copy(&e->ch_layout, &o->enc->ch_layout);
        if (rc == 0)
            rc = av_frame_get_buffer(e, 0);
        if (rc < 0)
            return rc;
        if (av_audio_fifo_read(o->fifo, (void **)e->data, OPUS_FRAME) !=
            OPUS_FRAME)
            return SV_EINTERNAL;
        e->pts = o->ts;
        rc = avcodec_send_frame(o->enc, e);
        if (rc < 0)
            return rc;
        while ((rc = avcodec_receive_packet(o->enc, o->out)) == 0) {
            o->encoded++;
            o->fn(o->ud, o->out->data, (size_t)o->out->size,
                  (uint32_t)o->out->pts);
            av_packet_unref(o->out);
        }
        if (rc != AVERROR(EAGAIN))
            return rc;
        o->ts += OPUS_FRAME;
    }
    return 0;
}

static int
take_frame(struct sv_av_opus *o, const AVFrame *f)
{
    uint8_t *buf[1] = { NULL };
    int n, rc;

    if (!o->swr_ready && (rc = swr_setup(o, f)) < 0)
        return rc;
    n = swr_get_out_samples(o->swr, f->nb_samples);
    if (n <= 0)
        return 0;
    rc = av_samples_alloc(buf, NULL, 2, n, AV_SAMPLE_FMT_S16, 0);
    if (rc < 0)
        return rc;
    n = swr_convert(o->swr, buf, n, (const uint8_t **)f->extended_data,
                    f->nb_samples);
    if (n > 0 && av_audio_fifo_write(o->fifo, (void **)buf, n) < n)
        n = -ENOMEM;
    av_freep(&buf[0]);
    if (n < 0)
        return n;
    return encode_ready(o);
}

int
sv_av_opus_push(struct sv_av_opus *o, const uint8_t *data, size_t len,
                int64_t pts_us)
{
    int rc;

    if (len == 0 || len > INT32_MAX)
        return 0;
    /* the timeline follows the input's: at the start, and after a gap
     * (a dropped run of packets) */
    if (!o->have_ts || pts_us - o->next_us > RESYNC_US ||
        o->next_us - pts_us > RESYNC_US) {
        int64_t queued = av_audio_fifo_size(o->fifo);

        o->ts = (uint32_t)(pts_us * OPUS_RATE / 1000000 - queued);
        o->have_ts = 1;
    }
    /* a copy: decoders read past the end (the input padding) */
    rc = av_new_packet(o->in, (int)len);
    if (rc < 0)
        return rc;
    memcpy(o->in->data, data, len);
    rc = avcodec_send_packet(o->dec, o->in);
    av_packet_unref(o->in);
    if (rc < 0) {
        o->bad++;
        return 0;
    }
    while ((rc = avcodec_receive_frame(o->dec, o->frame)) == 0) {
        o->decoded++;
        if (o->frame->sample_rate > 0)
            o->next_us = pts_us + (int64_t)o->frame->nb_samples * 1000000 /
                                  o->frame->sample_rate;
        rc = take_frame(o, o->frame);
        av_frame_unref(o->frame);
        if (rc < 0)
            return rc;
    }
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
        return 0;
    o->bad++;
    return 0;
}

void
sv_av_opus_counts(const struct sv_av_opus *o, uint64_t *decoded,
                  uint64_t *encoded, uint64_t *bad)
{
    *decoded = o->decoded;
    *encoded = o->encoded;
    *bad = o->bad;
}

void
sv_av_opus_free(struct sv_av_opus *o)
{
    if (o == NULL)
        return;
    /* the encoder's last frames go nowhere: drained, so it has none */
    if (o->enc != NULL && o->out != NULL &&
        avcodec_send_frame(o->enc, NULL) == 0)
        while (avcodec_receive_packet(o->enc, o->out) == 0)
            av_packet_unref(o->out);
    avcodec_free_context(&o->dec);
    avcodec_free_context(&o->enc);
    swr_free(&o->swr);
    if (o->fifo != NULL)
        av_audio_fifo_free(o->fifo);
    av_packet_free(&o->in);
    av_packet_free(&o->out);
    av_frame_free(&o->frame);
    av_frame_free(&o->eframe);
    free(o);
}
