/* opts.c -- the option table of sv-stats, pointing into sv_stats_opts */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/opt.h"
#include "verbs.h"

struct sv_stats_opts sv_stats_opts;

#define O sv_stats_opts
#define MAX SV_STATS_MAX_REPEAT

/* --z: a real number above zero */
static int
zscore(const struct sv_opt *o, const char *arg)
{
    char *end;
    double v = strtod(arg, &end);

    if (*arg == '\0' || *end != '\0' || !isfinite(v) || !(v > 0) || v > 100)
        return sv_opt_usage_error("bad --%s '%s': expected a number in "
                                  "(0, 100]", o->name, arg);
    *(double *)o->dest = v;
    return 0;
}

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
    { SV_OPT_STRING("geo", 0, "<file>", "country of each line that names "
                    "none, from its address: lines 'CC CIDR', as sv-drm "
                    "--geo reads", NULL, &O.geo), .cmds = "logs",
      .complete = "@file" },
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
    { SV_OPT_FLAG("follow", 'f', "logs: follow the last log as it grows and "
                  "rotates, a JSON line per window; report: rewrite the "
                  "report as windows arrive on stdin", &O.follow),
      .cmds = "logs report" },
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
    SV_OPT_SECTION("Charts and forecasts"),
    { SV_OPT_WORD("metric", 0, "<name>", "what to draw or forecast: viewers, "
                  "bandwidth, qoe, bitrate or share", "viewers",
                  "viewers bandwidth qoe bitrate share", &O.metric),
      .cmds = "plot forecast" },
    { SV_OPT_STRING("title", 0, "<text>", "the chart's or page's title",
                    NULL, &O.title), .cmds = "plot report" },
    { SV_OPT_INT("width", 0, "<px>", "chart width", "960", 200, 8000,
                 &O.width), .cmds = "plot report" },
    { SV_OPT_INT("height", 0, "<px>", "chart height", "400", 150, 8000,
                 &O.height), .cmds = "plot report" },
    { SV_OPT_FLAG("html", 0, "write the report as one self-contained HTML "
                  "file", &O.html), .cmds = "report" },
    { SV_OPT_DURATION("refresh", 0, "the page reloads itself this often "
                      "with --follow", "10s", 1000000, 3600000000LL,
                      &O.refresh_us), .cmds = "report" },
    { SV_OPT_INT("keep", 0, "<n>", "intervals --follow keeps (the oldest "
                 "go)", "10000", 10, 1000000, &O.keep), .cmds = "report" },
    { SV_OPT_DURATION("horizon", 0, "how far to forecast", "24h", 1000000,
                      31622400000000LL, &O.horizon_us), .cmds = "forecast" },
    { SV_OPT_DURATION("season", 0, "the seasonal period", "24h", 2000000,
                      31622400000000LL, &O.season_us), .cmds = "forecast" },
    { SV_OPT_INT("level", 0, "<percent>", "prediction interval coverage",
                 "95", 50, 99, &O.level), .cmds = "forecast" },
    { SV_OPT_CALLBACK("z", 0, "<x>", "flag points whose seasonal residual "
                      "z-score exceeds x in magnitude", "3", zscore, &O.z),
      .cmds = "forecast" },
    SV_OPT_SECTION("Events"),
    { SV_OPT_EVENTS(NULL, &O.events) },
    SV_OPT_END,
};

static const char *const usage[] = {
    "<command> [options] [args]",
    NULL,
};

static const struct sv_subcmd cmds[] = {
    { "probe", "<file|url|package|playlist>",
      "streams, GOPs, bitrate, loudness; a package's renditions and faults" },
    { "quality", "<reference> <distorted>",
      "PSNR, SSIM and MS-SSIM per frame and pooled; VMAF where linked" },
    { "logs", "<file>...",
      "audience and QoE from access logs, CMCD and player beacons" },
    { "plot", "[options] -o <file.png|file.svg> [series]",
      "chart viewers, bandwidth, QoE, bitrate or rendition share" },
    { "report", "--html -o <file.html> [--follow] [series]",
      "one self-contained HTML page of the charts and tables" },
    { "forecast", "[--metric viewers|bandwidth] [--horizon 24h] [series]",
      "Holt-Winters forecast with prediction intervals, and anomalies" },
    { NULL, NULL, NULL },
};

const struct sv_tool sv_stats_tool = {
    "sv-stats", "probe media, measure quality, analyse audiences", usage,
    cmds, rows,
};
