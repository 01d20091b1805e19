/* webhook.h -- every event POSTed as signed JSON to webhook URLs
 *
 * Each URL has its own bounded queue and worker thread: a slow or dead
 * receiver never blocks the emitting thread (an event that finds its queue
 * full is dropped and counted) nor the other receivers.  A delivery is
 * retried with exponential backoff on a transport error, a 5xx or a 429,
 * a bounded number of times.  Every attempt is signed anew:
 *
 *   SV-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * the way Stripe and Mux sign theirs; a receiver recomputes the HMAC over
 * the raw body, compares in constant time and refuses a t more than a
 * tolerance (300 s) away from its clock, so a captured request cannot be
 * replayed later.
 */
#ifndef SV_PUBLISH_WEBHOOK_H
#define SV_PUBLISH_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

#define SV_WEBHOOK_MIN_SECRET 32    /* bytes */
#define SV_WEBHOOK_MAX_URLS 64
#define SV_WEBHOOK_TOLERANCE 300    /* seconds a signature stays good */
#define SV_WEBHOOK_SIG_MAX 96       /* "t=...,v1=<64 hex>" and its NUL */

struct sv_webhook_conf {
    const char *const *urls;    /* http:// or https:// */
    int nurls;
    const void *secret;         /* SV_WEBHOOK_MIN_SECRET bytes at least */
    size_t secret_len;
    size_t queue_max;           /* events waiting per URL; 0: 1024 */
    int attempts;               /* tries per delivery; 0: 6 */
    int64_t backoff_us;         /* the first retry's wait, doubled each
                                   time up to 30 s; 0: 500 ms */
    int64_t timeout_us;         /* one request; 0: 10 s */
    const char *user_agent;     /* NULL: none */
};

struct sv_webhook_stats {
    uint64_t queued;            /* deliveries accepted (events x URLs) */
    uint64_t sent;              /* answered 2xx */
    uint64_t failed;            /* refused (4xx) or out of attempts */
    uint64_t dropped;           /* queue full, or left when stopped */
    uint64_t retries;           /* attempts after the first */
};

struct sv_webhook;

/*
 * Starts a worker per URL.  Returns 0, SV_EUSAGE (no URL, too many, one
 * not http(s)://, a secret under SV_WEBHOOK_MIN_SECRET bytes, with a
 * message in err), -ENOMEM or a pthread error.
 */
int sv_webhook_start(const struct sv_webhook_conf *c, struct sv_webhook **out,
                     char *err, size_t size);

/*
 * Queues body (len bytes, copied) for every URL; never blocks on the
 * network.  Returns 0, or SV_ELIMIT when some queue was full (dropped,
 * counted) or -ENOMEM.
 */
int sv_webhook_post(struct sv_webhook *w, const char *body, size_t len);

/* Forwards every event emitted (core/event.h tap) to w; NULL stops. */
void sv_webhook_tap(struct sv_webhook *w);

/*
 * Stops taking events, lets the workers deliver what is queued for at
 * most drain_us (a request started in the drain is cut at its end; one
 * already in flight may run on to its timeout), then stops them; what is
 * left is dropped.  Fills *st (may be NULL) and frees w.  NULL-safe.
 */
void sv_webhook_stop(struct sv_webhook *w, int64_t drain_us,
                     struct sv_webhook_stats *st);

/*
 * The SV-Signature value for body signed at unix time t into out
 * (SV_WEBHOOK_SIG_MAX bytes): 0 or SV_EINTERNAL.
 */
int sv_webhook_sign(const void *secret, size_t slen, int64_t t,
                    const char *body, size_t len,
                    char out[SV_WEBHOOK_SIG_MAX]);

/*
 * Checks an SV-Signature header value against body at unix time now: 0
 * when one v1= signature matches and t is within tolerance seconds of
 * now, SV_EFORMAT for a header that does not parse, SV_EAUTH otherwise.
 */
int sv_webhook_verify(const void *secret, size_t slen, const char *header,
                      const char *body, size_t len, int64_t now,
                      int64_t tolerance);

#endif
