/* anomaly_test.c -- lib/stats/anomaly.c on series with injected anomalies */
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "stats/anomaly.h"
#include "synth.h"
#include "t.h"

#define N (21 * 24)

/* where and how much: spikes and dips of 6 to 15 noise deviations */
static const struct { int t; double d; } injected[] = {
    { 5, 300 }, { 100, -200 }, { 222, 150 }, { 223, 140 }, { 350, -250 },
    { 499, 180 },
};
#define NINJ ((int)(sizeof(injected) / sizeof(injected[0])))

static int
is_injected(size_t i)
{
    int k;

    for (k = 0; k < NINJ; k++)
        if ((size_t)injected[k].t == i)
            return 1;
    return 0;
}

/*
 * Every injected anomaly is found at z 3 (the default), with at most 1% of
 * the points (5 of 504) flagged that were not injected: with Gaussian noise
 * about 0.27% of points pass |z| > 3 by chance.
 */
static void
found(void)
{
    struct sv_stats_anomaly *a;
    double x[N], e[N];
    size_t na, i, fp = 0;
    int k, hit;

    synth_series(x, N, 20, 1234);
    for (k = 0; k < NINJ; k++)
        x[injected[k].t] += injected[k].d;
    CHECK_INT(sv_stats_anomalies(x, N, 24, 3, e, &a, &na), 0);
    for (k = 0; k < NINJ; k++) {
        hit = 0;
        for (i = 0; i < na; i++)
            if (a[i].i == (size_t)injected[k].t) {
                hit = 1;
                CHECK((a[i].z > 0) == (injected[k].d > 0));
                /* expected is near the true curve, not pulled by the spike */
                CHECK(fabs(a[i].expected - synth_clean(injected[k].t)) < 40);
            }
        if (!hit)
            printf("#   missed t=%d\n", injected[k].t);
        CHECK(hit);
    }
    for (i = 0; i < na; i++)
        if (!is_injected(a[i].i))
            fp++;
    printf("# %zu flagged, %zu not injected\n", na, fp);
    CHECK(fp <= 5);
    for (i = 1; i < na; i++)
        CHECK(a[i].i > a[i - 1].i);
    free(a);
}

/* at z 5 only the injected ones remain, and a clean series has none */
static void
no_false_positives(void)
{
    struct sv_stats_anomaly *a;
    double x[N];
    size_t na, i;
    int k;

    synth_series(x, N, 20, 99);
    for (k = 0; k < NINJ; k++)
        x[injected[k].t] += injected[k].d;
    CHECK_INT(sv_stats_anomalies(x, N, 24, 5, NULL, &a, &na), 0);
    CHECK_INT(na, NINJ);
    for (i = 0; i < na; i++)
        CHECK(is_injected(a[i].i));
    free(a);
    synth_series(x, N, 20, 99);
    CHECK_INT(sv_stats_anomalies(x, N, 24, 5, NULL, &a, &na), 0);
    CHECK_INT(na, 0);
    free(a);
}

/* unknown points are never flagged; too short a series is refused */
static void
edges(void)
{
    struct sv_stats_anomaly *a;
    double x[N];
    size_t na;
    int k;

    synth_series(x, N, 20, 5);
    for (k = 0; k < N; k += 7)
        x[k] = NAN;
    x[100] += 400;
    CHECK_INT(sv_stats_anomalies(x, N, 24, 4, NULL, &a, &na), 0);
    CHECK_INT(na, 1);
    CHECK_INT(na ? a[0].i : 0, 100);
    free(a);
    CHECK_INT(sv_stats_anomalies(x, 47, 24, 3, NULL, &a, &na), SV_EUSAGE);
    CHECK(a == NULL);
}

static void
median(void)
{
    double a[] = { 3, NAN, 1, 2 }, b[] = { 4, 1, 3, 2 }, c[] = { NAN };

    CHECK(sv_stats_median(a, 4) == 2);
    CHECK(sv_stats_median(b, 4) == 2.5);
    CHECK(isnan(sv_stats_median(c, 1)));
}

int
main(void)
{
    RUN(found);
    RUN(no_false_positives);
    RUN(edges);
    RUN(median);
    return DONE();
}
