/* av_mux.c -- outputs: one stream on stdout, or one file per rung */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av.h"
#include "media/chunk.h"

static const char *
format_of(const char *container)
{
    if (strcmp(container, "ts") == 0)
        return "mpegts";
    if (strcmp(container, "mkv") == 0)
        return "matroska";
    return container;
}

int
sv__mux_global_header(const char *format)
{
    const AVOutputFormat *f = av_guess_format(format_of(format), NULL, NULL);

    return f != NULL && (f->flags & AVFMT_GLOBALHEADER);
}

static int
add_stream(AVFormatContext *fc, const AVCodecContext *enc)
{
    AVStream *st = avformat_new_stream(fc, NULL);
    int rc;

    if (st == NULL)
        return AVERROR(ENOMEM);
    rc = avcodec_parameters_from_context(st->codecpar, enc);
    if (rc < 0)
        return rc;
    st->time_base = enc->time_base;
    st->avg_frame_rate = enc->framerate;
    /* players (Safari, hls.js) want HEVC in MP4 tagged hvc1 */
    if (enc->codec_id == AV_CODEC_ID_HEVC &&
        strcmp(fc->oformat->name, "mp4") == 0)
        st->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');
    if (enc->codec_type == AVMEDIA_TYPE_AUDIO)
        st->codecpar->frame_size = enc->frame_size;
    return st->index;
}

/* Opens one output: format, the streams of rungs [from, to), audio. */
static int
open_out(struct sv__out *o, const char *fmt, const char *url,
         AVCodecContext **venc, int from, int to, AVCodecContext *aenc)
{
    AVDictionary *opts = NULL;
    int i, rc;

    rc = avformat_alloc_output_context2(&o->fc, NULL, format_of(fmt), url);
    if (rc < 0)
        return rc;
    o->ast = -1;
    for (i = from; i < to; i++) {
        rc = add_stream(o->fc, venc[i]);
        if (rc < 0)
            return rc;
        if (i == from)
            o->vst = rc;
    }
    if (aenc != NULL) {
        rc = add_stream(o->fc, aenc);
        if (rc < 0)
            return rc;
        o->ast = rc;
    }
    rc = avio_open(&o->fc->pb, url, AVIO_FLAG_WRITE);
    if (rc < 0)
        return rc;
    if (strcmp(fmt, "mp4") == 0)
        av_dict_set(&opts, "movflags", "+faststart", 0);
    rc = avformat_write_header(o->fc, &opts);
    av_dict_free(&opts);
    return rc;
}

static void
free_out(struct sv__out *o)
{
    if (o->fc != NULL) {
        if (!(o->fc->oformat->flags & AVFMT_NOFILE))
            avio_closep(&o->fc->pb);
        avformat_free_context(o->fc);
        o->fc = NULL;
    }
}

int
sv__mux_open(struct sv__mux *m, const char *dir, const char *format,
             const struct sv_ladder *l, AVCodecContext **venc,
             AVCodecContext *aenc, const int64_t *chunk)
{
    char path[4096];
    int i, rc;

    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    for (i = 0; i < SV_LADDER_MAX; i++)
        m->out[i].af = (struct sv_afile)SV_AFILE_INIT;
    if (dir == NULL) {
        m->pipe = 1;
        m->nout = 1;
        rc = open_out(&m->out[0], format, "pipe:1", venc, 0, l->n, aenc);
        if (rc < 0)
            goto fail;
        return 0;
    }
    rc = sv_mkdir_p(dir);
    if (rc < 0) {
        sv_log_error("cannot create '%s': %s", dir, sv_strerror(rc));
        return rc;
    }
    for (i = 0; i < l->n; i++) {
        struct sv__out *o = &m->out[i];

        char name[256];

        if (chunk != NULL)
            sv_chunk_name(name, sizeof(name), l->r[i].name, chunk[0],
                          chunk[1], format);
        else
            snprintf(name, sizeof(name), "%s.%s", l->r[i].name, format);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        rc = sv_afile_open(&o->af, path, 0644);
        if (rc < 0) {
            sv_log_error("cannot create '%s': %s", path, sv_strerror(rc));
            goto fail;
        }
        m->nout++;
        rc = open_out(o, format, o->af.tmp, venc, i, i + 1, aenc);
        if (rc < 0)
            goto fail;
    }
    return 0;
fail:
    if (rc != AVERROR(EPIPE))
        sv_log_error("cannot start the output: %s", sv_strerror(rc));
    sv__mux_close(m, 0);
    return rc;
}

static int
write_one(struct sv__mux *m, struct sv__out *o, int st, AVPacket *pkt,
          AVRational tb)
{
    int rc;

    pkt->stream_index = st;
    av_packet_rescale_ts(pkt, tb, o->fc->streams[st]->time_base);
    rc = av_interleaved_write_frame(o->fc, pkt);
    if (rc == AVERROR(EPIPE))
        m->epipe = 1;
    return rc;
}

int
sv__mux_write(struct sv__mux *m, int rung, AVPacket *pkt, AVRational tb)
{
    AVPacket *copy;
    int i, rc = 0;

    pthread_mutex_lock(&m->lock);
    if (m->pipe) {
        struct sv__out *o = &m->out[0];

        rc = write_one(m, o, rung < 0 ? o->ast : o->vst + rung, pkt, tb);
    } else if (rung >= 0) {
        rc = write_one(m, &m->out[rung], m->out[rung].vst, pkt, tb);
    } else {
        /* each rung's file carries its own copy of the one audio track */
        for (i = 0; i < m->nout && rc >= 0; i++) {
            copy = av_packet_clone(pkt);
            if (copy == NULL) {
                rc = AVERROR(ENOMEM);
                break;
            }
            rc = write_one(m, &m->out[i], m->out[i].ast, copy, tb);
            av_packet_free(&copy);
        }
    }
    pthread_mutex_unlock(&m->lock);
    av_packet_unref(pkt);
    return rc;
}

int
sv__mux_close(struct sv__mux *m, int ok)
{
    int i, rc, first = 0;

    for (i = 0; i < m->nout; i++) {
        struct sv__out *o = &m->out[i];

        rc = 0;
        if (ok && o->fc != NULL) {
            rc = av_write_trailer(o->fc);
            if (rc >= 0 && o->fc->pb != NULL) {
                avio_flush(o->fc->pb);
                rc = o->fc->pb->error;
            }
        }
        free_out(o);
        if (!m->pipe) {
            if (ok && rc >= 0)
                rc = sv_afile_commit(&o->af, 0);
            else
                sv_afile_abort(&o->af);
        }
        if (rc < 0 && first == 0)
            first = rc;
    }
    m->nout = 0;
    pthread_mutex_destroy(&m->lock);
    return first;
}
