/* wm_detect.c -- the A/B sequence of a capture, and whose it is */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "drm/watermark.h"
#include "drm/wm_int.h"
#include "media/av_wmark.h"

/* Everything is compared at this size: the pattern's 16 x 9 cells are 8 x 8
 * samples here, which averages coding noise away and makes a shift of a
 * few percent (a crop) a small part of a cell. */
#define DW 128
#define DH 72
#define RW (2 * DW)               /* the variants, before the crop */
#define RH (2 * DH)
#define CROP_MAX 16             /* crops tried: 0 to 8% a side, 0.5% steps */
#define CROP_STEP 0.005
#define REG_FRAMES 12           /* frames the crop is judged on */
#define CAPTURE_MAX 36000       /* frames: 20 minutes at 30 per second */
#define PKG_MAX (64 << 20)
#define SEG_MAX (256 << 20)

struct frames {
    uint8_t *pix;               /* n pictures of w x h */
    int w, h;
    double *time;
    size_t n, cap, max;
};

static int
keep_frame(void *ud, struct sv_av_luma *l)
{
    struct frames *f = ud;

    if (f->n == f->max)
        return f->max == CAPTURE_MAX ? SV_ELIMIT : 0;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        uint8_t *p = realloc(f->pix, cap * (size_t)(l->width * l->height));
        double *t;

        if (p == NULL)
            return -ENOMEM;
        f->pix = p;
        t = realloc(f->time, cap * sizeof(*t));
        if (t == NULL)
            return -ENOMEM;
        f->time = t;
        f->cap = cap;
    }
    f->w = l->width;
    f->h = l->height;
    for (int y = 0; y < l->height; y++)
        memcpy(f->pix + f->n * (size_t)(l->width * l->height) +
               (size_t)(y * l->width), l->y + y * l->stride,
               (size_t)l->width);
    f->time[f->n++] = l->time;
    return 0;
}

static void
frames_release(struct frames *f)
{
    free(f->pix);
    free(f->time);
    memset(f, 0, sizeof(*f));
}

/* The capture frame nearest to time t, or -1 when none is within tol. */
static long
nearest(const struct frames *c, double t, double tol)
{
    size_t lo = 0, hi = c->n;
    long best = -1;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (c->time[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->n && fabs(c->time[lo] - t) <= tol)
        best = (long)lo;
    if (lo > 0 && fabs(c->time[lo - 1] - t) <= tol &&
        (best < 0 || fabs(c->time[lo - 1] - t) < fabs(c->time[lo] - t)))
        best = (long)lo - 1;
    return best;
}

/* Decodes variant v of a segment at RW x RH into f. */
static int
variant_frames(const char *dir, const char *init, const char *seg, int v,
               struct frames *f, char *err, size_t size)
{
    char a[PATH_MAX], b[PATH_MAX];
    struct sv_buf buf;
    int rc;

    sv_buf_init(&buf, SEG_MAX);
    rc = sv__wmark_variant_uri(init, v, a, sizeof(a));
    if (rc == 0)
        rc = sv__wmark_variant_uri(seg, v, b, sizeof(b));
    if (rc < 0) {
        snprintf(err, size, "path too long for '%s'", seg);
        goto done;
    }
    rc = sv__wmark_read_into(dir, a, &buf, err, size);
    if (rc == 0)
        rc = sv__wmark_read_into(dir, b, &buf, err, size);
    if (rc < 0)
        goto done;
    f->n = 0;
    f->max = CAPTURE_MAX;
    rc = sv_av_luma_scan(b, NULL, buf.data, buf.len, RW, RH, keep_frame, f);
    if (rc < 0)
        snprintf(err, size, "cannot decode '%s/%s': %s", dir, b,
                 sv_strerror(rc));
done:
    sv_buf_release(&buf);
    return rc;
}

/*
 * What the capture shows of a reference picture: a crop of cx, cy (the
 * fraction of width and height taken off, half on each side) scaled to
 * DW x DH, bilinearly.
 */
static void
warp(const uint8_t *src, double cx, double cy, double *out)
{
    for (int j = 0; j < DH; j++) {
        double y = (cy / 2 + (j + 0.5) / DH * (1 - cy)) * RH - 0.5;
        int y0 = y < 0 ? 0 : (int)y, y1 = y0 + 1 < RH ? y0 + 1 : RH - 1;
        double wy = y < 0 ? 0 : y - y0;

        for (int i = 0; i < DW; i++) {
            double x = (cx / 2 + (i + 0.5) / DW * (1 - cx)) * RW - 0.5;
            int x0 = x < 0 ? 0 : (int)x, x1 = x0 + 1 < RW ? x0 + 1 : RW - 1;
            double wx = x < 0 ? 0 : x - x0;

            out[j * DW + i] =
                (1 - wy) * ((1 - wx) * src[y0 * RW + x0] +
                            wx * src[y0 * RW + x1]) +
                wy * ((1 - wx) * src[y1 * RW + x0] + wx * src[y1 * RW + x1]);
        }
    }
}

/* A segment's frames as the capture should show them, crop applied. */
struct seg {
    const struct frames *fa, *fb;
    double start, fps;
};

/* Squared difference of the capture from (A+B)/2 under a crop. */
static double
misfit(const struct frames *cap, const struct seg *sg, double cx, double cy,
       double *wa, double *wb)
{
    double sse = 0;
    size_t n = sg->fa->n < sg->fb->n ? sg->fa->n : sg->fb->n;

    for (size_t k = 0; k < n && k < REG_FRAMES; k++) {
        long ci = nearest(cap, sg->start + (double)k / sg->fps,
                          0.5 / sg->fps);
        const uint8_t *c;
        double mc = 0, mm = 0;

        if (ci < 0)
            continue;
        c = cap->pix + (size_t)ci * DW * DH;
        warp(sg->fa->pix + k * RW * RH, cx, cy, wa);
        warp(sg->fb->pix + k * RW * RH, cx, cy, wb);
        for (int i = 0; i < DW * DH; i++) {
            mc += c[i];
            mm += (wa[i] + wb[i]) / 2;
        }
        mc /= DW * DH;
        mm /= DW * DH;
        for (int i = 0; i < DW * DH; i++) {
            double d = c[i] - mc - ((wa[i] + wb[i]) / 2 - mm);

            sse += d * d;
        }
    }
    return sse;
}

/* The crop that fits the capture best, tried on one segment. */
static void
register_crop(const struct frames *cap, const struct seg *sg, double *cx,
              double *cy, double *wa, double *wb)
{
    double best = INFINITY, e;

    *cx = *cy = 0;
    for (int x = 0; x <= CROP_MAX; x++)
        for (int y = 0; y <= CROP_MAX; y++) {
            e = misfit(cap, sg, x * CROP_STEP * 2, y * CROP_STEP * 2, wa, wb);
            if (e < best) {
                best = e;
                *cx = x * CROP_STEP * 2;
                *cy = y * CROP_STEP * 2;
            }
        }
}

/*
 * rho of one segment: corr(sum_k (C_k - (A_k+B_k)/2), sum_k (A_k - B_k)),
 * each frame's mean removed, over LP x LP block means.  The pattern is the
 * same in every frame of a segment and low in frequency: summing frames
 * and blocks adds it up coherently, while coding noise and what is left of
 * the content after registration mostly cancel.
 */
#define LP 4
static double
segment_rho(const struct frames *cap, const struct seg *sg, double cx,
            double cy, double *wa, double *wb, int *used)
{
    static const int bw = DW / LP, bh = DH / LP;
    double sr[(DW / LP) * (DH / LP)], sd[(DW / LP) * (DH / LP)];
    double srd = 0, srr = 0, sdd = 0, mr, md;
    size_t n = sg->fa->n < sg->fb->n ? sg->fa->n : sg->fb->n;

    memset(sr, 0, sizeof(sr));
    memset(sd, 0, sizeof(sd));
    *used = 0;
    for (size_t k = 0; k < n; k++) {
        long ci = nearest(cap, sg->start + (double)k / sg->fps,
                          0.5 / sg->fps);
        const uint8_t *c;

        if (ci < 0)
            continue;
        c = cap->pix + (size_t)ci * DW * DH;
        warp(sg->fa->pix + k * RW * RH, cx, cy, wa);
        warp(sg->fb->pix + k * RW * RH, cx, cy, wb);
        mr = md = 0;
        for (int i = 0; i < DW * DH; i++) {
            mr += c[i] - (wa[i] + wb[i]) / 2;
            md += wa[i] - wb[i];
        }
        mr /= DW * DH;
        md /= DW * DH;
        for (int y = 0; y < DH; y++)
            for (int x = 0; x < DW; x++) {
                int i = y * DW + x, b = (y / LP) * bw + x / LP;

                sr[b] += c[i] - (wa[i] + wb[i]) / 2 - mr;
                sd[b] += wa[i] - wb[i] - md;
            }
        (*used)++;
    }
    for (int b = 0; b < bw * bh; b++) {
        srd += sr[b] * sd[b];
        srr += sr[b] * sr[b];
        sdd += sd[b] * sd[b];
    }
    if (*used == 0 || srr <= 0 || sdd <= 0)
        return 0;
    return srd / sqrt(srr * sdd);
}

/* A file name of the package that is safe to open under dir, with its
 * variants' names fitting a path there. */
static int
name_ok(const char *dir, const char *uri)
{
    char v[PATH_MAX];
    int n;

    if (uri == NULL || uri[0] == '\0' || uri[0] == '/' ||
        strstr(uri, "..") != NULL)
        return 0;
    if (sv__wmark_variant_uri(uri, 'a', v, sizeof(v)) < 0)
        return 0;
    n = snprintf(NULL, 0, "%s/%s", dir, v);
    return n > 0 && n < PATH_MAX;
}

/* Whether rendition id is among the marked ones. */
static int
is_marked(const json_t *ids, const char *id)
{
    const json_t *x;
    size_t j;

    json_array_foreach(ids, j, x)
        if (id != NULL && json_string_value(x) != NULL &&
            strcmp(id, json_string_value(x)) == 0)
            return 1;
    return 0;
}

int
sv_wmark_package_check(const json_t *root, const char *dir,
                       const uint8_t *key, size_t keylen, size_t *segments,
                       char *err, size_t size)
{
    const json_t *wm, *rends, *ids, *r, *segs, *sg;
    const char *kid_there, *id;
    char kid[33];
    double fps;
    size_t i, j;
    int rc;

    *segments = 0;
    wm = json_object_get(root, "watermark");
    rends = json_object_get(root, "renditions");
    ids = json_object_get(wm, "renditions");
    if (!json_is_object(wm) || !json_is_array(ids) || !json_is_array(rends)) {
        snprintf(err, size, "package '%s' is not watermarked", dir);
        return SV_EFORMAT;
    }
    rc = sv_wmark_key_id(key, keylen, kid);
    if (rc < 0)
        return rc;
    kid_there = json_string_value(json_object_get(wm, "key_id"));
    if (kid_there == NULL || strcmp(kid_there, kid) != 0) {
        snprintf(err, size, "package '%s' was marked under another key "
                 "(key id %.32s, this key %s)", dir,
                 kid_there != NULL ? kid_there : "none", kid);
        return SV_EUSAGE;
    }
    json_array_foreach(rends, i, r) {
        id = json_string_value(json_object_get(r, "id"));
        if (!is_marked(ids, id))
            continue;
        segs = json_object_get(r, "segments");
        fps = json_number_value(json_object_get(r, "frame_rate"));
        if (!name_ok(dir, json_string_value(json_object_get(r, "init"))) ||
            !json_is_array(segs) || !isfinite(fps) || fps <= 0 ||
            fps > 1000 ||
            json_integer_value(json_object_get(r, "timescale")) <= 0) {
            snprintf(err, size, "bad rendition '%.64s' in the package", id);
            return SV_EFORMAT;
        }
        json_array_foreach(segs, j, sg) {
            const json_t *num = json_object_get(sg, "number");

            if (!name_ok(dir, json_string_value(json_object_get(sg, "uri"))) ||
                json_integer_value(json_object_get(sg, "ticks")) <= 0 ||
                !json_is_integer(num) || json_integer_value(num) < 0) {
                snprintf(err, size, "bad segment %zu of rendition '%.64s' "
                         "in the package", j, id);
                return SV_EFORMAT;
            }
        }
        *segments += json_array_size(segs);
    }
    return 0;
}

/* The rho of every segment of rendition r that the capture covers. */
static int
rendition_rhos(const struct sv_wmark_detect *e, const json_t *r,
               const struct frames *cap, double *rho, uint64_t *numbers,
               size_t *n, size_t maxn, double *crop_x, double *crop_y,
               char *err, size_t size)
{
    const char *init = json_string_value(json_object_get(r, "init"));
    json_t *segs = json_object_get(r, "segments"), *sg;
    double fps = json_number_value(json_object_get(r, "frame_rate"));
    double ts = (double)json_integer_value(json_object_get(r, "timescale"));
    double start = 0, t0 = 0;
    struct frames fa = { 0 }, fb = { 0 };
    struct seg sgm;
    double cx = 0, cy = 0, wa[DW * DH], wb[DW * DH];
    size_t i;
    int rc = 0, used, registered = 0;

    *n = 0;     /* its fields: checked by sv_wmark_package_check */
    if (cap->n > 0)
        t0 = cap->time[0];
    json_array_foreach(segs, i, sg) {
        const char *uri = json_string_value(json_object_get(sg, "uri"));
        json_int_t ticks = json_integer_value(json_object_get(sg, "ticks"));

        if (uri == NULL || ticks <= 0 || *n == maxn)
            break;
        if (cap->n == 0 || start + t0 > cap->time[cap->n - 1])
            break;
        rc = variant_frames(e->dir, init, uri, 'a', &fa, err, size);
        if (rc == 0)
            rc = variant_frames(e->dir, init, uri, 'b', &fb, err, size);
        if (rc < 0)
            break;
        sgm.fa = &fa;
        sgm.fb = &fb;
        sgm.start = t0 + start;
        sgm.fps = fps;
        if (!registered) {
            register_crop(cap, &sgm, &cx, &cy, wa, wb);
            *crop_x = cx;
            *crop_y = cy;
            registered = 1;
        }
        rho[*n] = segment_rho(cap, &sgm, cx, cy, wa, wb, &used);
        numbers[*n] = (uint64_t)json_integer_value(json_object_get(sg,
                                                   "number"));
        if (used > 0)
            (*n)++;
        start += (double)ticks / ts;
    }
    frames_release(&fa);
    frames_release(&fb);
    return rc;
}

int
sv_wmark_detect_run(const struct sv_wmark_detect *e, json_t **result,
                    char *err, size_t size)
{
    char path[PATH_MAX], *seq = NULL;
    json_t *root = NULL, *rends, *r, *ids, *out = NULL, *scores, *rhos;
    struct frames cap = { 0 };
    double *rho = NULL, *best_rho = NULL, lp, best_ev = -1;
    double cx = 0, cy = 0, best_cx = 0, best_cy = 0;
    uint64_t *num = NULL, *best_num = NULL;
    uint8_t **codes = NULL;
    const char *best_id = NULL;
    size_t i, n, best_n = 0, maxn;
    int rc, best, agree, known;

    err[0] = '\0';
    snprintf(path, sizeof(path), "%s/package.json", e->dir);
    rc = sv_json_read_file(path, PKG_MAX, &root, err, size);
    if (rc < 0)
        return rc;
    rc = sv_wmark_package_check(root, e->dir, e->key, e->keylen, &maxn, err,
                                size);
    if (rc < 0)
        goto done;
    /* the reference is the variants' pictures: they must decode */
    if (json_is_object(json_object_get(root, "encryption"))) {
        snprintf(err, size, "package '%s' is encrypted: detect against a "
                 "decrypted copy (cp -r, then sv-drm decrypt --key)", e->dir);
        rc = SV_EUSAGE;
        goto done;
    }
    rends = json_object_get(root, "renditions");
    ids = json_object_get(json_object_get(root, "watermark"), "renditions");
    cap.max = CAPTURE_MAX;
    rc = sv_av_luma_scan(e->capture, e->capture, NULL, 0, DW, DH, keep_frame,
                         &cap);
    if (rc < 0) {
        snprintf(err, size, "cannot decode '%s': %s", e->capture,
                 sv_strerror(rc));
        goto done;
    }
    rho = calloc(maxn + 1, sizeof(*rho));
    best_rho = calloc(maxn + 1, sizeof(*rho));
    num = calloc(maxn + 1, sizeof(*num));
    best_num = calloc(maxn + 1, sizeof(*num));
    if (rho == NULL || best_rho == NULL || num == NULL || best_num == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    /* the capture is of one rendition: the one that explains it best */
    json_array_foreach(rends, i, r) {
        const char *id = json_string_value(json_object_get(r, "id"));
        size_t j;
        double ev = 0;

        if (!is_marked(ids, id))
            continue;
        rc = rendition_rhos(e, r, &cap, rho, num, &n, maxn, &cx, &cy, err,
                            size);
        if (rc < 0)
            goto done;
        for (j = 0; j < n; j++)
            ev += rho[j] * rho[j];
        if (n > 0 && ev / (double)n > best_ev) {
            best_ev = ev / (double)n;
            best_id = id;
            best_n = n;
            best_cx = cx;
            best_cy = cy;
            memcpy(best_rho, rho, n * sizeof(*rho));
            memcpy(best_num, num, n * sizeof(*num));
        }
    }
    codes = calloc(e->nviewers + 1, sizeof(*codes));
    seq = calloc(best_n + 1, 1);
    if (codes == NULL || seq == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (size_t v = 0; v < e->nviewers; v++) {
        codes[v] = calloc(best_n + 1, 1);
        if (codes[v] == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        for (size_t j = 0; j < best_n; j++) {
            rc = sv_wmark_bit(e->key, e->keylen, e->viewers[v], best_num[j]);
            if (rc < 0)
                goto done;
            codes[v][j] = (uint8_t)rc;
        }
    }
    rc = 0;
    for (size_t j = 0; j < best_n; j++)
        seq[j] = fabs(best_rho[j]) <= e->threshold ? '?' :
                 best_rho[j] > 0 ? 'a' : 'b';
    lp = sv_wmark_score(best_rho, best_n, e->threshold,
                        (const uint8_t *const *)codes, e->nviewers, &best,
                        &agree, &known);
    {
        json_t *rj = json_array();

        for (size_t j = 0; j < best_n; j++)
            json_array_append_new(rj, json_real(round(best_rho[j] * 1000) /
                                                1000));
        rhos = rj;
    }
    scores = json_array();
    for (size_t v = 0; v < e->nviewers; v++) {
        int a = 0;

        for (size_t j = 0; j < best_n; j++)
            if (seq[j] != '?' && (seq[j] == 'b') == (codes[v][j] != 0))
                a++;
        json_array_append_new(scores, json_pack("{s:s,s:i}", "viewer",
                              e->viewers[v], "agree", a));
    }
    {
        double pfa = exp(lp);
        int named = best >= 0 && known > 0 && pfa <= e->max_false;

        out = json_pack("{s:o,s:f,s:f,s:i,s:i,s:i,s:s?,s:s,s:o,s:f}",
                        "viewer", named ? json_string(e->viewers[best])
                                        : json_null(),
                        "false_accusation", named ? pfa : 1.0,
                        "confidence", named ? 1.0 - pfa : 0.0,
                        "segments", (int)best_n, "known", known,
                        "agree", named ? agree : 0,
                        "rendition", best_id, "sequence", seq,
                        "scores", scores, "max_false", e->max_false);
        json_object_set_new(out, "rho", rhos);
        json_object_set_new(out, "crop", json_pack("[f,f]", best_cx,
                                                   best_cy));
        if (!named && best >= 0 && known > 0)
            json_object_set_new(out, "best_candidate", json_pack(
                "{s:s,s:i,s:f}", "viewer", e->viewers[best], "agree", agree,
                "false_accusation", pfa));
    }
done:
    if (codes != NULL)
        for (size_t v = 0; v < e->nviewers; v++)
            free(codes[v]);
    free(codes);
    free(seq);
    free(rho);
    free(best_rho);
    free(num);
    free(best_num);
    frames_release(&cap);
    json_decref(root);
    if (rc < 0 && err[0] == '\0')
        snprintf(err, size, "cannot detect in '%s': %s", e->capture,
                 sv_strerror(rc));
    if (rc == 0)
        *result = out;
    return rc;
}
