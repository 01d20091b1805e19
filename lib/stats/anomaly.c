/* anomaly.c -- seasonal decomposition and robust residual z-scores */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "stats/anomaly.h"

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double
sv_stats_median(double *x, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if (!isnan(x[i]))
            x[k++] = x[i];
    if (k == 0)
        return NAN;
    qsort(x, k, sizeof(*x), cmp_d);
    return k % 2 ? x[k / 2] : (x[k / 2 - 1] + x[k / 2]) / 2;
}

/* the centred moving average of one season; NAN where not computable */
static int
trend(const double *x, size_t n, int m, double *t)
{
    size_t h = (size_t)m / 2, i, first = n, last = 0;
    double *sum, *cnt, slope;

    /* prefix sums of the known values and of their count: O(n) */
    sum = malloc((n + 1) * sizeof(*sum));
    cnt = malloc((n + 1) * sizeof(*cnt));
    if (sum == NULL || cnt == NULL) {
        free(sum);
        free(cnt);
        return -ENOMEM;
    }
    sum[0] = cnt[0] = 0;
    for (i = 0; i < n; i++) {
        sum[i + 1] = sum[i] + (isnan(x[i]) ? 0 : x[i]);
        cnt[i + 1] = cnt[i] + !isnan(x[i]);
    }
    for (i = 0; i < n; i++) {
        double acc, wsum;
        t[i] = NAN;
        if (i < h || i + h >= n)
            continue;
        acc = sum[i + h + 1] - sum[i - h];
        wsum = cnt[i + h + 1] - cnt[i - h];
        if (m % 2 == 0) {
            /* 2 x m: the two ends weigh a half */
            size_t e[2] = { i - h, i + h };
            int k;
            for (k = 0; k < 2; k++)
                if (!isnan(x[e[k]])) {
                    acc -= 0.5 * x[e[k]];
                    wsum -= 0.5;
                }
        }
        /* at least three quarters of the season known */
        if (wsum >= 0.75 * m)
            t[i] = acc / wsum;
        if (!isnan(t[i])) {
            if (first == n)
                first = i;
            last = i;
        }
    }
    free(sum);
    free(cnt);
    if (first == n)
        return 0;
    /* the ends: a line with the slope over the computed part */
    slope = last > first ? (t[last] - t[first]) / (double)(last - first) : 0;
    for (i = 0; i < first; i++)
        t[i] = t[first] - slope * (double)(first - i);
    for (i = last + 1; i < n; i++)
        t[i] = t[last] + slope * (double)(i - last);
    /* gaps inside: join their ends */
    for (i = first; i <= last; i++) {
        size_t j;
        if (!isnan(t[i]))
            continue;
        for (j = i; j <= last && isnan(t[j]); j++)
            ;
        {
            double a = t[i - 1], b = t[j];
            size_t k;
            for (k = i; k < j; k++)
                t[k] = a + (b - a) * (double)(k - i + 1) /
                       (double)(j - i + 1);
        }
        i = j;
    }
    return 0;
}

/* expected values of x: trend + seasonal index; 0 or -ENOMEM */
static int
decompose(const double *x, size_t n, int m, double *e, double *tmp)
{
    double *season, mean = 0;
    size_t i;
    int p;

    season = malloc((size_t)m * sizeof(*season));
    if (season == NULL)
        return -ENOMEM;
    if (trend(x, n, m, e) < 0) {
        free(season);
        return -ENOMEM;
    }
    for (p = 0; p < m; p++) {
        size_t k = 0;
        for (i = (size_t)p; i < n; i += (size_t)m)
            tmp[k++] = x[i] - e[i];
        season[p] = sv_stats_median(tmp, k);
        if (isnan(season[p]))
            season[p] = 0;
        mean += season[p] / m;
    }
    for (i = 0; i < n; i++)
        e[i] += season[i % (size_t)m] - mean;
    free(season);
    return 0;
}

/* median and robust scale of the residuals x - e */
static void
scale(const double *x, const double *e, size_t n, double *tmp, double *med,
      double *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        tmp[i] = x[i] - e[i];
    *med = sv_stats_median(tmp, n);
    for (i = 0; i < n; i++)
        tmp[i] = fabs(x[i] - e[i] - *med);
    *s = 1.4826 * sv_stats_median(tmp, n);
    if (!(*s > 0)) {
        /* more than half the residuals equal: the mean deviation */
        double acc = 0;
        size_t k = 0;
        for (i = 0; i < n; i++)
            if (!isnan(x[i])) {
                acc += fabs(x[i] - e[i] - *med);
                k++;
            }
        *s = k ? 1.2533 * acc / (double)k : 0;
    }
}

int
sv_stats_anomalies(const double *x, size_t n, int m, double zmax,
                   double *expected, struct sv_stats_anomaly **out,
                   size_t *nout)
{
    double *e = NULL, *tmp = NULL, *clean = NULL, med, s;
    struct sv_stats_anomaly *a = NULL;
    size_t i, na = 0, cap = 0;
    int rc = -ENOMEM;

    *out = NULL;
    *nout = 0;
    if (m < 2 || n < 2 * (size_t)m)
        return SV_EUSAGE;
    e = malloc(n * sizeof(*e));
    tmp = malloc(n * sizeof(*tmp));
    clean = malloc(n * sizeof(*clean));
    if (e == NULL || tmp == NULL || clean == NULL)
        goto done;
    if (decompose(x, n, m, e, tmp) < 0)
        goto done;
    scale(x, e, n, tmp, &med, &s);
    for (i = 0; i < n; i++)
        clean[i] = s > 0 && fabs((x[i] - e[i] - med) / s) > zmax ? e[i]
                                                                 : x[i];
    if (decompose(clean, n, m, e, tmp) < 0)
        goto done;
    scale(x, e, n, tmp, &med, &s);
    for (i = 0; i < n && s > 0; i++) {
        double z = (x[i] - e[i] - med) / s;
        if (isnan(x[i]) || !(fabs(z) > zmax))
            continue;
        if (na == cap) {
            struct sv_stats_anomaly *na2;
            cap = cap ? cap * 2 : 16;
            na2 = realloc(a, cap * sizeof(*a));
            if (na2 == NULL)
                goto done;
            a = na2;
        }
        a[na].i = i;
        a[na].value = x[i];
        a[na].expected = e[i] + med;
        a[na].z = z;
        na++;
    }
    if (expected != NULL)
        for (i = 0; i < n; i++)
            expected[i] = e[i] + med;
    *out = a;
    *nout = na;
    a = NULL;
    rc = 0;
done:
    free(a);
    free(e);
    free(tmp);
    free(clean);
    return rc;
}
