/* transcode.c -- the sv-transcode job: demux and decode once, one ladder
 * graph, one encoder thread per rung, shared audio, one muxer */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswscale/swscale.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "media/job.h"

const char *const sv_codec_names[] = { "h264", "hevc", "vp9", "av1", NULL };

static const int default_crf[] = { 23, 28, 33, 35 };

int64_t
sv__now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
sv__job_fail(struct job *j, int rc)
{
    int zero = 0;

    atomic_compare_exchange_strong(&j->failed, &zero, rc);
}

const char *
sv__shown(const char *url)
{
    return strcmp(url, "-") == 0 ? "stdin" : url;
}

/* --- setup on the first decoded video frame --- */

int
sv__hw_pick(const struct sv_transcode_opts *o, const struct sv__hw **out,
            AVBufferRef **dev)
{
    static const enum sv_hw order[] = { SV_HW_NVENC, SV_HW_VAAPI, SV_HW_QSV };
    char why[256], all[800] = "";
    size_t i;

    /* two passes are ours to drive: the software encoders */
    if (o->hw == SV_HW_NONE || (o->two_pass && o->hw == SV_HW_AUTO))
        return 0;
    if (o->hw != SV_HW_AUTO) {
        const struct sv__hw *hw = sv__hw_get(o->hw);

        if (sv__hw_probe(hw, o->codec, dev, why, sizeof(why)) < 0) {
            sv_log_error("cannot use --hw %s: %s", hw->name, why);
            return SV_ENOHW;
        }
        *out = hw;
        return 0;
    }
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const struct sv__hw *hw = sv__hw_get(order[i]);

        if (sv__hw_probe(hw, o->codec, dev, why, sizeof(why)) == 0) {
            *out = hw;
            sv_log_debug("--hw auto: using %s", hw->name);
            return 0;
        }
        snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
                 all[0] ? "; " : "", why);
    }
    sv_log_debug("--hw auto: encoding in software: %s", all);
    json_t *d = json_object();
    json_object_set_new(d, "hw", json_string("auto"));
    json_object_set_new(d, "to", json_string("software"));
    json_object_set_new(d, "reason", json_string(all));
    sv_event_emit("video.transcoding.fallback", d);
    return 0;
}

static int
pick_hw(struct job *j)
{
    return sv__hw_pick(j->o, &j->hw, &j->hwdev);
}

static int
open_encoders(struct job *j)
{
    const struct sv_transcode_opts *o = j->o;
    struct sv__venc_cfg cfg;
    char stats[128];
    double pixels = 0;
    int64_t gop;
    int i, rc;

    gop = av_rescale_q(o->gop_us, AV_TIME_BASE_Q, j->vg.tb);
    if (gop < 1)
        gop = 1;
    sv_kf_init(&j->kf, gop, o->scene, o->scene_threshold,
               av_rescale_q(500000, AV_TIME_BASE_Q, j->vg.tb));
    memset(&cfg, 0, sizeof(cfg));
    cfg.codec = o->codec;
    cfg.rate = o->rate;
    cfg.crf = o->crf >= 0 ? o->crf : default_crf[o->codec];
    cfg.preset = o->preset;
    cfg.tb = j->vg.tb;
    cfg.fps = av_inv_q(j->vg.tb);
    /* one past our own forcing, so the encoder never adds keyframes */
    cfg.gop = (int)gop + 1;
    cfg.threads = o->threads;
    cfg.global_header = j->global_header;
    cfg.hw = j->hw;
    cfg.hwdev = j->hwdev;
    cfg.ten_bit = j->color.ten_bit;
    cfg.tagged = j->color.tagged;
    cfg.prim = j->color.prim;
    cfg.trc = j->color.trc;
    cfg.space = j->color.space;
    cfg.x265_hdr = j->color.x265_hdr;
    for (i = 0; i < j->lad.n; i++)
        pixels += (double)j->lad.r[i].width * j->lad.r[i].height;
    for (i = 0; i < j->lad.n; i++) {
        cfg.width = j->lad.r[i].width;
        cfg.height = j->lad.r[i].height;
        cfg.bitrate = j->lad.r[i].bitrate;
        /* a per-title rung keeps the quality its hull point was at */
        cfg.crf = j->lad.r[i].crf >= 0 ? j->lad.r[i].crf :
                  o->crf >= 0 ? o->crf : default_crf[o->codec];
        if (o->threads == 0)
            cfg.threads = sv__rung_threads(cfg.width, cfg.height, pixels);
        if (j->pass != 0) {
            snprintf(stats, sizeof(stats), "%s/rung%d.log", j->tp->dir, i);
            cfg.pass = j->pass;
            cfg.stats_path = stats;
            cfg.stats_in = j->pass == 2 ? j->tp->mem[i] : NULL;
        }
        rc = sv__venc_open(&j->r[i].enc, &cfg);
        if (rc < 0) {
            sv_log_error("cannot open the %s encoder for %s: %s",
                         sv_codec_names[o->codec], j->lad.r[i].name,
                         sv_strerror(rc));
            return rc;
        }
        j->r[i].job = j;
        j->r[i].idx = i;
        j->nrungs = i + 1;
    }
    return 0;
}

/*
 * The clean-up chain and the colour of the rungs: tone mapped to SDR
 * BT.709 and tagged so; HDR kept in 10-bit HEVC/AV1 with the source's
 * tags; otherwise as before (8-bit, untagged).
 */
static int
enhance_setup(struct job *j, const AVFrame *first, struct sv_buf *chain)
{
    const struct sv_transcode_opts *o = j->o;
    int rc, tonemapped, hdr = sv__enhance_is_hdr(first);

    rc = sv__enhance_chain(&o->enh, first, j->trf, chain, &tonemapped);
    if (rc == 0 && chain->len > 0)
        rc = sv_buf_u8(chain, 0);
    if (rc < 0)
        return rc;
    memset(&j->color, 0, sizeof(j->color));
    if (tonemapped) {
        j->color.tagged = 1;
        j->color.prim = AVCOL_PRI_BT709;
        j->color.trc = AVCOL_TRC_BT709;
        j->color.space = AVCOL_SPC_BT709;
    } else if (hdr && j->hw == NULL && (o->codec == SV_CODEC_HEVC ||
                                        o->codec == SV_CODEC_AV1)) {
        j->color.tagged = 1;
        j->color.ten_bit = 1;
        j->color.prim = first->color_primaries;
        j->color.trc = first->color_trc;
        j->color.space = first->colorspace;
        sv__enhance_x265_hdr(first, j->color.x265_hdr,
                             sizeof(j->color.x265_hdr));
        sv_log_debug("'%s' is HDR: kept in 10-bit %s%s%s",
                     sv__shown(o->input), sv_codec_names[o->codec],
                     j->color.x265_hdr[0] ? ", with " : "",
                     j->color.x265_hdr);
    } else if (hdr) {
        sv_log_warn("'%s' is HDR, and 8-bit %s%s cannot keep it: use "
                    "--tonemap, or --codec hevc or av1 in software",
                    sv__shown(o->input), sv_codec_names[o->codec],
                    j->hw ? " in hardware" : "");
    }
    return 0;
}

/*
 * --upscale: the box the ladder may grow to, w x h the source's displayed
 * size.  The box keeps the source's aspect; a box smaller than the source
 * upscales nothing.
 */
static void
upscale_box(const struct sv_upscale *u, int w, int h, int *bw, int *bh)
{
    double k = u->factor;

    if (k == 0) {
        k = (double)u->w / w;
        if ((double)u->h / h < k)
            k = (double)u->h / h;
    }
    if (k <= 1) {
        *bw = w;
        *bh = h;
        return;
    }
    *bw = (int)(w * k + 0.5) & ~1;
    *bh = (int)(h * k + 0.5) & ~1;
}

/*
 * Picks the scaler of each rung: those larger than the source (w x h, as
 * displayed) use --upscale's; the network needs 8-bit 4:2:0 in software
 * terms (swscale brings its output to the encoders' format), so 10-bit
 * rungs fall back to lanczos.
 */
static int
upscale_setup(struct job *j, const AVFrame *first, int w, int h)
{
    const struct sv_transcode_opts *o = j->o;
    int i, sr = 0, rc;

    for (i = 0; i < j->lad.n; i++) {
        struct sv_rung *r = &j->lad.r[i];

        r->scaler = SV_RUNG_BICUBIC;
        if (!o->up.on || (r->width <= w && r->height <= h))
            continue;
        r->scaler = SV_RUNG_LANCZOS;
        if (o->up.scaler == SV_UPSCALE_SR && !j->color.ten_bit &&
            sws_isSupportedOutput(j->vfmt)) {
            r->scaler = SV_RUNG_SR;
            sr = 1;
        }
        sv_log_debug("rung %s (%dx%d) is upscaled from %dx%d by %s",
                     r->name, r->width, r->height, first->width,
                     first->height, r->scaler == SV_RUNG_SR ? "sr" :
                     "lanczos");
    }
    if (o->up.on && o->up.scaler == SV_UPSCALE_SR && j->color.ten_bit)
        sv_log_warn("--upscale: the network is 8-bit; 10-bit rungs are "
                    "upscaled by lanczos");
    if (sr && j->sr == NULL) {
        rc = sv_sr_new(&j->sr, 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Runs the network on the rungs that use it (their frames are at the
 * source size), putting the upscaled frame in place. */
static int
upscale_frames(struct job *j, AVFrame **f)
{
    AVFrame *g;
    int i, rc;

    for (i = 0; i < j->vg.n; i++) {
        if (j->lad.r[i].scaler != SV_RUNG_SR)
            continue;
        rc = sv_sr_frame(j->sr, f[i], j->lad.r[i].width, j->lad.r[i].height,
                         j->vfmt, &g);
        if (rc < 0) {
            sv_log_error("cannot upscale a frame to %dx%d: %s",
                         j->lad.r[i].width, j->lad.r[i].height,
                         sv_strerror(rc));
            return rc;
        }
        g->sample_aspect_ratio = (AVRational){ 1, 1 };
        av_frame_free(&f[i]);
        f[i] = g;
    }
    return 0;
}

static int
setup(struct job *j, const AVFrame *first)
{
    const struct sv_transcode_opts *o = j->o;
    AVStream *st = j->in.fc->streams[j->in.vidx];
    AVCodecContext *venc[SV_LADDER_MAX];
    AVRational sar = first->sample_aspect_ratio;
    struct sv__venc_cfg pc;
    struct sv_buf chain = SV_BUF_INIT(4096);
    int64_t span[2] = { j->r_start, j->r_end };
    char err[256];
    int w = first->width, h = first->height, i, rc, deint = o->deint;
    int bw, bh;

    if (sar.num > 0 && sar.den > 0)
        w = (int)av_rescale(w, sar.num, sar.den);
    if (j->in.rotation == 90 || j->in.rotation == 270) {
        int t = w;

        w = h;
        h = t;
    }
    /* --upscale lets rungs grow past the source, up to its box */
    bw = w;
    bh = h;
    if (o->up.on)
        upscale_box(&o->up, w, h, &bw, &bh);
    rc = sv_ladder_fit(&j->lad, bw, bh, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("cannot build the ladder for '%s': %s",
                     sv__shown(o->input), err);
        return rc;
    }
    if (deint == SV_DEINT_AUTO) {
        enum AVFieldOrder fo = st->codecpar->field_order;

        /* bwdif touches only frames marked interlaced; skip it when
         * neither the stream nor the first frame says so */
        if (!first->interlaced_frame &&
            (fo == AV_FIELD_PROGRESSIVE || fo == AV_FIELD_UNKNOWN))
            deint = SV_DEINT_OFF;
    }
    if (deint != SV_DEINT_OFF)
        sv_log_debug("deinterlacing '%s' (bwdif)", sv__shown(o->input));
    rc = enhance_setup(j, first, &chain);
    if (rc < 0)
        return rc;
    memset(&pc, 0, sizeof(pc));
    pc.hw = j->hw;
    pc.ten_bit = j->color.ten_bit;
    j->vfmt = sv__venc_pix_fmt(&pc);
    rc = upscale_setup(j, first, w, h);
    if (rc < 0)
        return rc;
    rc = sv__vgraph_build(&j->vg, first, st->time_base, j->in.fps,
                          j->in.rotation, deint, &j->lad, j->vfmt,
                          chain.len > 0 ? (char *)chain.data : NULL);
    sv_buf_release(&chain);
    if (rc < 0)
        return rc;
    rc = open_encoders(j);
    if (rc < 0)
        return rc;
    if (j->pass != 1 && (o->thumbs_dir != NULL || o->scenes != NULL)) {
        rc = sv_thumbs_new(&j->thumbs, o->thumbs_dir, o->thumb_interval_us,
                           o->scenes, o->scene_threshold, j->vg.tb);
        if (rc < 0)
            return rc;
    }
    if (j->pass == 1)
        return sv__rungs_start(j);
    if (j->in.adec != NULL) {
        rc = sv__aenc_open(&j->aenc, o->codec,
                           j->in.adec->ch_layout.nb_channels,
                           o->audio_bitrate, j->global_header);
        if (rc < 0)
            return rc;
        rc = sv__agraph_build(&j->ag, j->in.adec,
                              j->in.fc->streams[j->in.aidx]->time_base,
                              j->aenc);
        if (rc < 0)
            return rc;
    }
    for (i = 0; i < j->nrungs; i++)
        venc[i] = j->r[i].enc;
    rc = sv__mux_open(&j->mux, o->outdir,
                      o->outdir ? o->container : o->format, &j->lad, venc,
                      j->aenc, j->ranged ? span : NULL);
    if (rc < 0) {
        if (rc == AVERROR(EPIPE))
            j->mux.epipe = 1;
        return rc;
    }
    j->mux_open = 1;
    for (i = 0; i < j->lad.n; i++)
        sv_log_debug("rung %d: %s %dx%d %lld bit/s", i, j->lad.r[i].name,
                     j->lad.r[i].width, j->lad.r[i].height,
                     (long long)j->lad.r[i].bitrate);
    return sv__rungs_start(j);
}

#define EARLY_MAX 4096           /* about 85 s of AAC at 48 kHz */

static int on_audio(void *ud, AVFrame *f);
static void free_early(struct job *j);

/* The audio held before the first video frame, into its graph. */
static int
feed_early(struct job *j)
{
    int i, rc = 0;

    for (i = 0; i < j->nearly; i++) {
        AVFrame *f = j->early[i];
        j->early[i] = NULL;
        if (rc >= 0)
            rc = on_audio(j, f);
        else
            av_frame_free(&f);
    }
    free_early(j);
    return rc;
}

/* --- the video path --- */

/* The smallest rung is analysed and cut into cells, the largest is the
 * poster's candidate. */
static int
thumbs_frame(struct job *j, AVFrame **f)
{
    AVFrame *small = f[0], *big = f[0];
    int i;

    for (i = 1; i < j->vg.n; i++) {
        if (f[i]->height < small->height)
            small = f[i];
        if (f[i]->height > big->height)
            big = f[i];
    }
    return sv_thumbs_frame(j->thumbs, small, big);
}

/* Hands the frames the graph has ready to the encoders, one per rung. */
static int
drain_video(struct job *j)
{
    AVFrame *f[SV_LADDER_MAX] = { NULL };
    const AVFrame *small;
    double score = 0;
    int64_t pts;
    int i, k, rc, key;

    for (;;) {
        for (i = 0; i < j->vg.n; i++) {
            f[i] = av_frame_alloc();
            if (f[i] == NULL) {
                rc = AVERROR(ENOMEM);
                goto fail;
            }
            rc = av_buffersink_get_frame(j->vg.sink[i], f[i]);
            if (rc < 0) {
                if (i > 0 && rc == AVERROR(EAGAIN))
                    rc = SV_EINTERNAL;   /* split keeps rungs in step */
                if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
                    rc = 0;
                goto fail;
            }
        }
        if (j->sr != NULL) {
            rc = upscale_frames(j, f);
            if (rc < 0)
                goto fail;
        }
        pts = f[0]->pts;
        if (j->ranged && (pts < j->r_from ||
                          (j->r_to != SV_CHUNK_OPEN && pts >= j->r_to))) {
            /* outside the chunk: the grid below still counts from 0 */
            if (pts >= j->r_start)
                j->vdone = 1;
            for (k = 0; k < j->vg.n; k++)
                av_frame_free(&f[k]);
            continue;
        }
        /* one decision for every rung keeps keyframes aligned */
        if (j->o->scene) {
            small = f[0];
            for (i = 1; i < j->vg.n; i++)
                if (f[i]->height < small->height)
                    small = f[i];
            score = sv_scene_score(&j->scene, small->data[0],
                                   small->linesize[0], small->width,
                                   small->height);
            if (score < 0) {
                rc = AVERROR(ENOMEM);
                goto fail;
            }
        }
        if (j->thumbs != NULL) {
            rc = thumbs_frame(j, f);
            if (rc < 0)
                goto fail;
        }
        key = sv_kf_decide(&j->kf, f[0]->pts, score);
        j->vframes++;
        j->pos_us = av_rescale_q(f[0]->pts + 1, j->vg.tb, AV_TIME_BASE_Q);
        for (i = 0; i < j->vg.n; i++) {
            f[i]->pict_type = key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
            f[i]->key_frame = key;
            rc = sv_queue_push(&j->r[i].q, f[i]);
            if (rc < 0) {
                rc = atomic_load(&j->failed);
                goto fail;
            }
            f[i] = NULL;
        }
        sv__report_progress(j, 0);
    }
fail:
    for (k = 0; k < SV_LADDER_MAX; k++)
        av_frame_free(&f[k]);
    return rc;
}

static int
on_video(void *ud, AVFrame *f)
{
    struct job *j = ud;
    AVStream *st = j->in.fc->streams[j->in.vidx];
    int64_t start = av_rescale_q(j->in.start, AV_TIME_BASE_Q, st->time_base);
    int rc;

    if (j->vg.g == NULL) {
        rc = setup(j, f);
        if (rc < 0)
            goto done;
        rc = feed_early(j);
        if (rc < 0)
            goto done;
    }
    f->pts = f->best_effort_timestamp;
    if (f->pts == AV_NOPTS_VALUE) {
        /* no time at all: drop it rather than guess its place */
        rc = 0;
        goto done;
    }
    f->pts -= start;
    j->vend = f->pts + (f->pkt_duration > 0 ? f->pkt_duration
                        : av_rescale_q(1, av_inv_q(j->in.fps), st->time_base));
    rc = av_buffersrc_add_frame_flags(j->vg.src, f, 0);
    if (rc < 0) {
        /* size or format changed mid-stream: the graph cannot follow */
        sv_log_error("'%s': the video changes format mid-stream: %s",
                     sv__shown(j->o->input), sv_strerror(rc));
        goto done;
    }
    rc = drain_video(j);
done:
    av_frame_free(&f);
    return rc;
}

/* --- the audio path --- */

static int
drain_audio(struct job *j, int flush)
{
    AVFrame *f = av_frame_alloc();
    int rc = 0, eof = 0;

    if (f == NULL)
        return AVERROR(ENOMEM);
    while (!eof) {
        rc = av_buffersink_get_frame(j->ag.sink, f);
        if (rc == AVERROR(EAGAIN))
            break;
        if (rc == AVERROR_EOF) {
            if (!flush)
                break;
            eof = 1;
            rc = avcodec_send_frame(j->aenc, NULL);
        } else if (rc >= 0) {
            rc = avcodec_send_frame(j->aenc, f);
            av_frame_unref(f);
        }
        if (rc < 0)
            break;
        rc = sv__drain_packets(j, j->aenc, -1, &j->abytes, &j->aframes);
        if (rc < 0)
            break;
    }
    av_frame_free(&f);
    return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF ? 0 : rc;
}

/* Holds audio that comes before the first video frame: it is part of the
 * output (not silence), once the graphs exist. */
static int
hold_audio(struct job *j, AVFrame *f)
{
    AVFrame **e;

    if (j->nearly >= EARLY_MAX) {
        if (j->early_dropped++ == 0)
            sv_log_warn("'%s': more than %d audio frames before the first "
                        "video frame; the later ones are dropped",
                        sv__shown(j->o->input), EARLY_MAX);
        av_frame_free(&f);
        return 0;
    }
    e = realloc(j->early, (size_t)(j->nearly + 1) * sizeof(*e));
    if (e == NULL) {
        av_frame_free(&f);
        return AVERROR(ENOMEM);
    }
    j->early = e;
    j->early[j->nearly++] = f;
    return 0;
}

static void
free_early(struct job *j)
{
    int i;

    for (i = 0; i < j->nearly; i++)
        av_frame_free(&j->early[i]);
    free(j->early);
    j->early = NULL;
    j->nearly = 0;
}

static int
on_audio(void *ud, AVFrame *f)
{
    struct job *j = ud;
    AVStream *st = j->in.fc->streams[j->in.aidx];
    int rc = 0;

    /* audio before the first video frame waits for the graphs */
    if (j->ag.g == NULL && j->vg.g == NULL)
        return hold_audio(j, f);
    if (j->ag.g != NULL) {
        if (f->pts == AV_NOPTS_VALUE)
            f->pts = f->best_effort_timestamp;
        if (f->pts != AV_NOPTS_VALUE)
            f->pts -= av_rescale_q(j->in.start, AV_TIME_BASE_Q,
                                   st->time_base);
        rc = av_buffersrc_add_frame_flags(j->ag.src, f, 0);
        if (rc >= 0 && j->mux_open)
            rc = drain_audio(j, 0);
    }
    av_frame_free(&f);
    return rc;
}

/* --- the job --- */

static int
read_all(struct job *j)
{
    AVPacket *pkt = av_packet_alloc();
    int rc = 0;

    if (pkt == NULL)
        return AVERROR(ENOMEM);
    while (!sv_sig_stop && atomic_load(&j->failed) == 0) {
        rc = av_read_frame(j->in.fc, pkt);
        if (rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0) {
            /* a damaged tail: keep what decoded, count it */
            j->in.errors++;
            sv_log_warn("'%s': reading stopped early: %s",
                        sv__shown(j->o->input), sv_strerror(rc));
            rc = j->o->strict ? SV_ECORRUPT : 0;
            break;
        }
        if (j->vdone && j->in.aidx < 0) {
            /* a chunk with no audio to carry: nothing more to read */
            av_packet_unref(pkt);
            break;
        }
        if (pkt->stream_index == j->in.vidx && j->vdone)
            rc = 0;             /* past the chunk; the audio goes on */
        else if (pkt->stream_index == j->in.vidx)
            rc = sv__input_decode(&j->in, j->in.vdec, pkt, j->o->strict,
                                  on_video, j);
        else if (pkt->stream_index == j->in.aidx)
            rc = sv__input_decode(&j->in, j->in.adec, pkt, j->o->strict,
                                  on_audio, j);
        av_packet_unref(pkt);
        if (rc < 0)
            break;
    }
    av_packet_free(&pkt);
    return rc;
}

/* Flushes decoders, graphs and encoders, and waits for the threads. */
static int
finish(struct job *j, int ok)
{
    int rc = 0, rc2;

    if (ok) {
        if (!j->vflushed)
            rc = sv__input_decode(&j->in, j->in.vdec, NULL, j->o->strict,
                                  on_video, j);
        j->vflushed = 1;
        if (rc >= 0 && j->in.adec != NULL)
            rc = sv__input_decode(&j->in, j->in.adec, NULL, j->o->strict,
                                  on_audio, j);
        if (rc >= 0 && j->vg.g != NULL) {
            /* closing at the last frame's end keeps it in the output */
            rc = av_buffersrc_close(j->vg.src, j->vend, 0);
            if (rc >= 0)
                rc = drain_video(j);
        }
        if (rc >= 0 && j->ag.g != NULL && j->mux_open) {
            rc = av_buffersrc_add_frame(j->ag.src, NULL);
            if (rc >= 0)
                rc = drain_audio(j, 1);
        }
    }
    sv__rungs_end(j, ok && rc >= 0);
    sv__rungs_join(j);
    rc2 = atomic_load(&j->failed);
    return rc < 0 ? rc : rc2;
}

static int
run_pass(const struct sv_transcode_opts *o, int pass, struct twopass *tp,
         const char *trf)
{
    struct job *j;
    char err[256];
    int i, rc, rc2, interrupted;

    j = calloc(1, sizeof(*j));
    if (j == NULL)
        return -ENOMEM;
    j->o = o;
    j->pass = pass;
    j->tp = tp;
    j->trf = trf;
    j->t0 = j->last_event = sv__now_us();
    j->global_header = sv__mux_global_header(o->outdir ? o->container
                                                      : o->format);
    rc = o->ladder_json != NULL ?
         sv_ladder_parse_json(o->ladder_json, strlen(o->ladder_json),
                              &j->lad, err, sizeof(err)) :
         sv_ladder_parse(o->ladder, &j->lad, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("bad ladder '%s': %s", o->ladder, err);
        goto out;
    }
    j->lad.cascade = o->scale_from;
    rc = pick_hw(j);
    if (rc < 0)
        goto out;
    /* NVDEC decodes for NVENC; other backends decode in software */
    /* a chunk after the first carries no audio: the first carries the
     * title's, encoded once */
    rc = sv__input_open(&j->in, o->input, !o->no_audio && pass != 1 &&
                        !(o->chunks > 0 && o->chunk > 0) &&
                        !(o->range[0] > 0),
                        j->hw == &sv__hw_nvenc ? j->hwdev : NULL);
    if (rc < 0)
        goto out;
    rc = sv__chunk_resolve(j);
    if (rc >= 0)
        rc = sv__chunk_seek(j);
    if (rc < 0)
        goto out;
    rc = read_all(j);
    interrupted = sv_sig_stop != 0;
    if (rc == 0) {
        /* a threaded decoder holds its first frames until it is drained:
         * a short input's frames (even its only one) come out here */
        rc = sv__input_decode(&j->in, j->in.vdec, NULL, o->strict, on_video,
                              j);
        j->vflushed = 1;
    }
    if (rc == 0 && j->vg.g == NULL) {
        sv_log_error("cannot use '%s': no video frame could be decoded%s",
                     sv__shown(o->input), strcmp(o->input, "-") == 0 &&
                     strstr(j->in.fc->iformat->name, "mp4") != NULL
                     ? " (an MP4 on a pipe needs its index first: "
                       "-movflags +faststart)" : "");
        rc = j->in.errors > 0 ? SV_EFORMAT : SV_ENOMEDIA;
    } else if (rc == 0 && j->ranged && j->vframes == 0) {
        sv_log_error("cannot use '%s': no video frame falls in the chunk",
                     sv__shown(o->input));
        rc = SV_ENOMEDIA;
    }
    rc2 = finish(j, rc >= 0);
    if (rc >= 0)
        rc = rc2;
    if (j->mux_open) {
        rc2 = sv__mux_close(&j->mux, rc >= 0 || j->mux.epipe);
        if (rc >= 0 && rc2 < 0 && rc2 != AVERROR(EPIPE)) {
            sv_log_error("cannot finish the output: %s", sv_strerror(rc2));
            rc = rc2;
        }
        if (rc2 == AVERROR(EPIPE))
            j->mux.epipe = 1;
    }
    if (rc >= 0 && j->thumbs != NULL && !j->mux.epipe) {
        rc2 = sv_thumbs_finish(j->thumbs, av_rescale_q(j->pos_us,
                                                       AV_TIME_BASE_Q,
                                                       j->vg.tb));
        if (rc2 < 0)
            rc = rc2;
    }
    if (j->mux.epipe) {
        /* the reader went away: a quiet stop, not a failure */
        rc = 1;
    } else if (rc == 0) {
        sv__report_progress(j, 1);
        sv_log_progress_end();
        if (pass != 1)
            sv__report_complete(j, interrupted);
        if (interrupted)
            rc = SV_EINTR;
    }
    if (rc == 0 && pass == 1)
        for (i = 0; i < j->nrungs; i++)
            if (j->r[i].enc->stats_out != NULL) {
                tp->mem[i] = strdup(j->r[i].enc->stats_out);
                if (tp->mem[i] == NULL)
                    rc = AVERROR(ENOMEM);
            }
    if (j->in.errors > 0 && rc != SV_ECORRUPT && pass != 1)
        sv_log_warn("'%s': %lld damaged packets or frames were skipped",
                    sv__shown(o->input), (long long)j->in.errors);
    if (rc == SV_ECORRUPT)
        sv_log_error("'%s': damaged data, stopping (--strict)",
                     sv__shown(o->input));
    if (rc < 0 && rc != SV_EINTR)
        sv_event_error(rc, "transcoding failed", NULL);
out:
    for (i = 0; i < j->nrungs; i++)
        avcodec_free_context(&j->r[i].enc);
    avcodec_free_context(&j->aenc);
    sv__vgraph_free(&j->vg);
    sv_sr_free(j->sr);
    j->sr = NULL;
    sv__agraph_free(&j->ag);
    sv_thumbs_free(j->thumbs);
    free_early(j);
    sv_scene_release(&j->scene);
    sv__input_close(&j->in);
    av_buffer_unref(&j->hwdev);
    free(j);
    return rc;
}

/* Removes the statistics files and the directory of a two-pass job. */
static void
twopass_release(struct twopass *tp)
{
    struct dirent *e;
    DIR *d;
    int i;

    for (i = 0; i < SV_LADDER_MAX; i++)
        free(tp->mem[i]);
    d = opendir(tp->dir);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            char path[sizeof(tp->dir) + 256];

            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", tp->dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tp->dir);
}

/* Removes --stabilize's transforms file and its directory. */
static void
stab_release(char *dir, const char *trf)
{
    unlink(trf);
    rmdir(dir);
}

int
sv_transcode_run(const struct sv_transcode_opts *o)
{
    struct twopass tp;
    const char *tmp = getenv("TMPDIR");
    char sdir[64], trf[96];
    int rc;

    if (tmp == NULL || strlen(tmp) >= 40)
        tmp = "/tmp";
    trf[0] = '\0';
    if (o->enh.stabilize) {
        snprintf(sdir, sizeof(sdir), "%s/sv-stabilize.XXXXXX", tmp);
        if (mkdtemp(sdir) == NULL) {
            rc = -errno;
            sv_log_error("cannot create a directory for --stabilize in "
                         "'%s': %s", tmp, sv_strerror(rc));
            return rc;
        }
        snprintf(trf, sizeof(trf), "%s/transforms.trf", sdir);
        rc = sv__enhance_stab_analyse(o, trf);
        if (rc < 0) {
            stab_release(sdir, trf);
            return rc;
        }
    }
    if (!o->two_pass) {
        rc = run_pass(o, 0, NULL, trf[0] ? trf : NULL);
        goto out;
    }
    memset(&tp, 0, sizeof(tp));
    snprintf(tp.dir, sizeof(tp.dir), "%s/sv-transcode.XXXXXX", tmp);
    if (mkdtemp(tp.dir) == NULL) {
        rc = -errno;
        sv_log_error("cannot create a directory for two-pass statistics in "
                     "'%s': %s", tmp, sv_strerror(rc));
        goto out;
    }
    rc = run_pass(o, 1, &tp, trf[0] ? trf : NULL);
    if (rc == 0)
        rc = run_pass(o, 2, &tp, trf[0] ? trf : NULL);
    twopass_release(&tp);
out:
    if (trf[0])
        stab_release(sdir, trf);
    return rc;
}
