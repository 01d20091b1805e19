/* av_filter.c -- the ladder filter graph (split once, scale per rung) and
 * the audio resampling graph */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "media/av.h"

/* Links src -> desc -> sinks through the graph parser. */
static int
parse_between(AVFilterGraph *g, const char *desc, AVFilterContext *src,
              AVFilterContext **sinks, int n)
{
    AVFilterInOut *in = NULL, *outs = NULL, *o;
    int i, rc;

    in = avfilter_inout_alloc();
    if (in == NULL)
        return -ENOMEM;
    in->name = av_strdup("in");
    in->filter_ctx = src;
    in->pad_idx = 0;
    for (i = n - 1; i >= 0; i--) {
        char name[16];

        o = avfilter_inout_alloc();
        if (o == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        snprintf(name, sizeof(name), "o%d", i);
        o->name = av_strdup(name);
        o->filter_ctx = sinks[i];
        o->pad_idx = 0;
        o->next = outs;
        outs = o;
    }
    /* the parser names our ends from its point of view */
    rc = avfilter_graph_parse_ptr(g, desc, &outs, &in, NULL);
    if (rc >= 0)
        rc = avfilter_graph_config(g, NULL);
done:
    avfilter_inout_free(&in);
    avfilter_inout_free(&outs);
    return rc;
}

static const char *
rotate_filters(int rotation)
{
    switch (rotation) {
    case 90:
        return "transpose=clock,";
    case 180:
        return "hflip,vflip,";
    case 270:
        return "transpose=cclock,";
    default:
        return "";
    }
}

/*
 * A rung's parent with --scale-from larger: the smallest other plain rung
 * at least as large in both directions, or -1 for the source.  Downscaling
 * costs about the same per source pixel whatever the output size, so a
 * rung scaled from the next larger one does a fraction of the work; the
 * price is a second low-pass: measured against the source scaled directly,
 * the small rungs lose 0.2 to 0.5 dB.  Upscaled and SR rungs always come
 * from the source.
 */
static int
cascade_parent(const struct sv_ladder *l, int i)
{
    const struct sv_rung *c = &l->r[i];
    int k, best = -1;
    double px, best_px = 0;

    if (!l->cascade || c->scaler != SV_RUNG_BICUBIC)
        return -1;
    for (k = 0; k < l->n; k++) {
        const struct sv_rung *p = &l->r[k];

        if (k == i || p->scaler != SV_RUNG_BICUBIC || p->width < c->width ||
            p->height < c->height)
            continue;
        /* an equal rung earlier in the ladder is the parent, never one
         * after it, so two equal rungs never feed each other */
        if (p->width == c->width && p->height == c->height && k > i)
            continue;
        px = (double)p->width * p->height;
        if (best < 0 || px < best_px) {
            best = k;
            best_px = px;
        }
    }
    return best;
}

/*
 * The graph after the shared chain: the source split to the rungs with no
 * parent, each rung's output split again to its encoder ([oN]) and to the
 * rungs scaled from it.  Split only adds references, never copies.
 */
static int
cascade_graph(struct sv_buf *d, const struct sv_ladder *l,
              enum AVPixelFormat out_fmt)
{
    int parent[SV_LADDER_MAX], kids[SV_LADDER_MAX + 1] = { 0 };
    int i, k, n, rc;

    for (i = 0; i < l->n; i++) {
        parent[i] = cascade_parent(l, i);
        kids[parent[i] + 1]++;
    }
    /* from the source: [cN] for every rung whose parent it is */
    rc = sv_buf_printf(d, "split=%d", kids[0]);
    for (i = 0; rc == 0 && i < l->n; i++)
        if (parent[i] < 0)
            rc = sv_buf_printf(d, "[c%d]", i);
    for (i = 0; rc == 0 && i < l->n; i++) {
        n = kids[i + 1];
        if (l->r[i].scaler == SV_RUNG_SR)
            rc = sv_buf_printf(d, ";[c%d]format=yuv420p", i);
        else
            rc = sv_buf_printf(d, ";[c%d]scale=w=%d:h=%d:flags=%s,"
                               "setsar=1,format=%s", i, l->r[i].width,
                               l->r[i].height,
                               l->r[i].scaler == SV_RUNG_LANCZOS ? "lanczos"
                               : "bicubic", av_get_pix_fmt_name(out_fmt));
        if (rc == 0 && n > 0)
            rc = sv_buf_printf(d, ",split=%d", n + 1);
        if (rc == 0)
            rc = sv_buf_printf(d, "[o%d]", i);
        for (k = 0; rc == 0 && n > 0 && k < l->n; k++)
            if (parent[k] == i)
                rc = sv_buf_printf(d, "[c%d]", k);
    }
    return rc;
}

int
sv__vgraph_build(struct sv__vgraph *vg, const AVFrame *first, AVRational tb,
                 AVRational fps, int rotation, int deint,
                 const struct sv_ladder *l, enum AVPixelFormat out_fmt,
                 const char *chain)
{
    struct sv_buf d = SV_BUF_INIT(8192);
    char args[256];
    AVRational sar = first->sample_aspect_ratio;
    int i, rc;

    memset(vg, 0, sizeof(*vg));
    vg->g = avfilter_graph_alloc();
    if (vg->g == NULL)
        return -ENOMEM;
    /* bwdif threads by slices; the graph runs beside the encoders */
    vg->g->nb_threads = 0;
    if (sar.num <= 0 || sar.den <= 0)
        sar = (AVRational){ 1, 1 };
    snprintf(args, sizeof(args),
             "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:"
             "pixel_aspect=%d/%d:frame_rate=%d/%d", first->width,
             first->height, first->format, tb.num, tb.den, sar.num, sar.den,
             fps.num, fps.den);
    rc = avfilter_graph_create_filter(&vg->src, avfilter_get_by_name("buffer"),
                                      "in", args, NULL, vg->g);
    if (rc < 0)
        goto fail;
    for (i = 0; i < l->n; i++) {
        char name[16];

        snprintf(name, sizeof(name), "out%d", i);
        rc = avfilter_graph_create_filter(&vg->sink[i],
                                          avfilter_get_by_name("buffersink"),
                                          name, NULL, NULL, vg->g);
        if (rc < 0)
            goto fail;
    }
    vg->n = l->n;
    rc = 0;
    if (deint != SV_DEINT_OFF)
        rc = sv_buf_printf(&d, "bwdif=mode=send_frame:deint=%s,",
                           deint == SV_DEINT_ON ? "all" : "interlaced");
    if (rc == 0)
        rc = sv_buf_printf(&d, "%sfps=fps=%d/%d,%s", rotate_filters(rotation),
                           fps.num, fps.den, chain ? chain : "");
    if (rc == 0)
        rc = cascade_graph(&d, l, out_fmt);
    if (rc == 0)
        rc = sv_buf_u8(&d, 0);
    if (rc < 0)
        goto fail;
    sv_log_debug("video graph: %s", (char *)d.data);
    rc = parse_between(vg->g, (char *)d.data, vg->src, vg->sink, l->n);
    if (rc < 0) {
        sv_log_error("cannot build the ladder graph: %s", sv_strerror(rc));
        goto fail;
    }
    vg->tb = av_buffersink_get_time_base(vg->sink[0]);
    sv_buf_release(&d);
    return 0;
fail:
    sv_buf_release(&d);
    sv__vgraph_free(vg);
    return rc;
}

void
sv__vgraph_free(struct sv__vgraph *vg)
{
    avfilter_graph_free(&vg->g);
    vg->n = 0;
}

int
sv__agraph_build(struct sv__agraph *ag, const AVCodecContext *dec,
                 AVRational tb, const AVCodecContext *enc)
{
    AVChannelLayout in_layout = { 0 };
    char args[512], layout[128], desc[512];
    int rc;

    memset(ag, 0, sizeof(*ag));
    ag->g = avfilter_graph_alloc();
    if (ag->g == NULL)
        return -ENOMEM;
    if (dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC ||
        av_channel_layout_copy(&in_layout, &dec->ch_layout) < 0)
        av_channel_layout_default(&in_layout, dec->ch_layout.nb_channels);
    av_channel_layout_describe(&in_layout, layout, sizeof(layout));
    av_channel_layout_uninit(&in_layout);
    snprintf(args, sizeof(args),
             "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
             tb.num, tb.den, dec->sample_rate,
             av_get_sample_fmt_name(dec->sample_fmt), layout);
    rc = avfilter_graph_create_filter(&ag->src,
                                      avfilter_get_by_name("abuffer"), "ain",
                                      args, NULL, ag->g);
    if (rc < 0)
        goto fail;
    rc = avfilter_graph_create_filter(&ag->sink,
                                      avfilter_get_by_name("abuffersink"),
                                      "aout", NULL, NULL, ag->g);
    if (rc < 0)
        goto fail;
    av_channel_layout_describe(&enc->ch_layout, layout, sizeof(layout));
    /* async keeps audio on the clock across gaps in damaged input */
    snprintf(desc, sizeof(desc),
             "aresample=%d:async=1:first_pts=0,aformat=sample_fmts=%s:"
             "sample_rates=%d:channel_layouts=%s[o0]", enc->sample_rate,
             av_get_sample_fmt_name(enc->sample_fmt), enc->sample_rate,
             layout);
    rc = parse_between(ag->g, desc, ag->src, &ag->sink, 1);
    if (rc < 0)
        goto fail;
    if (enc->frame_size > 0 &&
        !(enc->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE))
        av_buffersink_set_frame_size(ag->sink, (unsigned)enc->frame_size);
    return 0;
fail:
    sv_log_error("cannot build the audio graph: %s", sv_strerror(rc));
    sv__agraph_free(ag);
    return rc;
}

void
sv__agraph_free(struct sv__agraph *ag)
{
    avfilter_graph_free(&ag->g);
}
