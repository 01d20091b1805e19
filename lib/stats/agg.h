/* agg.h -- the audience report: counters, sessions, QoE, series */
#ifndef SV_STATS_AGG_H
#define SV_STATS_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/json.h"
#include "stats/logline.h"

enum sv_agg_by {
    SV_AGG_BY_NONE,
    SV_AGG_BY_TITLE,
    SV_AGG_BY_RENDITION,
    SV_AGG_BY_COUNTRY,
    SV_AGG_BY_HOUR,
};

struct sv_agg_conf {
    int64_t since_ms, until_ms;     /* INT64_MIN / INT64_MAX: no bound */
    int64_t interval_ms;            /* the series' step (> 0) */
    int64_t session_timeout_ms;     /* a gap that ends a session */
    int group_by;                   /* enum sv_agg_by */
    size_t top;                     /* rows of top content */
    size_t max_keys;                /* bound of each table (paths, ...) */
    size_t max_sessions;            /* sessions held at once */
    int list_sessions;              /* per-session rows in the report */
    int follow;                     /* expire idle sessions as time goes */
};

struct sv_agg;

int sv_agg_new(const struct sv_agg_conf *conf, struct sv_agg **out);
void sv_agg_free(struct sv_agg *a);

/* Counts one record (outside --since/--until: skipped). */
int sv_agg_add(struct sv_agg *a, const struct sv_logrec *r);

/* Counts one line that was not understood. */
void sv_agg_bad_line(struct sv_agg *a);

/* The whole report (see sv-stats(1), LOGS); a new reference. */
json_t *sv_agg_report(struct sv_agg *a);

/*
 * The window since the last call (--follow): its counters, viewers and
 * sessions, as one object; then starts the next window and lets sessions
 * idle for longer than the timeout go (memory stays bounded).
 */
json_t *sv_agg_window(struct sv_agg *a, int64_t now_ms);

/* CSV: the groups when grouping, else the series.  0 or -errno. */
int sv_agg_csv(struct sv_agg *a, FILE *f);

/* Prometheus text exposition of the totals (promtext.c); malloc'd. */
char *sv_agg_prometheus(struct sv_agg *a, size_t *len);

/* Names of enum sv_agg_by, for the option's words. */
int sv_agg_by_parse(const char *word);

/*
 * What a path is: whether it is media (a segment), a playlist, its title
 * and rendition (see sv-stats(1)); title and rend get "" when unknown.
 */
int sv_agg_classify(const char *path, const char *cid, int64_t br,
                    char *title, size_t tsize, char *rend, size_t rsize);

enum {
    SV_AGG_OTHER = 0,
    SV_AGG_MEDIA = 1,
    SV_AGG_PLAYLIST = 2,
};

#endif
