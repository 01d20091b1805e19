/* qoe.c -- the experience score of a session (formula in sv-stats(1)) */
#include "stats/qoe.h"

static double
clamp1(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

void
sv_qoe_compute(const struct sv_qoe_in *in, struct sv_qoe *out)
{
    double s = 0, r, q = 0, w = 0, played, rebuf, minutes;

    played = in->played_ms > 0 ? (double)in->played_ms : 0;
    rebuf = in->rebuffer_ms > 0 ? (double)in->rebuffer_ms : 0;
    out->rebuffer_ratio = played + rebuf > 0 ? rebuf / (played + rebuf) : 0;
    if (in->startup_ms >= 0)
        s = clamp1((double)in->startup_ms / 10000.0);
    r = clamp1(5.0 * out->rebuffer_ratio);
    if (in->bitrate_kbps >= 0 && in->top_kbps > 0)
        q = 1.0 - clamp1(in->bitrate_kbps / (double)in->top_kbps);
    minutes = played / 60000.0;
    if (in->switches > 0)
        w = minutes > 0 ? clamp1((double)in->switches / minutes / 4.0) : 1;
    if (in->failed) {
        out->score = 0;
        return;
    }
    out->score = 100.0 * (1.0 - 0.25 * s - 0.40 * r - 0.25 * q - 0.10 * w);
}
