/* quality_math.c -- PSNR, SSIM (FFmpeg's way), MS-SSIM, and pooling */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/quality_math.h"

double
sv_quality_mse(const struct sv_plane8 *a, const struct sv_plane8 *b)
{
    uint64_t sum = 0;

    for (int y = 0; y < a->height; y++) {
        const uint8_t *p = a->data + y * a->stride;
        const uint8_t *q = b->data + y * b->stride;
        uint64_t row = 0;

        for (int x = 0; x < a->width; x++) {
            int d = p[x] - q[x];

            row += (uint64_t)(d * d);
        }
        sum += row;
    }
    return (double)sum / ((double)a->width * a->height);
}

double
sv_quality_psnr(double mse, double peak)
{
    double v;

    if (mse <= 0)
        return SV_QUALITY_PSNR_MAX;
    v = 10.0 * log10(peak * peak / mse);
    return v < SV_QUALITY_PSNR_MAX ? v : SV_QUALITY_PSNR_MAX;
}

/* ---- SSIM as vf_ssim.c computes it for 8-bit planes ---- */

static void
ssim_4x4_line(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
              ptrdiff_t bs, int (*sums)[4], int width)
{
    for (int z = 0; z < width; z++) {
        uint32_t s1 = 0, s2 = 0, ss = 0, s12 = 0;

        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int u = a[x + y * as], v = b[x + y * bs];

                s1 += u;
                s2 += v;
                ss += u * u + v * v;
                s12 += u * v;
            }
        }
        sums[z][0] = (int)s1;
        sums[z][1] = (int)s2;
        sums[z][2] = (int)ss;
        sums[z][3] = (int)s12;
        a += 4;
        b += 4;
    }
}

static float
ssim_end1(int s1, int s2, int ss, int s12)
{
    /* the constants scaled to sums over 64 pixels, as x264 has them */
    static const int c1 = (int)(.01 * .01 * 255 * 255 * 64 + .5);
    static const int c2 = (int)(.03 * .03 * 255 * 255 * 64 * 63 + .5);
    int vars = ss * 64 - s1 * s1 - s2 * s2;
    int covar = s12 * 64 - s1 * s2;

    return (float)(2 * s1 * s2 + c1) * (float)(2 * covar + c2) /
           ((float)(s1 * s1 + s2 * s2 + c1) * (float)(vars + c2));
}

static float
ssim_end_line(const int (*s0)[4], const int (*s1)[4], int width)
{
    float ssim = 0;

    for (int i = 0; i < width; i++)
        ssim += ssim_end1(s0[i][0] + s0[i + 1][0] + s1[i][0] + s1[i + 1][0],
                          s0[i][1] + s0[i + 1][1] + s1[i][1] + s1[i + 1][1],
                          s0[i][2] + s0[i + 1][2] + s1[i][2] + s1[i + 1][2],
                          s0[i][3] + s0[i + 1][3] + s1[i][3] + s1[i + 1][3]);
    return ssim;
}

double
sv_quality_ssim(const struct sv_plane8 *a, const struct sv_plane8 *b)
{
    int w = a->width >> 2, h = a->height >> 2, z = 0;
    int (*temp)[4], (*sum0)[4], (*sum1)[4], (*t)[4];
    double ssim = 0;

    if (w < 2 || h < 2)
        return -EINVAL;
    temp = calloc((size_t)(w + 3) * 2, sizeof(*temp));
    if (temp == NULL)
        return -ENOMEM;
    sum0 = temp;
    sum1 = temp + w + 3;
    for (int y = 1; y < h; y++) {
        for (; z <= y; z++) {
            t = sum0;
            sum0 = sum1;
            sum1 = t;
            ssim_4x4_line(a->data + 4 * z * a->stride, a->stride,
                          b->data + 4 * z * b->stride, b->stride, sum0, w);
        }
        ssim += ssim_end_line((const int (*)[4])sum0,
                              (const int (*)[4])sum1, w - 1);
    }
    free(temp);
    return ssim / ((double)(h - 1) * (w - 1));
}

/* ---- MS-SSIM ---- */

#define WIN 11
#define NSCALES 5

static const double ms_weights[NSCALES] = {
    0.0448, 0.2856, 0.3001, 0.2363, 0.1333,
};

/* Filters src (w x h) with the separable kernel k, 'valid' region only:
 * dst is (w - WIN + 1) x (h - WIN + 1).  tmp holds w x (h - WIN + 1). */
static void
gauss(const double *src, int w, int h, const double *k, double *tmp,
      double *dst)
{
    int ow = w - WIN + 1, oh = h - WIN + 1;

    for (int y = 0; y < oh; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;

            for (int i = 0; i < WIN; i++)
                s += k[i] * src[(y + i) * w + x];
            tmp[y * w + x] = s;
        }
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            double s = 0;

            for (int i = 0; i < WIN; i++)
                s += k[i] * tmp[y * w + x + i];
            dst[y * ow + x] = s;
        }
}

/* Mean luminance and contrast-structure terms of one scale. */
static int
ms_scale(const double *x, const double *y, int w, int h, double *l,
         double *cs)
{
    static const double c1 = (0.01 * 255) * (0.01 * 255);
    static const double c2 = (0.03 * 255) * (0.03 * 255);
    int ow = w - WIN + 1, oh = h - WIN + 1;
    size_t n = (size_t)w * h, on = (size_t)ow * oh;
    double k[WIN], ksum = 0, sl = 0, scs = 0;
    double *buf, *tmp, *mx, *my, *sxx, *syy, *sxy, *prod;
    int rc = 0;

    for (int i = 0; i < WIN; i++) {
        double d = i - WIN / 2;

        k[i] = exp(-d * d / (2 * 1.5 * 1.5));
        ksum += k[i];
    }
    for (int i = 0; i < WIN; i++)
        k[i] /= ksum;
    buf = malloc((n * 2 + on * 5) * sizeof(double));
    if (buf == NULL)
        return -ENOMEM;
    tmp = buf;
    prod = buf + n;
    mx = prod + n;
    my = mx + on;
    sxx = my + on;
    syy = sxx + on;
    sxy = syy + on;
    gauss(x, w, h, k, tmp, mx);
    gauss(y, w, h, k, tmp, my);
    for (size_t i = 0; i < n; i++)
        prod[i] = x[i] * x[i];
    gauss(prod, w, h, k, tmp, sxx);
    for (size_t i = 0; i < n; i++)
        prod[i] = y[i] * y[i];
    gauss(prod, w, h, k, tmp, syy);
    for (size_t i = 0; i < n; i++)
        prod[i] = x[i] * y[i];
    gauss(prod, w, h, k, tmp, sxy);
    for (size_t i = 0; i < on; i++) {
        double vx = sxx[i] - mx[i] * mx[i];
        double vy = syy[i] - my[i] * my[i];
        double cov = sxy[i] - mx[i] * my[i];

        sl += (2 * mx[i] * my[i] + c1) /
              (mx[i] * mx[i] + my[i] * my[i] + c1);
        scs += (2 * cov + c2) / (vx + vy + c2);
    }
    *l = sl / on;
    *cs = scs / on;
    free(buf);
    return rc;
}

/* 2x2 mean, then every other sample: w x h into (w/2) x (h/2). */
static void
halve(const double *src, int w, int h, double *dst)
{
    int ow = w / 2, oh = h / 2;

    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            dst[y * ow + x] = (src[2 * y * w + 2 * x] +
                               src[2 * y * w + 2 * x + 1] +
                               src[(2 * y + 1) * w + 2 * x] +
                               src[(2 * y + 1) * w + 2 * x + 1]) / 4;
}

double
sv_quality_msssim(const struct sv_plane8 *a, const struct sv_plane8 *b,
                  int *scales)
{
    int w = a->width, h = a->height, m = 0, rc;
    double l[NSCALES], cs[NSCALES], wsum = 0, score = 1;
    double *x, *y, *nx, *ny;
    size_t n = (size_t)w * h;

    if (w < WIN || h < WIN)
        return -EINVAL;
    x = malloc(n * sizeof(double));
    y = malloc(n * sizeof(double));
    nx = malloc((n / 4 + 1) * sizeof(double));
    ny = malloc((n / 4 + 1) * sizeof(double));
    if (x == NULL || y == NULL || nx == NULL || ny == NULL) {
        score = -ENOMEM;
        goto done;
    }
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            x[(size_t)r * w + c] = a->data[r * a->stride + c];
            y[(size_t)r * w + c] = b->data[r * b->stride + c];
        }
    for (m = 0; m < NSCALES && w >= WIN && h >= WIN; m++) {
        double *t;

        rc = ms_scale(x, y, w, h, &l[m], &cs[m]);
        if (rc < 0) {
            score = rc;
            goto done;
        }
        halve(x, w, h, nx);
        halve(y, w, h, ny);
        t = x; x = nx; nx = t;
        t = y; y = ny; ny = t;
        w /= 2;
        h /= 2;
    }
    for (int i = 0; i < m; i++)
        wsum += ms_weights[i];
    for (int i = 0; i < m; i++) {
        double wi = ms_weights[i] / wsum;
        double c = cs[i] > 0 ? cs[i] : 0;

        score *= pow(c, wi);
        if (i == m - 1)
            score *= pow(l[i] > 0 ? l[i] : 0, wi);
    }
    if (scales != NULL)
        *scales = m;
done:
    free(x);
    free(y);
    free(nx);
    free(ny);
    return score;
}

/* ---- pooling ---- */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int
sv_quality_pool(const double *v, size_t n, struct sv_quality_pool *out)
{
    double *s, sum = 0, inv = 0, pos;
    int nonpos = 0;
    size_t i;

    if (n == 0)
        return -EINVAL;
    s = malloc(n * sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    memcpy(s, v, n * sizeof(*s));
    qsort(s, n, sizeof(*s), cmp_double);
    for (i = 0; i < n; i++) {
        sum += s[i];
        if (s[i] <= 0)
            nonpos = 1;
        else
            inv += 1 / s[i];
    }
    out->mean = sum / n;
    out->harmonic = nonpos ? NAN : n / inv;
    /* the 1st percentile between ranks, as numpy's default "linear" */
    pos = 0.01 * (double)(n - 1);
    i = (size_t)pos;
    out->p1 = i + 1 < n ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
    out->min = s[0];
    out->max = s[n - 1];
    free(s);
    return 0;
}
