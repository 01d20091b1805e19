/* simulcast.h -- sv-publish's live simulcast: one MPEG-TS in, many RTMP,
 * RTMPS and SRT destinations out, a slate while the input is gone */
#ifndef SV_SIMULCAST_H
#define SV_SIMULCAST_H

#include <stddef.h>
#include <stdint.h>

#define SV_SIMULCAST_MAX 64

struct sv_simulcast_cfg {
    const char *const *urls;    /* rtmp://, rtmps://, srt:// */
    int nurls;
    int in_fd;                  /* the live MPEG-TS */
    int64_t slate_after_us;     /* a stall this long starts the slate; 0:
                                   never */
    const char *slate_image;    /* NULL: colour bars */
    int64_t queue_us;           /* of media each destination may hold */
    int64_t timeout_us;         /* connect, and a send that makes no
                                   progress: the destination is gone */
    int64_t retry_max_us;       /* the longest wait between reconnects */
    int64_t stats_us;           /* between stats events; 0: none */
    const char *ca_file;        /* rtmps: trusted roots (NULL: system) */
    int insecure;               /* rtmps: do not verify the certificate */
    int srt_latency_ms;
};

struct sv_simulcast_result {
    int ndest;
    int nok;                    /* destinations that got the whole end */
    int64_t packets;            /* read from the input */
    int slates;                 /* times the slate ran */
};

/*
 * Checks a destination URL; returns 0 or SV_EUSAGE with a message in err.
 */
int sv_simulcast_check_url(const char *url, char *err, size_t size);

/*
 * Writes url without its secrets (the RTMP key, the SRT query) to buf.
 */
void sv_simulcast_redact(const char *url, char *buf, size_t size);

/*
 * Runs until the input ends (or SIGINT/SIGTERM), then lets every
 * destination send what it holds.  Returns 0 with *res filled, or a
 * negative code with a message in err when the input is not a live stream
 * it can carry (SV_EFORMAT, SV_ENOMEDIA).
 */
int sv_simulcast_run(const struct sv_simulcast_cfg *cfg,
                     struct sv_simulcast_result *res, char *err, size_t size);

#endif
