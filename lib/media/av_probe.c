/* av_probe.c -- container facts, HDR side data and EBU R128 loudness for
 * sv-stats probe, through the one opener */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/pixdesc.h>

#include "core/err.h"
#include "media/av_open.h"
#include "media/av_probe.h"

/* Demuxers that turn any text into pictures (tty) do not count as media,
 * nor a guess libavformat itself is unsure of. */
static int
is_media(const AVFormatContext *fc)
{
    return strcmp(fc->iformat->name, "tty") != 0 &&
           fc->probe_score > AVPROBE_SCORE_MAX / 4;
}

static int
open_input(AVFormatContext **fc, const char *url)
{
    int rc;

    *fc = NULL;
    rc = sv__av_open(fc, url, NULL, NULL, is_media, NULL);
    return rc == AVERROR_INVALIDDATA ? SV_EFORMAT : rc;
}

int
sv_av_probe_format(const char *url, struct sv_av_format *out)
{
    AVFormatContext *fc;
    struct stat st;
    int rc;

    rc = open_input(&fc, url);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", fc->iformat->name);
    if (fc->duration > 0)
        out->duration = fc->duration / (double)AV_TIME_BASE;
    if (fc->start_time != AV_NOPTS_VALUE)
        out->start = fc->start_time / (double)AV_TIME_BASE;
    out->bit_rate = fc->bit_rate > 0 ? fc->bit_rate : 0;
    for (unsigned i = 0; i < fc->nb_streams && i < SV_AV_PROBE_STREAMS;
         i++) {
        const AVStream *st = fc->streams[i];

        if (st->start_time != AV_NOPTS_VALUE)
            out->stream[i].start = st->start_time * av_q2d(st->time_base);
        if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
            out->stream[i].duration = st->duration * av_q2d(st->time_base);
        out->nstreams = (int)i + 1;
    }
    out->size = -1;
    if (fc->pb != NULL && !(fc->pb->seekable & AVIO_SEEKABLE_NORMAL))
        out->size = -1;
    else if (stat(url, &st) == 0 && S_ISREG(st.st_mode))
        out->size = st.st_size;
    else if (fc->pb != NULL)
        out->size = avio_size(fc->pb) >= 0 ? avio_size(fc->pb) : -1;
    avformat_close_input(&fc);
    return 0;
}

static void
take_mastering(struct sv_av_hdr *h, const AVMasteringDisplayMetadata *m)
{
    if (!m->has_primaries && !m->has_luminance)
        return;
    h->have_mastering = 1;
    if (m->has_primaries) {
        h->red[0] = av_q2d(m->display_primaries[0][0]);
        h->red[1] = av_q2d(m->display_primaries[0][1]);
        h->green[0] = av_q2d(m->display_primaries[1][0]);
        h->green[1] = av_q2d(m->display_primaries[1][1]);
        h->blue[0] = av_q2d(m->display_primaries[2][0]);
        h->blue[1] = av_q2d(m->display_primaries[2][1]);
        h->white[0] = av_q2d(m->white_point[0]);
        h->white[1] = av_q2d(m->white_point[1]);
    }
    if (m->has_luminance) {
        h->min_luminance = av_q2d(m->min_luminance);
        h->max_luminance = av_q2d(m->max_luminance);
    }
}

static void
take_light(struct sv_av_hdr *h, const AVContentLightMetadata *l)
{
    h->have_light = 1;
    h->max_cll = l->MaxCLL;
    h->max_fall = l->MaxFALL;
}

/* Opens the decoder of stream index; Returns 0 or a negative code. */
static int
open_decoder(AVFormatContext *fc, int index, AVCodecContext **out)
{
    const AVCodec *codec;
    AVCodecContext *c;
    int rc;

    codec = avcodec_find_decoder(fc->streams[index]->codecpar->codec_id);
    if (codec == NULL)
        return SV_ENOMEDIA;
    c = avcodec_alloc_context3(codec);
    if (c == NULL)
        return -ENOMEM;
    rc = avcodec_parameters_to_context(c, fc->streams[index]->codecpar);
    if (rc >= 0) {
        c->pkt_timebase = fc->streams[index]->time_base;
        rc = avcodec_open2(c, codec, NULL);
    }
    if (rc < 0) {
        avcodec_free_context(&c);
        return rc == AVERROR_DECODER_NOT_FOUND ? SV_ENOMEDIA : rc;
    }
    *out = c;
    return 0;
}

/* The first decoded frame's side data: HEVC/H.264 SEI, AV1 metadata OBUs. */
static int
hdr_from_frame(AVFormatContext *fc, int index, struct sv_av_hdr *h)
{
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    const AVFrameSideData *sd;
    int rc, got = 0, packets = 0;

    if (pkt == NULL || f == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    rc = open_decoder(fc, index, &dec);
    if (rc < 0)
        goto done;
    /* bounded: a stream whose first frame never comes is not worth more */
    while (!got && packets < 500 && (rc = av_read_frame(fc, pkt)) >= 0) {
        if (pkt->stream_index == index) {
            packets++;
            if (avcodec_send_packet(dec, pkt) >= 0 &&
                avcodec_receive_frame(dec, f) >= 0)
                got = 1;
        }
        av_packet_unref(pkt);
    }
    if (!got && avcodec_send_packet(dec, NULL) >= 0 &&
        avcodec_receive_frame(dec, f) >= 0)
        got = 1;
    rc = 0;
    if (!got)
        goto done;
    sd = av_frame_get_side_data(f, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA);
    if (sd != NULL)
        take_mastering(h, (const AVMasteringDisplayMetadata *)sd->data);
    sd = av_frame_get_side_data(f, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL);
    if (sd != NULL)
        take_light(h, (const AVContentLightMetadata *)sd->data);
    h->from_frame = h->have_mastering || h->have_light;
done:
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    return rc;
}

int
sv_av_probe_hdr(const char *url, int index, struct sv_av_hdr *out)
{
    AVFormatContext *fc;
    const uint8_t *p;
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = open_input(&fc, url);
    if (rc < 0)
        return rc;
    if (index < 0 || (unsigned)index >= fc->nb_streams) {
        rc = -EINVAL;
        goto done;
    }
    p = av_stream_get_side_data(fc->streams[index],
                                AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &len);
    if (p != NULL && len >= sizeof(AVMasteringDisplayMetadata))
        take_mastering(out, (const AVMasteringDisplayMetadata *)p);
    p = av_stream_get_side_data(fc->streams[index],
                                AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &len);
    if (p != NULL && len >= sizeof(AVContentLightMetadata))
        take_light(out, (const AVContentLightMetadata *)p);
    if (!out->have_mastering && !out->have_light) {
        for (unsigned i = 0; i < fc->nb_streams; i++)
            if ((int)i != index)
                fc->streams[i]->discard = AVDISCARD_ALL;
        rc = hdr_from_frame(fc, index, out);
    }
done:
    avformat_close_input(&fc);
    return rc;
}

/* ---- loudness ---- */

struct r128 {
    AVFilterGraph *g;
    AVFilterContext *src, *sink;
    struct sv_av_loudness *out;
    int seen;
};

static int
r128_build(struct r128 *r, const AVCodecContext *dec, AVRational tb)
{
    const AVFilter *ebur128 = avfilter_get_by_name("ebur128");
    AVFilterContext *meter;
    char layout[128], args[512];
    int rc;

    if (ebur128 == NULL)
        return SV_ENOMEDIA;
    r->g = avfilter_graph_alloc();
    if (r->g == NULL)
        return -ENOMEM;
    if (av_channel_layout_describe(&dec->ch_layout, layout,
                                   sizeof(layout)) < 0)
        snprintf(layout, sizeof(layout), "%dc", dec->ch_layout.nb_channels);
    snprintf(args, sizeof(args),
             "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:"
             "channel_layout=%s", tb.num, tb.den, dec->sample_rate,
             av_get_sample_fmt_name(dec->sample_fmt), layout);
    rc = avfilter_graph_create_filter(&r->src, avfilter_get_by_name("abuffer"),
                                      "in", args, NULL, r->g);
    if (rc >= 0)
        rc = avfilter_graph_create_filter(&meter, ebur128, "r128",
                                          "metadata=1", NULL, r->g);
    if (rc >= 0)
        rc = avfilter_graph_create_filter(&r->sink,
                                          avfilter_get_by_name("abuffersink"),
                                          "out", NULL, NULL, r->g);
    if (rc >= 0)
        rc = avfilter_link(r->src, 0, meter, 0);
    if (rc >= 0)
        rc = avfilter_link(meter, 0, r->sink, 0);
    if (rc >= 0)
        rc = avfilter_graph_config(r->g, NULL);
    return rc;
}

static double
meta(const AVDictionary *d, const char *key, double old)
{
    const AVDictionaryEntry *e = av_dict_get(d, key, NULL, 0);

    return e != NULL ? strtod(e->value, NULL) : old;
}

/* Pulls what the meter let through; the latest figures are the summary. */
static int
r128_drain(struct r128 *r, AVFrame *f)
{
    int rc;

    for (;;) {
        rc = av_buffersink_get_frame(r->sink, f);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            return rc;
        if (av_dict_get(f->metadata, "lavfi.r128.I", NULL, 0) != NULL) {
            r->seen = 1;
            r->out->integrated = meta(f->metadata, "lavfi.r128.I",
                                      r->out->integrated);
            r->out->range = meta(f->metadata, "lavfi.r128.LRA",
                                 r->out->range);
            r->out->range_low = meta(f->metadata, "lavfi.r128.LRA.low",
                                     r->out->range_low);
            r->out->range_high = meta(f->metadata, "lavfi.r128.LRA.high",
                                      r->out->range_high);
        }
        r->out->seconds += f->nb_samples / (double)f->sample_rate;
        av_frame_unref(f);
    }
}

static int
r128_feed(struct r128 *r, AVCodecContext *dec, const AVPacket *pkt,
          AVFrame *f)
{
    int rc;

    rc = avcodec_send_packet(dec, pkt);
    if (rc < 0 && rc != AVERROR_EOF)
        return 0;               /* a bad packet: skip it, as ffmpeg does */
    for (;;) {
        rc = avcodec_receive_frame(dec, f);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            continue;
        if (r->g == NULL) {
            rc = r128_build(r, dec, dec->pkt_timebase);
            if (rc < 0) {
                av_frame_unref(f);
                return rc;
            }
        }
        rc = av_buffersrc_add_frame_flags(r->src, f,
                                          AV_BUFFERSRC_FLAG_KEEP_REF);
        av_frame_unref(f);
        if (rc < 0)
            return rc;
        rc = r128_drain(r, f);
        if (rc < 0)
            return rc;
    }
}

int
sv_av_probe_loudness(const char *url, int index, struct sv_av_loudness *out)
{
    AVFormatContext *fc = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = NULL;
    AVFrame *f = NULL;
    struct r128 r = { 0 };
    int rc;

    memset(out, 0, sizeof(*out));
    r.out = out;
    rc = open_input(&fc, url);
    if (rc < 0)
        return rc;
    if (index < 0 || (unsigned)index >= fc->nb_streams ||
        fc->streams[index]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) {
        rc = -EINVAL;
        goto done;
    }
    for (unsigned i = 0; i < fc->nb_streams; i++)
        if ((int)i != index)
            fc->streams[i]->discard = AVDISCARD_ALL;
    rc = open_decoder(fc, index, &dec);
    if (rc < 0)
        goto done;
    pkt = av_packet_alloc();
    f = av_frame_alloc();
    if (pkt == NULL || f == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    while ((rc = av_read_frame(fc, pkt)) >= 0) {
        if (pkt->stream_index == index)
            rc = r128_feed(&r, dec, pkt, f);
        av_packet_unref(pkt);
        if (rc < 0)
            goto done;
    }
    if (rc != AVERROR_EOF)
        goto done;
    rc = r128_feed(&r, dec, NULL, f);
    if (rc < 0)
        goto done;
    if (r.g != NULL) {
        rc = av_buffersrc_add_frame(r.src, NULL);
        if (rc >= 0)
            rc = r128_drain(&r, f);
        if (rc < 0)
            goto done;
    }
    rc = r.seen ? 0 : SV_ENOMEDIA;
done:
    avfilter_graph_free(&r.g);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fc);
    return rc;
}

const char *
sv_av_primaries_name(int v)
{
    return av_color_primaries_name((enum AVColorPrimaries)v);
}

const char *
sv_av_transfer_name(int v)
{
    return av_color_transfer_name((enum AVColorTransferCharacteristic)v);
}

const char *
sv_av_matrix_name(int v)
{
    return av_color_space_name((enum AVColorSpace)v);
}
