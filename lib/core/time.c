/* time.c -- the wall clock as milliseconds and as ISO 8601 text (UTC) */
#include <stdio.h>
#include <time.h>

#include "core/time.h"

int64_t
sv_time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
sv_time_iso8601(int64_t ms, int flags, char *buf, size_t size)
{
    int64_t sec = ms / 1000, frac = ms % 1000;
    time_t t;
    struct tm tm;
    int n;

    if (frac < 0) {                 /* before 1970: round down */
        frac += 1000;
        sec--;
    }
    t = (time_t)sec;
    gmtime_r(&t, &tm);
    if (flags & SV_TIME_BASIC)
        n = snprintf(buf, size, "%04d%02d%02dT%02d%02d%02dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    else if (flags & SV_TIME_MS)
        n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
    else
        n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0)
        n = 0;
    if (size == 0)
        return 0;
    return (size_t)n < size ? (size_t)n : size - 1;
}

int64_t
sv_time_rescale(int64_t v, int64_t a_num, int64_t a_den, int64_t c_num,
                int64_t c_den)
{
    __int128 b = (__int128)a_num * c_den, c = (__int128)a_den * c_num, r;

    if (v == INT64_MIN || v == INT64_MAX)
        return v;
    if (c == 0)
        return INT64_MIN;
    if (c < 0) {
        b = -b;
        c = -c;
    }
    r = (__int128)v * b;
    r = r < 0 ? -((-r + c / 2) / c) : (r + c / 2) / c;
    if (r > INT64_MAX)
        return INT64_MAX;
    if (r < INT64_MIN)
        return INT64_MIN;
    return (int64_t)r;
}

/* H. Hinnant's algorithms: eras of 400 years, March-based years */
int64_t
sv_time_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
sv_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}
