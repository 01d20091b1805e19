/* verbs.h -- sv-stats's commands, one file and one entry point each */
#ifndef SV_STATS_VERBS_H
#define SV_STATS_VERBS_H

#include <stdint.h>

#include "core/opt.h"

#define SV_STATS_MAX_REPEAT 64

/* Everything the command line can say; the option table fills it. */
struct sv_stats_opts {
    const char *cmd;
    char **args;                /* operands */
    int nargs;

    const char *output;         /* -o: file instead of stdout */
    const char *format;         /* --format: json | csv | prometheus */
    const char *events;         /* --events */

    /* ---- probe, quality (probe.c, quality.c) ---- */
    int fast;                   /* probe --fast: no loudness, no decoding */
    int per_frame;              /* quality --per-frame */

    /* ---- logs (logs.c) ---- */
    const char *since, *until;  /* ISO 8601 or seconds since the epoch */
    const char *group_by;       /* title | rendition | country | hour */
    const char *geo;            /* --geo FILE: a country table */
    int64_t interval_ms;        /* series step, --follow window */
    int64_t session_timeout_ms;
    int64_t top;
    int64_t max_sessions, max_keys;
    int sessions;               /* --sessions: per-session rows */
    int follow;
    const char *prometheus;     /* listen address (--follow) */
    const char *clickhouse;     /* HTTP interface URL */
    const char *clickhouse_table;
    int64_t clickhouse_batch;

    /* ---- plot, report, forecast (plot.c, report.c, forecast.c) ---- */
    const char *metric;         /* --metric */
    const char *title;          /* --title */
    int width, height;          /* --width, --height: of a chart */
    int html;                   /* --html */
    int64_t refresh_us;         /* --refresh */
    int keep;                   /* --keep: intervals kept by --follow */
    int64_t horizon_us;         /* --horizon */
    int64_t season_us;          /* --season */
    double z;                   /* --z: anomaly threshold */
    int level;                  /* --level: prediction interval, percent */
};

/* the table's rows point into this */
extern struct sv_stats_opts sv_stats_opts;
extern const struct sv_tool sv_stats_tool;

/*
 * The commands: each checks its operands and options, runs, and returns an
 * exit status (core/exit.h) after printing any message.
 */
int sv_stats_cmd_probe(struct sv_stats_opts *o);
int sv_stats_cmd_quality(struct sv_stats_opts *o);
int sv_stats_cmd_logs(struct sv_stats_opts *o);
int sv_stats_cmd_plot(struct sv_stats_opts *o);
int sv_stats_cmd_report(struct sv_stats_opts *o);
int sv_stats_cmd_forecast(struct sv_stats_opts *o);

/* plot.c: the one series operand (none: stdin) and --events; 0 or 2 */
int sv__stats_input(struct sv_stats_opts *o, const char **in);

#endif
