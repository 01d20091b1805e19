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
    { NULL, NULL, NULL },
};

const struct sv_tool sv_stats_tool = {
    "sv-stats", "probe media, measure quality, analyse audiences", usage,
    cmds, rows,
};
