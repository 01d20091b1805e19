/* av_ingest_mux.c -- live packets to MPEG-TS (or another format) in memory */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av_ingest.h"

#define IO_BUF 65536

struct sv_av_mux {
    AVFormatContext *fc;
    AVPacket *pkt;
    int map[SV_TRACKS];     /* our track -> AVStream index, -1 unused */
    /* H.264 from RTMP into MPEG-TS: length-prefixed NALs are rewritten to
     * start codes here, with an access unit delimiter and the parameter
     * sets on keyframes, in the one copy we make anyway; otherwise
     * libavformat's bitstream filter and its AUD insertion copy twice */
    int annexb;
    int nal_len;            /* bytes of each NAL's length prefix */
    uint8_t *ps;            /* SPS and PPS with start codes */
    size_t ps_len;
    sv_av_write_fn fn;
    void *ud;
    int header;
    /* last dts written per track, in its stream's time base: a dts that
     * does not rise there (two input timestamps in one 90 kHz tick, a
     * repeated millisecond from a live encoder) is moved one tick on */
    int64_t last_dts[SV_TRACKS];
    unsigned repaired;
};

static const AVRational us = { 1, 1000000 };

static int
io_write(void *opaque, uint8_t *buf, int size)
{
    struct sv_av_mux *m = opaque;
    int rc = m->fn(m->ud, buf, (size_t)size);

    return rc < 0 ? AVERROR(EPIPE) : size;
}

static enum AVCodecID
codec_id(int c)
{
    switch (c) {
    case SV_CODEC_H264: return AV_CODEC_ID_H264;
    case SV_CODEC_HEVC: return AV_CODEC_ID_HEVC;
    case SV_CODEC_AV1: return AV_CODEC_ID_AV1;
    case SV_CODEC_VP9: return AV_CODEC_ID_VP9;
    case SV_CODEC_AAC: return AV_CODEC_ID_AAC;
    case SV_CODEC_MP3: return AV_CODEC_ID_MP3;
    case SV_CODEC_OPUS: return AV_CODEC_ID_OPUS;
    case SV_CODEC_AC3: return AV_CODEC_ID_AC3;
    default: return AV_CODEC_ID_NONE;
    }
}

/* avcC to start-code parameter sets; 0, or SV_EFORMAT */
static int
avcc_to_annexb(struct sv_av_mux *m, const uint8_t *p, size_t len)
{
    size_t off = 6, n, i, k, total = 0;
    int pass, count;
    uint8_t *out = NULL;

    if (len < 7 || p[0] != 1)
        return SV_EFORMAT;
    m->nal_len = (p[4] & 3) + 1;
    /* twice: measure, then copy */
    for (pass = 0; pass < 2; pass++) {
        off = 5;
        total = 0;
        for (k = 0; k < 2; k++) {
            if (off >= len)
                return SV_EFORMAT;
            count = k == 0 ? p[off] & 0x1f : p[off];
            off++;
            for (i = 0; i < (size_t)count; i++) {
                if (len - off < 2)
                    return SV_EFORMAT;
                n = (size_t)p[off] << 8 | p[off + 1];
                off += 2;
                if (len - off < n)
                    return SV_EFORMAT;
                if (out != NULL) {
                    memcpy(out + total, "\0\0\0\1", 4);
                    memcpy(out + total + 4, p + off, n);
                }
                total += 4 + n;
                off += n;
            }
        }
        if (pass == 0) {
            out = av_malloc(total + AV_INPUT_BUFFER_PADDING_SIZE);
            if (out == NULL)
                return -ENOMEM;
        }
    }
    m->ps = out;
    m->ps_len = total;
    return 0;
}

/* one copy: AUD, parameter sets on keyframes, NALs with start codes */
static int
fill_annexb(struct sv_av_mux *m, const struct sv_ingest_pkt *pkt)
{
    static const uint8_t aud[6] = { 0, 0, 0, 1, 9, 0xf0 };
    const uint8_t *p = pkt->data;
    size_t off, n, size = sizeof(aud), w;
    int pass, type, has_ps = 0, rc;
    uint8_t *out = NULL;

    for (pass = 0; pass < 2; pass++) {
        w = sizeof(aud);
        if (out != NULL) {
            memcpy(out, aud, sizeof(aud));
            if (pkt->key && !has_ps) {
                memcpy(out + w, m->ps, m->ps_len);
                w += m->ps_len;
            }
        }
        for (off = 0; off < pkt->size; off += n) {
            int i;

            if (pkt->size - off < (size_t)m->nal_len)
                return SV_EFORMAT;
            for (n = 0, i = 0; i < m->nal_len; i++)
                n = n << 8 | p[off + i];
            off += (size_t)m->nal_len;
            if (pkt->size - off < n)
                return SV_EFORMAT;
            type = n > 0 ? p[off] & 0x1f : 0;
            if (type == 9 || n == 0)
                continue;   /* ours comes first */
            if (type == 7)
                has_ps = 1;
            if (out != NULL) {
                memcpy(out + w, "\0\0\0\1", 4);
                memcpy(out + w + 4, p + off, n);
            }
            w += 4 + n;
        }
        if (pass == 0) {
            size = w + (pkt->key && !has_ps ? m->ps_len : 0);
            rc = av_new_packet(m->pkt, (int)size);
            if (rc < 0)
                return rc;
            out = m->pkt->data;
        }
    }
    return 0;
}

static int
add_stream(struct sv_av_mux *m, int i, const struct sv_ingest_track *t)
{
    AVCodecParameters *par;
    AVStream *st;

    st = avformat_new_stream(m->fc, NULL);
    if (st == NULL)
        return -ENOMEM;
    st->time_base = us;
    par = st->codecpar;
    if (t->par != NULL)
        return avcodec_parameters_copy(par, t->par);
    par->codec_type = i == SV_TRACK_VIDEO ? AVMEDIA_TYPE_VIDEO
                                          : AVMEDIA_TYPE_AUDIO;
    par->codec_id = codec_id(t->codec);
    if (i == SV_TRACK_VIDEO && t->codec == SV_CODEC_H264 &&
        strcmp(m->fc->oformat->name, "mpegts") == 0 &&
        avcc_to_annexb(m, t->extra, t->extra_len) == 0) {
        m->annexb = 1;
        par->extradata = av_mallocz(m->ps_len + AV_INPUT_BUFFER_PADDING_SIZE);
        if (par->extradata == NULL)
            return -ENOMEM;
        memcpy(par->extradata, m->ps, m->ps_len);
        par->extradata_size = (int)m->ps_len;
    } else if (t->extra_len > 0) {
        par->extradata = av_mallocz(t->extra_len +
                                    AV_INPUT_BUFFER_PADDING_SIZE);
        if (par->extradata == NULL)
            return -ENOMEM;
        memcpy(par->extradata, t->extra, t->extra_len);
        par->extradata_size = (int)t->extra_len;
    }
    if (i == SV_TRACK_VIDEO) {
        par->width = t->width;
        par->height = t->height;
    } else {
        par->sample_rate = t->sample_rate;
        av_channel_layout_default(&par->ch_layout,
                                  t->channels > 0 ? t->channels : 2);
        if (t->codec == SV_CODEC_AAC)
            par->frame_size = 1024;
    }
    return 0;
}

/* whether the format can carry the codec (and players read it there) */
static int
carried(const AVOutputFormat *of, enum AVCodecID id)
{
    /* FFmpeg 5.1 writes AV1 and VP9 into MPEG-TS as private data that
     * no demuxer reads back: refuse instead */
    if (strcmp(of->name, "mpegts") == 0)
        return id != AV_CODEC_ID_AV1 && id != AV_CODEC_ID_VP9;
    return avformat_query_codec(of, id, FF_COMPLIANCE_NORMAL) != 0;
}

int
sv_av_mux_new(struct sv_av_mux **out, const char *format,
              const struct sv_ingest_track *tracks, sv_av_write_fn fn,
              void *ud)
{
    struct sv_av_mux *m;
    AVDictionary *opts = NULL;
    uint8_t *iobuf = NULL;
    int i, rc, n = 0;

    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    m->fn = fn;
    m->ud = ud;
    rc = avformat_alloc_output_context2(&m->fc, NULL, format, NULL);
    if (rc < 0)
        goto fail;
    for (i = 0; i < SV_TRACKS; i++) {
        m->map[i] = -1;
        m->last_dts[i] = AV_NOPTS_VALUE;
        if (tracks[i].codec == SV_CODEC_NONE)
            continue;
        rc = add_stream(m, i, &tracks[i]);
        if (rc < 0)
            goto fail;
        if (!carried(m->fc->oformat, m->fc->streams[n]->codecpar->codec_id)) {
            rc = SV_EFORMAT;
            goto fail;
        }
        m->map[i] = n++;
    }
    if (n == 0) {
        rc = SV_ENOMEDIA;
        goto fail;
    }
    iobuf = av_malloc(IO_BUF);
    m->pkt = av_packet_alloc();
    if (iobuf == NULL || m->pkt == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    m->fc->pb = avio_alloc_context(iobuf, IO_BUF, 1, m, NULL, io_write, NULL);
    if (m->fc->pb == NULL) {
        av_free(iobuf);
        rc = -ENOMEM;
        goto fail;
    }
    /* every packet leaves at once: the added latency is the muxing only */
    m->fc->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    m->fc->flush_packets = 1;
    m->fc->max_delay = 700000;      /* the ffmpeg CLI's mux delay */
    if (strcmp(format, "mpegts") == 0)
        av_dict_set(&opts, "pes_payload_size", "0", 0);
    if (strcmp(format, "matroska") == 0)
        av_dict_set(&opts, "live", "1", 0);
    rc = avformat_write_header(m->fc, &opts);
    av_dict_free(&opts);
    if (rc < 0)
        goto fail;
    m->header = 1;
    *out = m;
    return 0;
fail:
    sv_av_mux_free(m, 0);
    return rc;
}

/*
 * What libavformat refuses with EINVAL, repaired instead of losing the
 * stream: a dts that does not rise in the stream's time base, a negative
 * one, a pts before its dts.
 */
static void
repair_ts(struct sv_av_mux *m, int track, AVPacket *p)
{
    int64_t last = m->last_dts[track];

    if (p->dts < 0 || (last != AV_NOPTS_VALUE && p->dts <= last)) {
        if (m->repaired++ == 0)
            sv_log_debug("track %d: dts %" PRId64 " after %" PRId64
                         " moved to rise in the muxer's time base", track,
                         p->dts, last);
        p->dts = last == AV_NOPTS_VALUE ? 0 : last + 1;
    }
    if (p->pts < p->dts)
        p->pts = p->dts;
    m->last_dts[track] = p->dts;
}

int
sv_av_mux_write(struct sv_av_mux *m, const struct sv_ingest_pkt *pkt)
{
    AVStream *st;
    int idx = pkt->track >= 0 && pkt->track < SV_TRACKS ? m->map[pkt->track]
                                                       : -1;
    int rc;

    if (idx < 0)
        return 0;
    st = m->fc->streams[idx];
    av_packet_unref(m->pkt);
    /* the muxer may keep a reference, so the bytes are copied once here */
    if (m->annexb && pkt->track == SV_TRACK_VIDEO) {
        rc = fill_annexb(m, pkt);
        if (rc < 0)
            return rc;
    } else {
        rc = av_new_packet(m->pkt, (int)pkt->size);
        if (rc < 0)
            return rc;
        memcpy(m->pkt->data, pkt->data, pkt->size);
    }
    m->pkt->stream_index = idx;
    m->pkt->pts = av_rescale_q(pkt->pts, us, st->time_base);
    m->pkt->dts = av_rescale_q(pkt->dts, us, st->time_base);
    repair_ts(m, pkt->track, m->pkt);
    if (pkt->key)
        m->pkt->flags |= AV_PKT_FLAG_KEY;
    rc = av_write_frame(m->fc, m->pkt);
    return rc < 0 ? rc : 0;
}

void
sv_av_mux_free(struct sv_av_mux *m, int ok)
{
    if (m == NULL)
        return;
    if (m->header && ok)
        av_write_trailer(m->fc);
    if (m->fc != NULL && m->fc->pb != NULL) {
        av_freep(&m->fc->pb->buffer);
        avio_context_free(&m->fc->pb);
    }
    avformat_free_context(m->fc);
    av_packet_free(&m->pkt);
    av_free(m->ps);
    free(m);
}
