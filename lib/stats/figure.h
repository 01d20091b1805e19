/* figure.h -- the charts of a series, as plot and report draw them */
#ifndef SV_STATS_FIGURE_H
#define SV_STATS_FIGURE_H

#include "core/buf.h"
#include "stats/chart.h"
#include "stats/series.h"

/*
 * Draws metric m of s under title (NULL: the metric's): viewers, bandwidth (bit/s), QoE (the rebuffering
 * ratio), average bitrate, or the renditions' shares (stacked areas over
 * time where the points have them, else bars of the overall share).
 * More than 4 x width points are drawn as the means of 2 x width runs.
 * Appends the PNG or SVG to out.  Returns 0, SV_ENOMEDIA when s has no
 * values of that metric, or another negative code.
 */
int sv_stats_figure(const struct sv_stats_series *s, enum sv_stats_metric m,
                    const char *title, int width, int height,
                    enum sv_chart_format fmt, struct sv_buf *out);

/* The chart's title of a metric ("Concurrent viewers"). */
const char *sv_stats_figure_title(enum sv_stats_metric m);

#endif
