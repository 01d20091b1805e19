/* pkgcheck.c -- sv-stats probe of a package: package.json against its
 * segments and the HLS/DASH rules (target duration, alignment, keyframes,
 * gaps, CODECS, missing files) */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/box.h"
#include "core/err.h"
#include "http/client.h"
#include "model/model.h"
#include "stats/pkgcheck.h"
#include "stats/probe.h"

/* ---- shared helpers ---- */

void
sv__pkg_fault(json_t *faults, const char *rule, const char *rend,
              int64_t segment, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    json_t *f;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    f = json_pack("{s:s,s:o,s:o,s:s}", "rule", rule,
                  "rendition", rend != NULL ? json_string(rend) : json_null(),
                  "segment", segment >= 0 ? json_integer(segment) :
                  json_null(), "msg", msg);
    json_array_append_new(faults, f);
}

static json_t *
num3(double v)
{
    return json_real(round(v * 1000) / 1000);
}

json_t *
sv__pkg_stats(const double *v, size_t n)
{
    double lo, hi, sum = 0;

    if (n == 0)
        return json_null();
    lo = hi = v[0];
    for (size_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
        sum += v[i];
    }
    return json_pack("{s:o,s:o,s:o}", "min", num3(lo), "max", num3(hi),
                     "mean", num3(sum / n));
}

static int
is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

int
sv__pkg_load(const char *where, struct sv_buf *b, char *err, size_t size)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    uint8_t chunk[65536];
    ssize_t n;
    int fd, rc;

    sv_buf_reset(b);
    if (is_url(where)) {
        q.url = where;
        q.timeout_us = 30 * 1000000LL;
        q.max_reply = b->max;
        q.follow = 1;
        q.user_agent = "sv-stats";
        rc = sv_http_send(&q, &r, err, size);
        if (rc == 0 && r.status == 404)
            rc = -ENOENT;
        else if (rc == 0 && r.status != 200) {
            snprintf(err, size, "cannot read '%s': HTTP status %ld", where,
                     r.status);
            rc = SV_EPROTO;
        } else if (rc == 0)
            rc = sv_buf_append(b, r.body, r.len);
        sv_http_reply_release(&r);
        return rc;
    }
    fd = open(where, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        if (rc != -ENOENT)
            snprintf(err, size, "cannot open '%s': %s", where,
                     sv_strerror(rc));
        return rc;
    }
    rc = 0;
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            break;
        }
        rc = sv_buf_append(b, chunk, (size_t)n);
        if (rc < 0)
            break;
    }
    close(fd);
    if (rc < 0)
        snprintf(err, size, "cannot read '%s': %s", where, sv_strerror(rc));
    return rc;
}

int
sv__pkg_fetch(const char *url, const char *what, const char *rend,
              int64_t seg, struct sv_buf *b, json_t *faults)
{
    char err[512] = "";
    int rc = sv__pkg_load(url, b, err, sizeof(err));

    if (rc == -ENOENT)
        sv__pkg_fault(faults, "missing_file", rend, seg, "missing %s '%s'",
                      what, url);
    else if (rc < 0)
        sv__pkg_fault(faults, "unreadable", rend, seg, "%s", err);
    return rc;
}

void
sv__pkg_resolve(const char *base, const char *ref, char *out, size_t size)
{
    const char *slash;

    if (is_url(ref) || ref[0] == '/') {
        if (ref[0] == '/' && is_url(base)) {
            /* host-relative: keep scheme://host */
            const char *host = strstr(base, "://") + 3;
            const char *end = strchr(host, '/');
            int n = end != NULL ? (int)(end - base) : (int)strlen(base);

            snprintf(out, size, "%.*s%s", n, base, ref);
            return;
        }
        snprintf(out, size, "%s", ref);
        return;
    }
    slash = strrchr(base, '/');
    if (slash == NULL)
        snprintf(out, size, "%s", ref);
    else
        snprintf(out, size, "%.*s%s", (int)(slash - base + 1), base, ref);
}

/* ---- fMP4 ---- */

static int
full_box(struct sv_rd *r, const struct sv_box *b, uint8_t *version,
         uint32_t *flags)
{
    uint32_t vf;

    sv_rd_init(r, b->data, b->len);
    vf = sv_rd_u32(r);
    *version = (uint8_t)(vf >> 24);
    *flags = vf & 0xffffff;
    return r->err;
}

int
sv__pkg_init_parse(struct sv__pkg_init *in, const uint8_t *p, size_t len)
{
    struct sv_box b;
    struct sv_rd r;
    uint8_t v;
    uint32_t fl;

    memset(in, 0, sizeof(*in));
    if (sv_box_find(p, len, 0, "moov/trak/mdia/mdhd", &b) != 1)
        return SV_EFORMAT;
    full_box(&r, &b, &v, &fl);
    sv_rd_skip(&r, v == 1 ? 16 : 8);
    in->timescale = sv_rd_u32(&r);
    if (r.err || in->timescale == 0)
        return SV_EFORMAT;
    if (sv_box_find(p, len, 0, "moov/trak/mdia/hdlr", &b) == 1) {
        full_box(&r, &b, &v, &fl);
        sv_rd_skip(&r, 4);
        in->video = sv_rd_u32(&r) == SV_FOURCC('v', 'i', 'd', 'e');
    }
    if (sv_box_find(p, len, 0, "moov/mvex/trex", &b) == 1) {
        full_box(&r, &b, &v, &fl);
        sv_rd_skip(&r, 8);
        in->def_duration = sv_rd_u32(&r);
        sv_rd_skip(&r, 4);
        in->def_flags = sv_rd_u32(&r);
        if (r.err)
            return SV_EFORMAT;
    }
    return 0;
}

/* One traf: adds its samples to s; first says whether it opens s. */
static int
traf_parse(struct sv__pkg_seg *s, const struct sv__pkg_init *in,
           const struct sv_box *traf, int first)
{
    struct sv_box_iter it;
    struct sv_box b;
    struct sv_rd r;
    uint32_t fl, def_dur = in->def_duration, def_flags = in->def_flags;
    uint8_t v;
    int rc, got_first = !first;

    if (sv_box_iter_children(&it, traf, 0) < 0)
        return SV_EFORMAT;
    while ((rc = sv_box_next(&it, &b)) == 1) {
        if (b.type == SV_FOURCC('t', 'f', 'h', 'd')) {
            full_box(&r, &b, &v, &fl);
            sv_rd_skip(&r, 4);
            if (fl & 0x1)
                sv_rd_skip(&r, 8);
            if (fl & 0x2)
                sv_rd_skip(&r, 4);
            if (fl & 0x8)
                def_dur = sv_rd_u32(&r);
            if (fl & 0x10)
                sv_rd_skip(&r, 4);
            if (fl & 0x20)
                def_flags = sv_rd_u32(&r);
        } else if (b.type == SV_FOURCC('t', 'f', 'd', 't')) {
            full_box(&r, &b, &v, &fl);
            if (first)
                s->tfdt = v == 1 ? sv_rd_u64(&r) : sv_rd_u32(&r);
        } else if (b.type == SV_FOURCC('t', 'r', 'u', 'n')) {
            uint32_t n, first_flags = 0, i;

            full_box(&r, &b, &v, &fl);
            n = sv_rd_u32(&r);
            if (fl & 0x1)
                sv_rd_skip(&r, 4);
            if (fl & 0x4)
                first_flags = sv_rd_u32(&r);
            for (i = 0; i < n && !r.err; i++) {
                uint32_t dur = def_dur, sflags = def_flags;

                if (fl & 0x100)
                    dur = sv_rd_u32(&r);
                if (fl & 0x200)
                    sv_rd_skip(&r, 4);
                if (fl & 0x400)
                    sflags = sv_rd_u32(&r);
                if (fl & 0x800) {
                    uint32_t c = sv_rd_u32(&r);

                    if (!got_first)
                        s->cto = v == 1 ? (int32_t)c : (int64_t)c;
                }
                if (i == 0 && (fl & 0x4))
                    sflags = first_flags;
                if (!got_first) {
                    /* sample_is_non_sync_sample */
                    s->starts_sync = !(sflags & 0x10000);
                    got_first = 1;
                }
                s->duration += dur;
                s->samples++;
            }
        }
        if (r.err)
            return SV_EFORMAT;
    }
    return rc < 0 ? rc : 0;
}

int
sv__pkg_seg_parse(struct sv__pkg_seg *s, const struct sv__pkg_init *in,
                  const uint8_t *p, size_t len)
{
    struct sv_box_iter top, mo;
    struct sv_box b, c;
    int rc, moofs = 0;

    memset(s, 0, sizeof(*s));
    sv_box_iter_init(&top, p, len, 0);
    while ((rc = sv_box_next(&top, &b)) == 1) {
        if (b.type != SV_FOURCC('m', 'o', 'o', 'f'))
            continue;
        if (sv_box_iter_children(&mo, &b, 0) < 0)
            return SV_EFORMAT;
        while ((rc = sv_box_next(&mo, &c)) == 1) {
            /* CMAF: one track per file, so the first traf is it */
            if (c.type == SV_FOURCC('t', 'r', 'a', 'f')) {
                rc = traf_parse(s, in, &c, moofs == 0);
                if (rc < 0)
                    return rc;
                break;
            }
        }
        if (rc < 0)
            return rc;
        moofs++;
    }
    if (rc < 0)
        return rc;
    return moofs > 0 && s->samples > 0 ? 0 : SV_EFORMAT;
}

/* ---- package.json ---- */

struct rinfo {
    const struct sv_model_rend *r;
    double *start, *dur;        /* per segment, seconds (media if read) */
    size_t n;
};

static void
check_rendition(const char *dir, const struct sv_model *m,
                const struct sv_model_rend *r, struct rinfo *ri,
                json_t *jr, json_t *faults)
{
    struct sv__pkg_init init;
    struct sv__pkg_seg ms;
    struct sv_buf b;
    char uri[512], path[4096], err[512];
    double origin = (double)r->media_time / r->timescale;
    json_t *list = json_array();
    int have_init = 0, rc;

    sv_buf_init(&b, SV__PKG_MAX_FILE);
    if (r->codecs[0] == '\0')
        sv__pkg_fault(faults, "missing_codecs", r->id, -1,
                      "no codec string (CODECS) for rendition %s", r->id);
    if (!m->ts) {
        sv_model_init_uri(m, r, uri, sizeof(uri));
        snprintf(path, sizeof(path), "%s/%s", dir, uri);
        err[0] = '\0';
        rc = sv__pkg_load(path, &b, err, sizeof(err));
        if (rc == -ENOENT)
            sv__pkg_fault(faults, "missing_file", r->id, -1,
                          "missing init segment '%s'", uri);
        else if (rc < 0)
            sv__pkg_fault(faults, "unreadable", r->id, -1, "%s", err);
        else if (!r->single_file &&
                 sv__pkg_init_parse(&init, b.data, b.len) < 0)
            sv__pkg_fault(faults, "bad_init", r->id, -1,
                          "init segment '%s' is not fMP4", uri);
        else if (!r->single_file)
            have_init = 1;
    }
    ri->r = r;
    ri->start = calloc(r->nseg + 1, sizeof(double));
    ri->dur = calloc(r->nseg + 1, sizeof(double));
    if (ri->start == NULL || ri->dur == NULL)
        goto done;
    for (size_t i = 0; i < r->nseg; i++) {
        const struct sv_model_seg *s = &r->seg[i];
        double start = (double)s->start / r->timescale - origin;
        double dur = (double)s->duration / r->timescale;
        json_t *js;

        sv_model_seg_uri(m, r, s->number, uri, sizeof(uri));
        js = json_pack("{s:I,s:s,s:o,s:o}", "number", (json_int_t)s->number,
                       "uri", uri, "start", num3(start), "duration",
                       num3(dur));
        snprintf(path, sizeof(path), "%s/%s", dir, uri);
        if (r->single_file) {
            if (i == 0 && access(path, R_OK) < 0)
                sv__pkg_fault(faults, "missing_file", r->id, -1,
                              "missing file '%s'", uri);
        } else {
            err[0] = '\0';
            rc = sv__pkg_load(path, &b, err, sizeof(err));
            if (rc == -ENOENT)
                sv__pkg_fault(faults, "missing_file", r->id,
                              (int64_t)s->number, "missing segment '%s'",
                              uri);
            else if (rc < 0)
                sv__pkg_fault(faults, "unreadable", r->id,
                              (int64_t)s->number, "%s", err);
            else if (have_init &&
                     sv__pkg_seg_parse(&ms, &init, b.data, b.len) < 0)
                sv__pkg_fault(faults, "bad_segment", r->id,
                              (int64_t)s->number,
                              "segment '%s' is not fMP4", uri);
            else if (have_init) {
                /* the model's times are composition times */
                double mstart = (double)((int64_t)ms.tfdt + ms.cto) /
                                init.timescale - origin;
                double mdur = (double)ms.duration / init.timescale;

                json_object_set_new(js, "media_start", num3(mstart));
                json_object_set_new(js, "media_duration", num3(mdur));
                json_object_set_new(js, "keyframe",
                                    json_boolean(ms.starts_sync));
                if (fabs(mdur - dur) > SV__PKG_GAP_TOL ||
                    fabs(mstart - start) > SV__PKG_GAP_TOL)
                    sv__pkg_fault(faults, "model_mismatch", r->id,
                                  (int64_t)s->number,
                                  "package.json disagrees with '%s': it "
                                  "holds %.3fs from %.3fs, not %.3fs from "
                                  "%.3fs", uri, mdur, mstart, dur, start);
                if (r->video && !ms.starts_sync)
                    sv__pkg_fault(faults, "no_keyframe", r->id,
                                  (int64_t)s->number,
                                  "segment '%s' does not start with a "
                                  "keyframe", uri);
                /* the media is the truth players see */
                start = mstart;
                dur = mdur;
            }
        }
        ri->start[i] = start;
        ri->dur[i] = dur;
        ri->n = i + 1;
        if (m->target > 0 && lround(dur) > m->target)
            sv__pkg_fault(faults, "target_duration", r->id,
                          (int64_t)s->number,
                          "segment '%s' lasts %.3fs, over the target "
                          "duration of %ds", uri, dur, m->target);
        if (i > 0 && !s->discontinuity &&
            fabs(start - (ri->start[i - 1] + ri->dur[i - 1])) >
            SV__PKG_GAP_TOL)
            sv__pkg_fault(faults, "gap", r->id, (int64_t)s->number,
                          "%s in the timeline of %s: segment %llu starts "
                          "at %.3fs, the one before ends at %.3fs",
                          start > ri->start[i - 1] + ri->dur[i - 1] ?
                          "gap" : "overlap", r->id,
                          (unsigned long long)s->number, start,
                          ri->start[i - 1] + ri->dur[i - 1]);
        json_array_append_new(list, js);
    }
    json_object_set_new(jr, "segment_duration", sv__pkg_stats(ri->dur,
                                                              ri->n));
done:
    json_object_set_new(jr, "segment_list", list);
    sv_buf_release(&b);
}

/* Boundaries of every video rendition against the first one's. */
static json_t *
check_alignment(struct rinfo *ri, int n, json_t *faults)
{
    struct rinfo *ref = NULL;
    json_t *checked = json_array();
    int aligned = 1;

    for (int i = 0; i < n; i++) {
        if (!ri[i].r->video || ri[i].start == NULL)
            continue;
        if (ref == NULL) {
            ref = &ri[i];
            continue;
        }
        json_array_append_new(checked, json_string(ri[i].r->id));
        if (ri[i].n != ref->n) {
            aligned = 0;
            sv__pkg_fault(faults, "misaligned", ri[i].r->id, -1,
                          "renditions not aligned: %s has %zu segments, "
                          "%s %zu", ri[i].r->id, ri[i].n, ref->r->id,
                          ref->n);
            continue;
        }
        for (size_t k = 0; k < ri[i].n; k++) {
            if (fabs(ri[i].start[k] - ref->start[k]) > SV__PKG_ALIGN_TOL) {
                aligned = 0;
                sv__pkg_fault(faults, "misaligned", ri[i].r->id,
                              (int64_t)ri[i].r->seg[k].number,
                              "renditions not aligned: segment %llu of %s "
                              "starts at %.3fs, of %s at %.3fs",
                              (unsigned long long)ri[i].r->seg[k].number,
                              ri[i].r->id, ri[i].start[k], ref->r->id,
                              ref->start[k]);
                break;
            }
        }
    }
    return json_pack("{s:b,s:o,s:o}", "aligned", aligned, "reference",
                     ref != NULL ? json_string(ref->r->id) : json_null(),
                     "checked", checked);
}

static json_t *
rendition_json(const struct sv_model_rend *r)
{
    json_t *j;
    double total = 0;

    for (size_t i = 0; i < r->nseg; i++)
        total += (double)r->seg[i].duration / r->timescale;
    j = json_pack("{s:s,s:s,s:o}", "id", r->id, "type",
                  r->video ? "video" : "audio", "codecs",
                  r->codecs[0] ? json_string(r->codecs) : json_null());
    if (r->video) {
        json_object_set_new(j, "width", json_integer(r->width));
        json_object_set_new(j, "height", json_integer(r->height));
        json_object_set_new(j, "frame_rate", num3(r->fps));
    } else {
        json_object_set_new(j, "channels", json_integer(r->channels));
        json_object_set_new(j, "sample_rate", json_integer(r->sample_rate));
        json_object_set_new(j, "language", json_string(r->lang));
    }
    json_object_set_new(j, "bandwidth", json_pack(
        "{s:I,s:I}", "average", (json_int_t)sv_model_average(r),
        "peak", (json_int_t)sv_model_peak(r)));
    json_object_set_new(j, "segments", json_integer((json_int_t)r->nseg));
    json_object_set_new(j, "duration", num3(total));
    return j;
}

static int
check_package_json(const char *dir, json_t *root, char *err, size_t size)
{
    struct sv_model m;
    struct rinfo *ri = NULL;
    char path[4096];
    json_t *doc = NULL, *rends, *faults = json_object_get(root, "faults");
    json_t *target;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, SV_MODEL_JSON);
    rc = sv_json_read_file(path, 64u << 20, &doc, err, size);
    if (rc < 0)
        return rc;
    rc = sv_model_from_json(&m, doc, err, size);
    /* the target as written, which is what the playlists were made with,
     * not one recomputed from the segments */
    target = json_object_get(doc, "target_duration");
    if (rc == 0)
        m.target = json_is_integer(target) ? (int)json_integer_value(target)
                                           : 0;
    json_decref(doc);
    if (rc < 0)
        return rc;
    json_object_set_new(root, "type", json_string(m.live ? "live" : "vod"));
    json_object_set_new(root, "segment_format",
                        json_string(m.ts ? "ts" : "fmp4"));
    json_object_set_new(root, "target_duration", json_integer(m.target));
    if (m.hls && m.target <= 0)
        sv__pkg_fault(faults, "target_duration", NULL, -1,
                      "no target duration (EXT-X-TARGETDURATION) in "
                      "package.json");
    ri = calloc(m.nrend > 0 ? m.nrend : 1, sizeof(*ri));
    if (ri == NULL) {
        sv_model_release(&m);
        return -ENOMEM;
    }
    rends = json_array();
    for (int i = 0; i < m.nrend; i++) {
        json_t *jr = rendition_json(&m.r[i]);

        check_rendition(dir, &m, &m.r[i], &ri[i], jr, faults);
        json_array_append_new(rends, jr);
    }
    json_object_set_new(root, "renditions", rends);
    json_object_set_new(root, "alignment", check_alignment(ri, m.nrend,
                                                           faults));
    for (int i = 0; i < m.nrend; i++) {
        free(ri[i].start);
        free(ri[i].dur);
    }
    free(ri);
    sv_model_release(&m);
    return 0;
}

/* ---- entry points ---- */

static int
is_dir(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    const char *q = strchr(s, '?');

    if (q != NULL)
        n = (size_t)(q - s);
    return n >= t && strncmp(s + n - t, tail, t) == 0;
}

int
sv_probe_is_package(const char *where)
{
    return is_dir(where) || ends_with(where, ".m3u8") ||
           ends_with(where, ".mpd");
}

/* A package's manifest (name under dir), when there, checked by fn without
 * reading the segments again: its part of root under key, its faults
 * joining the package's. */
static int
manifest_check(const char *dir, const char *name, const char *key,
               int (*fn)(const char *, json_t *, int, char *, size_t),
               json_t *root, char *err, size_t size)
{
    char path[4096];
    json_t *part;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (access(path, F_OK) != 0)
        return 0;
    part = json_pack("{s:[]}", "faults");
    if (part == NULL)
        return -ENOMEM;
    rc = fn(path, part, 0, err, size);
    json_array_extend(json_object_get(root, "faults"),
                      json_object_get(part, "faults"));
    json_object_del(part, "faults");
    json_object_set_new(root, key, part);
    return rc;
}

int
sv_probe_package(const char *where, json_t **out, char *err, size_t size)
{
    char path[4096];
    json_t *root, *faults;
    int rc;

    root = json_pack("{s:s,s:[]}", "input", where, "faults");
    if (root == NULL)
        return -ENOMEM;
    faults = json_object_get(root, "faults");
    if (is_dir(where)) {
        snprintf(path, sizeof(path), "%s/%s", where, SV_MODEL_JSON);
        if (access(path, F_OK) == 0) {
            json_object_set_new(root, "kind", json_string("package"));
            rc = check_package_json(where, root, err, size);
            /* the playlists and the MPD as players read them */
            if (rc == 0)
                rc = manifest_check(where, SV_MODEL_MASTER, "hls",
                                    sv__pkg_check_hls, root, err, size);
            if (rc == 0)
                rc = manifest_check(where, SV_MODEL_MPD, "dash",
                                    sv__pkg_check_dash, root, err, size);
        } else {
            snprintf(path, sizeof(path), "%s/%s", where, SV_MODEL_MASTER);
            if (access(path, F_OK) == 0) {
                json_object_set_new(root, "kind", json_string("hls"));
                rc = sv__pkg_check_hls(path, root, 1, err, size);
            } else {
                snprintf(path, sizeof(path), "%s/%s", where, SV_MODEL_MPD);
                if (access(path, F_OK) != 0) {
                    snprintf(err, size, "cannot probe '%s': no %s, %s or "
                             "%s in it", where, SV_MODEL_JSON,
                             SV_MODEL_MASTER, SV_MODEL_MPD);
                    json_decref(root);
                    return SV_EFORMAT;
                }
                json_object_set_new(root, "kind", json_string("dash"));
                rc = sv__pkg_check_dash(path, root, 1, err, size);
            }
        }
    } else if (ends_with(where, ".mpd")) {
        json_object_set_new(root, "kind", json_string("dash"));
        rc = sv__pkg_check_dash(where, root, 1, err, size);
    } else {
        json_object_set_new(root, "kind", json_string("hls"));
        rc = sv__pkg_check_hls(where, root, 1, err, size);
    }
    if (rc < 0) {
        json_decref(root);
        return rc;
    }
    json_object_set_new(root, "valid",
                        json_boolean(json_array_size(faults) == 0));
    *out = root;
    return 0;
}
