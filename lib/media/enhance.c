/* enhance.c -- the clean-up chain of the ladder graph: tone mapping,
 * stabilization (vid.stab's analysis pass and transform), denoise, sharpen */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/mastering_display_metadata.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/sig.h"
#include "media/av.h"
#include "media/enhance.h"
#include "media/job.h"

int
sv_enhance_denoise_parse(const char *arg, struct sv_enhance *e, char *err,
                         size_t size)
{
    const char *colon = strchr(arg, ':');
    size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
    double s = 0;

    if (n == 6 && strncmp(arg, "hqdn3d", n) == 0)
        e->denoise = SV_DENOISE_HQDN3D;
    else if (n == 7 && strncmp(arg, "nlmeans", n) == 0)
        e->denoise = SV_DENOISE_NLMEANS;
    else {
        snprintf(err, size, "expected hqdn3d or nlmeans, then :strength");
        return -EINVAL;
    }
    if (colon != NULL) {
        char *end;

        s = strtod(colon + 1, &end);
        /* hqdn3d takes up to 255, nlmeans up to 30 */
        if (colon[1] == '\0' || *end != '\0' || !(s > 0) ||
            s > (e->denoise == SV_DENOISE_HQDN3D ? 255 : 30)) {
            snprintf(err, size, "strength must be a number in (0, %d]",
                     e->denoise == SV_DENOISE_HQDN3D ? 255 : 30);
            return -EINVAL;
        }
    }
    e->denoise_strength = s;
    return 0;
}

int
sv_enhance_any(const struct sv_enhance *e)
{
    return e->denoise != SV_DENOISE_NONE || e->sharpen > 0 || e->stabilize ||
           e->tonemap;
}

int
sv__enhance_is_hdr(const AVFrame *f)
{
    return f->color_trc == AVCOL_TRC_SMPTE2084 ||
           f->color_trc == AVCOL_TRC_ARIB_STD_B67;
}

double
sv__enhance_peak_nits(const AVFrame *f)
{
    const AVFrameSideData *sd;

    sd = av_frame_get_side_data(f, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL);
    if (sd != NULL && ((const AVContentLightMetadata *)sd->data)->MaxCLL > 0)
        return ((const AVContentLightMetadata *)sd->data)->MaxCLL;
    sd = av_frame_get_side_data(f, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA);
    if (sd != NULL) {
        const AVMasteringDisplayMetadata *m = (const void *)sd->data;
        if (m->has_luminance && av_q2d(m->max_luminance) > 0)
            return av_q2d(m->max_luminance);
    }
    return 0;
}

void
sv__enhance_x265_hdr(const AVFrame *f, char *buf, size_t size)
{
    const AVFrameSideData *sd;
    size_t n = 0;

    buf[0] = '\0';
    sd = av_frame_get_side_data(f, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA);
    if (sd != NULL) {
        const AVMasteringDisplayMetadata *m = (const void *)sd->data;
        /* x265 counts chromaticity in 0.00002 and luminance in 0.0001
         * cd/m2 (the SEI's units); its order is G, B, R */
        if (m->has_primaries && m->has_luminance)
            n = (size_t)snprintf(
                buf, size, ":master-display=G(%ld,%ld)B(%ld,%ld)R(%ld,%ld)"
                "WP(%ld,%ld)L(%ld,%ld)",
                lrint(av_q2d(m->display_primaries[1][0]) * 50000),
                lrint(av_q2d(m->display_primaries[1][1]) * 50000),
                lrint(av_q2d(m->display_primaries[2][0]) * 50000),
                lrint(av_q2d(m->display_primaries[2][1]) * 50000),
                lrint(av_q2d(m->display_primaries[0][0]) * 50000),
                lrint(av_q2d(m->display_primaries[0][1]) * 50000),
                lrint(av_q2d(m->white_point[0]) * 50000),
                lrint(av_q2d(m->white_point[1]) * 50000),
                lrint(av_q2d(m->max_luminance) * 10000),
                lrint(av_q2d(m->min_luminance) * 10000));
    }
    sd = av_frame_get_side_data(f, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL);
    if (sd != NULL && n < size)
        n += (size_t)snprintf(buf + n, size - n, ":max-cll=%u,%u",
                              ((const AVContentLightMetadata *)
                               sd->data)->MaxCLL,
                              ((const AVContentLightMetadata *)
                               sd->data)->MaxFALL);
    if (n > 0 && n < size)
        snprintf(buf + n, size - n, ":hdr10=1");
    if (n >= size)
        buf[0] = '\0';
}

/*
 * Tone mapping in linear light: PQ/HLG BT.2020 -> hable -> BT.709.  The
 * peak the curve maps to white comes from the source's HDR metadata (its
 * MaxCLL, else its mastering display's peak), so content graded on a 1000
 * nit display and content graded on a 4000 nit one both fill the SDR
 * range; without metadata, 1000 nit (BT.2408's reference for PQ and the
 * nominal peak of HLG).
 */
static int
tonemap_chain(struct sv_buf *d, const AVFrame *first)
{
    double nits = sv__enhance_peak_nits(first);

    const char *tin = first->color_trc == AVCOL_TRC_ARIB_STD_B67
                      ? "arib-std-b67" : "smpte2084";
    const char *min = first->colorspace == AVCOL_SPC_BT2020_CL
                      ? "2020_cl" : "2020_ncl";

    if (!(nits >= 100 && nits <= 10000))
        nits = 1000;
    sv_log_debug("--tonemap: %s source, peak %.0f nit", tin, nits);
    /* npl 100: SDR reference white at 100 nit, as BT.2408 maps it; the
     * tonemap filter's peak counts in that white */
    return sv_buf_printf(d, "zscale=tin=%s:min=%s:pin=2020:rin=%s:t=linear:"
                         "npl=100,format=gbrpf32le,zscale=p=bt709,"
                         "tonemap=tonemap=hable:desat=0:peak=%g,zscale="
                         "t=bt709:m=bt709:r=tv,format=yuv420p,", tin, min,
                         first->color_range == AVCOL_RANGE_JPEG ? "pc"
                                                                : "tv",
                         nits / 100);
}

int
sv__enhance_chain(const struct sv_enhance *e, const AVFrame *first,
                  const char *trf, struct sv_buf *d, int *tonemapped)
{
    double s = e->denoise_strength;
    int rc = 0;

    *tonemapped = 0;
    if (e->tonemap && sv__enhance_is_hdr(first)) {
        rc = tonemap_chain(d, first);
        *tonemapped = 1;
    } else if (e->tonemap) {
        sv_log_warn("--tonemap: the source is not HDR (PQ or HLG); "
                    "left as it is");
    }
    /* vid.stab's transform, with the light sharpening its authors advise
     * after the interpolation */
    if (rc == 0 && e->stabilize && trf != NULL)
        rc = sv_buf_printf(d, "vidstabtransform=input='%s':smoothing=15:"
                           "optzoom=1:interpol=bicubic,"
                           "unsharp=5:5:0.8:3:3:0.4,", trf);
    if (rc == 0 && e->denoise == SV_DENOISE_HQDN3D) {
        if (s <= 0)
            s = 4;              /* hqdn3d's own default */
        /* the filter's default ratios: chroma 3/4, temporal 3/2 */
        rc = sv_buf_printf(d, "hqdn3d=%g:%g:%g:%g,", s, s * 0.75, s * 1.5,
                           s * 1.125);
    } else if (rc == 0 && e->denoise == SV_DENOISE_NLMEANS) {
        rc = sv_buf_printf(d, "nlmeans=s=%g,", s > 0 ? s : 1.0);
    }
    if (rc == 0 && e->sharpen > 0)
        rc = sv_buf_printf(d, "unsharp=5:5:%g:5:5:0,", e->sharpen);
    return rc;
}

/* Pulls and drops what the analysis graph has ready. */
static int
drain_drop(struct sv__vgraph *vg)
{
    AVFrame *f = av_frame_alloc();
    int rc;

    if (f == NULL)
        return AVERROR(ENOMEM);
    for (;;) {
        rc = av_buffersink_get_frame(vg->sink[0], f);
        if (rc < 0)
            break;
        av_frame_unref(f);
    }
    av_frame_free(&f);
    return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF ? 0 : rc;
}

struct analysis {
    struct sv__input in;
    struct sv__vgraph vg;
    const char *trf;
    int64_t vend;
};

static int
analyse_frame(void *ud, AVFrame *f)
{
    struct analysis *a = ud;
    AVStream *st = a->in.fc->streams[a->in.vidx];
    struct sv_buf d = SV_BUF_INIT(1024);
    struct sv_ladder l;
    int rc = 0, w = f->width, h = f->height;

    if (a->vg.g == NULL) {
        /* the frames the ladder graph will see at its chain: rotated, at
         * the output rate (bwdif's send_frame keeps their number), so the
         * transforms line up frame for frame */
        if (a->in.rotation == 90 || a->in.rotation == 270) {
            w = f->height;
            h = f->width;
        }
        memset(&l, 0, sizeof(l));
        l.n = 1;
        l.r[0].width = w;
        l.r[0].height = h;
        rc = sv_buf_printf(&d, "vidstabdetect=shakiness=6:accuracy=15:"
                           "result='%s',", a->trf);
        if (rc == 0)
            rc = sv_buf_u8(&d, 0);
        if (rc == 0)
            rc = sv__vgraph_build(&a->vg, f, st->time_base, a->in.fps,
                                  a->in.rotation, SV_DEINT_OFF, &l,
                                  AV_PIX_FMT_YUV420P, (char *)d.data);
        sv_buf_release(&d);
        if (rc < 0)
            goto done;
    }
    f->pts = f->best_effort_timestamp;
    if (f->pts == AV_NOPTS_VALUE)
        goto done;
    f->pts -= av_rescale_q(a->in.start, AV_TIME_BASE_Q, st->time_base);
    a->vend = f->pts + (f->pkt_duration > 0 ? f->pkt_duration
                        : av_rescale_q(1, av_inv_q(a->in.fps),
                                       st->time_base));
    rc = av_buffersrc_add_frame_flags(a->vg.src, f, 0);
    if (rc >= 0)
        rc = drain_drop(&a->vg);
done:
    av_frame_free(&f);
    return rc;
}

int
sv__enhance_stab_analyse(const struct sv_transcode_opts *o, const char *trf)
{
    struct analysis a;
    AVPacket *pkt = av_packet_alloc();
    int rc;

    memset(&a, 0, sizeof(a));
    a.trf = trf;
    if (pkt == NULL)
        return AVERROR(ENOMEM);
    rc = sv__input_open(&a.in, o->input, 0, NULL);
    if (rc < 0)
        goto out;
    sv_log_debug("--stabilize: analysing the motion of '%s'",
                 sv__shown(o->input));
    while (!sv_sig_stop) {
        rc = av_read_frame(a.in.fc, pkt);
        if (rc < 0) {
            rc = rc == AVERROR_EOF || !o->strict ? 0 : SV_ECORRUPT;
            break;
        }
        if (pkt->stream_index == a.in.vidx)
            rc = sv__input_decode(&a.in, a.in.vdec, pkt, o->strict,
                                  analyse_frame, &a);
        av_packet_unref(pkt);
        if (rc < 0)
            break;
    }
    if (rc >= 0)
        rc = sv__input_decode(&a.in, a.in.vdec, NULL, o->strict,
                              analyse_frame, &a);
    if (rc >= 0 && a.vg.g != NULL) {
        /* closing the graph makes vidstabdetect write its file */
        rc = av_buffersrc_close(a.vg.src, a.vend, 0);
        if (rc >= 0)
            rc = drain_drop(&a.vg);
    }
    if (rc >= 0 && a.vg.g == NULL)
        rc = SV_ENOMEDIA;
    if (rc >= 0 && sv_sig_stop)
        rc = SV_EINTR;
    if (rc < 0 && rc != SV_EINTR)
        sv_log_error("--stabilize: cannot analyse the motion of '%s': %s",
                     sv__shown(o->input), sv_strerror(rc));
out:
    sv__vgraph_free(&a.vg);
    sv__input_close(&a.in);
    av_packet_free(&pkt);
    return rc;
}
