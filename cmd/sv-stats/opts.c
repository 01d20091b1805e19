/* opts.c -- the option table of sv-stats, pointing into sv_stats_opts */
#include <stdint.h>

#include "core/opt.h"
#include "verbs.h"

struct sv_stats_opts sv_stats_opts;

#define O sv_stats_opts
#define MAX SV_STATS_MAX_REPEAT

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Output"),
    { SV_OPT_STRING("output", 'o', "<file>", "write to this file (replaced "
                    "atomically), not stdout", NULL, &O.output),
      .complete = "@file" },
    { SV_OPT_WORD("format", 0, "<format>", "output format", "json",
                  "json csv prometheus", &O.format) },
    SV_OPT_SECTION("Media"),
    { SV_OPT_FLAG("fast", 0, "probe without decoding: no loudness, HDR "
                  "side data of the container only", &O.fast),
      .cmds = "probe" },
    { SV_OPT_FLAG("per-frame", 0, "include every frame's scores, not only "
                  "the pooled ones", &O.per_frame),
      .cmds = "quality" },
    SV_OPT_SECTION("Audience"),
    { SV_OPT_STRING("since", 0, "<time>", "only lines at or after this time "
                    "(ISO 8601, or seconds since the epoch)", NULL, &O.since),
      .cmds = "logs" },
    { SV_OPT_STRING("until", 0, "<time>", "only lines before this time",
                    NULL, &O.until), .cmds = "logs" },
    { SV_OPT_WORD("group-by", 0, "<key>", "add a table of groups by this key",
                  NULL, "title rendition country hour", &O.group_by),
      .cmds = "logs" },
    { SV_OPT_DURATION("interval", 0, "step of the series, and the window of "
                      "--follow", "60s", 1000000, 86400000000LL,
                      &O.interval_ms), .flags = SV_OPT_MS, .cmds = "logs" },
    { SV_OPT_DURATION("session-timeout", 0, "a gap that ends a session "
                      "without a CMCD session id", "10m", 1000000,
                      INT64_MAX, &O.session_timeout_ms), .flags = SV_OPT_MS,
      .cmds = "logs" },
    { SV_OPT_INT("top", 0, "<n>", "rows of top content", "10", 0, 10000,
                 &O.top), .cmds = "logs" },
    { SV_OPT_FLAG("sessions", 0, "list every session with its QoE",
                  &O.sessions), .cmds = "logs" },
    { SV_OPT_INT("max-sessions", 0, "<n>", "sessions held at once (memory "
                 "bound)", "1000000", 1, 100000000, &O.max_sessions),
      .cmds = "logs" },
    { SV_OPT_INT("max-keys", 0, "<n>", "paths, titles, renditions and groups "
                 "kept (memory bound; the rest is \"(other)\")", "100000", 1,
                 10000000, &O.max_keys), .cmds = "logs" },
    { SV_OPT_FLAG("follow", 'f', "follow the last log as it grows and "
                  "rotates: one JSON line per window", &O.follow),
      .cmds = "logs" },
    { SV_OPT_STRING("prometheus", 0, "<addr:port>", "with --follow: serve "
                    "the Prometheus text on http://ADDR:PORT/metrics", NULL,
                    &O.prometheus), .cmds = "logs" },
    { SV_OPT_STRING("clickhouse", 0, "<url>", "send request rows to this "
                    "ClickHouse HTTP interface", NULL, &O.clickhouse),
      .cmds = "logs" },
    { SV_OPT_STRING("clickhouse-table", 0, "<table>", "the table the rows "
                    "go into", "sv_requests", &O.clickhouse_table),
      .cmds = "logs" },
    { SV_OPT_INT("clickhouse-batch", 0, "<n>", "rows per INSERT", "10000",
                 1, 1000000, &O.clickhouse_batch), .cmds = "logs" },
    SV_OPT_SECTION("Events"),
    { SV_OPT_EVENTS(NULL, &O.events) },
    SV_OPT_END,
};

static const char *const usage[] = {
    "<command> [options] [args]",
    NULL,
};

static const struct sv_subcmd cmds[] = {
    { "probe", "<file|url|package>",
      "streams, GOPs, bitrate, loudness; a package's renditions and faults" },
    { "quality", "<reference> <distorted>",
      "PSNR, SSIM and MS-SSIM per frame and pooled; VMAF where linked" },
    { "logs", "<file>...",
      "audience and QoE from access logs, CMCD and player beacons" },
    { NULL, NULL, NULL },
};

const struct sv_tool sv_stats_tool = {
    "sv-stats", "probe media, measure quality, analyse audiences", usage,
    cmds, rows,
};
