/* quality.c -- sv-stats quality: PSNR, SSIM and MS-SSIM of DIST against
 * REF per frame and pooled; VMAF where the linked FFmpeg has it */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "stats/quality.h"

/* the per-frame series, one array each */
enum {
    M_PSNR_Y, M_PSNR_U, M_PSNR_V, M_PSNR_AVG,
    M_MSE_Y, M_MSE_U, M_MSE_V, M_MSE_AVG,
    M_SSIM_Y, M_SSIM_U, M_SSIM_V, M_SSIM_ALL,
    M_MSSSIM,
    M_COUNT
};

#define MAX_FRAMES (1 << 24)

struct series {
    double *v[M_COUNT];
    size_t n, cap;
};

static int
series_grow(struct series *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;

    if (cap > MAX_FRAMES)
        return SV_ELIMIT;
    for (int m = 0; m < M_COUNT; m++) {
        double *nv = realloc(s->v[m], cap * sizeof(double));

        if (nv == NULL)
            return -ENOMEM;
        s->v[m] = nv;
    }
    s->cap = cap;
    return 0;
}

static json_t *
rnd(double v, double scale)
{
    if (!isfinite(v))
        return json_null();
    return json_real(round(v * scale) / scale);
}

static json_t *
pool_json(const double *v, size_t n, double scale)
{
    struct sv_quality_pool p;

    if (n == 0 || sv_quality_pool(v, n, &p) < 0)
        return json_null();
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "mean", rnd(p.mean, scale),
                     "harmonic_mean", rnd(p.harmonic, scale),
                     "p1", rnd(p.p1, scale), "min", rnd(p.min, scale),
                     "max", rnd(p.max, scale));
}

static double
mean(const double *v, size_t n)
{
    double s = 0;

    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / n : NAN;
}

/* Scores one pair into row i of s. */
static int
measure(const struct sv_picture *a, const struct sv_picture *b,
        struct series *s, size_t i, int *scales)
{
    double px[3], total = 0, mse_avg = 0, ssim_all = 0, v;
    int np = a->nplanes;

    for (int c = 0; c < np; c++) {
        px[c] = (double)a->p[c].width * a->p[c].height;
        total += px[c];
    }
    for (int c = 0; c < 3; c++) {
        double mse = 0, ss = 1;

        if (c < np) {
            mse = sv_quality_mse(&a->p[c], &b->p[c]);
            ss = sv_quality_ssim(&a->p[c], &b->p[c]);
            if (ss < 0)
                return ss == -ENOMEM ? -ENOMEM : SV_EFORMAT;
            mse_avg += mse * px[c] / total;
            ssim_all += ss * px[c] / total;
        }
        s->v[M_MSE_Y + c][i] = c < np ? mse : NAN;
        s->v[M_PSNR_Y + c][i] = c < np ? sv_quality_psnr(mse, 255) : NAN;
        s->v[M_SSIM_Y + c][i] = c < np ? ss : NAN;
    }
    s->v[M_MSE_AVG][i] = mse_avg;
    s->v[M_PSNR_AVG][i] = sv_quality_psnr(mse_avg, 255);
    s->v[M_SSIM_ALL][i] = ssim_all;
    v = sv_quality_msssim(&a->p[0], &b->p[0], scales);
    if (v < 0 && v == -ENOMEM)
        return -ENOMEM;
    s->v[M_MSSSIM][i] = v < 0 ? NAN : v;
    return 0;
}

static json_t *
frame_json(const struct series *s, size_t i, int np)
{
    json_t *j = json_pack("{s:I,s:{s:o,s:o},s:{s:o},s:o}", "n", (json_int_t)i,
                          "psnr", "y", rnd(s->v[M_PSNR_Y][i], 1e4),
                          "avg", rnd(s->v[M_PSNR_AVG][i], 1e4),
                          "ssim", "y", rnd(s->v[M_SSIM_Y][i], 1e6),
                          "ms_ssim", rnd(s->v[M_MSSSIM][i], 1e6));
    json_t *p = json_object_get(j, "psnr"), *q = json_object_get(j, "ssim");

    if (np == 3) {
        json_object_set_new(p, "u", rnd(s->v[M_PSNR_U][i], 1e4));
        json_object_set_new(p, "v", rnd(s->v[M_PSNR_V][i], 1e4));
        json_object_set_new(q, "u", rnd(s->v[M_SSIM_U][i], 1e6));
        json_object_set_new(q, "v", rnd(s->v[M_SSIM_V][i], 1e6));
    }
    json_object_set_new(q, "all", rnd(s->v[M_SSIM_ALL][i], 1e6));
    return j;
}

static json_t *
summary_json(const struct series *s, int np)
{
    static const char *const comp[] = { "y", "u", "v" };
    json_t *psnr = json_object(), *ssim = json_object(), *ffm = json_object();
    size_t n = s->n;
    int c;

    for (c = 0; c < np; c++) {
        json_object_set_new(psnr, comp[c], pool_json(s->v[M_PSNR_Y + c], n,
                                                     1e4));
        json_object_set_new(ssim, comp[c], pool_json(s->v[M_SSIM_Y + c], n,
                                                     1e6));
        /* FFmpeg's summary: the PSNR of the mean MSE */
        json_object_set_new(ffm, comp[c], rnd(sv_quality_psnr(
            mean(s->v[M_MSE_Y + c], n), 255), 1e4));
    }
    json_object_set_new(psnr, "avg", pool_json(s->v[M_PSNR_AVG], n, 1e4));
    json_object_set_new(ffm, "avg", rnd(sv_quality_psnr(
        mean(s->v[M_MSE_AVG], n), 255), 1e4));
    json_object_set_new(psnr, "of_mean_mse", ffm);
    json_object_set_new(ssim, "all", pool_json(s->v[M_SSIM_ALL], n, 1e6));
    json_object_set_new(ssim, "db", rnd(-10 * log10(1 - mean(
        s->v[M_SSIM_ALL], n)), 1e4));
    return json_pack("{s:o,s:o}", "psnr", psnr, "ssim", ssim);
}

int
sv_quality_run(const char *ref, const char *dist,
               const struct sv_quality_cfg *cfg, json_t **out)
{
    struct sv_av_pair *p = NULL;
    struct sv_av_pair_info info;
    struct sv_picture a, b;
    struct series s = { 0 };
    json_t *root = NULL, *frames = NULL, *sum;
    int64_t left;
    int rc, np = 0, scales = 0;

    rc = sv_av_pair_open(&p, ref, dist);
    if (rc < 0)
        return rc;
    while ((rc = sv_av_pair_next(p, &a, &b)) == 1) {
        if (s.n == s.cap && (rc = series_grow(&s)) < 0)
            break;
        if (s.n == 0)
            np = a.nplanes;
        rc = measure(&a, &b, &s, s.n, &scales);
        if (rc < 0)
            break;
        s.n++;
    }
    if (rc < 0) {
        if (rc == SV_EFORMAT)
            sv_log_error("cannot measure '%s': pictures under 8x8", dist);
        else if (rc == -ENOMEM || rc == SV_ELIMIT)
            sv_log_error("cannot measure '%s': %s", dist, sv_strerror(rc));
        goto done;
    }
    if (s.n == 0) {
        sv_log_error("cannot measure '%s': no frame to compare", dist);
        rc = SV_ENOMEDIA;
        goto done;
    }
    sv_av_pair_info(p, &info);
    left = sv_av_pair_left(p);
    if (left != 0)
        sv_log_warn("'%s' has %lld frames more than '%s': compared the "
                    "first %zu", left > 0 ? ref : dist,
                    (long long)(left > 0 ? left : -left),
                    left > 0 ? dist : ref, s.n);
    sum = summary_json(&s, np);
    json_object_set_new(sum, "ms_ssim", pool_json(s.v[M_MSSSIM], s.n, 1e6));
    if (json_is_object(json_object_get(sum, "ms_ssim")))
        json_object_set_new(json_object_get(sum, "ms_ssim"), "scales",
                            json_integer(scales));
    root = json_pack("{s:s,s:s,s:I,s:I,s:{s:i,s:i,s:s},s:o}",
                     "reference", ref, "distorted", dist,
                     "frames", (json_int_t)s.n,
                     "unpaired_frames", (json_int_t)left,
                     "compared_in", "width", info.ref_width,
                     "height", info.ref_height, "format", info.format,
                     "scaled", info.scaled ? json_pack(
                         "{s:[i,i],s:[i,i],s:s}", "from", info.dist_width,
                         info.dist_height, "to", info.ref_width,
                         info.ref_height, "filter", "bicubic") : json_null());
    if (root == NULL) {
        json_decref(sum);
        rc = -ENOMEM;
        goto done;
    }
    json_object_update(root, sum);
    json_decref(sum);
    if (sv_av_has_vmaf()) {
        json_object_set_new(root, "vmaf", json_pack(
            "{s:b,s:s}", "available", 1, "reason",
            "libvmaf is linked; sv-stats does not run it yet"));
        sv_log_warn("no VMAF: libvmaf is linked but sv-stats does not run "
                    "it yet");
    } else {
        json_object_set_new(root, "vmaf", json_pack(
            "{s:b,s:s}", "available", 0, "reason",
            "the linked FFmpeg has no libvmaf filter"));
        sv_log_warn("no VMAF: the linked FFmpeg has no libvmaf filter");
    }
    if (cfg->per_frame) {
        frames = json_array();
        for (size_t i = 0; i < s.n; i++)
            json_array_append_new(frames, frame_json(&s, i, np));
        json_object_set_new(root, "per_frame", frames);
    }
    *out = root;
    rc = 0;
done:
    for (int m = 0; m < M_COUNT; m++)
        free(s.v[m]);
    sv_av_pair_close(p);
    return rc;
}
