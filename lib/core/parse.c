/* parse.c -- strict parsers for the values options take */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/parse.h"

static int
number(const char **s, double *v)
{
    char *end;

    errno = 0;
    *v = strtod(*s, &end);
    if (end == *s || errno != 0 || !isfinite(*v) || *v < 0 || **s == '-' ||
        **s == '+' || **s == ' ')
        return SV_EUSAGE;
    *s = end;
    return 0;
}

int
sv_parse_duration(const char *s, int64_t *us)
{
    static const struct {
        const char *unit;
        double scale;
    } units[] = {  /* longest first where one is a prefix of another */
        { "ms", 1e3 }, { "us", 1 }, { "s", 1e6 }, { "m", 60e6 },
        { "h", 3600e6 },
    };
    double total = 0, v;
    size_t i, n;
    int parts = 0;

    if (s == NULL || *s == '\0')
        return SV_EUSAGE;
    while (*s != '\0') {
        if (number(&s, &v) < 0)
            return SV_EUSAGE;
        if (*s == '\0') {
            if (parts > 0)
                return SV_EUSAGE;   /* "1m30" is ambiguous */
            total += v * 1e6;
            break;
        }
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            n = strlen(units[i].unit);
            if (strncmp(s, units[i].unit, n) == 0)
                break;
        }
        if (i == sizeof(units) / sizeof(units[0]))
            return SV_EUSAGE;
        total += v * units[i].scale;
        s += n;
        parts++;
    }
    if (total > 9e15)
        return SV_EUSAGE;
    *us = (int64_t)llround(total);
    return 0;
}

static int
scaled(const char *s, double k, int64_t *out)
{
    double v, mul = 1;

    if (s == NULL || number(&s, &v) < 0)
        return SV_EUSAGE;
    switch (*s) {
    case '\0':
        break;
    case 'k': case 'K':
        mul = k;
        s++;
        break;
    case 'm': case 'M':
        mul = k * k;
        s++;
        break;
    case 'g': case 'G':
        mul = k * k * k;
        s++;
        break;
    default:
        return SV_EUSAGE;
    }
    if (*s != '\0' || v * mul > 9e15)
        return SV_EUSAGE;
    *out = (int64_t)llround(v * mul);
    return 0;
}

int
sv_parse_bitrate(const char *s, int64_t *bps)
{
    return scaled(s, 1000, bps);
}

int
sv_parse_size(const char *s, int64_t *bytes)
{
    return scaled(s, 1024, bytes);
}

int
sv_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || *s == '\0' || *s == ' ')
        return SV_EUSAGE;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return SV_EUSAGE;
    *out = v;
    return 0;
}
