/* time_test.c -- lib/core/time.c: ISO 8601 text of the wall clock */
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

int
main(void)
{
    RUN(formats_utc_with_and_without_milliseconds);
    RUN(truncates_to_the_buffer);
    RUN(now_is_after_2020);
    return DONE();
}
