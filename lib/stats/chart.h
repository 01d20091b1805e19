/* chart.h -- time series charts as PNG or SVG (the one user of cairo) */
#ifndef SV_STATS_CHART_H
#define SV_STATS_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define SV_CHART_MAX_LINES 32

enum sv_chart_format {
    SV_CHART_PNG,
    SV_CHART_SVG,
};

enum sv_chart_kind {
    SV_CHART_LINES,     /* one line per series over time */
    SV_CHART_STACKED,   /* areas stacked over time (shares summing to 1) */
    SV_CHART_BARS,      /* one horizontal bar per series: y[0] each */
};

enum sv_chart_unit {
    SV_CHART_COUNT,     /* 1.2k, 3M */
    SV_CHART_BPS,       /* 1.2 Mbit/s */
    SV_CHART_RATIO,     /* 0.12 as 12% */
};

struct sv_chart_line {
    const char *name;           /* legend */
    const double *y;            /* n values, NAN: a gap */
    const double *lo, *hi;      /* a band around it (n each), or NULL */
};

struct sv_chart {
    const char *title;
    const char *ylabel;
    int width, height;          /* pixels (PNG) or points (SVG) */
    enum sv_chart_kind kind;
    enum sv_chart_unit unit;
    const int64_t *t;           /* n times, ms since the epoch, ascending */
    size_t n;
    const struct sv_chart_line *line;
    int nlines;
    /* points marked with a red ring (anomalies): times and values */
    const int64_t *mark_t;
    const double *mark_y;
    size_t nmarks;
    /* a vertical line where the forecast starts (0: none) */
    int64_t split_t;
};

/*
 * Draws c: title, axes with time labels (UTC) and value labels, grid
 * lines, the series and a legend.  Appends the PNG or SVG file to out.
 * Returns 0, SV_EUSAGE for a chart that cannot be drawn (no points, a
 * size out of 200..8000) or SV_EFORMAT when cairo fails.
 */
int sv_chart_render(const struct sv_chart *c, enum sv_chart_format fmt,
                    struct sv_buf *out);

/* "12.5k", "3.2M": v with an SI prefix, into buf. */
void sv_chart_si(double v, char *buf, size_t size);

#endif
