/* time_test.c -- lib/core/time.c: ISO 8601 text of the wall clock, and
 * rescaling between time bases */
#include <stdint.h>

#include "core/time.h"
#include "t.h"

static void
formats_utc_with_and_without_milliseconds(void)
{
    char buf[SV_TIME_ISO_MAX];

    /* 2026-11-21T16:23:01.123Z */
    CHECK_INT(sv_time_iso8601(1795278181123LL, SV_TIME_MS, buf,
                              sizeof(buf)), 24);
    CHECK_STR(buf, "2026-11-21T16:23:01.123Z");
    CHECK_INT(sv_time_iso8601(1795278181123LL, 0, buf, sizeof(buf)), 20);
    CHECK_STR(buf, "2026-11-21T16:23:01Z");
    CHECK_INT(sv_time_iso8601(1795278181999LL, SV_TIME_BASIC, buf,
                              sizeof(buf)), 16);
    CHECK_STR(buf, "20261121T162301Z");
    sv_time_iso8601(0, SV_TIME_MS, buf, sizeof(buf));
    CHECK_STR(buf, "1970-01-01T00:00:00.000Z");
    sv_time_iso8601(7, SV_TIME_MS, buf, sizeof(buf));
    CHECK_STR(buf, "1970-01-01T00:00:00.007Z");
    sv_time_iso8601(-1, SV_TIME_MS, buf, sizeof(buf));
    CHECK_STR(buf, "1969-12-31T23:59:59.999Z");
}

static void
truncates_to_the_buffer(void)
{
    char buf[11];

    CHECK_INT(sv_time_iso8601(0, SV_TIME_MS, buf, sizeof(buf)), 10);
    CHECK_STR(buf, "1970-01-01");
}

static void
now_is_after_2020(void)
{
    CHECK(sv_time_now_ms() > 1577836800000LL);
}

static void
rescales_to_nearest_halves_away_from_zero(void)
{
    CHECK_INT(sv_time_rescale(3003, 1, 90000, 1, 1000000), 33367);
    CHECK_INT(sv_time_rescale(1, 1, 90000, 1, 180000), 2);
    /* halves: 1.5 and -1.5 ticks */
    CHECK_INT(sv_time_rescale(3, 1, 2, 1, 1), 2);
    CHECK_INT(sv_time_rescale(-3, 1, 2, 1, 1), -2);
    CHECK_INT(sv_time_rescale(-1890, 1, 90000, 1, 1000000), -21000);
    /* no-timestamp values pass, past int64 saturates, no overflow on
     * the way (90 kHz ticks of 100 years in nanoseconds) */
    CHECK(sv_time_rescale(INT64_MIN, 1, 90000, 1, 1000) == INT64_MIN);
    CHECK(sv_time_rescale(INT64_MAX, 1, 90000, 1, 1000) == INT64_MAX);
    CHECK(sv_time_rescale(INT64_MAX / 2, 1, 1, 1, 1000) == INT64_MAX);
    CHECK(sv_time_rescale(283824000000000LL, 1, 90000, 1, 1000000000) ==
          3153600000000000000LL);
    CHECK(sv_time_rescale(5, 1, 0, 1, 1) == INT64_MIN);
}

/* the civil calendar both ways, against known days and round trips */
static void
converts_civil_dates_and_days(void)
{
    int64_t z, y;
    int m, d;

    CHECK_INT(sv_time_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(sv_time_days_from_civil(2000, 3, 1), 11017);
    CHECK_INT(sv_time_days_from_civil(1969, 12, 31), -1);
    CHECK_INT(sv_time_days_from_civil(2026, 12, 3), 20790);
    sv_time_civil_from_days(-719468, &y, &m, &d);
    CHECK_INT(y, 0);
    CHECK_INT(m, 3);
    CHECK_INT(d, 1);
    for (z = -800000; z <= 800000; z += 997) {
        sv_time_civil_from_days(z, &y, &m, &d);
        CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        CHECK_INT(sv_time_days_from_civil(y, m, d), z);
    }
}

int
main(void)
{
    RUN(formats_utc_with_and_without_milliseconds);
    RUN(truncates_to_the_buffer);
    RUN(now_is_after_2020);
    RUN(rescales_to_nearest_halves_away_from_zero);
    RUN(converts_civil_dates_and_days);
    return DONE();
}
