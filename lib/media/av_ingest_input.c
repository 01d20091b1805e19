/* av_ingest_input.c -- pull a URL (or a TS byte source) into live packets */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>

#include "core/err.h"
#include "media/av_open.h"
#include "media/av_ingest.h"

#define IO_BUF 65536

struct input {
    sv_av_read_fn read;
    void *rud;
    const struct sv_av_input_cbs *cbs;
    void *ud;
};

static int
io_read(void *opaque, uint8_t *buf, int size)
{
    struct input *in = opaque;
    int n = in->read(in->rud, buf, (size_t)size);

    if (n == 0)
        return AVERROR_EOF;
    return n < 0 ? AVERROR(EIO) : n;
}

static int
interrupted(void *opaque)
{
    struct input *in = opaque;

    return in->cbs->stop != NULL && in->cbs->stop(in->ud);
}

static int
our_codec(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_H264: return SV_CODEC_H264;
    case AV_CODEC_ID_HEVC: return SV_CODEC_HEVC;
    case AV_CODEC_ID_AV1: return SV_CODEC_AV1;
    case AV_CODEC_ID_VP9: return SV_CODEC_VP9;
    case AV_CODEC_ID_AAC: return SV_CODEC_AAC;
    case AV_CODEC_ID_MP3: return SV_CODEC_MP3;
    case AV_CODEC_ID_OPUS: return SV_CODEC_OPUS;
    case AV_CODEC_ID_AC3: return SV_CODEC_AC3;
    default: return SV_CODEC_OTHER;
    }
}

static void
fill_track(struct sv_ingest_track *t, AVStream *st)
{
    AVCodecParameters *par = st->codecpar;

    t->codec = our_codec(par->codec_id);
    t->par = par;                   /* borrowed for the callback */
    t->width = par->width;
    t->height = par->height;
    t->sample_rate = par->sample_rate;
    t->channels = par->ch_layout.nb_channels;
}

static int64_t
to_us(int64_t ts, AVRational tb)
{
    static const AVRational us = { 1, 1000000 };

    return ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, tb, us);
}

int
sv_av_input_run(const char *url, sv_av_read_fn read, void *rud,
                const struct sv_av_input_cbs *cbs, void *ud,
                int64_t open_timeout_us, char *err, size_t size)
{
    struct input in = { read, rud, cbs, ud };
    struct sv_ingest_track tracks[SV_TRACKS];
    const AVInputFormat *fmt = NULL;
    AVFormatContext *fc = NULL;
    AVDictionary *opts = NULL;
    AVPacket *pkt = NULL;
    AVIOContext *pb = NULL;
    enum sv__av_step step;
    int idx[SV_TRACKS] = { -1, -1 };
    char tmo[32];
    uint8_t *iobuf = NULL;
    int rc, i;

    err[0] = '\0';
    fc = avformat_alloc_context();
    pkt = av_packet_alloc();
    if (fc == NULL || pkt == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    fc->interrupt_callback.callback = interrupted;
    fc->interrupt_callback.opaque = &in;
    if (url == NULL) {
        iobuf = av_malloc(IO_BUF);
        if (iobuf == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
        pb = avio_alloc_context(iobuf, IO_BUF, 0, &in, io_read, NULL, NULL);
        fc->pb = pb;
        if (pb == NULL) {
            av_free(iobuf);
            rc = -ENOMEM;
            goto fail;
        }
        fc->flags |= AVFMT_FLAG_CUSTOM_IO;
        fmt = av_find_input_format("mpegts");
    }
    if (open_timeout_us > 0) {
        snprintf(tmo, sizeof(tmo), "%lld", (long long)open_timeout_us);
        av_dict_set(&opts, "rw_timeout", tmo, 0);
    }
    /* a live source should start in about a second, not after five */
    fc->max_analyze_duration = 2000000;
    rc = sv__av_open(&fc, url != NULL ? url : "", fmt, &opts, NULL, &step);
    av_dict_free(&opts);
    if (rc < 0) {
        snprintf(err, size, step == SV__AV_OPEN ? "cannot open '%s': %s"
                 : "cannot read streams of '%s': %s",
                 url != NULL ? url : "stream", av_err2str(rc));
        goto fail;
    }
    memset(tracks, 0, sizeof(tracks));
    idx[0] = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    idx[1] = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    for (i = 0; i < SV_TRACKS; i++)
        if (idx[i] >= 0)
            fill_track(&tracks[i], fc->streams[idx[i]]);
    if (idx[0] < 0 && idx[1] < 0) {
        snprintf(err, size, "no audio or video in '%s'",
                 url != NULL ? url : "stream");
        rc = SV_ENOMEDIA;
        goto fail;
    }
    rc = cbs->tracks(ud, tracks);
    if (rc < 0)
        goto fail;
    for (;;) {
        struct sv_ingest_pkt p;
        AVStream *st;

        rc = av_read_frame(fc, pkt);
        if (rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0) {
            if (interrupted(&in))
                rc = SV_EINTR;
            else
                snprintf(err, size, "cannot read '%s': %s",
                         url != NULL ? url : "stream", av_err2str(rc));
            break;
        }
        p.track = pkt->stream_index == idx[0] ? SV_TRACK_VIDEO
                : pkt->stream_index == idx[1] ? SV_TRACK_AUDIO : -1;
        if (p.track >= 0) {
            st = fc->streams[pkt->stream_index];
            p.pts = to_us(pkt->pts, st->time_base);
            p.dts = to_us(pkt->dts, st->time_base);
            if (p.dts == AV_NOPTS_VALUE)
                p.dts = p.pts;
            if (p.pts == AV_NOPTS_VALUE)
                p.pts = p.dts;
            p.key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
            p.data = pkt->data;
            p.size = (size_t)pkt->size;
            if (p.dts != AV_NOPTS_VALUE)
                rc = cbs->packet(ud, &p);
        }
        av_packet_unref(pkt);
        if (rc < 0)
            break;
        rc = 0;
    }
fail:
    av_packet_free(&pkt);
    avformat_close_input(&fc);
    if (pb != NULL) {
        av_freep(&pb->buffer);
        avio_context_free(&pb);
    }
    if (rc < 0 && err[0] == '\0' && rc != SV_EINTR)
        snprintf(err, size, "cannot read '%s': %s",
                 url != NULL ? url : "stream", av_err2str(rc));
    return rc;
}
