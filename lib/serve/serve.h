/* serve.h -- sv-serve: the HTTP origin for HLS/DASH directories */
#ifndef SV_SERVE_H
#define SV_SERVE_H

#include <stddef.h>
#include <stdint.h>

struct sv_serve_conf {
    const char *root;               /* directory served */
    const char **listen;            /* "ADDR:PORT", "[V6]:PORT", ":PORT" */
    size_t nlisten;
    unsigned workers;               /* event loops (threads), >= 1 */
    const char *tls_cert, *tls_key; /* PEM files: every listener is TLS */
    const char **cors;              /* allowed origins ("*" for any) */
    size_t ncors;
    int index;                      /* directory listings */
    const char *access_log;         /* JSON lines, or NULL */
    const char *beacon_log;         /* JSON lines; NULL: no /beacon */
    const char *token_key_file;     /* signed URLs: key file (reread on HUP) */
    const char *token_key;          /* or the key itself (SV_TOKEN_KEY) */
    unsigned max_conns;             /* per address, 0: no limit */
    double rate, burst;             /* requests/s per address, 0: none */
    uint64_t header_timeout_ms;     /* to receive a request's headers */
    uint64_t idle_timeout_ms;       /* idle HTTP/2 connection */
    uint64_t stop_timeout_ms;       /* graceful stop bound */
    size_t max_uri;                 /* longest request target */
    size_t max_headers;             /* largest header block */
    size_t beacon_max;              /* largest beacon body */
    const char *steering_policy;    /* JSON policy for /steering, or NULL */
    const char *tracker;            /* WebSocket tracker path, or NULL */
    const char **tracker_origins;   /* allowed Origin values (none: any) */
    size_t ntracker_origins;
    size_t tracker_max_msg;         /* largest tracker message */
    unsigned tracker_max_offers;    /* offers relayed per announce */
    unsigned tracker_max_conns;     /* tracker sockets per address, 0: any */
    uint64_t tracker_interval_ms;   /* announce interval told to peers */
    uint64_t tracker_idle_ms;       /* silent sockets are closed after */
    const char *watermark_key_file; /* A/B variants by token subject */
};

/*
 * Binds every listener, then serves until SIGTERM/SIGINT (graceful, bounded
 * by stop_timeout_ms; a second signal stops at once).  SIGHUP reopens the
 * logs and rereads the token key.  Messages go to the log; returns 0 after
 * a stop, or a negative code when it could not start.
 */
int sv_serve_run(const struct sv_serve_conf *conf);

#endif
