/* holtwinters.h -- additive Holt-Winters: fit, forecast, intervals */
#ifndef SV_STATS_HOLTWINTERS_H
#define SV_STATS_HOLTWINTERS_H

#include <stddef.h>

#define SV_STATS_HW_MAX_SEASON 100000

/*
 * The model (Holt 1957, Winters 1960; the notation of Hyndman and
 * Athanasopoulos, "Forecasting: principles and practice", 8.3):
 *   forecast   y(t+h|t) = l(t) + h b(t) + s(t+h-m)
 *   level      l(t) = alpha (y(t) - s(t-m)) + (1 - alpha) (l(t-1) + b(t-1))
 *   trend      b(t) = beta (l(t) - l(t-1)) + (1 - beta) b(t-1)
 *   season     s(t) = gamma (y(t) - l(t-1) - b(t-1)) + (1 - gamma) s(t-m)
 * started from the first two seasons, alpha, beta, gamma in [0, 1] chosen
 * to minimise the sum of squared one-step errors from the third point of
 * the second season on.  A missing value (NAN) takes its forecast.
 */
struct sv_stats_hw {
    int m;                  /* season length in points (>= 2) */
    double alpha, beta, gamma;
    double level, trend;    /* state after the last point */
    double *season;         /* m indices; season[i]: phase i (t mod m) */
    size_t n;               /* points fitted */
    size_t nerr;            /* one-step errors summed */
    double sse;             /* their sum of squares */
    double sigma;           /* sqrt(sse / (nerr - 3)) */
    size_t evals;           /* SSE evaluations of the fit */
};

/*
 * Fits the model to x (n points, NAN for unknown) with season m; needs
 * n >= 2m and m >= 2, and at least m + 3 known points.  Returns 0,
 * SV_EUSAGE (too short) or -ENOMEM.  Free with sv_stats_hw_free().
 */
int sv_stats_hw_fit(const double *x, size_t n, int m,
                    struct sv_stats_hw *hw);

/* Runs fixed parameters over x (as the fit does) and sets the state. */
int sv_stats_hw_run(const double *x, size_t n, int m, double alpha,
                    double beta, double gamma, struct sv_stats_hw *hw);

/*
 * h points after the last: mean[k] for k = 1..h in mean[k-1], and the
 * prediction interval of two-sided probability level (0.95) in lo and hi
 * (may be NULL): mean +- z sqrt(var), with the forecast variance of the
 * additive model, sigma^2 (1 + sum_{j=1}^{k-1} (alpha (1 + j beta) +
 * gamma [j mod m = 0])^2).
 */
void sv_stats_hw_forecast(const struct sv_stats_hw *hw, size_t h,
                          double level, double *mean, double *lo,
                          double *hi);

void sv_stats_hw_free(struct sv_stats_hw *hw);

/* The quantile of the standard normal distribution at p in (0, 1). */
double sv_stats_norm_quantile(double p);

#endif
