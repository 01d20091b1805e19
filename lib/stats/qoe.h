/* qoe.h -- one session's quality of experience and its score */
#ifndef SV_STATS_QOE_H
#define SV_STATS_QOE_H

#include <stdint.h>

/* what a session's requests and beacons said; -1: not known */
struct sv_qoe_in {
    int64_t startup_ms;         /* beacon's, else CMCD's estimate */
    int64_t played_ms;          /* beacon's, else the session's span */
    int64_t rebuffer_ms;        /* beacons' stalls, else CMCD's estimate */
    double bitrate_kbps;        /* mean CMCD br (weighted by d), or -1 */
    int64_t top_kbps;           /* CMCD tb, else the input's highest br */
    uint64_t switches;          /* changes of br between media requests */
    uint64_t failures;          /* 4xx/5xx answers and error beacons */
    int failed;                 /* playback failed (see sv_qoe_score) */
};

struct sv_qoe {
    double rebuffer_ratio;      /* rebuffer / (played + rebuffer), 0..1 */
    double score;               /* 0..100 */
};

/*
 * The experience score of the man page:
 *   score = 100 * (1 - F) * (1 - 0.25 S - 0.40 R - 0.25 Q - 0.10 W)
 *   S = min(1, startup_ms / 10000)            (0 when not known)
 *   R = min(1, 5 * rebuffer_ratio)            (20% rebuffering: all of R)
 *   Q = 1 - min(1, bitrate_kbps / top_kbps)   (0 when not known)
 *   W = min(1, switches per minute played / 4)
 *   F = 1 when the playback failed, else 0
 */
void sv_qoe_compute(const struct sv_qoe_in *in, struct sv_qoe *out);

#endif
