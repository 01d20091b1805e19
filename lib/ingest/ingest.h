/* ingest.h -- sv-ingest: live streams in, one MPEG-TS pipeline per stream */
#ifndef SV_INGEST_H
#define SV_INGEST_H

#include <stddef.h>
#include <stdint.h>

#define SV_INGEST_MAX_LISTEN 16
#define SV_INGEST_MAX_PULL 64
#define SV_INGEST_MAX_RTC_ADDR 8
/* the least bytes SV_INGEST_HMAC_SECRET may have (as sv-drm's keys) */
#define SV_INGEST_HMAC_MIN 32

enum { SV_DUP_REFUSE = 0, SV_DUP_TAKEOVER = 1 };

struct sv_ingest_conf {
    const char *listen[SV_INGEST_MAX_LISTEN];   /* rtmp://, rtmps://, srt://, whip:// */
    int nlisten;
    const char *pull[SV_INGEST_MAX_PULL];       /* [name=]url */
    int npull;
    const char *exec;           /* per-stream pipeline, or NULL */
    const char *record_dir;     /* rotated recordings, or NULL */
    int discard;                /* parse and mux, write nothing */
    int64_t record_segment_us;
    const char *format;         /* "mpegts", "matroska", "nut" */
    const char *keys_file;
    const char *auth_url;
    int auth_hmac;              /* secret in SV_INGEST_HMAC_SECRET */
    const char *tls_cert, *tls_key;     /* for rtmps:// */
    int64_t reconnect_window_us;
    int on_duplicate;           /* SV_DUP_* */
    int64_t queue_max;          /* bytes waiting for a slow consumer */
    int64_t stats_interval_us;
    int srt_latency_ms;
    int max_streams;
    int max_conns_per_ip;       /* open RTMP connections per address, 0 any */
    int64_t pull_retries;       /* -1: forever */
    int64_t timeout_us;         /* idle publisher or source */
    const char *rtc_address[SV_INGEST_MAX_RTC_ADDR];   /* WHIP candidates */
    int nrtc_address;
    int whep_max_viewers;       /* WHEP viewers per stream, 0: none */
};

/*
 * Runs the ingest server until SIGINT/SIGTERM, or, when neither --exec nor
 * --record is given (stdout carries the one stream), until that stream
 * ends.  Returns 0, or a negative code (a listener could not be set up, or
 * the single stream failed); messages are logged.
 */
int sv_ingest_run(const struct sv_ingest_conf *conf);

/*
 * Nonzero when the process must leave with _exit() after sv_ingest_run():
 * libsrt 1.5's static destructors crash at exit() once its threads ran.
 */
int sv_ingest_exit_quickly(void);

/*
 * Writes "<name>?exp=<unix>&sig=<hex>" for app/name valid until exp, signed
 * with secret, into out (size bytes).  Returns 0 or a negative code.
 */
int sv_ingest_sign_key(const char *secret, const char *app, const char *name,
                       int64_t exp, char *out, size_t size);

#endif
