/* parse_test.c -- lib/core/parse.c */
#include "core/err.h"
#include "core/parse.h"
#include "t.h"

static void
durations(void)
{
    int64_t us;

    CHECK_INT(sv_parse_duration("2s", &us), 0);
    CHECK_INT(us, 2000000);
    CHECK_INT(sv_parse_duration("500ms", &us), 0);
    CHECK_INT(us, 500000);
    CHECK_INT(sv_parse_duration("1.5", &us), 0);
    CHECK_INT(us, 1500000);
    CHECK_INT(sv_parse_duration("1h30m", &us), 0);
    CHECK_INT(us, 5400000000LL);
    CHECK_INT(sv_parse_duration("90us", &us), 0);
    CHECK_INT(us, 90);
    CHECK_INT(sv_parse_duration("", &us), SV_EUSAGE);
    CHECK_INT(sv_parse_duration("-1s", &us), SV_EUSAGE);
    CHECK_INT(sv_parse_duration("2x", &us), SV_EUSAGE);
    CHECK_INT(sv_parse_duration("1m30", &us), SV_EUSAGE);
    CHECK_INT(sv_parse_duration("nan", &us), SV_EUSAGE);
}

static void
bitrates_and_sizes(void)
{
    int64_t v;

    CHECK_INT(sv_parse_bitrate("5000k", &v), 0);
    CHECK_INT(v, 5000000);
    CHECK_INT(sv_parse_bitrate("2.5M", &v), 0);
    CHECK_INT(v, 2500000);
    CHECK_INT(sv_parse_bitrate("800", &v), 0);
    CHECK_INT(v, 800);
    CHECK_INT(sv_parse_bitrate("5kb", &v), SV_EUSAGE);
    CHECK_INT(sv_parse_size("64K", &v), 0);
    CHECK_INT(v, 65536);
    CHECK_INT(sv_parse_size("1G", &v), 0);
    CHECK_INT(v, 1073741824);
}

static void
integers(void)
{
    int64_t v;

    CHECK_INT(sv_parse_int("42", 0, 100, &v), 0);
    CHECK_INT(v, 42);
    CHECK_INT(sv_parse_int("101", 0, 100, &v), SV_EUSAGE);
    CHECK_INT(sv_parse_int("4x", 0, 100, &v), SV_EUSAGE);
    CHECK_INT(sv_parse_int("", 0, 100, &v), SV_EUSAGE);
}

int
main(void)
{
    RUN(durations);
    RUN(bitrates_and_sizes);
    RUN(integers);
    return DONE();
}
