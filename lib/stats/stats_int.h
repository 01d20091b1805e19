/* stats_int.h -- what agg.c, session.c and promtext.c share */
#ifndef SV_STATS_INT_H
#define SV_STATS_INT_H

#include <stdint.h>

#include "stats/agg.h"
#include "stats/hll.h"
#include "stats/qoe.h"

/* one viewing session */
struct sv__session {
    struct sv__session *next;       /* hash chain */
    uint64_t key;
    char id[64];                    /* CMCD sid, else "a:" + hash */
    char title[128];
    int by_sid;
    int64_t first_ms, last_ms;
    uint64_t requests, bytes, media, media_ok, errors, beacons;
    int64_t bucket;                 /* last series bucket it was seen in */
    int64_t win;                    /* last window it was seen in */
    /* CMCD */
    int startup_open;
    int64_t startup_ms;
    int64_t br_last, br_max, tb, d_last;
    uint64_t switches, stalls;
    double br_sum, br_w;
    int stall_open;
    int64_t stall_from, stall_ms;
    /* beacons */
    int64_t b_startup, b_stall_ms, b_played, b_bitrate;
    uint64_t b_stalls;
    int b_error;
};

/* the session table: a chained hash of sessions, bounded */
struct sv__sessions {
    struct sv__session **slot;
    size_t nslot, n, max;
    uint64_t dropped;               /* not tracked: the table was full */
};

int sv__sessions_init(struct sv__sessions *t, size_t max);
void sv__sessions_release(struct sv__sessions *t);
struct sv__session *sv__sessions_find(struct sv__sessions *t, uint64_t key);
struct sv__session *sv__sessions_add(struct sv__sessions *t, uint64_t key);
void sv__sessions_remove(struct sv__sessions *t, struct sv__session *s);

/* Folds one request or beacon into s. */
void sv__session_request(struct sv__session *s, const struct sv_logrec *r,
                         int media);
void sv__session_beacon(struct sv__session *s, const struct sv_logrec *r);

/* s's QoE inputs (top_kbps: the input's highest br) and its QoE. */
void sv__session_qoe(const struct sv__session *s, int64_t top_kbps,
                     struct sv_qoe_in *in, struct sv_qoe *q);

#endif
