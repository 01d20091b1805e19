/* opts.h -- keys of sv-ingest's options without a short letter */
#ifndef SV_INGEST_OPTS_H
#define SV_INGEST_OPTS_H

#include "core/opt.h"

enum {
    OPT_SRT_LATENCY = 256, OPT_TIMEOUT, OPT_PULL_RETRIES, OPT_RECORD_SEGMENT,
    OPT_QUEUE_SIZE, OPT_EVENTS, OPT_STATS_INTERVAL, OPT_AUTH_URL,
    OPT_AUTH_HMAC, OPT_ON_DUPLICATE, OPT_RECONNECT_WINDOW, OPT_MAX_STREAMS,
    OPT_SIGN_KEY, OPT_EXPIRES, OPT_DISCARD, OPT_TLS_CERT, OPT_TLS_KEY,
    OPT_MAX_CONNS_PER_IP,
};

extern const struct sv_tool sv_ingest_tool;

#endif
