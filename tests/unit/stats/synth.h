/* synth.h -- synthetic series of known structure for the stats tests */
#ifndef SV_TEST_SYNTH_H
#define SV_TEST_SYNTH_H

#include <math.h>
#include <stdint.h>

static uint64_t synth_rng_ = 0x2545f4914f6cdd1dULL;

static double
synth_uniform(void)
{
    synth_rng_ ^= synth_rng_ << 13;
    synth_rng_ ^= synth_rng_ >> 7;
    synth_rng_ ^= synth_rng_ << 17;
    return ((double)(synth_rng_ >> 11) + 0.5) / 9007199254740992.0;
}

/* a standard normal deviate (Box-Muller) */
static double
synth_normal(void)
{
    return sqrt(-2 * log(synth_uniform())) *
           cos(2 * M_PI * synth_uniform());
}

/*
 * Hourly viewers: level 1000, trend +2 an hour, a daily cycle of two
 * harmonics (amplitudes 300 and 80), Gaussian noise of sd sd.
 */
static double
synth_clean(int t)
{
    return 1000 + 2.0 * t + 300 * sin(2 * M_PI * t / 24) +
           80 * sin(4 * M_PI * t / 24 + 1);
}

static void
synth_series(double *x, int n, double sd, uint64_t seed)
{
    int t;

    /* a small seed's first outputs are small too: run it in first */
    synth_rng_ = seed | 1;
    for (t = 0; t < 64; t++)
        synth_uniform();
    for (t = 0; t < n; t++)
        x[t] = synth_clean(t) + sd * synth_normal();
}

#endif
