/* opts.c -- sv-ingest's option table (keep sections in this order) */
#include <stddef.h>

#include "core/opt.h"
#include "opts.h"

static const char *const usage[] = {
    "--listen <url>... [--exec <cmd> | --record <dir>] [options]",
    "--pull [<name>=]<url>... [--exec <cmd> | --record <dir>] [options]",
    "--listen <url> > stream.ts",
    "--sign-key <app/name> [--expires <duration>]",
    NULL,
};

static const struct sv_opt rows[] = {
    { NULL, 0, NULL, "Sources", NULL, NULL, NULL, 0 },
    { "listen", 'l', "<url>",
      "listen for publishers on rtmp://addr:port or srt://addr:port", NULL,
      NULL, NULL, SV_OPT_REPEAT },
    { "pull", 'p', "<[name=]url>",
      "pull a stream from any URL libavformat opens (rtsp, srt, hls, http)",
      NULL, NULL, NULL, SV_OPT_REPEAT },
    { "srt-latency", OPT_SRT_LATENCY, "<duration>",
      "SRT receiver latency", "120ms", NULL, NULL, 0 },
    { "timeout", OPT_TIMEOUT, "<duration>",
      "give up on a pulled source that sends nothing for this long", "10s",
      NULL, NULL, 0 },
    { "pull-retries", OPT_PULL_RETRIES, "<n>",
      "reconnects of a failing pull before it ends (-1: forever)", "10",
      NULL, NULL, 0 },

    { NULL, 0, NULL, "Output (per stream)", NULL, NULL, NULL, 0 },
    { "exec", 'e', "<cmd>",
      "run a shell pipeline per stream with the stream on its stdin", NULL,
      NULL, NULL, 0 },
    { "record", 'r', "<dir>",
      "write each stream to rotated files under dir/app/name/", NULL, "@dir",
      NULL, 0 },
    { "record-segment", OPT_RECORD_SEGMENT, "<duration>",
      "start a new recording file at the first keyframe after this long",
      "10m", NULL, NULL, 0 },
    { "format", 'f', "<format>", "container of the output", "mpegts",
      "mpegts matroska nut", NULL, 0 },
    { "queue-size", OPT_QUEUE_SIZE, "<size>",
      "bytes a slow consumer may fall behind before packets are dropped",
      "8M", NULL, NULL, 0 },
    { "events", OPT_EVENTS, "<path|fd:N|->",
      "where JSON events go (stdout unless it carries the stream)", NULL,
      "@file", NULL, 0 },
    { "stats-interval", OPT_STATS_INTERVAL, "<duration>",
      "how often live.stream.stats is emitted (0: never)", "5s", NULL, NULL,
      0 },

    { NULL, 0, NULL, "Publishers", NULL, NULL, NULL, 0 },
    { "keys", 'k', "<file>",
      "allow only the stream keys listed in file (with SRT passphrases)",
      NULL, "@file", NULL, 0 },
    { "auth-url", OPT_AUTH_URL, "<url>",
      "POST each publish as JSON to url; a 2xx answer allows it", NULL, NULL,
      NULL, 0 },
    { "auth-hmac", OPT_AUTH_HMAC, NULL,
      "require keys signed with SV_INGEST_HMAC_SECRET and not expired",
      NULL, NULL, NULL, 0 },
    { "on-duplicate", OPT_ON_DUPLICATE, "<policy>",
      "a second publisher of a live key is refused or takes over", "refuse",
      "refuse takeover", NULL, 0 },
    { "reconnect-window", OPT_RECONNECT_WINDOW, "<duration>",
      "keep a stream's pipeline this long for its publisher to come back",
      "0", NULL, NULL, 0 },
    { "max-streams", OPT_MAX_STREAMS, "<n>",
      "refuse publishers beyond this many streams (0: no limit)", "0", NULL,
      NULL, 0 },

    { NULL, 0, NULL, "Keys", NULL, NULL, NULL, 0 },
    { "sign-key", OPT_SIGN_KEY, "<app/name>",
      "print a key for app/name signed with SV_INGEST_HMAC_SECRET and exit",
      NULL, NULL, NULL, 0 },
    { "expires", OPT_EXPIRES, "<duration>",
      "how long a key from --sign-key stays valid", "24h", NULL, NULL, 0 },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct sv_tool sv_ingest_tool = {
    "sv-ingest",
    "live ingest server: RTMP, SRT and pulled streams to one pipeline each",
    usage,
    NULL,
    rows,
};
