/* opts.c -- sv-serve's option table */
#include <stddef.h>

#include "core/opt.h"
#include "opts.h"

static const struct sv_opt rows[] = {
    { NULL, 0, NULL, "Listening", NULL, NULL, NULL, 0 },
    { "listen", 'l', "<addr:port>",
      "address to listen on, IPv4, [IPv6] or :port", ":8080",
      NULL, NULL, SV_OPT_REPEAT },
    { "workers", 'w', "<n|auto>",
      "event loops sharing the port (auto: one per CPU)", "1", "auto", NULL,
      0 },
    { "tls-cert", K_TLS_CERT, "<file>",
      "PEM certificate chain: serve HTTPS (HTTP/2 by ALPN)", NULL, "@file",
      NULL, 0 },
    { "tls-key", K_TLS_KEY, "<file>", "PEM private key of --tls-cert", NULL,
      "@file", NULL, 0 },
    { NULL, 0, NULL, "Content", NULL, NULL, NULL, 0 },
    { "index", K_INDEX, NULL, "list directories without an index.html",
      NULL, NULL, NULL, 0 },
    { "cors-origin", K_CORS, "<origin>",
      "allow this origin, or * for any", NULL, NULL, NULL,
      SV_OPT_REPEAT },
    { "token-key", K_TOKEN_KEY, "<file>",
      "require signed URL tokens made with the key in this file", NULL,
      "@file", NULL, 0 },
    { NULL, 0, NULL, "Logs", NULL, NULL, NULL, 0 },
    { "access-log", K_ACCESS_LOG, "<path|fd:N|->",
      "write serve.request JSON lines here", NULL, "@file", NULL, 0 },
    { "beacon-log", K_BEACON_LOG, "<path|fd:N|->",
      "accept POST /beacon and append the beacons here", NULL, "@file",
      NULL, 0 },
    { "beacon-max", K_BEACON_MAX, "<size>", "largest beacon body accepted",
      "16K", NULL, NULL, 0 },
    { NULL, 0, NULL, "Limits", NULL, NULL, NULL, 0 },
    { "max-conns", K_MAX_CONNS, "<n>",
      "open connections per client address (0: no limit)", "256", NULL,
      NULL, 0 },
    { "rate", K_RATE, "<n>", "requests per second per address (0: no limit)",
      "0", NULL, NULL, 0 },
    { "burst", K_BURST, "<n>", "requests an address may send at once", "100",
      NULL, NULL, 0 },
    { "max-uri", K_MAX_URI, "<bytes>", "longest request target", "2048",
      NULL, NULL, 0 },
    { "max-headers", K_MAX_HEADERS, "<size>",
      "largest request header block (431 beyond)", "16K", NULL, NULL, 0 },
    { "header-timeout", K_HEADER_TIMEOUT, "<duration>",
      "time to receive a request's headers, and keep-alive idle time", "10s",
      NULL, NULL, 0 },
    { "idle-timeout", K_IDLE_TIMEOUT, "<duration>",
      "idle time before an HTTP/2 connection is closed", "60s", NULL, NULL,
      0 },
    { "stop-timeout", K_STOP_TIMEOUT, "<duration>",
      "on SIGTERM, time left to requests in flight", "10s", NULL, NULL, 0 },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
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
