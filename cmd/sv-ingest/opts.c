/* opts.c -- sv-ingest's option table (keep sections in this order) */
#include <stdint.h>
#include <string.h>

#include "core/opt.h"
#include "opts.h"

struct sv_ingest_args sv_ingest_args;

#define A sv_ingest_args
#define C sv_ingest_args.conf

static const char *const usage[] = {
    "--listen <url>... [--exec <cmd> | --record <dir>] [options]",
    "--pull [<name>=]<url>... [--exec <cmd> | --record <dir>] [options]",
    "--listen <url> > stream.ts",
    "--sign-key <app/name> [--expires <duration>]",
    NULL,
};

static int
listen_url(const struct sv_opt *o, const char *arg)
{
    if (strncmp(arg, "rtmp://", 7) != 0 && strncmp(arg, "rtmps://", 8) != 0 &&
        strncmp(arg, "srt://", 6) != 0 && strncmp(arg, "whip://", 7) != 0)
        return sv_opt_usage_error("bad --listen '%s': expected rtmp://, "
                                  "rtmps://, srt:// or whip://addr:port",
                                  arg);
    return 0;
}

static int
http_url(const struct sv_opt *o, const char *arg)
{
    if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
        return sv_opt_usage_error("bad --%s '%s': expected an http:// or "
                                  "https:// URL", o->name, arg);
    return 0;
}

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Sources"),
    { SV_OPT_LIST("listen", 'l', "<url>", "listen on rtmp://addr:port, "
                  "rtmps://addr:port, srt://addr:port or whip://addr:port "
                  "(HTTP on TCP, WebRTC media on UDP)", C.listen,
                  &C.nlisten, SV_INGEST_MAX_LISTEN), .cb = listen_url },
    { SV_OPT_LIST("pull", 'p', "<[name=]url>", "pull a stream from any URL "
                  "libavformat opens (rtsp, srt, hls, http)", C.pull,
                  &C.npull, SV_INGEST_MAX_PULL) },
    { SV_OPT_STRING("tls-cert", 0, "<file>", "PEM certificate chain for "
                    "rtmps:// listeners", NULL, &C.tls_cert),
      .complete = "@file" },
    { SV_OPT_STRING("tls-key", 0, "<file>", "PEM private key of --tls-cert",
                    NULL, &C.tls_key), .complete = "@file" },
    { SV_OPT_LIST("rtc-address", 0, "<addr>", "address WHIP answers "
                  "advertise as the media candidate (default: the listen "
                  "address)", C.rtc_address, &C.nrtc_address,
                  SV_INGEST_MAX_RTC_ADDR) },
    { SV_OPT_DURATION("srt-latency", 0, "SRT receiver latency", "120ms", 0,
                      INT64_MAX, &C.srt_latency_ms), .flags = SV_OPT_MS },
    { SV_OPT_DURATION("timeout", 0, "drop a publisher or pulled source "
                      "silent for this long (0: never)", "10s", 0,
                      INT64_MAX, &C.timeout_us) },
    { SV_OPT_INT("pull-retries", 0, "<n>", "reconnects of a failing pull "
                 "before it ends (-1: forever)", "10", -1, 1000000,
                 &C.pull_retries) },

    SV_OPT_SECTION("Output (per stream)"),
    { SV_OPT_STRING("exec", 'e', "<cmd>", "run a shell pipeline per stream "
                    "with the stream on its stdin", NULL, &C.exec) },
    { SV_OPT_STRING("record", 'r', "<dir>", "write each stream to rotated "
                    "files under dir/app/name/", NULL, &C.record_dir),
      .complete = "@dir" },
    { SV_OPT_FLAG("discard", 0, "receive and remux every stream, write it "
                  "nowhere (tests, benchmarks)", &C.discard) },
    { SV_OPT_DURATION("record-segment", 0, "start a new recording file at "
                      "the first keyframe after this long", "10m", 0,
                      INT64_MAX, &C.record_segment_us) },
    { SV_OPT_WORD("format", 'f', "<format>", "container of the output",
                  "mpegts", "mpegts matroska nut", &C.format) },
    { SV_OPT_SIZE("queue-size", 0, "bytes a slow consumer may fall behind "
                  "before packets are dropped", "8M", 64 << 10, INT64_MAX,
                  &C.queue_max) },
    { SV_OPT_EVENTS(NULL, &A.events) },
    { SV_OPT_DURATION("stats-interval", 0, "how often live.stream.stats is "
                      "emitted (0: never)", "5s", 0, INT64_MAX,
                      &C.stats_interval_us) },

    SV_OPT_SECTION("Publishers"),
    { SV_OPT_STRING("keys", 'k', "<file>", "allow only the stream keys "
                    "listed in file (with SRT passphrases)", NULL,
                    &C.keys_file), .complete = "@file" },
    { SV_OPT_STRING("auth-url", 0, "<url>", "POST each publish as JSON to "
                    "url; a 2xx answer allows it", NULL, &C.auth_url),
      .cb = http_url },
    { SV_OPT_FLAG("auth-hmac", 0, "require keys signed with "
                  "SV_INGEST_HMAC_SECRET and not expired", &C.auth_hmac) },
    { SV_OPT_CHOICE("on-duplicate", 0, "<policy>", "a second publisher of a "
                    "live key is refused or takes over", "refuse",
                    "refuse takeover", &C.on_duplicate) },
    { SV_OPT_DURATION("reconnect-window", 0, "keep a stream's pipeline this "
                      "long for its publisher to come back", "0", 0,
                      INT64_MAX, &C.reconnect_window_us) },
    { SV_OPT_INT("max-streams", 0, "<n>", "refuse publishers beyond this "
                 "many streams (0: no limit)", "0", 0, 1000000,
                 &C.max_streams) },
    { SV_OPT_INT("max-conns-per-ip", 0, "<n>", "RTMP connections one "
                 "address may hold open (0: no limit)", "16", 0, 1000000,
                 &C.max_conns_per_ip) },
    { SV_OPT_INT("whep-max-viewers", 0, "<n>", "WHEP viewers one live "
                 "stream (WHIP, RTMP, SRT, pull) may have at "
                 "/whep/<app>/<stream> on the whip:// listener (0: WHEP "
                 "off)", "64", 0, 1024,
                 &C.whep_max_viewers) },

    SV_OPT_SECTION("Keys"),
    { SV_OPT_STRING("sign-key", 0, "<app/name>", "print a key for app/name "
                    "signed with SV_INGEST_HMAC_SECRET and exit", NULL,
                    &A.sign_key) },
    { SV_OPT_DURATION("expires", 0, "how long a key from --sign-key stays "
                      "valid", "24h", 0, INT64_MAX, &A.expires_us) },
    SV_OPT_END,
};

const struct sv_tool sv_ingest_tool = {
    "sv-ingest",
    "live ingest server: RTMP, SRT, WHIP and pulled streams to one pipeline "
    "each",
    usage,
    NULL,
    rows,
};
