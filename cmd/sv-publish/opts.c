/* opts.c -- the option table of sv-publish, pointing into sv_publish_opts */
#include <stdint.h>

#include "core/opt.h"
#include "modes.h"

struct sv_publish_opts sv_publish_opts;

#define O sv_publish_opts
#define MAX SV_PUBLISH_MAX_REPEAT

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Storage"),
    SV_OPT_SECTION("Live simulcast"),
    { SV_OPT_LIST("simulcast", 0, "<url>", "push the live MPEG-TS on stdin "
                  "to this rtmp://, rtmps:// or srt:// destination",
                  O.simulcast, &O.nsimulcast, MAX) },
    { SV_OPT_DURATION("slate-after", 0, "send the slate to every destination "
                      "once the input stalls this long (0: never)", "2s",
                      0, 3600000000LL, &O.slate_after) },
    { SV_OPT_STRING("slate", 0, "<image>", "the slate's picture (PNG, JPEG; "
                    "scaled to the stream), instead of colour bars", NULL,
                    &O.slate), .complete = "@file" },
    { SV_OPT_DURATION("simulcast-queue", 0, "media one destination may hold "
                      "before its queue is dropped to the next keyframe",
                      "5s", 100000, 600000000LL, &O.cast_queue) },
    { SV_OPT_DURATION("simulcast-timeout", 0, "connecting, or a send that "
                      "makes no progress, this long: the destination is "
                      "gone", "5s", 100000, 600000000LL, &O.cast_timeout) },
    { SV_OPT_DURATION("simulcast-retry-max", 0, "the longest wait between "
                      "reconnects (from 250ms, doubling)", "8s", 250000,
                      3600000000LL, &O.cast_retry_max) },
    { SV_OPT_DURATION("simulcast-stats", 0, "between live.simulcast.stats "
                      "events (0: none)", "5s", 0, 3600000000LL,
                      &O.cast_stats) },
    { SV_OPT_STRING("rtmps-ca", 0, "<file>", "trusted roots for rtmps:// "
                    "(PEM; default: the system's)", NULL, &O.rtmps_ca),
      .complete = "@file" },
    { SV_OPT_FLAG("rtmps-insecure", 0, "do not verify rtmps:// certificates",
                  &O.rtmps_insecure) },
    { SV_OPT_INT("srt-latency", 0, "<ms>", "SRT latency, unless the URL has "
                 "?latency=", "120", 20, 10000, &O.srt_latency) },
    SV_OPT_SECTION("Webhooks"),
    { SV_OPT_LIST("webhook", 0, "<url>", "also POST every JSON event to this "
                  "http:// or https:// URL, signed with $SV_WEBHOOK_SECRET "
                  "(see WEBHOOKS)", O.webhooks, &O.nwebhooks, MAX) },
    SV_OPT_SECTION("Events"),
    { SV_OPT_EVENTS("-", &O.events) },
    SV_OPT_END,
};

static const char *const usage[] = {
    "[options] <target> <path>...",
    "--live [options] <target> <dir>",
    "--simulcast <url> [--simulcast <url>]... [options] < live.ts",
    NULL,
};

const struct sv_tool sv_publish_tool = {
    "sv-publish",
    "put packages and live streams on storage, origins and platforms",
    usage,
    NULL,
    rows,
};
