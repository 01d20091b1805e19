/* dash.c -- the DASH MPD (SegmentTemplate + SegmentTimeline, one Period per
 * discontinuity; SegmentBase for single files) rendered from the model */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "model/images.h"
#include "model/model.h"

static void
duration(double s, char *buf, size_t size)
{
    snprintf(buf, size, "PT%.3fS", s < 0 ? 0 : s);
}

/* Segment index range [lo, hi) of r that falls in Period k. */
static void
period_range(const struct sv_model *m, const struct sv_model_rend *r,
             size_t k, size_t *lo, size_t *hi)
{
    uint64_t from = k == 0 ? 0 : m->disc[k - 1].number;
    uint64_t to = k < m->ndisc ? m->disc[k].number : UINT64_MAX;
    size_t i;

    *lo = *hi = r->nseg;
    for (i = 0; i < r->nseg; i++) {
        if (r->seg[i].number >= from && *lo == r->nseg)
            *lo = i;
        if (r->seg[i].number >= to) {
            *hi = i;
            break;
        }
    }
    if (*lo > *hi)
        *lo = *hi;
}

/*
 * next: the duration (timescale ticks) of the segment being produced, listed
 * after the last complete one (low-latency DASH: a player asks for it while
 * its chunks appear), or 0.
 */
static int
timeline(const struct sv_model_rend *r, size_t lo, size_t hi, uint32_t next,
         struct sv_buf *out)
{
    size_t i = lo, j;
    int rc = 0;

    rc |= sv_buf_printf(out, "        <SegmentTimeline>\n");
    while (i < hi) {
        const struct sv_model_seg *s = &r->seg[i];
        for (j = i + 1; j < hi && r->seg[j].duration == s->duration &&
             r->seg[j].start == r->seg[j - 1].start +
                                (int64_t)r->seg[j - 1].duration; j++)
            ;
        if (j - i > 1)
            rc |= sv_buf_printf(out, "          <S t=\"%lld\" d=\"%u\" "
                                "r=\"%zu\"/>\n", (long long)s->start,
                                s->duration, j - i - 1);
        else
            rc |= sv_buf_printf(out, "          <S t=\"%lld\" d=\"%u\"/>\n",
                                (long long)s->start, s->duration);
        i = j;
    }
    if (next > 0 && hi > lo)
        rc |= sv_buf_printf(out, "          <S t=\"%lld\" d=\"%u\"/>\n",
                            (long long)(r->seg[hi - 1].start +
                                        r->seg[hi - 1].duration), next);
    rc |= sv_buf_printf(out, "        </SegmentTimeline>\n");
    return rc;
}

/*
 * The key rendition id uses: its key entry's key id and pssh list where
 * the encryption record has them (a key of its own: audio, SD/HD/UHD,
 * rotation), else the default the record names.
 */
static void
rend_key(const struct sv_model *m, const char *id, const char **kid,
         const json_t **pssh)
{
    const json_t *e = m->encryption, *k;
    size_t i;

    *kid = json_string_value(json_object_get(e, "default_kid"));
    *pssh = json_object_get(e, "pssh");
    json_array_foreach(json_object_get(e, "keys"), i, k) {
        const char *r = json_string_value(json_object_get(k, "rendition"));

        if (r == NULL || strcmp(r, id) != 0)
            continue;
        if (json_string_value(json_object_get(k, "uuid")) != NULL)
            *kid = json_string_value(json_object_get(k, "uuid"));
        if (json_is_array(json_object_get(k, "pssh")))
            *pssh = json_object_get(k, "pssh");
        break;
    }
}

/* ContentProtection of rendition id's key, indented by ind spaces. */
static int
protection(const struct sv_model *m, const char *id, int ind,
           struct sv_buf *out)
{
    const json_t *pssh, *p;
    const char *scheme, *kid;
    size_t i;
    int rc = 0;

    if (m->encryption == NULL)
        return 0;
    scheme = json_string_value(json_object_get(m->encryption, "scheme"));
    rend_key(m, id, &kid, &pssh);
    if (scheme == NULL || kid == NULL)
        return 0;
    rc |= sv_buf_printf(out, "%*s<ContentProtection schemeIdUri=\"urn:mpeg:"
                        "dash:mp4protection:2011\" value=\"%s\" "
                        "cenc:default_KID=\"%s\"/>\n", ind, "", scheme, kid);
    for (i = 0; json_is_array(pssh) && i < json_array_size(pssh); i++) {
        const char *sys, *data;
        p = json_array_get(pssh, i);
        sys = json_string_value(json_object_get(p, "system_id"));
        data = json_string_value(json_object_get(p, "data"));
        if (sys == NULL)
            continue;
        rc |= sv_buf_printf(out, "%*s<ContentProtection schemeIdUri=\"urn:"
                            "uuid:%s\">", ind, "", sys);
        if (data != NULL)
            rc |= sv_buf_printf(out, "<cenc:pssh>%s</cenc:pssh>", data);
        rc |= sv_buf_printf(out, "</ContentProtection>\n");
    }
    return rc;
}

/* The key id of rendition i (NULL: clear); same_kid() compares two. */
static const char *
kid_of(const struct sv_model *m, int i)
{
    const json_t *pssh;
    const char *kid;

    if (m->encryption == NULL)
        return NULL;
    rend_key(m, m->r[i].id, &kid, &pssh);
    return kid;
}

static int
same_kid(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The colour of a video Representation as CICP properties (ISO/IEC
 * 23001-8 schemes, DASH-IF IOP HDR10/HLG): the transfer is essential when
 * it is PQ or HLG, so that a player that knows neither skips the rung
 * rather than showing it washed out; primaries and matrix are
 * supplemental.  Nothing when the colour is unknown.
 */
static int
colour_props(const struct sv_model_rend *r, struct sv_buf *out)
{
    static const char cicp[] = "urn:mpeg:mpegB:cicp:";
    int rc = 0, hdr = r->transfer == 16 || r->transfer == 18;

    if (r->transfer == 0)
        return 0;
    rc |= sv_buf_printf(out, "        <%sProperty schemeIdUri=\"%s"
                        "TransferCharacteristics\" value=\"%d\"/>\n",
                        hdr ? "Essential" : "Supplemental", cicp,
                        r->transfer);
    if (r->primaries != 0)
        rc |= sv_buf_printf(out, "        <SupplementalProperty schemeIdUri="
                            "\"%sColourPrimaries\" value=\"%d\"/>\n", cicp,
                            r->primaries);
    if (r->matrix != 0)
        rc |= sv_buf_printf(out, "        <SupplementalProperty schemeIdUri="
                            "\"%sMatrixCoefficients\" value=\"%d\"/>\n",
                            cicp, r->matrix);
    return rc;
}

static int
representation(const struct sv_model *m, const struct sv_model_rend *r,
               size_t k, double pstart, struct sv_buf *out)
{
    int lowlat = m->ll_dash && m->live && !m->ended && k == m->ndisc;
    uint32_t next = 0;
    size_t lo, hi;
    int rc = 0;

    period_range(m, r, k, &lo, &hi);
    if (lowlat)
        next = (uint32_t)llround(m->seg_dur * r->timescale);
    rc |= sv_buf_printf(out, "      <Representation id=\"%s\" codecs=\"%s\" "
                        "bandwidth=\"%ld\"", r->id, r->codecs,
                        sv_model_peak(r) > 0 ? sv_model_peak(r) : 1);
    if (r->video) {
        rc |= sv_buf_printf(out, " width=\"%d\" height=\"%d\" sar=\"1:1\"",
                            r->width, r->height);
        if (r->fps > 0)
            rc |= sv_buf_printf(out, " frameRate=\"%ld/1000\"",
                                lround(r->fps * 1000));
    } else {
        rc |= sv_buf_printf(out, " audioSamplingRate=\"%d\"",
                            r->sample_rate);
    }
    rc |= sv_buf_printf(out, ">\n");
    if (!r->video)
        rc |= sv_buf_printf(out, "        <AudioChannelConfiguration "
                            "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_"
                            "channel_configuration:2011\" value=\"%d\"/>\n",
                            r->channels > 0 ? r->channels : 2);
    if (r->video)
        rc |= colour_props(r, out);
    if (r->single_file) {
        rc |= sv_buf_printf(out, "        <BaseURL>%s.mp4</BaseURL>\n"
                            "        <SegmentBase timescale=\"%u\"",
                            r->id, r->timescale);
        if (r->media_time > 0)
            rc |= sv_buf_printf(out, " presentationTimeOffset=\"%lld\"",
                                (long long)r->media_time);
        rc |= sv_buf_printf(out, " indexRange=\"%llu-%llu\">\n"
                            "          <Initialization range=\"0-%llu\"/>\n"
                            "        </SegmentBase>\n",
                            (unsigned long long)r->init_size,
                            (unsigned long long)(r->init_size +
                                                 r->index_size - 1),
                            (unsigned long long)(r->init_size - 1));
    } else {
        rc |= sv_buf_printf(out, "        <SegmentTemplate timescale=\"%u\" "
                            "initialization=\"$RepresentationID$/init.mp4\" "
                            "media=\"$RepresentationID$/seg-$Number$.m4s\" "
                            "startNumber=\"%llu\" presentationTimeOffset="
                            "\"%lld\"", r->timescale, (unsigned long long)
                            (lo < hi ? r->seg[lo].number : r->cur_number),
                            (long long)llround(pstart * r->timescale) +
                            (long long)r->media_time);
        /* chunks (parts) are there one part duration after the start */
        if (lowlat)
            rc |= sv_buf_printf(out, " availabilityTimeOffset=\"%.3f\" "
                                "availabilityTimeComplete=\"false\"",
                                m->seg_dur - m->part_dur);
        rc |= sv_buf_printf(out, ">\n");
        rc |= timeline(r, lo, hi, next, out);
        rc |= sv_buf_printf(out, "        </SegmentTemplate>\n");
    }
    rc |= sv_buf_printf(out, "      </Representation>\n");
    return rc;
}

/*
 * The AdaptationSet of the renditions of one type (video or audio) whose
 * key is that of rendition first (lead), with id; sw lists the ids of the
 * sets a player may switch to from it (NULL: none).
 */
static int
adaptation(const struct sv_model *m, int video, int lead, int id,
           const char *sw, size_t k, double pstart, struct sv_buf *out)
{
    const char *kid = kid_of(m, lead), *lang = "und";
    int i, rc = 0, maxw = 0, maxh = 0;

    for (i = 0; i < m->nrend; i++) {
        if (m->r[i].video != video || !same_kid(kid_of(m, i), kid))
            continue;
        if (m->r[i].width > maxw)
            maxw = m->r[i].width;
        if (m->r[i].height > maxh)
            maxh = m->r[i].height;
        if (!video)
            lang = m->r[i].lang;
    }
    rc |= sv_buf_printf(out, "    <AdaptationSet id=\"%d\" contentType=\"%s\" "
                        "mimeType=\"%s/mp4\" segmentAlignment=\"true\" "
                        "startWithSAP=\"1\"", id, video ? "video" : "audio",
                        video ? "video" : "audio");
    if (video)
        rc |= sv_buf_printf(out, " maxWidth=\"%d\" maxHeight=\"%d\"", maxw,
                            maxh);
    else
        rc |= sv_buf_printf(out, " lang=\"%s\"", lang);
    rc |= sv_buf_printf(out, ">\n");
    rc |= protection(m, m->r[lead].id, 6, out);
    if (sw != NULL)
        rc |= sv_buf_printf(out, "      <SupplementalProperty schemeIdUri="
                            "\"urn:mpeg:dash:adaptation-set-switching:2016\" "
                            "value=\"%s\"/>\n", sw);
    for (i = 0; i < m->nrend; i++)
        if (m->r[i].video == video && same_kid(kid_of(m, i), kid))
            rc |= representation(m, &m->r[i], k, pstart, out);
    rc |= sv_buf_printf(out, "    </AdaptationSet>\n");
    return rc;
}

/*
 * The AdaptationSets of one type from id *id on: one per key, as Shaka
 * Packager writes them, since a player keeps one key session per set and
 * stalls when a switch inside a set needs another key (issue 17); sets of
 * one type are marked as switchable to each other.  *id moves past them.
 */
static int
adaptations(const struct sv_model *m, int video, int *id, size_t k,
            double pstart, struct sv_buf *out)
{
    int *lead, n = 0, i, j, rc = 0;
    char *sw, *p;

    lead = malloc(((size_t)m->nrend + 1) * sizeof(*lead));
    sw = malloc(((size_t)m->nrend + 1) * 12);
    if (lead == NULL || sw == NULL) {
        free(lead);
        free(sw);
        return -ENOMEM;
    }
    for (i = 0; i < m->nrend; i++) {
        if (m->r[i].video != video)
            continue;
        for (j = 0; j < n; j++)
            if (same_kid(kid_of(m, lead[j]), kid_of(m, i)))
                break;
        if (j == n)
            lead[n++] = i;
    }
    for (j = 0; j < n; j++) {
        p = sw;
        *p = '\0';
        for (i = 0; n > 1 && i < n; i++)
            if (i != j)
                p += sprintf(p, "%s%d", p == sw ? "" : ",", *id + i);
        rc |= adaptation(m, video, lead[j], *id + j, n > 1 ? sw : NULL, k,
                         pstart, out);
    }
    free(lead);
    free(sw);
    *id += n;
    return rc;
}

/*
 * Content steering (ISO 23009-1 5th ed., ETSI TS 103 998): one BaseURL per
 * pathway, named by serviceLocation, and the steering server; the first
 * pathway is where a player starts.  Nothing without a steering record.
 */
static int
steering(const struct sv_model *m, struct sv_buf *out)
{
    json_t *pws, *p;
    size_t k;
    int rc = 0;

    if (m->steering == NULL)
        return 0;
    pws = json_object_get(m->steering, "pathways");
    json_array_foreach(pws, k, p)
        rc |= sv_buf_printf(out, "  <BaseURL serviceLocation=\"%s\">%s"
                            "</BaseURL>\n",
                            json_string_value(json_object_get(p, "id")),
                            json_string_value(json_object_get(p, "base")));
    if (json_array_size(pws) > 0)
        rc |= sv_buf_printf(out, "  <ContentSteering defaultServiceLocation="
                            "\"%s\" queryBeforeStart=\"true\">%s"
                            "</ContentSteering>\n",
                            json_string_value(json_object_get(
                                json_array_get(pws, 0), "id")),
                            json_string_value(json_object_get(m->steering,
                                                              "uri")));
    return rc;
}

int
sv_dash_mpd(const struct sv_model *m, struct sv_buf *out)
{
    char d[40], t[40];
    const struct sv_model_rend *r0 = &m->r[0];
    int dynamic = m->live && !m->ended, rc = 0, id;
    size_t k, lo, hi;
    double total = 0, ptime, base;

    for (k = 0; k < r0->nseg; k++)
        total = (double)(r0->seg[k].start + r0->seg[k].duration -
                         r0->media_time) / r0->timescale;
    rc |= sv_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
                        "xmlns:cenc=\"urn:mpeg:cenc:2013\" profiles=\""
                        "urn:mpeg:dash:profile:%s:2011\" type=\"%s\"",
                        r0->single_file ? "isoff-on-demand" : "isoff-live",
                        dynamic ? "dynamic" : "static");
    duration(m->seg_dur, d, sizeof(d));
    rc |= sv_buf_printf(out, " minBufferTime=\"%s\"", d);
    if (dynamic) {
        sv_time_iso8601(m->ast_ms, SV_TIME_MS, t, sizeof(t));
        rc |= sv_buf_printf(out, " availabilityStartTime=\"%s\"", t);
        sv_time_iso8601(m->now_ms, SV_TIME_MS, t, sizeof(t));
        rc |= sv_buf_printf(out, " publishTime=\"%s\"", t);
        duration(m->seg_dur, d, sizeof(d));
        rc |= sv_buf_printf(out, " minimumUpdatePeriod=\"%s\"", d);
        duration(m->seg_dur * 3, d, sizeof(d));
        rc |= sv_buf_printf(out, " suggestedPresentationDelay=\"%s\"", d);
        if (!m->dvr) {
            duration(m->window, d, sizeof(d));
            rc |= sv_buf_printf(out, " timeShiftBufferDepth=\"%s\"", d);
        }
    } else {
        double first = r0->nseg > 0 ? (double)(r0->seg[0].start -
                       r0->media_time) / r0->timescale : 0;
        duration(total - (m->live ? first : 0), d, sizeof(d));
        rc |= sv_buf_printf(out, " mediaPresentationDuration=\"%s\"", d);
    }
    rc |= sv_buf_printf(out, ">\n");
    rc |= steering(m, out);
    if (dynamic && m->ll_dash)
        rc |= sv_buf_printf(out, "  <ServiceDescription id=\"0\">\n"
                            "    <Latency target=\"%ld\" max=\"%ld\"/>\n"
                            "    <PlaybackRate min=\"0.96\" max=\"1.04\"/>\n"
                            "  </ServiceDescription>\n",
                            lround(m->seg_dur * 1000),
                            lround(m->seg_dur * 3000));
    /* an ended live MPD is static and starts at its first segment */
    base = !dynamic && m->live && r0->nseg > 0
           ? (double)(r0->seg[0].start - r0->media_time) / r0->timescale
           : 0;
    for (k = 0; k <= m->ndisc; k++) {
        period_range(m, r0, k, &lo, &hi);
        if (lo == hi && !(k == m->ndisc && dynamic))
            continue;
        ptime = k == 0 ? base : m->disc[k - 1].time;
        duration(ptime - base, d, sizeof(d));
        rc |= sv_buf_printf(out, "  <Period id=\"p%zu\" start=\"%s\">\n", k,
                            d);
        id = 0;
        rc |= adaptations(m, 1, &id, k, ptime, out);
        /* audio keeps id 1 where video has one set */
        id = id < 1 ? 1 : id;
        rc |= adaptations(m, 0, &id, k, ptime, out);
        /* thumbnails number their sheets from the presentation's start:
         * one Period, VOD only; the set after the media sets (2 with one
         * video and one audio set) */
        if (!dynamic && m->ndisc == 0)
            rc |= sv__images_dash(m, id < 2 ? 2 : id, out);
        rc |= sv_buf_printf(out, "  </Period>\n");
    }
    /* low latency needs a close clock: the origin's /time (sv-serve)
     * first, the publish time when that fails */
    if (dynamic && m->ll_dash)
        rc |= sv_buf_printf(out, "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:"
                            "utc:http-iso:2014\" value=\"/time\"/>\n");
    if (dynamic) {
        sv_time_iso8601(m->now_ms, SV_TIME_MS, t, sizeof(t));
        rc |= sv_buf_printf(out, "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:"
                            "utc:direct:2014\" value=\"%s\"/>\n", t);
    }
    rc |= sv_buf_printf(out, "</MPD>\n");
    return rc < 0 ? -ENOMEM : 0;
}
