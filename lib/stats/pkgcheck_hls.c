/* pkgcheck_hls.c -- sv-stats probe of HLS playlists (files or URLs): the
 * renditions and what breaks RFC 8216's rules */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "stats/pkgcheck.h"

#define MAX_VARIANTS 256
#define MAX_URI 2048

struct seg {
    double dur;                 /* EXTINF */
    double start;               /* playlist time: EXTINFs before it */
    double mstart;              /* media time, when have_media */
    int have_media;
    int disc;
    char *uri;
};

struct plist {
    char id[MAX_URI];           /* as the multivariant playlist names it */
    char url[MAX_URI];
    int video;
    char codecs[256];
    long bandwidth;
    char resolution[32];
    int target;                 /* -1: none */
    int ended;
    int byterange;
    char map[MAX_URI];
    struct seg *seg;
    size_t nseg;
    int loaded;
};

/* The value of attribute name in an attribute list, unquoted, in out. */
static int
attr(const char *list, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    const char *p = list;

    while (*p != '\0') {
        while (*p == ',' || *p == ' ')
            p++;
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            const char *v = p + n + 1, *end;

            if (*v == '"') {
                v++;
                end = strchr(v, '"');
            } else {
                end = strchr(v, ',');
            }
            if (end == NULL)
                end = v + strlen(v);
            snprintf(out, size, "%.*s", (int)(end - v), v);
            return 1;
        }
        /* skip this attribute, quoted commas included */
        while (*p != '\0' && *p != ',') {
            if (*p == '"') {
                const char *q = strchr(p + 1, '"');

                p = q != NULL ? q : p + strlen(p) - 1;
            }
            p++;
        }
    }
    return 0;
}

/* Splits text into lines in place (CR LF or LF); calls fn for each. */
static char *
next_line(char **cursor)
{
    char *line = *cursor, *nl;

    if (line == NULL || *line == '\0')
        return NULL;
    nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = line + strlen(line);
    }
    nl = line + strlen(line);
    while (nl > line && (nl[-1] == '\r' || nl[-1] == ' '))
        *--nl = '\0';
    return line;
}

static void
plist_free(struct plist *p)
{
    for (size_t i = 0; i < p->nseg; i++)
        free(p->seg[i].uri);
    free(p->seg);
}

static int
push_seg(struct plist *p, double dur, int disc, const char *uri)
{
    struct seg *ns;

    if (p->nseg >= SV__PKG_MAX_SEGMENTS)
        return SV_ELIMIT;
    ns = realloc(p->seg, (p->nseg + 1) * sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    p->seg = ns;
    ns[p->nseg].dur = dur;
    ns[p->nseg].start = 0;
    ns[p->nseg].mstart = 0;
    ns[p->nseg].have_media = 0;
    ns[p->nseg].disc = disc;
    ns[p->nseg].uri = strdup(uri);
    if (ns[p->nseg].uri == NULL)
        return -ENOMEM;
    p->nseg++;
    return 0;
}

static int
parse_media(struct plist *p, char *text, json_t *faults)
{
    char *cur = text, *line, val[MAX_URI];
    double dur = -1, t = 0;
    int disc = 0, rc;

    p->target = -1;
    while ((line = next_line(&cur)) != NULL) {
        if (strncmp(line, "#EXT-X-TARGETDURATION:", 22) == 0) {
            p->target = atoi(line + 22);
        } else if (strncmp(line, "#EXTINF:", 8) == 0) {
            dur = strtod(line + 8, NULL);
        } else if (strcmp(line, "#EXT-X-DISCONTINUITY") == 0) {
            disc = 1;
        } else if (strcmp(line, "#EXT-X-ENDLIST") == 0) {
            p->ended = 1;
        } else if (strncmp(line, "#EXT-X-BYTERANGE:", 17) == 0) {
            p->byterange = 1;
        } else if (strncmp(line, "#EXT-X-MAP:", 11) == 0) {
            if (attr(line + 11, "URI", val, sizeof(val)))
                sv__pkg_resolve(p->url, val, p->map, sizeof(p->map));
        } else if (line[0] != '#' && line[0] != '\0') {
            if (dur < 0)
                sv__pkg_fault(faults, "missing_extinf", p->id,
                              (int64_t)p->nseg,
                              "no EXTINF before segment '%s' in '%s'", line,
                              p->id);
            rc = push_seg(p, dur < 0 ? 0 : dur, disc, line);
            if (rc < 0)
                return rc;
            p->seg[p->nseg - 1].start = t;
            t += dur < 0 ? 0 : dur;
            dur = -1;
            disc = 0;
        }
    }
    return 0;
}

/* Reads the segments themselves: missing ones, keyframes, timestamps. */
static void
check_media(struct plist *p, json_t *faults)
{
    struct sv__pkg_init init;
    struct sv__pkg_seg ms;
    struct sv_buf b;
    char url[MAX_URI];
    int have_init = 0, have_prev = 0, rc;
    double prev_end = 0;

    sv_buf_init(&b, SV__PKG_MAX_FILE);
    if (p->map[0] != '\0') {
        rc = sv__pkg_fetch(p->map, "init segment", p->id, -1, &b, faults);
        if (rc == 0)
            have_init = !p->byterange &&
                        sv__pkg_init_parse(&init, b.data, b.len) == 0;
    }
    for (size_t i = 0; i < p->nseg; i++) {
        struct seg *s = &p->seg[i];

        sv__pkg_resolve(p->url, s->uri, url, sizeof(url));
        /* byte ranges of one file: reading it once says it is there */
        if (p->byterange && i > 0)
            continue;
        rc = sv__pkg_fetch(url, "segment", p->id, (int64_t)i, &b, faults);
        have_prev = have_prev && rc == 0;
        if (rc < 0)
            continue;
        if (!have_init || sv__pkg_seg_parse(&ms, &init, b.data, b.len) < 0) {
            have_prev = 0;
            continue;
        }
        s->mstart = (double)((int64_t)ms.tfdt + ms.cto) / init.timescale;
        s->have_media = 1;
        if (fabs((double)ms.duration / init.timescale - s->dur) > 0.0015)
            sv__pkg_fault(faults, "extinf_mismatch", p->id, (int64_t)i,
                          "EXTINF of '%s' says %.3fs, it holds %.3fs", url,
                          s->dur, (double)ms.duration / init.timescale);
        if (init.video && !ms.starts_sync)
            sv__pkg_fault(faults, "no_keyframe", p->id, (int64_t)i,
                          "segment '%s' does not start with a keyframe",
                          url);
        if (have_prev && !s->disc &&
            fabs(s->mstart - prev_end) > SV__PKG_GAP_TOL)
            sv__pkg_fault(faults, "gap", p->id, (int64_t)i,
                          "%s in the timeline of '%s': segment '%s' starts "
                          "at %.3fs, the one before ends at %.3fs",
                          s->mstart > prev_end ? "gap" : "overlap", p->id,
                          url, s->mstart, prev_end);
        prev_end = s->mstart + (double)ms.duration / init.timescale;
        have_prev = 1;
    }
    sv_buf_release(&b);
}

static json_t *
plist_json(const struct plist *p)
{
    json_t *j;
    double *d = calloc(p->nseg + 1, sizeof(double)), total = 0;

    for (size_t i = 0; i < p->nseg; i++) {
        total += p->seg[i].dur;
        if (d != NULL)
            d[i] = p->seg[i].dur;
    }
    j = json_pack("{s:s,s:s,s:o,s:o}", "id", p->id, "type",
                  p->video ? "video" : "audio", "codecs",
                  p->codecs[0] ? json_string(p->codecs) : json_null(),
                  "target_duration", p->target >= 0 ?
                  json_integer(p->target) : json_null());
    if (p->bandwidth > 0)
        json_object_set_new(j, "bandwidth", json_integer(p->bandwidth));
    if (p->resolution[0])
        json_object_set_new(j, "resolution", json_string(p->resolution));
    json_object_set_new(j, "segments", json_integer((json_int_t)p->nseg));
    json_object_set_new(j, "duration", json_real(round(total * 1000) /
                                                 1000));
    json_object_set_new(j, "segment_duration",
                        sv__pkg_stats(d, d != NULL ? p->nseg : 0));
    json_object_set_new(j, "ended", json_boolean(p->ended));
    free(d);
    return j;
}

/* Loads, parses and checks one media playlist. */
static int
check_plist(struct plist *p, int media, json_t *faults, char *err,
            size_t size, int top)
{
    struct sv_buf b;
    int rc;

    sv_buf_init(&b, SV__PKG_MAX_TEXT);
    err[0] = '\0';
    rc = sv__pkg_load(p->url, &b, err, size);
    if (rc == 0)
        rc = sv_buf_append(&b, "", 1);
    if (rc < 0) {
        if (top) {
            if (rc == -ENOENT)
                snprintf(err, size, "cannot open '%s': %s",
                         p->url, sv_strerror(rc));
            return rc;
        }
        if (rc == -ENOENT)
            sv__pkg_fault(faults, "missing_file", p->id, -1,
                          "missing playlist '%s'", p->url);
        else
            sv__pkg_fault(faults, "unreadable", p->id, -1, "%s", err);
        return 0;
    }
    if (strncmp((char *)b.data, "#EXTM3U", 7) != 0) {
        sv_buf_release(&b);
        if (top) {
            snprintf(err, size, "cannot probe '%s': not an HLS playlist",
                     p->url);
            return SV_EFORMAT;
        }
        sv__pkg_fault(faults, "not_playlist", p->id, -1,
                      "'%s' is not an HLS playlist", p->url);
        return 0;
    }
    rc = parse_media(p, (char *)b.data, faults);
    sv_buf_release(&b);
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", p->url, sv_strerror(rc));
        return rc;
    }
    p->loaded = 1;
    if (p->target < 0)
        sv__pkg_fault(faults, "target_duration", p->id, -1,
                      "no EXT-X-TARGETDURATION in '%s'", p->id);
    for (size_t i = 0; p->target >= 0 && i < p->nseg; i++)
        if (lround(p->seg[i].dur) > p->target)
            sv__pkg_fault(faults, "target_duration", p->id, (int64_t)i,
                          "segment '%s' lasts %.3fs, over "
                          "EXT-X-TARGETDURATION %d in '%s'", p->seg[i].uri,
                          p->seg[i].dur, p->target, p->id);
    if (media)
        check_media(p, faults);
    return 0;
}

static json_t *
check_alignment(struct plist *v, int n, json_t *faults)
{
    struct plist *ref = NULL;
    json_t *checked = json_array();
    int aligned = 1;

    for (int i = 0; i < n; i++) {
        if (!v[i].video || !v[i].loaded)
            continue;
        if (ref == NULL) {
            ref = &v[i];
            continue;
        }
        json_array_append_new(checked, json_string(v[i].id));
        if (v[i].nseg != ref->nseg) {
            aligned = 0;
            sv__pkg_fault(faults, "misaligned", v[i].id, -1,
                          "renditions not aligned: '%s' has %zu segments, "
                          "'%s' %zu", v[i].id, v[i].nseg, ref->id,
                          ref->nseg);
            continue;
        }
        for (size_t k = 0; k < v[i].nseg; k++) {
            /* media times where both segments were read, else the
             * playlists' own (EXTINF has milliseconds) */
            int media = v[i].seg[k].have_media && ref->seg[k].have_media;
            double a = media ? v[i].seg[k].mstart : v[i].seg[k].start;
            double b = media ? ref->seg[k].mstart : ref->seg[k].start;

            if (fabs(a - b) > (media ? SV__PKG_ALIGN_TOL : 0.0015)) {
                aligned = 0;
                sv__pkg_fault(faults, "misaligned", v[i].id, (int64_t)k,
                              "renditions not aligned: segment %zu of '%s' "
                              "starts at %.3fs, of '%s' at %.3fs", k,
                              v[i].id, a, ref->id, b);
                break;
            }
        }
    }
    return json_pack("{s:b,s:o,s:o}", "aligned", aligned, "reference",
                     ref != NULL ? json_string(ref->id) : json_null(),
                     "checked", checked);
}

int
sv__pkg_check_hls(const char *where, json_t *root, int media, char *err,
                  size_t size)
{
    json_t *faults = json_object_get(root, "faults"), *rends;
    struct plist *v = NULL;
    struct sv_buf b;
    char *cur, *line, val[MAX_URI], *text;
    int n = 0, rc, master;

    sv_buf_init(&b, SV__PKG_MAX_TEXT);
    err[0] = '\0';
    rc = sv__pkg_load(where, &b, err, size);
    if (rc == 0)
        rc = sv_buf_append(&b, "", 1);
    if (rc < 0) {
        if (rc == -ENOENT)
            snprintf(err, size, "cannot open '%s': %s", where,
                     sv_strerror(rc));
        else if (err[0] == '\0')
            snprintf(err, size, "cannot read '%s': %s", where,
                     sv_strerror(rc));
        return rc;
    }
    text = (char *)b.data;
    if (strncmp(text, "#EXTM3U", 7) != 0) {
        snprintf(err, size, "cannot probe '%s': not an HLS playlist", where);
        sv_buf_release(&b);
        return SV_EFORMAT;
    }
    v = calloc(MAX_VARIANTS, sizeof(*v));
    if (v == NULL) {
        sv_buf_release(&b);
        return -ENOMEM;
    }
    master = strstr(text, "#EXT-X-STREAM-INF") != NULL;
    if (!master) {
        snprintf(v[0].id, sizeof(v[0].id), "%s", where);
        snprintf(v[0].url, sizeof(v[0].url), "%s", where);
        v[0].video = 1;
        n = 1;
    }
    cur = text;
    while (master && (line = next_line(&cur)) != NULL && n < MAX_VARIANTS) {
        struct plist *p = &v[n];

        if (strncmp(line, "#EXT-X-STREAM-INF:", 18) == 0) {
            p->video = 1;
            if (attr(line + 18, "CODECS", val, sizeof(val)))
                snprintf(p->codecs, sizeof(p->codecs), "%.255s", val);
            if (attr(line + 18, "BANDWIDTH", val, sizeof(val)))
                p->bandwidth = atol(val);
            if (attr(line + 18, "RESOLUTION", val, sizeof(val)))
                snprintf(p->resolution, sizeof(p->resolution), "%.31s",
                         val);
            while ((line = next_line(&cur)) != NULL &&
                   (line[0] == '#' || line[0] == '\0'))
                ;
            if (line == NULL)
                break;
            snprintf(p->id, sizeof(p->id), "%s", line);
            if (p->codecs[0] == '\0')
                sv__pkg_fault(faults, "missing_codecs", p->id, -1,
                              "no CODECS in the EXT-X-STREAM-INF of '%s'",
                              p->id);
        } else if (strncmp(line, "#EXT-X-MEDIA:", 13) == 0 &&
                   attr(line + 13, "URI", val, sizeof(val))) {
            snprintf(p->id, sizeof(p->id), "%s", val);
            p->video = attr(line + 13, "TYPE", val, sizeof(val)) &&
                       strcmp(val, "VIDEO") == 0;
        } else {
            continue;
        }
        /* a media playlist named twice is checked once */
        for (int k = 0; k < n; k++)
            if (strcmp(v[k].id, p->id) == 0)
                goto next;
        sv__pkg_resolve(where, p->id, p->url, sizeof(p->url));
        n++;
next:
        ;
    }
    sv_buf_release(&b);
    rends = json_array();
    for (int i = 0; i < n; i++) {
        rc = check_plist(&v[i], media, faults, err, size, !master);
        if (rc < 0)
            goto done;
        if (v[i].loaded)
            json_array_append_new(rends, plist_json(&v[i]));
    }
    json_object_set_new(root, "playlist", json_string(where));
    json_object_set_new(root, "renditions", rends);
    rends = NULL;
    json_object_set_new(root, "alignment", check_alignment(v, n, faults));
    rc = 0;
done:
    json_decref(rends);
    for (int i = 0; i < n; i++)
        plist_free(&v[i]);
    free(v);
    return rc;
}

int
sv__pkg_hls_parse(const char *text, size_t len, json_t *faults,
                  size_t *nseg, int *target)
{
    struct plist *p;
    char *copy, *cur, *line, val[MAX_URI];
    int rc;

    if (len > SV__PKG_MAX_TEXT)
        return SV_ELIMIT;
    p = calloc(1, sizeof(*p));
    copy = malloc(len + 1);
    if (p == NULL || copy == NULL) {
        free(p);
        free(copy);
        return -ENOMEM;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    snprintf(p->url, sizeof(p->url), "http://host/dir/media.m3u8");
    rc = parse_media(p, copy, faults);
    *nseg = p->nseg;
    *target = p->target;
    /* and the attribute lists, as the multivariant side reads them */
    memcpy(copy, text, len);
    copy[len] = '\0';
    cur = copy;
    while (rc == 0 && (line = next_line(&cur)) != NULL)
        if (strncmp(line, "#EXT-X-STREAM-INF:", 18) == 0 ||
            strncmp(line, "#EXT-X-MEDIA:", 13) == 0) {
            attr(line, "CODECS", val, sizeof(val));
            attr(line, "URI", val, sizeof(val));
        }
    plist_free(p);
    free(p);
    free(copy);
    return rc;
}
