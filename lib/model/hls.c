/* hls.c -- HLS multivariant and media playlists (RFC 8216, LL-HLS) rendered
 * from the package model */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "model/images.h"
#include "model/model.h"

static int
version(const struct sv_model *m)
{
    if (m->ll_hls)
        return 9;
    if (m->ts)
        return 3;
    return 7;
}

/* The peak and average of a variant: its video plus the largest audio. */
static void
variant_bandwidth(const struct sv_model *m, const struct sv_model_rend *v,
                  long *peak, long *avg)
{
    long ap = 0, aa = 0;
    int i;

    for (i = 0; i < m->nrend; i++) {
        const struct sv_model_rend *a = &m->r[i];
        if (a->video || strcmp(a->group, v->group) != 0)
            continue;
        if (sv_model_peak(a) > ap)
            ap = sv_model_peak(a);
        if (sv_model_average(a) > aa)
            aa = sv_model_average(a);
    }
    *peak = sv_model_peak(v) + ap;
    *avg = sv_model_average(v) + aa;
}

static const char *
audio_codecs(const struct sv_model *m, const char *group)
{
    int i;

    for (i = 0; i < m->nrend; i++)
        if (!m->r[i].video && strcmp(m->r[i].group, group) == 0)
            return m->r[i].codecs;
    return NULL;
}

static int
key_line(const struct sv_model *m, struct sv_buf *out)
{
    const char *method, *uri, *fmt, *iv;
    json_t *e = m->encryption;
    int rc = 0;

    if (e == NULL)
        return 0;
    method = json_string_value(json_object_get(e, "hls_method"));
    uri = json_string_value(json_object_get(e, "key_uri"));
    if (method == NULL || uri == NULL)
        return 0;
    rc |= sv_buf_printf(out, "#EXT-X-KEY:METHOD=%s,URI=\"%s\"", method, uri);
    iv = json_string_value(json_object_get(e, "iv"));
    if (iv != NULL)
        rc |= sv_buf_printf(out, ",IV=0x%s", iv);
    fmt = json_string_value(json_object_get(e, "keyformat"));
    if (fmt != NULL)
        rc |= sv_buf_printf(out, ",KEYFORMAT=\"%s\","
                            "KEYFORMATVERSIONS=\"1\"", fmt);
    rc |= sv_buf_printf(out, "\n");
    return rc;
}

/*
 * The variants and audio renditions of one pathway: base (a URL ending in
 * '/', "" for the package's own relative URIs) before each URI, and the
 * pathway's id on each variant and appended to its audio group's id, as
 * the groups of two pathways must not mix (HLS Content Steering).
 */
static int
pathway_variants(const struct sv_model *m, const char *id, const char *base,
                 struct sv_buf *out)
{
    char uri[128], group[64];
    const char *ac;
    long peak, avg;
    int i, rc = 0;

    for (i = 0; rc == 0 && i < m->nrend; i++) {
        const struct sv_model_rend *a = &m->r[i];
        if (a->video)
            continue;
        sv_model_playlist_uri(a, uri, sizeof(uri));
        snprintf(group, sizeof(group), "%s%s%s", a->group, id ? "-" : "",
                 id ? id : "");
        rc = sv_buf_printf(out, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"%s\","
                           "NAME=\"%s\",LANGUAGE=\"%s\",DEFAULT=%s,"
                           "AUTOSELECT=YES,CHANNELS=\"%d\",URI=\"%s%s\"\n",
                           group, a->id, a->lang,
                           a->is_default ? "YES" : "NO",
                           a->channels > 0 ? a->channels : 2, base, uri);
    }
    for (i = 0; rc == 0 && i < m->nrend; i++) {
        const struct sv_model_rend *v = &m->r[i];
        if (!v->video)
            continue;
        variant_bandwidth(m, v, &peak, &avg);
        ac = v->group[0] != '\0' ? audio_codecs(m, v->group) : NULL;
        rc |= sv_buf_printf(out, "#EXT-X-STREAM-INF:BANDWIDTH=%ld,"
                            "AVERAGE-BANDWIDTH=%ld,CODECS=\"%s%s%s\","
                            "RESOLUTION=%dx%d", peak, avg, v->codecs,
                            ac ? "," : "", ac ? ac : "", v->width, v->height);
        if (v->fps > 0)
            rc |= sv_buf_printf(out, ",FRAME-RATE=%.3f", v->fps);
        if (sv_model_video_range(v) != NULL)
            rc |= sv_buf_printf(out, ",VIDEO-RANGE=%s",
                                sv_model_video_range(v));
        if (ac != NULL)
            rc |= sv_buf_printf(out, ",AUDIO=\"%s%s%s\"", v->group,
                                id ? "-" : "", id ? id : "");
        if (id != NULL)
            rc |= sv_buf_printf(out, ",PATHWAY-ID=\"%s\"", id);
        sv_model_playlist_uri(v, uri, sizeof(uri));
        rc = sv_buf_printf(out, "\n%s%s\n", base, uri);
    }
    return rc;
}

int
sv_hls_master(const struct sv_model *m, struct sv_buf *out)
{
    json_t *pws = m->steering != NULL ?
        json_object_get(m->steering, "pathways") : NULL;
    json_t *p;
    size_t k;
    int rc;

    rc = sv_buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:%d\n"
                       "#EXT-X-INDEPENDENT-SEGMENTS\n", version(m));
    if (pws == NULL || json_array_size(pws) == 0) {
        if (rc == 0)
            rc = pathway_variants(m, NULL, "", out);
        return rc < 0 ? rc : sv__images_hls_master(m, out);
    }
    /* the first pathway is where a player starts */
    rc |= sv_buf_printf(out, "#EXT-X-CONTENT-STEERING:SERVER-URI=\"%s\","
                        "PATHWAY-ID=\"%s\"\n",
                        json_string_value(json_object_get(m->steering, "uri")),
                        json_string_value(json_object_get(
                            json_array_get(pws, 0), "id")));
    json_array_foreach(pws, k, p) {
        if (rc != 0)
            break;
        rc = pathway_variants(m, json_string_value(json_object_get(p, "id")),
                              json_string_value(json_object_get(p, "base")),
                              out);
    }
    return rc < 0 ? rc : sv__images_hls_master(m, out);
}

static int
part_line(const struct sv_model_rend *r, uint64_t number, int i,
          const struct sv_model_part *p, struct sv_buf *out)
{
    char uri[128];

    sv_model_part_uri(r, number, i, uri, sizeof(uri));
    return sv_buf_printf(out, "#EXT-X-PART:DURATION=%.5f,URI=\"%s\"%s\n",
                         (double)p->duration / r->timescale, uri,
                         p->independent ? ",INDEPENDENT=YES" : "");
}

/* LAST-MSN and LAST-PART of r for rendition reports and hints. */
static void
last_part(const struct sv_model_rend *r, uint64_t *msn, int *part)
{
    if (r->ncur > 0) {
        *msn = r->cur_number;
        *part = r->ncur - 1;
    } else if (r->nseg > 0) {
        *msn = r->seg[r->nseg - 1].number;
        *part = r->seg[r->nseg - 1].nparts - 1;
    } else {
        *msn = r->cur_number;
        *part = -1;
    }
}

int
sv_hls_media(const struct sv_model *m, int idx, struct sv_buf *out)
{
    const struct sv_model_rend *r = &m->r[idx];
    char uri[128], pdt[40];
    uint64_t msn;
    size_t i;
    int j, part, rc = 0;

    rc |= sv_buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:%d\n"
                        "#EXT-X-TARGETDURATION:%d\n", version(m), m->target);
    if (m->ll_hls && m->live) {
        rc |= sv_buf_printf(out, "#EXT-X-PART-INF:PART-TARGET=%.5f\n",
                            m->part_target);
        rc |= sv_buf_printf(out, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
                            "PART-HOLD-BACK=%.3f,CAN-SKIP-UNTIL=%.1f\n",
                            3 * m->part_target, 6.0 * m->target);
    }
    rc |= sv_buf_printf(out, "#EXT-X-MEDIA-SEQUENCE:%llu\n",
                        (unsigned long long)(r->nseg > 0 ? r->seg[0].number
                        : r->cur_number));
    if (m->live || r->disc_seq > 0)
        rc |= sv_buf_printf(out, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n",
                            (unsigned long long)r->disc_seq);
    if (!m->live)
        rc |= sv_buf_printf(out, "#EXT-X-PLAYLIST-TYPE:VOD\n");
    else if (m->dvr)
        rc |= sv_buf_printf(out, "#EXT-X-PLAYLIST-TYPE:EVENT\n");
    rc |= sv_buf_printf(out, "#EXT-X-INDEPENDENT-SEGMENTS\n");
    if (!m->ts) {
        sv_model_init_uri(m, r, uri, sizeof(uri));
        if (r->single_file)
            rc |= sv_buf_printf(out, "#EXT-X-MAP:URI=\"%s\","
                                "BYTERANGE=\"%llu@0\"\n", uri,
                                (unsigned long long)r->init_size);
        else
            rc |= sv_buf_printf(out, "#EXT-X-MAP:URI=\"%s\"\n", uri);
    }
    rc |= key_line(m, out);
    for (i = 0; i < r->nseg; i++) {
        const struct sv_model_seg *s = &r->seg[i];
        if (s->discontinuity)
            rc |= sv_buf_printf(out, "#EXT-X-DISCONTINUITY\n");
        if (m->live && s->pdt_ms > 0) {
            sv_time_iso8601(s->pdt_ms, SV_TIME_MS, pdt, sizeof(pdt));
            rc |= sv_buf_printf(out, "#EXT-X-PROGRAM-DATE-TIME:%s\n", pdt);
        }
        for (j = 0; m->ll_hls && m->live && !m->ended && j < s->nparts; j++)
            rc |= part_line(r, s->number, j, &s->parts[j], out);
        rc |= sv_buf_printf(out, "#EXTINF:%.5f,\n",
                            (double)s->duration / r->timescale);
        if (r->single_file)
            rc |= sv_buf_printf(out, "#EXT-X-BYTERANGE:%llu@%llu\n",
                                (unsigned long long)s->size,
                                (unsigned long long)s->offset);
        sv_model_seg_uri(m, r, s->number, uri, sizeof(uri));
        rc |= sv_buf_printf(out, "%s\n", uri);
    }
    if (m->ll_hls && m->live && !m->ended) {
        if (r->ncur > 0 && r->cur_discontinuity && r->nseg > 0)
            rc |= sv_buf_printf(out, "#EXT-X-DISCONTINUITY\n");
        for (j = 0; j < r->ncur; j++)
            rc |= part_line(r, r->cur_number, j, &r->cur[j], out);
        sv_model_part_uri(r, r->cur_number, r->ncur, uri, sizeof(uri));
        rc |= sv_buf_printf(out, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"%s\"\n",
                            uri);
        for (j = 0; j < m->nrend; j++) {
            if (j == idx)
                continue;
            last_part(&m->r[j], &msn, &part);
            sv_model_playlist_uri(&m->r[j], uri, sizeof(uri));
            if (part >= 0)
                rc |= sv_buf_printf(out, "#EXT-X-RENDITION-REPORT:URI=\"%s\","
                                    "LAST-MSN=%llu,LAST-PART=%d\n", uri,
                                    (unsigned long long)msn, part);
            else
                rc |= sv_buf_printf(out, "#EXT-X-RENDITION-REPORT:URI=\"%s\","
                                    "LAST-MSN=%llu\n", uri,
                                    (unsigned long long)msn);
        }
    }
    if (!m->live || m->ended)
        rc |= sv_buf_printf(out, "#EXT-X-ENDLIST\n");
    return rc < 0 ? -ENOMEM : 0;
}
