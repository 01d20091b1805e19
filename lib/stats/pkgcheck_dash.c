/* pkgcheck_dash.c -- sv-stats probe of DASH MPDs (files or URLs): the
 * representations, their segments as SegmentTemplate names them, and what
 * breaks ISO/IEC 23009-1's rules */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "drm/xml.h"
#include "stats/pkgcheck.h"

#define MAX_REPS 256
#define MAX_URI 2048

struct dseg {
    uint64_t t, d;              /* MPD time, the template's timescale */
    uint64_t number;
    double mstart;              /* media time (s), when have_media */
    int have_media;
};

struct drep {
    char id[256];
    char key[300];              /* "p0/v0": unique over periods */
    char base[MAX_URI];         /* BaseURLs resolved down to it */
    int video;
    char codecs[256];
    long bandwidth;
    int width, height;
    uint64_t timescale, pto;
    double period_start;
    char init[MAX_URI], media[MAX_URI];
    int single;                 /* SegmentBase or a BaseURL alone */
    struct dseg *seg;
    size_t nseg;
};

/* ---- ISO 8601 durations (xs:duration): PnDTnHnMnS ---- */

static int
duration(const char *s, double *out)
{
    double v = 0, x;
    int in_time = 0;
    char *end;

    if (s == NULL || *s != 'P')
        return -1;
    for (s++; *s != '\0';) {
        if (*s == 'T') {
            in_time = 1;
            s++;
            continue;
        }
        x = strtod(s, &end);
        if (end == s || x < 0)
            return -1;
        switch (*end) {
        case 'Y': v += x * 365 * 86400; break;
        case 'D': v += x * 86400; break;
        case 'H': v += x * 3600; break;
        case 'M': v += in_time ? x * 60 : x * 30 * 86400; break;
        case 'S': v += x; break;
        default: return -1;
        }
        s = end + 1;
    }
    *out = v;
    return 0;
}

/* An unsigned attribute, or def when absent; -1 when not a number. */
static int
u64_attr(const struct sv_xml_node *n, const char *name, uint64_t def,
         uint64_t *out)
{
    const char *v = n != NULL ? sv_xml_attr(n, name) : NULL;
    char *end;

    if (v == NULL) {
        *out = def;
        return 0;
    }
    if (!isdigit((unsigned char)*v))
        return -1;
    errno = 0;
    *out = strtoull(v, &end, 10);
    return errno != 0 || *end != '\0' ? -1 : 0;
}

/* The attribute on the nearest of rep, set, period that has it. */
static const char *
inherit(const struct sv_xml_node *const *lv, int n, const char *name)
{
    const char *v;

    for (int i = n - 1; i >= 0; i--)
        if (lv[i] != NULL && (v = sv_xml_attr(lv[i], name)) != NULL)
            return v;
    return NULL;
}

/* The SegmentTemplate that applies: the representation's, else the set's
 * (and the period's), attributes filled in from outer ones. */
static const struct sv_xml_node *
template_of(const struct sv_xml_node *const *lv, int n,
            const struct sv_xml_node **outer)
{
    const struct sv_xml_node *t = NULL;

    *outer = NULL;
    for (int i = n - 1; i >= 0; i--) {
        const struct sv_xml_node *c = lv[i] != NULL ?
            sv_xml_child(lv[i], NULL, "SegmentTemplate") : NULL;

        if (c == NULL)
            continue;
        if (t == NULL)
            t = c;
        else if (*outer == NULL)
            *outer = c;
    }
    return t;
}

static const char *
tattr(const struct sv_xml_node *t, const struct sv_xml_node *outer,
      const char *name)
{
    const char *v = t != NULL ? sv_xml_attr(t, name) : NULL;

    return v != NULL ? v : outer != NULL ? sv_xml_attr(outer, name) : NULL;
}

/* Expands $RepresentationID$, $Number[%0Nd]$, $Time[%0Nd]$, $Bandwidth$,
 * $$ of a template into out; -1 on a bad or overlong template. */
static int
expand(const char *tpl, const struct drep *r, uint64_t number, uint64_t time,
       char *out, size_t size)
{
    size_t o = 0;

    while (*tpl != '\0') {
        const char *end;
        char fmt[16], name[32];
        uint64_t v;
        int w = 0, n;

        if (*tpl != '$') {
            if (o + 1 >= size)
                return -1;
            out[o++] = *tpl++;
            continue;
        }
        end = strchr(tpl + 1, '$');
        if (end == NULL || end - tpl - 1 >= (ptrdiff_t)sizeof(name))
            return -1;
        memcpy(name, tpl + 1, end - tpl - 1);
        name[end - tpl - 1] = '\0';
        tpl = end + 1;
        if (name[0] == '\0') {
            if (o + 1 >= size)
                return -1;
            out[o++] = '$';
            continue;
        }
        if (strcmp(name, "RepresentationID") == 0) {
            n = snprintf(out + o, size - o, "%s", r->id);
        } else {
            char *pct = strchr(name, '%');

            if (pct != NULL) {
                if (sscanf(pct, "%%0%dd", &w) != 1 || w < 1 || w > 20)
                    return -1;
                *pct = '\0';
            }
            if (strcmp(name, "Number") == 0)
                v = number;
            else if (strcmp(name, "Time") == 0)
                v = time;
            else if (strcmp(name, "Bandwidth") == 0)
                v = (uint64_t)r->bandwidth;
            else
                return -1;
            snprintf(fmt, sizeof(fmt), "%%0%d" PRIu64, w > 0 ? w : 1);
            n = snprintf(out + o, size - o, fmt, v);
        }
        if (n < 0 || (size_t)n >= size - o)
            return -1;
        o += (size_t)n;
    }
    if (o >= size)
        return -1;
    out[o] = '\0';
    return 0;
}

/* base joined with a BaseURL child of n, if it has one */
static void
base_of(const struct sv_xml_node *n, const char *base, char *out,
        size_t size)
{
    const struct sv_xml_node *b = n != NULL ?
        sv_xml_child(n, NULL, "BaseURL") : NULL;

    if (b == NULL || b->text == NULL || b->textlen == 0) {
        snprintf(out, size, "%s", base);
        return;
    }
    sv__pkg_resolve(base, b->text, out, size);
}

static int
push(struct drep *r, uint64_t t, uint64_t d, uint64_t number)
{
    struct dseg *ns;

    if (r->nseg >= SV__PKG_MAX_SEGMENTS)
        return SV_ELIMIT;
    ns = realloc(r->seg, (r->nseg + 1) * sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    r->seg = ns;
    memset(&ns[r->nseg], 0, sizeof(*ns));
    ns[r->nseg].t = t;
    ns[r->nseg].d = d;
    ns[r->nseg].number = number;
    r->nseg++;
    return 0;
}

/* The segment list of r from its template: a SegmentTimeline, or
 * @duration over the period's length. */
static int
segments(struct drep *r, const struct sv_xml_node *t,
         const struct sv_xml_node *outer, double period_len, json_t *faults)
{
    const struct sv_xml_node *tl = sv_xml_child(t, NULL, "SegmentTimeline");
    uint64_t start_number, d, time = 0;
    int rc;

    if (tl == NULL && outer != NULL)
        tl = sv_xml_child(outer, NULL, "SegmentTimeline");
    {
        const char *v = tattr(t, outer, "startNumber");

        if (v != NULL && !isdigit((unsigned char)*v))
            return SV_EFORMAT;
        start_number = v != NULL ? strtoull(v, NULL, 10) : 1;
    }
    if (tl != NULL) {
        uint64_t number = start_number;
        int first = 1;

        for (const struct sv_xml_node *s = sv_xml_child(tl, NULL, "S");
             s != NULL; s = sv_xml_next(s, NULL, "S")) {
            uint64_t st, rep;
            const char *rv = sv_xml_attr(s, "r");
            long long rr = rv != NULL ? strtoll(rv, NULL, 10) : 0;

            if (u64_attr(s, "d", 0, &d) < 0 || d == 0 ||
                u64_attr(s, "t", time, &st) < 0)
                return SV_EFORMAT;
            if (!first && st != time)
                sv__pkg_fault(faults, "gap", r->key, (int64_t)number,
                              "%s in the SegmentTimeline of %s: segment %"
                              PRIu64 " starts at %.3fs, the one before "
                              "ends at %.3fs", st > time ? "gap" : "overlap",
                              r->key, number, (double)st / r->timescale,
                              (double)time / r->timescale);
            time = st;
            if (rr < 0) {
                /* to the end of the period */
                double left = period_len * r->timescale -
                              ((double)time - (double)r->pto);

                rr = left > 0 ? (long long)ceil(left / d) - 1 : 0;
            }
            if (rr > SV__PKG_MAX_SEGMENTS)
                return SV_ELIMIT;
            for (rep = 0; rep <= (uint64_t)rr; rep++) {
                rc = push(r, time, d, number++);
                if (rc < 0)
                    return rc;
                time += d;
            }
            first = 0;
        }
        return 0;
    }
    {
        const char *dv = tattr(t, outer, "duration");
        uint64_t n, i;

        if (dv == NULL) {
            sv__pkg_fault(faults, "no_segments", r->key, -1,
                          "no SegmentTimeline and no @duration for %s",
                          r->key);
            return 0;
        }
        d = strtoull(dv, NULL, 10);
        if (d == 0 || period_len <= 0)
            return d == 0 ? SV_EFORMAT : 0;
        n = (uint64_t)ceil(period_len * r->timescale / d - 1e-9);
        if (n > SV__PKG_MAX_SEGMENTS)
            return SV_ELIMIT;
        for (i = 0; i < n; i++) {
            rc = push(r, r->pto + i * d, d, start_number + i);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Reads the representation's segments: missing ones, keyframes, times. */
static void
check_media(struct drep *r, json_t *faults)
{
    struct sv__pkg_init init;
    struct sv__pkg_seg ms;
    struct sv_buf b;
    char rel[MAX_URI], url[MAX_URI];
    int have_init = 0;

    sv_buf_init(&b, SV__PKG_MAX_FILE);
    if (r->single) {
        sv__pkg_fetch(r->base, "file", r->key, -1, &b, faults);
        sv_buf_release(&b);
        return;
    }
    if (r->init[0] != '\0') {
        if (expand(r->init, r, 0, 0, rel, sizeof(rel)) < 0) {
            sv__pkg_fault(faults, "bad_template", r->key, -1,
                          "bad @initialization '%s'", r->init);
        } else {
            sv__pkg_resolve(r->base, rel, url, sizeof(url));
            if (sv__pkg_fetch(url, "init segment", r->key, -1, &b,
                              faults) == 0) {
                if (sv__pkg_init_parse(&init, b.data, b.len) < 0)
                    sv__pkg_fault(faults, "bad_init", r->key, -1,
                                  "init segment '%s' is not fMP4", url);
                else
                    have_init = 1;
            }
        }
    }
    for (size_t i = 0; i < r->nseg; i++) {
        struct dseg *s = &r->seg[i];
        double d = (double)s->d / r->timescale, md;

        if (expand(r->media, r, s->number, s->t, rel, sizeof(rel)) < 0) {
            sv__pkg_fault(faults, "bad_template", r->key, -1,
                          "bad @media '%s'", r->media);
            break;
        }
        sv__pkg_resolve(r->base, rel, url, sizeof(url));
        if (sv__pkg_fetch(url, "segment", r->key, (int64_t)i, &b,
                          faults) < 0)
            continue;
        if (!have_init || sv__pkg_seg_parse(&ms, &init, b.data, b.len) < 0)
            continue;
        s->mstart = (double)((int64_t)ms.tfdt + ms.cto) / init.timescale;
        s->have_media = 1;
        md = (double)ms.duration / init.timescale;
        /* the first segment's media may start before presentation time
         * zero (AAC priming, a B-frame delay cut by an edit list): its
         * MPD duration is then shorter by that much, up to 50 ms */
        if (fabs(md - d) > SV__PKG_GAP_TOL &&
            !(i == 0 && md > d && md - d <= 0.05))
            sv__pkg_fault(faults, "timeline_mismatch", r->key, (int64_t)i,
                          "the MPD says segment '%s' lasts %.3fs, it holds "
                          "%.3fs", url, d, md);
        if (init.video && !ms.starts_sync)
            sv__pkg_fault(faults, "no_keyframe", r->key, (int64_t)i,
                          "segment '%s' does not start with a keyframe",
                          url);
    }
    sv_buf_release(&b);
}

static json_t *
rep_json(const struct drep *r)
{
    double *d = calloc(r->nseg + 1, sizeof(double)), total = 0;
    json_t *j;

    for (size_t i = 0; i < r->nseg; i++) {
        double x = (double)r->seg[i].d / r->timescale;

        total += x;
        if (d != NULL)
            d[i] = x;
    }
    j = json_pack("{s:s,s:s,s:o}", "id", r->key, "type",
                  r->video ? "video" : "audio", "codecs",
                  r->codecs[0] ? json_string(r->codecs) : json_null());
    if (r->bandwidth > 0)
        json_object_set_new(j, "bandwidth", json_integer(r->bandwidth));
    if (r->width > 0 && r->height > 0)
        json_object_set_new(j, "resolution",
                            json_sprintf("%dx%d", r->width, r->height));
    json_object_set_new(j, "segments", json_integer((json_int_t)r->nseg));
    json_object_set_new(j, "duration",
                        json_real(round(total * 1000) / 1000));
    json_object_set_new(j, "segment_duration",
                        sv__pkg_stats(d, d != NULL ? r->nseg : 0));
    free(d);
    return j;
}

/* Segment boundaries of every video representation against the first's,
 * in period time (@presentationTimeOffset taken off), media times where
 * both were read. */
static json_t *
check_alignment(struct drep *v, int n, json_t *faults)
{
    struct drep *ref = NULL;
    json_t *checked = json_array();
    int aligned = 1;

    for (int i = 0; i < n; i++) {
        if (!v[i].video)
            continue;
        if (ref == NULL) {
            ref = &v[i];
            continue;
        }
        json_array_append_new(checked, json_string(v[i].key));
        if (v[i].nseg != ref->nseg) {
            aligned = 0;
            sv__pkg_fault(faults, "misaligned", v[i].key, -1,
                          "representations not aligned: '%s' has %zu "
                          "segments, '%s' %zu", v[i].key, v[i].nseg,
                          ref->key, ref->nseg);
            continue;
        }
        for (size_t k = 0; k < v[i].nseg; k++) {
            int media = v[i].seg[k].have_media && ref->seg[k].have_media;
            double a = media ? v[i].seg[k].mstart - (double)v[i].pto /
                       v[i].timescale : ((double)v[i].seg[k].t -
                                         v[i].pto) / v[i].timescale;
            double b = media ? ref->seg[k].mstart - (double)ref->pto /
                       ref->timescale : ((double)ref->seg[k].t -
                                         ref->pto) / ref->timescale;

            if (fabs(a - b) > SV__PKG_ALIGN_TOL) {
                aligned = 0;
                sv__pkg_fault(faults, "misaligned", v[i].key, (int64_t)k,
                              "representations not aligned: segment %zu "
                              "of '%s' starts at %.3fs, of '%s' at %.3fs",
                              k, v[i].key, a, ref->key, b);
                break;
            }
        }
    }
    return json_pack("{s:b,s:o,s:o}", "aligned", aligned, "reference",
                     ref != NULL ? json_string(ref->key) : json_null(),
                     "checked", checked);
}

/* The representations of the MPD x into v (at most MAX_REPS). */
static int
read_mpd(const struct sv_xml *x, const char *where, struct drep *v, int *nv,
         json_t *root, json_t *faults)
{
    const struct sv_xml_node *mpd = sv_xml_root(x), *per, *set, *rep;
    const char *type = sv_xml_attr(mpd, "type");
    double total = -1, pstart = 0, prev_end = 0;
    char mbase[MAX_URI], pbase[MAX_URI], sbase[MAX_URI];
    int n = 0, pi = 0, rc = 0;

    if (type == NULL)
        type = "static";
    duration(sv_xml_attr(mpd, "mediaPresentationDuration"), &total);
    json_object_set_new(root, "type", json_string(type));
    json_object_set_new(root, "duration", total >= 0 ?
                        json_real(round(total * 1000) / 1000) :
                        json_null());
    base_of(mpd, where, mbase, sizeof(mbase));
    for (per = sv_xml_child(mpd, NULL, "Period"); per != NULL;
         per = sv_xml_next(per, NULL, "Period"), pi++) {
        const struct sv_xml_node *nextp = sv_xml_next(per, NULL, "Period");
        double plen = -1, nstart;

        /* no @start: where the period before ended (0 for the first) */
        if (duration(sv_xml_attr(per, "start"), &pstart) < 0)
            pstart = pi == 0 ? 0 : prev_end;
        if (duration(sv_xml_attr(per, "duration"), &plen) < 0) {
            if (nextp != NULL &&
                duration(sv_xml_attr(nextp, "start"), &nstart) == 0)
                plen = nstart - pstart;
            else if (total >= 0)
                plen = total - pstart;
        }
        prev_end = plen >= 0 ? pstart + plen : pstart;
        base_of(per, mbase, pbase, sizeof(pbase));
        for (set = sv_xml_child(per, NULL, "AdaptationSet"); set != NULL;
             set = sv_xml_next(set, NULL, "AdaptationSet")) {
            base_of(set, pbase, sbase, sizeof(sbase));
            /* thumbnail tiles (DASH-IF IOP 6.2.6) are images, not
             * renditions: no codecs, no timeline to align */
            if ((sv_xml_attr(set, "contentType") != NULL &&
                 strcmp(sv_xml_attr(set, "contentType"), "image") == 0) ||
                (sv_xml_attr(set, "mimeType") != NULL &&
                 strncmp(sv_xml_attr(set, "mimeType"), "image/", 6) == 0))
                continue;
            for (rep = sv_xml_child(set, NULL, "Representation");
                 rep != NULL; rep = sv_xml_next(rep, NULL, "Representation")) {
                const struct sv_xml_node *lv[3] = { per, set, rep };
                const struct sv_xml_node *t, *outer;
                const char *ct, *mime, *c, *id = sv_xml_attr(rep, "id");
                struct drep *r;

                if (n == MAX_REPS) {
                    rc = SV_ELIMIT;
                    goto out;
                }
                r = &v[n];
                memset(r, 0, sizeof(*r));
                snprintf(r->id, sizeof(r->id), "%s", id != NULL ? id : "");
                if (nextp != NULL || pi > 0) {
                    /* several periods: the period names the rendition */
                    const char *pid = sv_xml_attr(per, "id");
                    char pn[24];

                    snprintf(pn, sizeof(pn), "p%d", pi);
                    snprintf(r->key, sizeof(r->key), "%.40s/%s",
                             pid != NULL ? pid : pn, r->id);
                } else {
                    snprintf(r->key, sizeof(r->key), "%s", r->id);
                }
                if (id == NULL)
                    sv__pkg_fault(faults, "no_id", r->key, -1,
                                  "a Representation without @id");
                ct = inherit(lv, 3, "contentType");
                mime = inherit(lv, 3, "mimeType");
                r->video = (ct != NULL && strcmp(ct, "video") == 0) ||
                           (mime != NULL && strncmp(mime, "video/", 6) == 0);
                c = inherit(lv, 3, "codecs");
                snprintf(r->codecs, sizeof(r->codecs), "%s",
                         c != NULL ? c : "");
                if (c == NULL)
                    sv__pkg_fault(faults, "missing_codecs", r->key, -1,
                                  "no @codecs for representation %s",
                                  r->key);
                r->bandwidth = sv_xml_attr(rep, "bandwidth") != NULL ?
                    atol(sv_xml_attr(rep, "bandwidth")) : 0;
                r->width = sv_xml_attr(rep, "width") != NULL ?
                    atoi(sv_xml_attr(rep, "width")) : 0;
                r->height = sv_xml_attr(rep, "height") != NULL ?
                    atoi(sv_xml_attr(rep, "height")) : 0;
                r->period_start = pstart;
                base_of(rep, sbase, r->base, sizeof(r->base));
                n++;
                t = template_of(lv, 3, &outer);
                if (t == NULL) {
                    /* SegmentBase or SegmentList-less: one file, BaseURL */
                    r->single = 1;
                    r->timescale = 1;
                    continue;
                }
                {
                    const char *ts = tattr(t, outer, "timescale");
                    const char *pto = tattr(t, outer,
                                            "presentationTimeOffset");
                    const char *in = tattr(t, outer, "initialization");
                    const char *me = tattr(t, outer, "media");

                    r->timescale = ts != NULL ? strtoull(ts, NULL, 10) : 1;
                    r->pto = pto != NULL ? strtoull(pto, NULL, 10) : 0;
                    if (r->timescale == 0 ||
                        r->timescale > 1000000000ULL) {
                        rc = SV_EFORMAT;
                        goto out;
                    }
                    snprintf(r->init, sizeof(r->init), "%s",
                             in != NULL ? in : "");
                    snprintf(r->media, sizeof(r->media), "%s",
                             me != NULL ? me : "");
                    if (me == NULL)
                        sv__pkg_fault(faults, "no_segments", r->key, -1,
                                      "a SegmentTemplate without @media "
                                      "for %s", r->key);
                }
                rc = segments(r, t, outer, plen, faults);
                if (rc < 0)
                    goto out;
            }
        }
    }
out:
    *nv = n;
    return rc;
}

static void
reps_free(struct drep *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].seg);
    free(v);
}

int
sv__pkg_check_dash(const char *where, json_t *root, int media, char *err,
                   size_t size)
{
    json_t *faults = json_object_get(root, "faults"), *rends;
    struct sv_xml *x = NULL;
    struct drep *v;
    struct sv_buf b;
    char xerr[256];
    int n = 0, rc;

    sv_buf_init(&b, SV__PKG_MAX_TEXT);
    err[0] = '\0';
    rc = sv__pkg_load(where, &b, err, size);
    if (rc < 0) {
        if (rc == -ENOENT)
            snprintf(err, size, "cannot open '%s': %s", where,
                     sv_strerror(rc));
        else if (err[0] == '\0')
            snprintf(err, size, "cannot read '%s': %s", where,
                     sv_strerror(rc));
        return rc;
    }
    rc = sv_xml_parse((const char *)b.data, b.len, &x, xerr, sizeof(xerr));
    sv_buf_release(&b);
    if (rc < 0 || strcmp(sv_xml_root(x)->local, "MPD") != 0) {
        snprintf(err, size, "cannot probe '%s': not a DASH MPD%s%s", where,
                 rc < 0 ? ": " : "", rc < 0 ? xerr : "");
        sv_xml_free(x);
        return SV_EFORMAT;
    }
    v = calloc(MAX_REPS, sizeof(*v));
    if (v == NULL) {
        sv_xml_free(x);
        return -ENOMEM;
    }
    rc = read_mpd(x, where, v, &n, root, faults);
    sv_xml_free(x);
    if (rc < 0) {
        snprintf(err, size, "cannot probe '%s': %s", where,
                 rc == SV_ELIMIT ? "too many representations or segments" :
                 "a bad SegmentTemplate or SegmentTimeline");
        reps_free(v, n);
        return rc;
    }
    rends = json_array();
    for (int i = 0; i < n; i++) {
        if (media)
            check_media(&v[i], faults);
        json_array_append_new(rends, rep_json(&v[i]));
    }
    json_object_set_new(root, "manifest", json_string(where));
    json_object_set_new(root, "renditions", rends);
    json_object_set_new(root, "alignment", check_alignment(v, n, faults));
    reps_free(v, n);
    return 0;
}

int
sv__pkg_dash_parse(const char *text, size_t len, json_t *faults,
                   size_t *nreps)
{
    struct sv_xml *x = NULL;
    struct drep *v;
    char xerr[256];
    json_t *root;
    int n = 0, rc;

    if (len > SV__PKG_MAX_TEXT)
        return SV_ELIMIT;
    rc = sv_xml_parse(text, len, &x, xerr, sizeof(xerr));
    if (rc < 0)
        return rc;
    v = calloc(MAX_REPS, sizeof(*v));
    root = json_object();
    if (v == NULL || root == NULL) {
        free(v);
        json_decref(root);
        sv_xml_free(x);
        return -ENOMEM;
    }
    rc = read_mpd(x, "http://host/dir/manifest.mpd", v, &n, root, faults);
    sv_xml_free(x);
    if (rc == 0) {
        json_decref(check_alignment(v, n, faults));
        for (int i = 0; i < n; i++) {
            char rel[MAX_URI];

            if (v[i].nseg > 0)
                expand(v[i].media, &v[i], v[i].seg[0].number,
                       v[i].seg[0].t, rel, sizeof(rel));
            json_decref(rep_json(&v[i]));
        }
    }
    *nreps = (size_t)n;
    reps_free(v, n);
    json_decref(root);
    return rc;
}
