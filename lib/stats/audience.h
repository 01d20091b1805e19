/* audience.h -- `sv-stats logs`: read logs once, or follow them */
#ifndef SV_STATS_AUDIENCE_H
#define SV_STATS_AUDIENCE_H

#include <stdint.h>
#include <stdio.h>

#include "drm/cidr.h"
#include "stats/agg.h"
#include "stats/clickhouse.h"

struct sv_audience_conf {
    char **paths;               /* in rotation order (sv_logread_order) */
    int npaths;
    struct sv_agg *agg;
    struct sv_clickhouse *ch;   /* or NULL */
    const struct sv_drm_geo *geo;   /* country of a line that names none,
                                       from its address; or NULL */
    /* --follow */
    int64_t window_ms;
    FILE *out;                  /* one JSON line per window */
    const char *prometheus;     /* listen address, or NULL */
    int64_t poll_ms;
};

/*
 * Reads every path to its end into agg (and ch).  Lines not understood
 * are counted as skipped.  Returns 0, 1 when some file could not be read
 * (said; the others were: a partial result), 2 when none could, or a
 * negative code.
 */
int sv_audience_read(const struct sv_audience_conf *c);

/*
 * Reads all paths but the last, then follows the last (from its start)
 * until SIGINT/SIGTERM, writing a window object every window_ms, and
 * serving the Prometheus text on http://prometheus/metrics when asked.
 * Returns 0 after a signal, or a negative code.
 */
int sv_audience_follow(const struct sv_audience_conf *c);

#endif
