/* html.h -- the one-file HTML report of a series */
#ifndef SV_STATS_HTML_H
#define SV_STATS_HTML_H

#include <stdint.h>

#include "core/buf.h"
#include "stats/series.h"

struct sv_stats_html {
    const char *title;          /* the page's heading */
    int refresh_s;              /* meta refresh every this many seconds; 0 */
    int64_t now_ms;             /* "generated at" */
    int width, height;          /* of each chart */
    int last;                   /* rows of the table of recent intervals */
};

/*
 * Appends one self-contained HTML page to out: a summary table, the
 * charts of every metric the series has (inline SVG), the viewers'
 * forecast for the next day with its anomalies (when there are two days
 * on a grid that divides a day), the renditions' shares and the last
 * intervals.  A Content-Security-Policy of
 * default-src 'none' (inline styles only) keeps a browser from fetching
 * anything.  Returns 0 or a negative code.
 */
int sv_stats_html_report(const struct sv_stats_series *s,
                         const struct sv_stats_html *o, struct sv_buf *out);

#endif
