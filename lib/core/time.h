/* time.h -- the wall clock and its ISO 8601 text (UTC), one formatter */
#ifndef SV_TIME_H
#define SV_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Flags of sv_time_iso8601(). */
enum {
    SV_TIME_MS = 1,     /* add milliseconds: 2026-11-21T16:23:01.123Z */
    SV_TIME_BASIC = 2,  /* no separators, whole seconds: 20261121T162301Z */
};

/* Room for any text sv_time_iso8601() writes, with the NUL. */
#define SV_TIME_ISO_MAX 32

/* Milliseconds since the epoch, now (CLOCK_REALTIME). */
int64_t sv_time_now_ms(void);

/*
 * Formats ms (milliseconds since the epoch) in UTC as 2026-11-21T16:23:01Z,
 * changed by flags, into buf (size bytes, SV_TIME_ISO_MAX is enough).
 * Returns the length written, without the NUL.
 */
size_t sv_time_iso8601(int64_t ms, int flags, char *buf, size_t size);

/*
 * Rescales v from a_num/a_den to c_num/c_den units, rounding to nearest
 * and halves away from zero, as libavutil's av_rescale_rnd with
 * AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX: INT64_MIN and INT64_MAX (the
 * "no timestamp" values) pass unchanged; a result past int64 saturates.
 */
int64_t sv_time_rescale(int64_t v, int64_t a_num, int64_t a_den,
                        int64_t c_num, int64_t c_den);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12),
 * and back; both exact for every int64 year that fits. */
int64_t sv_time_days_from_civil(int64_t y, int m, int d);
void sv_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
