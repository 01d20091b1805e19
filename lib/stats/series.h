/* series.h -- audience time series: what `sv-stats logs` prints, read back */
#ifndef SV_STATS_SERIES_H
#define SV_STATS_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* bounds on untrusted input */
#define SV_STATS_MAX_POINTS 1000000     /* points kept */
#define SV_STATS_MAX_RENDITIONS 32      /* distinct rendition ids */
#define SV_STATS_MAX_ID 64              /* bytes of a rendition id */
#define SV_STATS_MAX_INPUT (256 << 20)  /* bytes of a whole input */
#define SV_STATS_MAX_LINE (4 << 20)     /* bytes of one JSON or CSV line */

/* the fields of a point, in this order; a field not given is NAN */
enum sv_stats_field {
    SV_STATS_REQUESTS,
    SV_STATS_BYTES,
    SV_STATS_VIEWERS,
    SV_STATS_BITRATE,       /* bits per second */
    SV_STATS_REBUFFER,      /* ratio of time rebuffering, 0 to 1 */
    SV_STATS_VALUE,         /* a plain "t,value" series */
    SV_STATS_NFIELDS,
};

/* what plot and forecast draw: derived from the fields */
enum sv_stats_metric {
    SV_STATS_M_VIEWERS,
    SV_STATS_M_BANDWIDTH,   /* bytes * 8 / the interval, bits per second */
    SV_STATS_M_QOE,         /* rebuffering ratio */
    SV_STATS_M_BITRATE,
    SV_STATS_M_SHARE,       /* per-rendition share (not one value) */
};

struct sv_stats_point {
    int64_t t_ms;                   /* start of the interval, UTC */
    double v[SV_STATS_NFIELDS];
};

struct sv_stats_series {
    struct sv_stats_point *p;       /* sorted by t_ms once finished */
    size_t n, alloc;
    size_t max;                     /* oldest points dropped beyond this */
    /* renditions: ids, overall share, and per point (n x nr, NAN absent) */
    char id[SV_STATS_MAX_RENDITIONS][SV_STATS_MAX_ID + 1];
    int nr;
    double share[SV_STATS_MAX_RENDITIONS];
    float *pshare;                  /* alloc x SV_STATS_MAX_RENDITIONS */
    int has_pshare;
    size_t lines;                   /* lines read (JSON lines and CSV) */
};

/* max 0 means SV_STATS_MAX_POINTS. */
void sv_stats_series_init(struct sv_stats_series *s, size_t max);
void sv_stats_series_free(struct sv_stats_series *s);

/*
 * Reads a whole input: one JSON document with a "series" array (and
 * "renditions"), JSON lines (each an object with a "series" array or the
 * flat fields of one point), or CSV with a header naming t and fields
 * ("t,viewers,bytes") or two columns t,value without one.  Adds to s; then
 * sorts it (sv_stats_series_finish).  On failure writes what is wrong and
 * where ("line 3: ...") into err and returns SV_EFORMAT or SV_ELIMIT.
 */
int sv_stats_series_parse(struct sv_stats_series *s, const char *buf,
                          size_t len, char *err, size_t size);

/*
 * Adds one line of JSON lines (a `logs --follow` window); blank lines are
 * skipped.  The caller calls sv_stats_series_finish() before using s.
 */
int sv_stats_series_line(struct sv_stats_series *s, const char *line,
                         size_t len, char *err, size_t size);

/* Sorts by time; points of the same time: the later one wins. */
void sv_stats_series_finish(struct sv_stats_series *s);

/*
 * Reads path ("-": stdin) whole (at most SV_STATS_MAX_INPUT bytes) into s.
 * err gets "<path>: <problem>".
 */
int sv_stats_series_load(struct sv_stats_series *s, const char *path,
                         char *err, size_t size);

/* The interval of the series: the median gap between points, ms (0: <2). */
int64_t sv_stats_series_step(const struct sv_stats_series *s);

/*
 * One metric's values into out (s->n doubles, NAN where unknown); for a
 * plain series the value is every metric.  Returns how many are known.
 */
size_t sv_stats_series_metric(const struct sv_stats_series *s,
                              enum sv_stats_metric m, double *out);

/*
 * Metric m on a regular grid of step ms from the first point: *x
 * (malloc'd, *n values), NAN for an interval no point falls in.  Returns
 * 0, SV_ELIMIT when the grid would be more than 4 times the points (or
 * SV_STATS_MAX_POINTS), or -ENOMEM.
 */
int sv_stats_series_grid(const struct sv_stats_series *s,
                         enum sv_stats_metric m, int64_t step, double **x,
                         size_t *n);

/* Per-point share of rendition r (NAN where unknown). */
double sv_stats_series_pshare(const struct sv_stats_series *s, size_t i,
                              int r);

/*
 * "2026-11-21T16:23:01Z", with fraction and an offset (+01:00) or without
 * a zone (UTC), or a number of seconds since the epoch: ms since the epoch.
 * Returns 0 or SV_EFORMAT.
 */
int sv_stats_time_parse(const char *s, size_t len, int64_t *ms);

/* The metric's name ("viewers") from its word, or -1. */
int sv_stats_metric_parse(const char *word);
const char *sv_stats_metric_name(enum sv_stats_metric m);

#endif
