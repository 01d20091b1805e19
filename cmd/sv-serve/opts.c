/* opts.c -- sv-serve's option table */
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/opt.h"
#include "core/parse.h"
#include "opts.h"

struct sv_serve_args sv_serve_args;

#define A sv_serve_args
#define C sv_serve_args.c

/* --workers: a count, or auto for the CPUs this process may run on */
static int
workers(const struct sv_opt *o, const char *arg)
{
    cpu_set_t set;
    int64_t n;

    if (strcmp(arg, "auto") == 0) {
        /* cgroups and taskset narrow the set */
        n = sched_getaffinity(0, sizeof(set), &set) == 0 ?
            CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
        n = n > 0 ? (n < 256 ? n : 256) : 1;
    } else if (sv_parse_int(arg, 1, 256, &n) < 0) {
        return sv_opt_usage_error("bad --workers '%s': expected an integer "
                                  "from 1 to 256 or auto", arg);
    }
    *(unsigned *)o->dest = (unsigned)n;
    return 0;
}

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Listening"),
    { SV_OPT_LIST("listen", 'l', "<url>", "listen on http://addr:port or "
                  "https://addr:port ([addr] for IPv6)", A.listen,
                  &A.nlisten, 16), .def = "http://0.0.0.0:8080" },
    { SV_OPT_CALLBACK("workers", 'w', "<n|auto>", "event loops sharing the "
                      "port (auto: one per CPU)", "1", workers, &C.workers),
      .complete = "auto" },
    { SV_OPT_STRING("tls-cert", 0, "<file>", "PEM certificate chain for "
                    "https:// listeners (HTTP/2 by ALPN)", NULL, &C.tls_cert),
      .complete = "@file" },
    { SV_OPT_STRING("tls-key", 0, "<file>", "PEM private key of --tls-cert",
                    NULL, &C.tls_key), .complete = "@file" },
    SV_OPT_SECTION("Content"),
    { SV_OPT_FLAG("index", 0, "list directories without an index.html",
                  &C.index) },
    { SV_OPT_LIST("cors-origin", 0, "<origin>", "allow this origin, or * for "
                  "any", A.cors, &A.ncors, 32) },
    { SV_OPT_STRING("token-key", 0, "<file>", "require signed URL tokens "
                    "made with the key in this file", NULL,
                    &C.token_key_file), .complete = "@file" },
    { SV_OPT_STRING("watermark-key", 0, "<file>", "with --token-key: send "
                    "each token subject its A/B watermark variants (sv-drm "
                    "watermark)", NULL, &C.watermark_key_file),
      .complete = "@file" },
    { SV_OPT_STRING("steering-policy", 0, "<file>", "answer /steering "
                    "(HLS and DASH content steering) from this JSON policy",
                    NULL, &C.steering_policy), .complete = "@file" },
    SV_OPT_SECTION("P2P tracker"),
    { SV_OPT_STRING("tracker", 0, "<path>", "serve a WebTorrent WebSocket "
                    "tracker on this path (e.g. /announce) for "
                    "p2p-media-loader peers; its swarms live on one event "
                    "loop, so it needs --workers 1", NULL, &C.tracker) },
    { SV_OPT_LIST("tracker-origin", 0, "<origin>", "accept tracker sockets "
                  "only from pages of this Origin (none given: any; * for "
                  "any Origin header)", A.tracker_origins,
                  &A.ntracker_origins, 32) },
    { SV_OPT_SIZE("tracker-max-msg", 0, "largest tracker message (larger: "
                  "closed with 1009)", "64K", 256, 1 << 20,
                  &C.tracker_max_msg) },
    { SV_OPT_INT("tracker-max-offers", 0, "<n>", "offers relayed per "
                 "announce, to as many random peers of the swarm", "10", 1,
                 64, &C.tracker_max_offers) },
    { SV_OPT_INT("tracker-max-conns", 0, "<n>", "tracker sockets per client "
                 "address (0: no limit; --max-conns still applies)", "64", 0,
                 1000000, &C.tracker_max_conns) },
    { SV_OPT_DURATION("tracker-interval", 0, "announce interval told to "
                      "peers", "120s", 1000, INT64_MAX,
                      &C.tracker_interval_ms), .flags = SV_OPT_MS },
    { SV_OPT_DURATION("tracker-idle", 0, "a tracker socket silent this long "
                      "is closed and its peers leave (longer than "
                      "--tracker-interval)", "240s", 1, INT64_MAX,
                      &C.tracker_idle_ms), .flags = SV_OPT_MS },
    SV_OPT_SECTION("Logs"),
    { SV_OPT_STRING("access-log", 0, "<path|fd:N|->", "write serve.request "
                    "JSON lines here", NULL, &C.access_log),
      .complete = "@file" },
    { SV_OPT_STRING("beacon-log", 0, "<path|fd:N|->", "accept POST /beacon "
                    "and append the beacons here", NULL, &C.beacon_log),
      .complete = "@file" },
    { SV_OPT_SIZE("beacon-max", 0, "largest beacon body accepted", "16K", 64,
                  1 << 20, &C.beacon_max) },
    SV_OPT_SECTION("Limits"),
    { SV_OPT_INT("max-conns", 0, "<n>", "open connections per client "
                 "address (0: no limit)", "256", 0, 1000000,
                 &C.max_conns) },
    { SV_OPT_INT("rate", 0, "<n>", "requests per second per address (0: no "
                 "limit)", "0", 0, 1000000, &A.rate) },
    { SV_OPT_INT("burst", 0, "<n>", "requests an address may send at once",
                 "100", 1, 1000000, &A.burst) },
    { SV_OPT_INT("max-uri", 0, "<bytes>", "longest request target", "2048",
                 64, 8192, &C.max_uri) },
    { SV_OPT_SIZE("max-headers", 0, "largest request header block (431 "
                  "beyond)", "16K", 1024, 1 << 20, &C.max_headers) },
    { SV_OPT_DURATION("header-timeout", 0, "time to receive a request's "
                      "headers, and keep-alive idle time", "10s", 1,
                      INT64_MAX, &C.header_timeout_ms), .flags = SV_OPT_MS },
    { SV_OPT_DURATION("idle-timeout", 0, "idle time before an HTTP/2 "
                      "connection is closed", "60s", 1, INT64_MAX,
                      &C.idle_timeout_ms), .flags = SV_OPT_MS },
    { SV_OPT_DURATION("stop-timeout", 0, "on SIGTERM, time left to requests "
                      "in flight", "10s", 1, INT64_MAX, &C.stop_timeout_ms),
      .flags = SV_OPT_MS },
    SV_OPT_END,
};

static const char *const usage[] = {
    "<dir> [options]",
    NULL,
};

const struct sv_tool sv_serve_tool = {
    "sv-serve",
    "HTTP origin for HLS and DASH directories, with LL-HLS over plain files",
    usage,
    NULL,
    rows,
};
