/* holtwinters_test.c -- lib/stats/holtwinters.c on series of known shape */
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "stats/holtwinters.h"
#include "synth.h"
#include "t.h"

#define DAYS 21
#define N (DAYS * 24)

/*
 * Fitted on 20 days of trend + daily season + noise (sd 20, about 2% of
 * the level), the next 24 hours are forecast with a MAPE under 3% against
 * the noisy truth and under 2% against the noiseless curve; the documented
 * bound (man sv-stats) is 5%.
 */
static void
forecast_error(void)
{
    double x[N], mean[24], lo[24], hi[24], mape = 0, mape0 = 0;
    struct sv_stats_hw hw;
    int k, inside = 0;

    synth_series(x, N, 20, 42);
    CHECK_INT(sv_stats_hw_fit(x, N - 24, 24, &hw), 0);
    sv_stats_hw_forecast(&hw, 24, 0.95, mean, lo, hi);
    for (k = 0; k < 24; k++) {
        double y = x[N - 24 + k], y0 = synth_clean(N - 24 + k);
        mape += fabs(mean[k] - y) / fabs(y) / 24;
        mape0 += fabs(mean[k] - y0) / fabs(y0) / 24;
        inside += y >= lo[k] && y <= hi[k];
        CHECK(lo[k] < mean[k]);
        CHECK(hi[k] > mean[k]);
    }
    printf("# alpha %.3f beta %.3f gamma %.3f sigma %.2f evals %zu "
           "MAPE %.4f (noiseless %.4f), %d/24 inside 95%%\n", hw.alpha,
           hw.beta, hw.gamma, hw.sigma, hw.evals, mape, mape0, inside);
    CHECK(mape < 0.03);
    CHECK(mape0 < 0.02);
    /* 95% intervals: a few of 24 may fall out, not most */
    CHECK(inside >= 20);
    /* the noise is sd 20: the one-step sigma is near it */
    CHECK(hw.sigma > 15 && hw.sigma < 35);
    /* intervals widen with the horizon */
    CHECK(hi[23] - lo[23] > hi[0] - lo[0]);
    sv_stats_hw_free(&hw);
}

/* the fit beats fixed middling parameters and a naive seasonal forecast */
static void
fit_minimises(void)
{
    double x[N], mean[24], naive = 0, hwe = 0;
    struct sv_stats_hw hw, fixed;
    int k;

    synth_series(x, N, 20, 7);
    CHECK_INT(sv_stats_hw_fit(x, N - 24, 24, &hw), 0);
    CHECK_INT(sv_stats_hw_run(x, N - 24, 24, 0.5, 0.5, 0.5, &fixed), 0);
    CHECK(hw.sse < fixed.sse);
    CHECK(hw.alpha >= 0 && hw.alpha <= 1);
    CHECK(hw.beta >= 0 && hw.beta <= 1);
    CHECK(hw.gamma >= 0 && hw.gamma <= 1);
    sv_stats_hw_forecast(&hw, 24, 0.95, mean, NULL, NULL);
    for (k = 0; k < 24; k++) {
        double y = x[N - 24 + k];
        hwe += fabs(mean[k] - y);
        naive += fabs(x[N - 48 + k] - y);
    }
    CHECK(hwe < naive);
    sv_stats_hw_free(&hw);
    sv_stats_hw_free(&fixed);
}

/* an exact series without noise is forecast almost exactly */
static void
exact(void)
{
    double x[N], mean[48];
    struct sv_stats_hw hw;
    int k;

    for (k = 0; k < N; k++)
        x[k] = synth_clean(k);
    CHECK_INT(sv_stats_hw_fit(x, N - 48, 24, &hw), 0);
    sv_stats_hw_forecast(&hw, 48, 0.95, mean, NULL, NULL);
    for (k = 0; k < 48; k++)
        CHECK(fabs(mean[k] - x[N - 48 + k]) < 10);
    sv_stats_hw_free(&hw);
}

/* missing points take their forecast; the fit still works */
static void
missing(void)
{
    double x[N], mean[24], mape = 0;
    struct sv_stats_hw hw;
    int k;

    synth_series(x, N, 20, 9);
    for (k = 30; k < N - 24; k += 17)
        x[k] = NAN;
    CHECK_INT(sv_stats_hw_fit(x, N - 24, 24, &hw), 0);
    sv_stats_hw_forecast(&hw, 24, 0.95, mean, NULL, NULL);
    for (k = 0; k < 24; k++)
        mape += fabs(mean[k] - x[N - 24 + k]) / x[N - 24 + k] / 24;
    CHECK(mape < 0.03);
    CHECK(isfinite(hw.sse));
    sv_stats_hw_free(&hw);
}

static void
too_short(void)
{
    double x[47] = { 0 };
    struct sv_stats_hw hw;

    CHECK_INT(sv_stats_hw_fit(x, 47, 24, &hw), SV_EUSAGE);
    CHECK_INT(sv_stats_hw_fit(x, 47, 1, &hw), SV_EUSAGE);
}

static void
quantiles(void)
{
    CHECK(fabs(sv_stats_norm_quantile(0.975) - 1.959964) < 1e-6);
    CHECK(fabs(sv_stats_norm_quantile(0.5)) < 1e-12);
    CHECK(fabs(sv_stats_norm_quantile(0.995) - 2.575829) < 1e-6);
    CHECK(fabs(sv_stats_norm_quantile(0.001) + 3.090232) < 1e-6);
    CHECK(isnan(sv_stats_norm_quantile(1)));
}

int
main(void)
{
    RUN(forecast_error);
    RUN(fit_minimises);
    RUN(exact);
    RUN(missing);
    RUN(too_short);
    RUN(quantiles);
    return DONE();
}
