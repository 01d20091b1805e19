/* av_demux.c -- libavformat input for the packager: streams and packets */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>

#include "core/err.h"
#include "media/av_open.h"
#include "media/av_demux.h"

struct sv_demux {
    AVFormatContext *fc;
    AVPacket *pkt;
    struct sv_demux_stream *st;
    int n;
    volatile int *stop;
    /* sv_demux_open_fd: the bytes a probe already read, then fd */
    AVIOContext *io;
    const uint8_t *prefix;
    size_t prefix_len, prefix_pos;
    int fd;
};

static const char *
av_message(int code, char *buf, unsigned size)
{
    if (av_strerror(code, buf, size) < 0)
        return NULL;
    buf[0] = (char)(buf[0] >= 'A' && buf[0] <= 'Z' ? buf[0] + 32 : buf[0]);
    return buf;
}

static int
interrupted(void *ud)
{
    struct sv_demux *d = ud;

    return d->stop != NULL && *d->stop;
}

static enum sv_codec
map_codec(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_H264: return SV_CODEC_H264;
    case AV_CODEC_ID_HEVC: return SV_CODEC_HEVC;
    case AV_CODEC_ID_VP9: return SV_CODEC_VP9;
    case AV_CODEC_ID_AV1: return SV_CODEC_AV1;
    case AV_CODEC_ID_AAC: return SV_CODEC_AAC;
    case AV_CODEC_ID_OPUS: return SV_CODEC_OPUS;
    default: return SV_CODEC_OTHER;
    }
}

static void
describe(struct sv_demux_stream *s, const AVStream *st)
{
    const AVCodecParameters *cp = st->codecpar;
    const AVPixFmtDescriptor *pd;
    const AVDictionaryEntry *lang;
    AVRational fr;

    memset(s, 0, sizeof(*s));
    s->index = st->index;
    s->id = st->id;
    s->kind = cp->codec_type == AVMEDIA_TYPE_VIDEO ? SV_KIND_VIDEO
              : cp->codec_type == AVMEDIA_TYPE_AUDIO ? SV_KIND_AUDIO
              : SV_KIND_OTHER;
    s->codec = map_codec(cp->codec_id);
    s->codec_name = avcodec_get_name(cp->codec_id);
    s->tb_num = st->time_base.num;
    s->tb_den = st->time_base.den;
    s->width = cp->width;
    s->height = cp->height;
    fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    if (fr.num > 0 && fr.den > 0) {
        s->fps_num = fr.num;
        s->fps_den = fr.den;
    }
    s->sample_rate = cp->sample_rate;
    s->channels = cp->ch_layout.nb_channels;
    s->profile = cp->profile;
    s->level = cp->level;
    s->bit_depth = 8;
    s->chroma_420 = 1;
    pd = av_pix_fmt_desc_get(cp->format);
    if (pd != NULL) {
        s->bit_depth = pd->comp[0].depth;
        s->chroma_420 = pd->log2_chroma_w == 1 && pd->log2_chroma_h == 1;
    }
    s->full_range = cp->color_range == AVCOL_RANGE_JPEG;
    s->primaries = cp->color_primaries;
    s->transfer = cp->color_trc;
    s->matrix = cp->color_space;
    s->bit_rate = cp->bit_rate;
    s->extradata = cp->extradata;
    s->extradata_len = (size_t)cp->extradata_size;
    lang = av_dict_get(st->metadata, "language", NULL, 0);
    s->language = lang != NULL ? lang->value : "und";
}

/* Custom I/O of sv_demux_open_fd: the prefix, then the descriptor. */
static int
read_fd(void *ud, uint8_t *buf, int size)
{
    struct sv_demux *d = ud;
    size_t left = d->prefix_len - d->prefix_pos;
    ssize_t n;

    if (left > 0) {
        n = left < (size_t)size ? (ssize_t)left : size;
        memcpy(buf, d->prefix + d->prefix_pos, (size_t)n);
        d->prefix_pos += (size_t)n;
        return (int)n;
    }
    for (;;) {
        n = read(d->fd, buf, (size_t)size);
        if (n >= 0 || errno != EINTR)
            break;
        if (d->stop != NULL && *d->stop)
            return AVERROR_EXIT;
    }
    if (n < 0)
        return AVERROR(errno);
    return n == 0 ? AVERROR_EOF : (int)n;
}

static int
open_demux(struct sv_demux **out, const char *url, const char *format,
           int fd, const uint8_t *prefix, size_t len)
{
    struct sv_demux *d;
    const AVInputFormat *ifmt = NULL;
    uint8_t *iobuf;
    int rc, i;

    sv_err_set_fallback(av_message);
    av_log_set_level(AV_LOG_FATAL);
    if (format != NULL) {
        ifmt = av_find_input_format(format);
        if (ifmt == NULL)
            return SV_EUSAGE;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->fd = fd;
    d->prefix = prefix;
    d->prefix_len = len;
    d->fc = avformat_alloc_context();
    d->pkt = av_packet_alloc();
    if (d->fc == NULL || d->pkt == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    if (fd >= 0) {
        iobuf = av_malloc(1 << 16);
        d->io = iobuf != NULL ? avio_alloc_context(iobuf, 1 << 16, 0, d,
                                                   read_fd, NULL, NULL)
                              : NULL;
        if (d->io == NULL) {
            av_free(iobuf);
            rc = -ENOMEM;
            goto fail;
        }
        d->io->seekable = 0;
        d->fc->pb = d->io;
        d->fc->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    d->fc->interrupt_callback.callback = interrupted;
    d->fc->interrupt_callback.opaque = d;
    rc = sv__av_open(&d->fc, url, ifmt, NULL, NULL, NULL);
    if (rc < 0) {
        rc = rc == AVERROR_INVALIDDATA ? SV_EFORMAT : rc;
        goto fail;
    }
    d->n = (int)d->fc->nb_streams;
    d->st = calloc((size_t)d->n + 1, sizeof(*d->st));
    if (d->st == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    for (i = 0; i < d->n; i++)
        describe(&d->st[i], d->fc->streams[i]);
    *out = d;
    return 0;
fail:
    sv_demux_close(d);
    return rc;
}

int
sv_demux_open(struct sv_demux **out, const char *url, const char *format)
{
    return open_demux(out, url, format, -1, NULL, 0);
}

int
sv_demux_open_fd(struct sv_demux **out, int fd, const uint8_t *prefix,
                 size_t len, const char *format)
{
    return open_demux(out, "", format, fd, prefix, len);
}

int
sv_demux_count(const struct sv_demux *d)
{
    return d->n;
}

const struct sv_demux_stream *
sv_demux_stream(const struct sv_demux *d, int i)
{
    return i >= 0 && i < d->n ? &d->st[i] : NULL;
}

int
sv_demux_read(struct sv_demux *d, struct sv_demux_packet *pkt,
              volatile int *stop)
{
    AVPacket *p = d->pkt;
    AVCodecParameters *cp;
    const uint8_t *side;
    size_t side_len;
    int rc;

    d->stop = stop;
    av_packet_unref(p);
    rc = av_read_frame(d->fc, p);
    if (rc == AVERROR_EOF)
        return 0;
    if (rc == AVERROR_EXIT)
        return SV_EINTR;
    if (rc < 0)
        return rc == AVERROR_INVALIDDATA ? SV_EFORMAT : rc;
    /* a new parameter set arrives as side data: keep the stream current */
    side = av_packet_get_side_data(p, AV_PKT_DATA_NEW_EXTRADATA, &side_len);
    if (side != NULL && side_len > 0 && side_len < (1 << 20)) {
        cp = d->fc->streams[p->stream_index]->codecpar;
        av_freep(&cp->extradata);
        cp->extradata = av_mallocz(side_len + AV_INPUT_BUFFER_PADDING_SIZE);
        if (cp->extradata != NULL) {
            memcpy(cp->extradata, side, side_len);
            cp->extradata_size = (int)side_len;
        } else {
            cp->extradata_size = 0;
        }
        describe(&d->st[p->stream_index], d->fc->streams[p->stream_index]);
    }
    pkt->stream = p->stream_index;
    pkt->pts = p->pts == AV_NOPTS_VALUE ? SV_NOPTS : p->pts;
    pkt->dts = p->dts == AV_NOPTS_VALUE ? SV_NOPTS : p->dts;
    pkt->duration = p->duration;
    pkt->key = (p->flags & AV_PKT_FLAG_KEY) != 0;
    pkt->corrupt = (p->flags & AV_PKT_FLAG_CORRUPT) != 0;
    pkt->data = p->data;
    pkt->size = (size_t)p->size;
    pkt->own = NULL;
    pkt->stable = 0;
    return 1;
}

const char *
sv_demux_format(const struct sv_demux *d)
{
    return d->fc->iformat != NULL ? d->fc->iformat->name : "";
}

int64_t
sv_demux_bytes(const struct sv_demux *d)
{
    return d->fc != NULL && d->fc->pb != NULL ? avio_tell(d->fc->pb) : 0;
}

void
sv_demux_close(struct sv_demux *d)
{
    if (d == NULL)
        return;
    av_packet_free(&d->pkt);
    avformat_close_input(&d->fc);
    if (d->io != NULL) {
        av_freep(&d->io->buffer);
        avio_context_free(&d->io);
    }
    free(d->st);
    free(d);
}

const char *
sv_demux_strerror_r(int code, char *buf, unsigned size)
{
    return av_message(code, buf, size);
}
