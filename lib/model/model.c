/* model.c -- the package model: segments, windows, bandwidth, package.json */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/time.h"
#include "model/images.h"
#include "model/model.h"

void
sv_model_init_uri(const struct sv_model *m, const struct sv_model_rend *r,
                  char *buf, size_t size)
{
    if (r->single_file)
        snprintf(buf, size, "%s.mp4", r->id);
    else
        snprintf(buf, size, "%s/init.mp4", r->id);
}

void
sv_model_seg_uri(const struct sv_model *m, const struct sv_model_rend *r,
                 uint64_t number, char *buf, size_t size)
{
    if (r->single_file)
        snprintf(buf, size, "%s.mp4", r->id);
    else
        snprintf(buf, size, "%s/seg-%llu.%s", r->id,
                 (unsigned long long)number, m->ts ? "ts" : "m4s");
}

void
sv_model_part_uri(const struct sv_model_rend *r, uint64_t number, int part,
                  char *buf, size_t size)
{
    snprintf(buf, size, "%s/seg-%llu.%d.m4s", r->id,
             (unsigned long long)number, part);
}

void
sv_model_playlist_uri(const struct sv_model_rend *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s.m3u8", r->id);
}

int
sv_model_add_segment(struct sv_model_rend *r, const struct sv_model_seg *s)
{
    struct sv_model_seg *n;
    double secs = (double)s->duration / r->timescale;

    if (r->nseg == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        n = realloc(r->seg, cap * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        r->seg = n;
        r->cap = cap;
    }
    n = &r->seg[r->nseg];
    *n = *s;
    n->parts = NULL;
    n->nparts = 0;
    if (r->ncur > 0) {
        n->parts = malloc((size_t)r->ncur * sizeof(*n->parts));
        if (n->parts == NULL)
            return -ENOMEM;
        memcpy(n->parts, r->cur, (size_t)r->ncur * sizeof(*n->parts));
        n->nparts = r->ncur;
    }
    r->nseg++;
    r->ncur = 0;
    r->cur_number = s->number + 1;
    r->bytes += s->size;
    r->seconds += secs;
    /* a very short last segment says little about the peak rate */
    if (secs > 0.5 && s->size * 8.0 / secs > r->peak_bps)
        r->peak_bps = s->size * 8.0 / secs;
    else if (r->peak_bps == 0 && secs > 0)
        r->peak_bps = s->size * 8.0 / secs;
    return 0;
}

void
sv_model_slide(struct sv_model_rend *r, double window,
               void (*gone)(void *ud, const struct sv_model_rend *r,
                            const struct sv_model_seg *s),
               void *ud)
{
    double total = 0;
    size_t i, drop = 0;

    for (i = 0; i < r->nseg; i++)
        total += (double)r->seg[i].duration / r->timescale;
    while (drop + 1 < r->nseg && total > window) {
        total -= (double)r->seg[drop].duration / r->timescale;
        drop++;
    }
    if (drop == 0)
        return;
    for (i = 0; i < drop; i++) {
        if (r->seg[i].discontinuity)
            r->disc_seq++;
        if (gone != NULL)
            gone(ud, r, &r->seg[i]);
        free(r->seg[i].parts);
    }
    memmove(r->seg, r->seg + drop, (r->nseg - drop) * sizeof(*r->seg));
    r->nseg -= drop;
}

void
sv_model_trim_parts(struct sv_model_rend *r, size_t keep)
{
    size_t i;

    for (i = 0; i + keep < r->nseg; i++) {
        free(r->seg[i].parts);
        r->seg[i].parts = NULL;
        r->seg[i].nparts = 0;
    }
}

void
sv_model_update_target(struct sv_model *m)
{
    int t = (int)lround(m->seg_dur), i;
    size_t j;

    if (t < 1)
        t = 1;
    for (i = 0; i < m->nrend; i++) {
        const struct sv_model_rend *r = &m->r[i];
        for (j = 0; j < r->nseg; j++) {
            int d = (int)lround((double)r->seg[j].duration / r->timescale);
            if (d > t)
                t = d;
        }
    }
    if (t > m->target)
        m->target = t;
}

long
sv_model_peak(const struct sv_model_rend *r)
{
    return (long)ceil(r->peak_bps);
}

long
sv_model_average(const struct sv_model_rend *r)
{
    return r->seconds > 0 ? (long)ceil(r->bytes * 8.0 / r->seconds) : 0;
}

static json_t *
seg_json(const struct sv_model *m, const struct sv_model_rend *r,
         const struct sv_model_seg *s)
{
    char uri[128], pdt[40];
    json_t *o, *parts;
    int i;

    sv_model_seg_uri(m, r, s->number, uri, sizeof(uri));
    o = json_pack("{s:I,s:s,s:I,s:I,s:f,s:I,s:b}",
                  "number", (json_int_t)s->number, "uri", uri,
                  "time", (json_int_t)s->start,
                  "ticks", (json_int_t)s->duration,
                  "duration", (double)s->duration / r->timescale,
                  "size", (json_int_t)s->size,
                  "discontinuity", s->discontinuity);
    if (o == NULL)
        return NULL;
    if (r->single_file)
        json_object_set_new(o, "offset", json_integer((json_int_t)s->offset));
    if (m->live && s->pdt_ms > 0) {
        sv_time_iso8601(s->pdt_ms, SV_TIME_MS, pdt, sizeof(pdt));
        json_object_set_new(o, "program_date_time", json_string(pdt));
    }
    if (s->nparts > 0) {
        parts = json_array();
        for (i = 0; i < s->nparts; i++) {
            sv_model_part_uri(r, s->number, i, uri, sizeof(uri));
            json_array_append_new(parts, json_pack(
                "{s:s,s:f,s:I,s:b}", "uri", uri,
                "duration", (double)s->parts[i].duration / r->timescale,
                "size", (json_int_t)s->parts[i].size,
                "independent", s->parts[i].independent));
        }
        json_object_set_new(o, "parts", parts);
    }
    return o;
}

const char *
sv_model_video_range(const struct sv_model_rend *r)
{
    if (!r->video || r->transfer == 0)
        return NULL;
    return r->transfer == 16 ? "PQ" : r->transfer == 18 ? "HLG" : "SDR";
}

/* a colour code point from package.json: 1..255, else 0 (unknown) */
static int
colour_cp(const json_t *v)
{
    json_int_t n = json_integer_value(v);

    return n > 0 && n < 256 ? (int)n : 0;
}

static json_t *
rend_json(const struct sv_model *m, const struct sv_model_rend *r)
{
    char uri[128];
    json_t *o, *segs;
    size_t i;

    o = json_pack("{s:s,s:s,s:s,s:I,s:{s:I,s:I}}", "id", r->id,
                  "type", r->video ? "video" : "audio", "codecs", r->codecs,
                  "timescale", (json_int_t)r->timescale, "bandwidth",
                  "average", (json_int_t)sv_model_average(r),
                  "peak", (json_int_t)sv_model_peak(r));
    if (o == NULL)
        return NULL;
    if (r->video) {
        json_object_set_new(o, "width", json_integer(r->width));
        json_object_set_new(o, "height", json_integer(r->height));
        json_object_set_new(o, "frame_rate", json_real(r->fps));
        if (sv_model_video_range(r) != NULL) {
            json_object_set_new(o, "colour", json_pack(
                "{s:i,s:i,s:i}", "primaries", r->primaries, "transfer",
                r->transfer, "matrix", r->matrix));
            json_object_set_new(o, "video_range",
                                json_string(sv_model_video_range(r)));
        }
    } else {
        json_object_set_new(o, "channels", json_integer(r->channels));
        json_object_set_new(o, "sample_rate", json_integer(r->sample_rate));
        json_object_set_new(o, "language", json_string(r->lang));
        json_object_set_new(o, "default", json_boolean(r->is_default));
    }
    if (r->media_time != 0)
        json_object_set_new(o, "media_time",
                            json_integer((json_int_t)r->media_time));
    if (r->group[0] != '\0')
        json_object_set_new(o, "audio_group", json_string(r->group));
    sv_model_playlist_uri(r, uri, sizeof(uri));
    json_object_set_new(o, "playlist", json_string(uri));
    sv_model_init_uri(m, r, uri, sizeof(uri));
    if (!m->ts)
        json_object_set_new(o, "init", json_string(uri));
    json_object_set_new(o, "single_file", json_boolean(r->single_file));
    if (r->single_file) {
        json_object_set_new(o, "init_size",
                            json_integer((json_int_t)r->init_size));
        json_object_set_new(o, "index_size",
                            json_integer((json_int_t)r->index_size));
    }
    json_object_set_new(o, "media_sequence", json_integer(
        (json_int_t)(r->nseg > 0 ? r->seg[0].number : r->cur_number)));
    json_object_set_new(o, "discontinuity_sequence",
                        json_integer((json_int_t)r->disc_seq));
    json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
    json_object_set_new(o, "duration", json_real(r->seconds));
    segs = json_array();
    for (i = 0; i < r->nseg; i++)
        json_array_append_new(segs, seg_json(m, r, &r->seg[i]));
    json_object_set_new(o, "segments", segs);
    return o;
}

json_t *
sv_model_to_json(const struct sv_model *m)
{
    char ast[40];
    json_t *root, *rends, *groups, *g, *disc, *timing, *man;
    int i;
    size_t j;

    root = json_pack("{s:i,s:s,s:s,s:f,s:i,s:b}", "version", 1,
                     "type", m->live ? "live" : "vod",
                     "segment_format", m->ts ? "ts" : "fmp4",
                     "segment_duration", m->seg_dur,
                     "target_duration", m->target, "ended", m->ended);
    if (root == NULL)
        return NULL;
    if (m->ll_hls || m->ll_dash) {
        json_object_set_new(root, "part_duration", json_real(m->part_dur));
        json_object_set_new(root, "part_target", json_real(m->part_target));
        json_object_set_new(root, "ll_hls", json_boolean(m->ll_hls));
        json_object_set_new(root, "ll_dash", json_boolean(m->ll_dash));
    }
    timing = json_object();
    if (m->live) {
        sv_time_iso8601(m->ast_ms, SV_TIME_MS, ast, sizeof(ast));
        json_object_set_new(timing, "availability_start", json_string(ast));
        sv_time_iso8601(m->now_ms, SV_TIME_MS, ast, sizeof(ast));
        json_object_set_new(timing, "published", json_string(ast));
        json_object_set_new(timing, "dvr", json_boolean(m->dvr));
        if (!m->dvr)
            json_object_set_new(timing, "window", json_real(m->window));
    }
    json_object_set_new(timing, "duration", json_real(
        m->nrend > 0 ? m->r[0].seconds : 0));
    json_object_set_new(root, "timing", timing);
    man = json_object();
    if (m->hls)
        json_object_set_new(man, "hls", json_string(SV_MODEL_MASTER));
    if (m->dash)
        json_object_set_new(man, "dash", json_string(SV_MODEL_MPD));
    json_object_set_new(root, "manifests", man);

    rends = json_array();
    groups = json_array();
    disc = json_array();
    for (i = 0; i < m->nrend; i++) {
        const struct sv_model_rend *r = &m->r[i];
        json_array_append_new(rends, rend_json(m, r));
        if (!r->video) {
            size_t k;
            g = NULL;
            for (k = 0; k < json_array_size(groups); k++) {
                json_t *x = json_array_get(groups, k);
                if (strcmp(json_string_value(json_object_get(x, "id")),
                           r->group) == 0)
                    g = x;
            }
            if (g == NULL) {
                g = json_pack("{s:s,s:[]}", "id", r->group, "renditions");
                json_array_append_new(groups, g);
            }
            json_array_append_new(json_object_get(g, "renditions"),
                                  json_string(r->id));
        }
    }
    for (j = 0; j < m->ndisc; j++)
        json_array_append_new(disc, json_pack(
            "{s:I,s:f}", "number", (json_int_t)m->disc[j].number,
            "time", m->disc[j].time));
    json_object_set_new(root, "renditions", rends);
    json_object_set_new(root, "audio_groups", groups);
    json_object_set_new(root, "discontinuities", disc);
    json_object_set_new(root, "encryption", m->encryption != NULL
                        ? json_incref(m->encryption) : json_null());
    if (m->steering != NULL)
        json_object_set_new(root, "steering", json_incref(m->steering));
    if (m->img.sheets > 0)
        json_object_set_new(root, "thumbnails", sv__images_json(&m->img));
    if (m->watermark != NULL)
        json_object_set_new(root, "watermark", json_incref(m->watermark));
    return root;
}

int
sv_model_add_disc(struct sv_model *m, uint64_t number, double time)
{
    struct sv_model_disc *d;

    d = realloc(m->disc, (m->ndisc + 1) * sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    m->disc = d;
    d[m->ndisc].number = number;
    d[m->ndisc].time = time;
    m->ndisc++;
    return 0;
}

static int
bad(char *err, size_t size, const char *what)
{
    snprintf(err, size, "package.json: %s", what);
    return SV_EFORMAT;
}


/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (what sv_time_iso8601() writes) as ms since
 * the epoch; 0 for NULL or another form. */
static int64_t
iso_ms(const char *s)
{
    struct tm tm;
    int ms = 0, n = 0;

    if (s == NULL)
        return 0;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
        return 0;
    if (s[n] == '.' && sscanf(s + n, ".%3d", &ms) != 1)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

static int
seg_from_json(struct sv_model_rend *r, const json_t *o, char *err,
              size_t size)
{
    struct sv_model_seg s;
    json_t *parts, *p;
    size_t i;
    int rc;

    memset(&s, 0, sizeof(s));
    if (!json_is_object(o) ||
        !json_is_integer(json_object_get(o, "number")) ||
        !json_is_integer(json_object_get(o, "time")) ||
        !json_is_integer(json_object_get(o, "ticks")) ||
        !json_is_integer(json_object_get(o, "size")))
        return bad(err, size, "a segment lacks number, time, ticks or size");
    s.number = (uint64_t)json_integer_value(json_object_get(o, "number"));
    s.start = json_integer_value(json_object_get(o, "time"));
    s.duration = (uint32_t)json_integer_value(json_object_get(o, "ticks"));
    s.size = (uint64_t)json_integer_value(json_object_get(o, "size"));
    s.offset = (uint64_t)json_integer_value(json_object_get(o, "offset"));
    s.discontinuity = json_is_true(json_object_get(o, "discontinuity"));
    s.pdt_ms = iso_ms(json_string_value(json_object_get(o,
                                                        "program_date_time")));
    parts = json_object_get(o, "parts");
    r->ncur = 0;
    for (i = 0; json_is_array(parts) && i < json_array_size(parts) &&
         r->ncur < SV_MODEL_MAX_PARTS; i++) {
        p = json_array_get(parts, i);
        r->cur[r->ncur].duration = (uint32_t)lround(json_number_value(
            json_object_get(p, "duration")) * r->timescale);
        r->cur[r->ncur].size = (uint64_t)json_integer_value(
            json_object_get(p, "size"));
        r->cur[r->ncur].independent = json_is_true(
            json_object_get(p, "independent"));
        r->ncur++;
    }
    rc = sv_model_add_segment(r, &s);
    return rc;
}

int
sv_model_from_json(struct sv_model *m, const json_t *root, char *err,
                   size_t size)
{
    json_t *rends, *o, *segs, *man;
    const char *s;
    size_t i, j;
    int rc;

    memset(m, 0, sizeof(*m));
    if (!json_is_object(root) ||
        json_integer_value(json_object_get(root, "version")) != 1)
        return bad(err, size, "not a version 1 package model");
    s = json_string_value(json_object_get(root, "type"));
    m->live = s != NULL && strcmp(s, "live") == 0;
    s = json_string_value(json_object_get(root, "segment_format"));
    m->ts = s != NULL && strcmp(s, "ts") == 0;
    m->ended = json_is_true(json_object_get(root, "ended"));
    m->seg_dur = json_number_value(json_object_get(root, "segment_duration"));
    m->target = (int)json_integer_value(json_object_get(root,
                                                        "target_duration"));
    m->part_dur = json_number_value(json_object_get(root, "part_duration"));
    m->part_target = json_number_value(json_object_get(root, "part_target"));
    o = json_object_get(root, "ll_hls");
    m->ll_hls = m->part_dur > 0 && (o == NULL || json_is_true(o));
    m->ll_dash = m->part_dur > 0 && json_is_true(json_object_get(root,
                                                                 "ll_dash"));
    man = json_object_get(root, "manifests");
    m->hls = json_object_get(man, "hls") != NULL;
    m->dash = json_object_get(man, "dash") != NULL;
    /* a live package rendered again (sv-drm) keeps its clock */
    m->ast_ms = iso_ms(json_string_value(json_object_get(json_object_get(
        root, "timing"), "availability_start")));
    m->now_ms = iso_ms(json_string_value(json_object_get(json_object_get(
        root, "timing"), "published")));
    o = json_object_get(json_object_get(root, "timing"), "window");
    m->window = json_number_value(o);
    m->dvr = json_is_true(json_object_get(json_object_get(root, "timing"),
                                          "dvr"));
    segs = json_object_get(root, "discontinuities");
    for (i = 0; json_is_array(segs) && i < json_array_size(segs); i++) {
        o = json_array_get(segs, i);
        rc = sv_model_add_disc(m, (uint64_t)json_integer_value(
            json_object_get(o, "number")), json_number_value(
            json_object_get(o, "time")));
        if (rc < 0)
            return rc;
    }
    o = json_object_get(root, "encryption");
    if (json_is_object(o))
        m->encryption = json_incref(o);
    o = json_object_get(root, "thumbnails");
    if (o != NULL) {
        char why[96];
        if (sv__images_from_json(&m->img, o, why, sizeof(why)) < 0) {
            snprintf(err, size, "package.json: thumbnails: %s", why);
            return SV_EFORMAT;
        }
    }
    o = json_object_get(root, "watermark");
    if (json_is_object(o))
        m->watermark = json_incref(o);
    o = json_object_get(root, "steering");
    if (o != NULL && !json_is_null(o)) {
        rc = sv_model_steering_check(o, err, size);
        if (rc < 0)
            return rc;
        m->steering = json_incref(o);
    }
    rends = json_object_get(root, "renditions");
    if (!json_is_array(rends) || json_array_size(rends) == 0 ||
        json_array_size(rends) > 64)
        return bad(err, size, "no renditions");
    m->r = calloc(json_array_size(rends), sizeof(*m->r));
    if (m->r == NULL)
        return -ENOMEM;
    m->nrend = (int)json_array_size(rends);
    for (i = 0; i < json_array_size(rends); i++) {
        struct sv_model_rend *r = &m->r[i];
        o = json_array_get(rends, i);
        s = json_string_value(json_object_get(o, "id"));
        if (s == NULL || strlen(s) >= sizeof(r->id) ||
            strpbrk(s, "/\\.") != NULL)
            return bad(err, size, "a rendition has no usable id");
        snprintf(r->id, sizeof(r->id), "%s", s);
        s = json_string_value(json_object_get(o, "type"));
        r->video = s != NULL && strcmp(s, "video") == 0;
        s = json_string_value(json_object_get(o, "codecs"));
        snprintf(r->codecs, sizeof(r->codecs), "%s", s ? s : "");
        r->width = (int)json_integer_value(json_object_get(o, "width"));
        r->height = (int)json_integer_value(json_object_get(o, "height"));
        r->fps = json_number_value(json_object_get(o, "frame_rate"));
        {
            json_t *col = json_object_get(o, "colour");
            r->primaries = colour_cp(json_object_get(col, "primaries"));
            r->transfer = colour_cp(json_object_get(col, "transfer"));
            r->matrix = colour_cp(json_object_get(col, "matrix"));
        }
        r->timescale = (uint32_t)json_integer_value(json_object_get(
            o, "timescale"));
        if (r->timescale == 0)
            return bad(err, size, "a rendition has no timescale");
        r->media_time = json_integer_value(json_object_get(o, "media_time"));
        r->channels = (int)json_integer_value(json_object_get(o,
                                                              "channels"));
        r->sample_rate = (int)json_integer_value(json_object_get(
            o, "sample_rate"));
        s = json_string_value(json_object_get(o, "language"));
        snprintf(r->lang, sizeof(r->lang), "%s", s ? s : "und");
        s = json_string_value(json_object_get(o, "audio_group"));
        snprintf(r->group, sizeof(r->group), "%s", s ? s : "");
        r->is_default = json_is_true(json_object_get(o, "default"));
        r->single_file = json_is_true(json_object_get(o, "single_file"));
        r->disc_seq = (uint64_t)json_integer_value(json_object_get(
            o, "discontinuity_sequence"));
        r->init_size = (uint64_t)json_integer_value(json_object_get(
            o, "init_size"));
        r->index_size = (uint64_t)json_integer_value(json_object_get(
            o, "index_size"));
        segs = json_object_get(o, "segments");
        for (j = 0; json_is_array(segs) && j < json_array_size(segs); j++) {
            rc = seg_from_json(r, json_array_get(segs, j), err, size);
            if (rc < 0)
                return rc;
        }
        r->cur_number = r->nseg > 0 ? r->seg[r->nseg - 1].number + 1 : 1;
        o = json_object_get(o, "bandwidth");
        r->peak_bps = (double)json_integer_value(json_object_get(o, "peak"));
    }
    sv_model_update_target(m);
    return 0;
}

void
sv_model_release(struct sv_model *m)
{
    int i;
    size_t j;

    for (i = 0; i < m->nrend; i++) {
        for (j = 0; j < m->r[i].nseg; j++)
            free(m->r[i].seg[j].parts);
        free(m->r[i].seg);
    }
    free(m->r);
    m->r = NULL;
    free(m->disc);
    m->disc = NULL;
    m->ndisc = 0;
    m->nrend = 0;
    if (m->encryption != NULL)
        json_decref(m->encryption);
    m->encryption = NULL;
    json_decref(m->steering);
    m->steering = NULL;
    json_decref(m->watermark);
    m->watermark = NULL;
}

/* text that may sit between quotes in a playlist and in XML as it is */
static int
steer_text_ok(const char *s, size_t max)
{
    size_t i, n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '<' ||
            s[i] == '>' || s[i] == '&' || s[i] == '\\' || s[i] == '\'')
            return 0;
    return 1;
}

int
sv_model_steering_check(const json_t *s, char *err, size_t size)
{
    const json_t *pw, *p;
    const char *id, *base;
    size_t i, j;

    if (!json_is_object(s) ||
        !steer_text_ok(json_string_value(json_object_get(s, "uri")), 1024))
        return bad(err, size, "steering: no usable uri");
    pw = json_object_get(s, "pathways");
    if (!json_is_array(pw) || json_array_size(pw) == 0 ||
        json_array_size(pw) > 16)
        return bad(err, size, "steering: not 1 to 16 pathways");
    json_array_foreach(pw, i, p) {
        id = json_string_value(json_object_get(p, "id"));
        base = json_string_value(json_object_get(p, "base"));
        if (!steer_text_ok(id, 32) || strspn(id, "0123456789abcdefghijklmno"
            "pqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_") != strlen(id))
            return bad(err, size, "steering: a pathway id is not 1 to 32 "
                       "of 0-9 a-z A-Z . - _");
        if (!steer_text_ok(base, 1024) || base[strlen(base) - 1] != '/')
            return bad(err, size, "steering: a pathway base is not a URL "
                       "ending in '/'");
        for (j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(
                    json_array_get(pw, j), "id")), id) == 0)
                return bad(err, size, "steering: a pathway id is there "
                           "twice");
    }
    return 0;
}
