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
