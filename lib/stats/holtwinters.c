/* holtwinters.c -- additive Holt-Winters fitted by least squares */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "stats/holtwinters.h"

void
sv_stats_hw_free(struct sv_stats_hw *hw)
{
    free(hw->season);
    hw->season = NULL;
}

/* the state at the end of the first season, from the first two */
static void
initial(const double *x, int m, double *level, double *trend, double *s)
{
    double mean[2] = { 0, 0 }, sum = 0;
    int cnt[2] = { 0, 0 }, j, i;

    for (j = 0; j < 2; j++) {
        for (i = 0; i < m; i++)
            if (!isnan(x[j * m + i])) {
                mean[j] += x[j * m + i];
                cnt[j]++;
            }
        mean[j] = cnt[j] ? mean[j] / cnt[j] : NAN;
    }
    if (isnan(mean[0]))
        mean[0] = mean[1];
    if (isnan(mean[1]))
        mean[1] = mean[0];
    /* mean[j] is the level at the middle of season j */
    *trend = (mean[1] - mean[0]) / m;
    for (i = 0; i < m; i++) {
        double acc = 0;
        int c = 0;
        for (j = 0; j < 2; j++) {
            double v = x[j * m + i];
            if (!isnan(v)) {
                acc += v - (mean[0] + *trend * (j * m + i - (m - 1) / 2.0));
                c++;
            }
        }
        s[i] = c ? acc / c : 0;
        sum += s[i];
    }
    for (i = 0; i < m; i++)
        s[i] -= sum / m;
    *level = mean[0] + *trend * (m - 1) / 2.0;
}

/* one pass with fixed parameters; s (m) holds the seasonal state */
static double
pass(const double *x, size_t n, int m, double a, double b, double g,
     double *s, double *level, double *trend, size_t *nerr)
{
    double l, t, sse = 0;
    size_t i;

    initial(x, m, &l, &t, s);
    *nerr = 0;
    for (i = (size_t)m; i < n; i++) {
        int ph = (int)(i % (size_t)m);
        double yhat = l + t + s[ph], y = x[i], nl;
        if (isnan(y)) {
            l += t;     /* no news: the state runs on */
            continue;
        }
        /* the first points of season 2 fit themselves through the start */
        if (i >= (size_t)m + 2) {
            sse += (y - yhat) * (y - yhat);
            (*nerr)++;
        }
        nl = a * (y - s[ph]) + (1 - a) * (l + t);
        s[ph] = g * (y - l - t) + (1 - g) * s[ph];
        t = b * (nl - l) + (1 - b) * t;
        l = nl;
    }
    *level = l;
    *trend = t;
    return sse;
}

int
sv_stats_hw_run(const double *x, size_t n, int m, double alpha, double beta,
                double gamma, struct sv_stats_hw *hw)
{
    size_t i, known = 0;

    memset(hw, 0, sizeof(*hw));
    if (m < 2 || m > SV_STATS_HW_MAX_SEASON || n < 2 * (size_t)m)
        return SV_EUSAGE;
    for (i = 0; i < n; i++)
        known += !isnan(x[i]);
    if (known < (size_t)m + 3)
        return SV_EUSAGE;
    hw->season = malloc((size_t)m * sizeof(*hw->season));
    if (hw->season == NULL)
        return -ENOMEM;
    hw->m = m;
    hw->n = n;
    hw->alpha = alpha;
    hw->beta = beta;
    hw->gamma = gamma;
    hw->sse = pass(x, n, m, alpha, beta, gamma, hw->season, &hw->level,
                   &hw->trend, &hw->nerr);
    hw->sigma = hw->nerr > 3 ? sqrt(hw->sse / (double)(hw->nerr - 3)) : 0;
    return 0;
}

struct objective {
    const double *x;
    size_t n;
    int m;
    double *s;
    size_t evals;
};

static double
clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static double
sse_at(struct objective *o, const double *p)
{
    double l, t;
    size_t ne;

    o->evals++;
    return pass(o->x, o->n, o->m, clamp01(p[0]), clamp01(p[1]),
                clamp01(p[2]), o->s, &l, &t, &ne);
}

/* Nelder-Mead on [0,1]^3 (points projected into the box), from p */
static void
nelder_mead(struct objective *o, double *p, double *fp)
{
    double v[4][3], f[4], c[3], xr[3], xe[3], xc[3], fr, fe, fc;
    int i, j, it;

    for (i = 0; i < 4; i++) {
        for (j = 0; j < 3; j++) {
            v[i][j] = p[j];
            if (i == j + 1)
                v[i][j] = clamp01(p[j] + (p[j] < 0.5 ? 0.1 : -0.1));
        }
        f[i] = i == 0 ? *fp : sse_at(o, v[i]);
    }
    for (it = 0; it < 300; it++) {
        int hi = 0, lo = 0, nh = 0;
        for (i = 1; i < 4; i++) {
            if (f[i] > f[hi])
                hi = i;
            if (f[i] < f[lo])
                lo = i;
        }
        nh = lo;
        for (i = 0; i < 4; i++)
            if (i != hi && f[i] > f[nh])
                nh = i;
        if (f[hi] - f[lo] <= 1e-10 * (fabs(f[lo]) + 1e-30))
            break;
        for (j = 0; j < 3; j++) {
            c[j] = 0;
            for (i = 0; i < 4; i++)
                if (i != hi)
                    c[j] += v[i][j] / 3;
        }
        for (j = 0; j < 3; j++)
            xr[j] = clamp01(2 * c[j] - v[hi][j]);
        fr = sse_at(o, xr);
        if (fr < f[lo]) {
            for (j = 0; j < 3; j++)
                xe[j] = clamp01(3 * c[j] - 2 * v[hi][j]);
            fe = sse_at(o, xe);
            if (fe < fr) {
                memcpy(v[hi], xe, sizeof(xe));
                f[hi] = fe;
            } else {
                memcpy(v[hi], xr, sizeof(xr));
                f[hi] = fr;
            }
            continue;
        }
        if (fr < f[nh]) {
            memcpy(v[hi], xr, sizeof(xr));
            f[hi] = fr;
            continue;
        }
        for (j = 0; j < 3; j++)
            xc[j] = fr < f[hi] ? c[j] + 0.5 * (xr[j] - c[j])
                               : c[j] + 0.5 * (v[hi][j] - c[j]);
        fc = sse_at(o, xc);
        if (fc < (fr < f[hi] ? fr : f[hi])) {
            memcpy(v[hi], xc, sizeof(xc));
            f[hi] = fc;
            continue;
        }
        /* shrink towards the best */
        for (i = 0; i < 4; i++) {
            if (i == lo)
                continue;
            for (j = 0; j < 3; j++)
                v[i][j] = v[lo][j] + 0.5 * (v[i][j] - v[lo][j]);
            f[i] = sse_at(o, v[i]);
        }
    }
    j = 0;
    for (i = 1; i < 4; i++)
        if (f[i] < f[j])
            j = i;
    for (i = 0; i < 3; i++)
        p[i] = clamp01(v[j][i]);
    *fp = f[j];
}

int
sv_stats_hw_fit(const double *x, size_t n, int m, struct sv_stats_hw *hw)
{
    static const double ga[] = { 0.05, 0.2, 0.4, 0.6, 0.8, 0.95 };
    static const double gb[] = { 0.0, 0.01, 0.05, 0.2 };
    static const double gg[] = { 0.01, 0.1, 0.3, 0.6 };
    struct objective o;
    double best[3] = { 0.5, 0.01, 0.1 }, fbest = INFINITY, p[3], f;
    size_t a, b, g, evals;
    int rc;

    rc = sv_stats_hw_run(x, n, m, 0.5, 0.01, 0.1, hw);
    if (rc < 0)
        return rc;
    sv_stats_hw_free(hw);
    o.x = x;
    o.n = n;
    o.m = m;
    o.evals = 0;
    o.s = malloc((size_t)m * sizeof(*o.s));
    if (o.s == NULL)
        return -ENOMEM;
    /* a coarse grid, then Nelder-Mead from its best point */
    for (a = 0; a < sizeof(ga) / sizeof(ga[0]); a++)
        for (b = 0; b < sizeof(gb) / sizeof(gb[0]); b++)
            for (g = 0; g < sizeof(gg) / sizeof(gg[0]); g++) {
                p[0] = ga[a];
                p[1] = gb[b];
                p[2] = gg[g];
                f = sse_at(&o, p);
                if (f < fbest) {
                    fbest = f;
                    memcpy(best, p, sizeof(p));
                }
            }
    nelder_mead(&o, best, &fbest);
    free(o.s);
    evals = o.evals;
    rc = sv_stats_hw_run(x, n, m, best[0], best[1], best[2], hw);
    hw->evals = evals;
    return rc;
}

void
sv_stats_hw_forecast(const struct sv_stats_hw *hw, size_t h, double level,
                     double *mean, double *lo, double *hi)
{
    double z = sv_stats_norm_quantile(0.5 + level / 2), acc = 0;
    size_t k;

    for (k = 1; k <= h; k++) {
        size_t ph = (hw->n + k - 1) % (size_t)hw->m;
        double sd;
        mean[k - 1] = hw->level + (double)k * hw->trend + hw->season[ph];
        if (k > 1) {
            double j = (double)(k - 1);
            double c = hw->alpha * (1 + j * hw->beta) +
                       ((k - 1) % (size_t)hw->m == 0 ? hw->gamma : 0);
            acc += c * c;
        }
        sd = hw->sigma * sqrt(1 + acc);
        if (lo != NULL)
            lo[k - 1] = mean[k - 1] - z * sd;
        if (hi != NULL)
            hi[k - 1] = mean[k - 1] + z * sd;
    }
}

/* P. J. Acklam's rational approximation, refined by one Halley step */
double
sv_stats_norm_quantile(double p)
{
    static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
        -2.759285104469687e+02, 1.383577518672690e+02,
        -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
        -1.556989798598866e+02, 6.680131188771972e+01,
        -1.328068155288572e+01 };
    static const double c[] = { -7.784894002430293e-03,
        -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00,
        2.938163982698783e+00 };
    static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
        2.445134137142996e+00, 3.754408661907416e+00 };
    double q, r, x, e, u;

    if (!(p > 0 && p < 1))
        return NAN;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
             c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - 0.02425) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r +
             a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r +
                           b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
              c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    e = 0.5 * erfc(-x / sqrt(2)) - p;
    u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}
