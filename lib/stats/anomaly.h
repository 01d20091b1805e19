/* anomaly.h -- points far from their season: robust residual z-scores */
#ifndef SV_STATS_ANOMALY_H
#define SV_STATS_ANOMALY_H

#include <stddef.h>

struct sv_stats_anomaly {
    size_t i;           /* index in the series */
    double value;
    double expected;    /* trend + seasonal index at that phase */
    double z;           /* (residual - median) / (1.4826 MAD) */
};

/*
 * Decomposes x (n points, NAN unknown, season m >= 2, n >= 2m) into a
 * trend (the centred moving average over one season, 2 x m when m is even,
 * carried on as a line for the half season at each end), a seasonal index
 * per phase (the median of the detrended values, centred to mean zero)
 * and a residual; a point whose residual's robust z-score exceeds zmax in
 * magnitude is an anomaly.  Twice: the second pass decomposes the series
 * with the first pass's anomalies replaced by their expected values, so a
 * spike pulls neither the trend nor its season.  expected (n, may be NULL)
 * gets the expected values.  *out (malloc'd, in time order) and *nout get
 * the anomalies.  Returns 0, SV_EUSAGE (too short) or -ENOMEM.
 */
int sv_stats_anomalies(const double *x, size_t n, int m, double zmax,
                       double *expected, struct sv_stats_anomaly **out,
                       size_t *nout);

/* The median of the known values of x (n, sorted in place), NAN if none. */
double sv_stats_median(double *x, size_t n);

#endif
