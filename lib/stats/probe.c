/* probe.c -- sv-stats probe of one media file: streams, codec strings,
 * GOPs, bitrate over time, colour and HDR, loudness */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/codec.h"
#include "core/err.h"
#include "media/av_demux.h"
#include "media/av_probe.h"
#include "stats/pkgcheck.h"
#include "stats/probe.h"

/* a bound on what one stream may make us keep (keyframes, seconds) */
#define MAX_ITEMS (1 << 22)

struct dvec {
    double *v;
    size_t n, cap;
};

static int
dvec_push(struct dvec *d, double x)
{
    double *nv;

    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;

        if (cap > MAX_ITEMS)
            return SV_ELIMIT;
        nv = realloc(d->v, cap * sizeof(*nv));
        if (nv == NULL)
            return -ENOMEM;
        d->v = nv;
        d->cap = cap;
    }
    d->v[d->n++] = x;
    return 0;
}

/* bits[i] += x, growing the array with zeros */
static int
dvec_add(struct dvec *d, size_t i, double x)
{
    while (d->n <= i) {
        int rc = dvec_push(d, 0);

        if (rc < 0)
            return rc;
    }
    d->v[i] += x;
    return 0;
}

struct track {
    const struct sv_demux_stream *s;
    int64_t packets, bytes;
    int64_t first, end;         /* stream time base; SV_NOPTS: none yet */
    struct dvec keys;           /* keyframe times, seconds */
    struct dvec gop_frames;     /* packets per GOP, decode order */
    int64_t cur_gop;            /* packets in the GOP being read */
    int64_t key_pts;            /* pts of the GOP's keyframe */
    int open_now;               /* the GOP being read has leading frames */
    int open_gops;
    struct dvec bits;           /* per second from the file's start */
    uint8_t *sample;            /* first keyframe, for the codec string */
    size_t sample_len;
};

static double
secs(const struct track *t, int64_t v)
{
    return v * (double)t->s->tb_num / t->s->tb_den;
}

static int
track_packet(struct track *t, const struct sv_demux_packet *p,
             double origin)
{
    int64_t ts = p->pts != SV_NOPTS ? p->pts : p->dts;
    double at;
    int rc;

    t->packets++;
    t->bytes += p->size;
    if (ts != SV_NOPTS) {
        if (t->first == SV_NOPTS || ts < t->first)
            t->first = ts;
        if (t->end == SV_NOPTS || ts + p->duration > t->end)
            t->end = ts + p->duration;
    }
    if (t->sample == NULL && p->key && p->size > 0) {
        t->sample = malloc(p->size);
        if (t->sample == NULL)
            return -ENOMEM;
        memcpy(t->sample, p->data, p->size);
        t->sample_len = p->size;
    }
    if (t->s->kind == SV_KIND_VIDEO) {
        if (p->key) {
            if (t->cur_gop > 0) {
                rc = dvec_push(&t->gop_frames, (double)t->cur_gop);
                if (rc < 0)
                    return rc;
                t->open_gops += t->open_now;
            }
            t->cur_gop = 0;
            t->open_now = 0;
            t->key_pts = p->pts;
            if (p->pts != SV_NOPTS) {
                rc = dvec_push(&t->keys, secs(t, p->pts));
                if (rc < 0)
                    return rc;
            }
        } else if (p->pts != SV_NOPTS && t->key_pts != SV_NOPTS &&
                   p->pts < t->key_pts && t->keys.n > 1) {
            /* a frame shown before its GOP's keyframe refers back past
             * it: leading pictures, an open GOP (the first GOP's are
             * only pictures an edit list cut off) */
            t->open_now = 1;
        }
        t->cur_gop++;
    }
    if (ts != SV_NOPTS) {
        at = secs(t, ts) - origin;
        if (at < 0)
            at = 0;
        rc = dvec_add(&t->bits, (size_t)at, p->size * 8.0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void
track_release(struct track *t)
{
    free(t->keys.v);
    free(t->gop_frames.v);
    free(t->bits.v);
    free(t->sample);
}

static json_t *
num(double v)
{
    /* three decimals: what ffprobe's times carry, and JSON has no NaN */
    if (!isfinite(v))
        return json_null();
    return json_real(round(v * 1000) / 1000);
}

static json_t *
gop_json(struct track *t)
{
    struct dvec iv = { 0 };
    json_t *j;

    if (t->cur_gop > 0) {
        dvec_push(&t->gop_frames, (double)t->cur_gop);
        t->open_gops += t->open_now;
        t->cur_gop = 0;
    }
    /* keyframes in presentation order give the intervals */
    for (size_t i = 1; i < t->keys.n; i++)
        if (dvec_push(&iv, t->keys.v[i] - t->keys.v[i - 1]) < 0)
            break;
    j = json_pack("{s:I,s:o,s:o,s:b,s:i}",
                  "keyframes", (json_int_t)t->keys.n,
                  "interval", sv__pkg_stats(iv.v, iv.n),
                  "frames", sv__pkg_stats(t->gop_frames.v, t->gop_frames.n),
                  "closed", t->open_gops == 0,
                  "open_gops", t->open_gops);
    free(iv.v);
    return j;
}

static json_t *
bitrate_json(const struct dvec *bits, double duration, int per_second)
{
    json_t *arr = json_array(), *j;
    double peak = 0, total = 0;
    size_t at = 0;

    for (size_t i = 0; i < bits->n; i++) {
        /* the last, partial second is not a peak */
        if (bits->v[i] > peak && (i + 1 <= duration + 1e-6 || i == 0)) {
            peak = bits->v[i];
            at = i;
        }
        total += bits->v[i];
        json_array_append_new(arr, json_integer((json_int_t)bits->v[i]));
    }
    j = json_pack("{s:I,s:I,s:I}",
                  "mean", (json_int_t)(duration > 0 ? total / duration : 0),
                  "peak", (json_int_t)peak, "peak_at", (json_int_t)at);
    if (per_second)
        json_object_set_new(j, "per_second", arr);
    else
        json_decref(arr);
    return j;
}

static json_t *
name_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *
xy(const double *p)
{
    return json_pack("[o,o]", json_real(round(p[0] * 1e5) / 1e5),
                     json_real(round(p[1] * 1e5) / 1e5));
}

static json_t *
color_json(const char *url, const struct sv_demux_stream *s, int want_hdr)
{
    struct sv_av_hdr h;
    const char *hdr = NULL;
    json_t *j;

    if (s->transfer == 16)
        hdr = "pq";             /* SMPTE ST 2084 */
    else if (s->transfer == 18)
        hdr = "hlg";            /* ARIB STD-B67 */
    j = json_pack("{s:o,s:o,s:o,s:s,s:o}",
                  "primaries", name_or_null(sv_av_primaries_name(s->primaries)),
                  "transfer", name_or_null(sv_av_transfer_name(s->transfer)),
                  "matrix", name_or_null(sv_av_matrix_name(s->matrix)),
                  "range", s->full_range ? "full" : "limited",
                  "hdr", name_or_null(hdr));
    if (!want_hdr || sv_av_probe_hdr(url, s->index, &h) < 0)
        return j;
    if (h.have_mastering)
        json_object_set_new(j, "mastering_display", json_pack(
            "{s:o,s:o,s:o,s:o,s:o,s:o}",
            "red", xy(h.red), "green", xy(h.green), "blue", xy(h.blue),
            "white", xy(h.white),
            "min_luminance", json_real(round(h.min_luminance * 1e4) / 1e4),
            "max_luminance", json_real(round(h.max_luminance * 1e4) / 1e4)));
    else
        json_object_set_new(j, "mastering_display", json_null());
    if (h.have_light)
        json_object_set_new(j, "content_light_level", json_pack(
            "{s:i,s:i}", "max_cll", (int)h.max_cll, "max_fall",
            (int)h.max_fall));
    else
        json_object_set_new(j, "content_light_level", json_null());
    if (h.have_mastering || h.have_light)
        json_object_set_new(j, "side_data_from",
                            json_string(h.from_frame ? "frame" : "stream"));
    if (hdr == NULL && (h.have_mastering || h.have_light))
        json_object_set_new(j, "hdr", json_string("unsignalled-transfer"));
    return j;
}

static const char *
kind_name(enum sv_kind k)
{
    return k == SV_KIND_VIDEO ? "video" : k == SV_KIND_AUDIO ? "audio" :
           "other";
}

static json_t *
stream_json(const char *url, struct track *t, const struct sv_probe_cfg *cfg,
            const struct sv_av_format *fmt)
{
    const struct sv_demux_stream *s = t->s;
    struct sv_codec_cfg *cc;
    struct sv_av_loudness l;
    double dur = 0, start = 0;
    json_t *j;

    if (t->first != SV_NOPTS && t->end != SV_NOPTS) {
        dur = secs(t, t->end - t->first);
        start = secs(t, t->first);
    }
    /* the container's own figures have edit lists and priming applied,
     * as players (and ffprobe) see them; packets are the fallback */
    if (s->index < fmt->nstreams && fmt->stream[s->index].duration > 0) {
        dur = fmt->stream[s->index].duration;
        start = fmt->stream[s->index].start;
    }
    j = json_pack("{s:i,s:s,s:s}", "index", s->index, "type",
                  kind_name(s->kind), "codec",
                  s->codec_name != NULL ? s->codec_name : "unknown");
    cc = calloc(1, sizeof(*cc));
    if (cc != NULL && s->kind != SV_KIND_OTHER &&
        sv_codec_cfg_make(cc, s, t->sample, t->sample_len) == 0)
        json_object_set_new(j, "codecs", json_string(cc->codecs));
    else
        json_object_set_new(j, "codecs", json_null());
    free(cc);
    json_object_set_new(j, "start", num(start));
    json_object_set_new(j, "duration", num(dur));
    json_object_set_new(j, "frames", json_integer(t->packets));
    json_object_set_new(j, "bytes", json_integer(t->bytes));
    if (s->kind == SV_KIND_VIDEO) {
        json_object_set_new(j, "width", json_integer(s->width));
        json_object_set_new(j, "height", json_integer(s->height));
        if (s->fps_num > 0 && s->fps_den > 0)
            json_object_set_new(j, "frame_rate",
                                num((double)s->fps_num / s->fps_den));
        json_object_set_new(j, "bit_depth", json_integer(s->bit_depth));
        json_object_set_new(j, "gop", gop_json(t));
        json_object_set_new(j, "color", color_json(url, s, cfg->hdr));
    } else if (s->kind == SV_KIND_AUDIO) {
        json_object_set_new(j, "sample_rate", json_integer(s->sample_rate));
        json_object_set_new(j, "channels", json_integer(s->channels));
        json_object_set_new(j, "language", json_string(
            s->language != NULL ? s->language : "und"));
        if (cfg->loudness) {
            if (sv_av_probe_loudness(url, s->index, &l) == 0)
                json_object_set_new(j, "loudness", json_pack(
                    "{s:o,s:o,s:o,s:o}",
                    "integrated", json_real(round(l.integrated * 10) / 10),
                    "range", json_real(round(l.range * 10) / 10),
                    "range_low", json_real(round(l.range_low * 10) / 10),
                    "range_high", json_real(round(l.range_high * 10) / 10)));
            else
                json_object_set_new(j, "loudness", json_null());
        }
    }
    json_object_set_new(j, "bitrate", bitrate_json(&t->bits, dur,
                                                   cfg->per_second));
    return j;
}

int
sv_probe_file(const char *url, const struct sv_probe_cfg *cfg, json_t **out,
              char *err, size_t size)
{
    struct sv_demux *d = NULL;
    struct sv_demux_packet p;
    struct sv_av_format fmt;
    struct track *t = NULL;
    struct dvec total = { 0 };
    json_t *root = NULL, *streams;
    double origin, dur;
    int n = 0, rc;

    rc = sv_av_probe_format(url, &fmt);
    if (rc == 0)
        rc = sv_demux_open(&d, url, NULL);
    if (rc < 0) {
        if (rc == SV_EFORMAT)
            snprintf(err, size, "cannot read '%s': not a media file, or "
                     "damaged", url);
        else
            snprintf(err, size, "cannot open '%s': %s", url,
                     sv_strerror(rc));
        return rc;
    }
    n = sv_demux_count(d);
    t = calloc(n > 0 ? n : 1, sizeof(*t));
    if (t == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        t[i].s = sv_demux_stream(d, i);
        t[i].first = t[i].end = t[i].key_pts = SV_NOPTS;
    }
    origin = fmt.start;
    while ((rc = sv_demux_read(d, &p, NULL)) == 1) {
        if (p.stream < 0 || p.stream >= n)
            continue;
        rc = track_packet(&t[p.stream], &p, origin);
        if (rc < 0)
            goto fail;
    }
    if (rc < 0)
        goto fail;
    dur = fmt.duration;
    streams = json_array();
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < t[i].bits.n; k++)
            if (dvec_add(&total, k, t[i].bits.v[k]) < 0)
                break;
        json_array_append_new(streams, stream_json(url, &t[i], cfg, &fmt));
    }
    root = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "input", url,
                     "format", fmt.name, "duration", num(dur),
                     "size", fmt.size >= 0 ? json_integer(fmt.size) :
                     json_null(),
                     "bitrate", bitrate_json(&total, dur, cfg->per_second),
                     "streams", streams);
    if (root == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    *out = root;
    rc = 0;
    goto done;
fail:
    snprintf(err, size, "cannot read '%s': %s", url, sv_strerror(rc));
done:
    for (int i = 0; t != NULL && i < n; i++)
        track_release(&t[i]);
    free(t);
    free(total.v);
    sv_demux_close(d);
    return rc;
}
