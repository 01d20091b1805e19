/* opts.h -- sv-serve's option keys */
#ifndef SV_SERVE_OPTS_H
#define SV_SERVE_OPTS_H

#include "core/opt.h"

enum {
    K_TLS_CERT = 256,
    K_TLS_KEY,
    K_INDEX,
    K_CORS,
    K_TOKEN_KEY,
    K_ACCESS_LOG,
    K_BEACON_LOG,
    K_BEACON_MAX,
    K_MAX_CONNS,
    K_RATE,
    K_BURST,
    K_MAX_URI,
    K_MAX_HEADERS,
    K_HEADER_TIMEOUT,
    K_IDLE_TIMEOUT,
    K_STOP_TIMEOUT,
};

extern const struct sv_tool sv_serve_tool;

#endif
