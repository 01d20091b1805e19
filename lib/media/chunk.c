/* chunk.c -- chunk ranges on the keyframe grid, split plans, chunk names */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "media/chunk.h"

/* A non-negative decimal number of seconds from s to end. */
static int
seconds(const char *s, const char *end, double *out)
{
    char buf[32], *e;
    size_t n = (size_t)(end - s);
    double v;

    if (n == 0 || n >= sizeof(buf) || strspn(s, "0123456789.") < n)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    v = strtod(buf, &e);
    if (*e != '\0' || !isfinite(v) || v < 0 || v > 1e7)
        return -1;
    *out = v;
    return 0;
}

int
sv_chunk_range_parse(const char *s, double *start, double *end, char *err,
                     size_t size)
{
    const char *dash = strchr(s, '-');
    double a, b = SV_CHUNK_OPEN;

    if (dash == NULL || seconds(s, dash, &a) < 0 ||
        (dash[1] != '\0' && seconds(dash + 1, dash + strlen(dash), &b) < 0)) {
        snprintf(err, size, "expected START-END in seconds (END may be "
                 "left out: to the end)");
        return SV_EUSAGE;
    }
    if (dash[1] != '\0' && b <= a) {
        snprintf(err, size, "the end is not after the start");
        return SV_EUSAGE;
    }
    *start = a;
    *end = b;
    return 0;
}

/* GOPs in a title: the last one may be short. */
static int64_t
gops(int64_t frames, int64_t gop)
{
    return (frames + gop - 1) / gop;
}

int
sv_chunk_bounds(int64_t frames, int64_t gop, int n, int i, int64_t *start,
                int64_t *end)
{
    int64_t g;

    if (gop < 1 || n < 1 || i < 0 || i >= n || frames < 1)
        return SV_EUSAGE;
    g = gops(frames, gop);
    if (g < n)
        return SV_EUSAGE;
    /* part k starts at GOP floor(k * g / n): every part has a GOP or more */
    *start = (int64_t)i * g / n * gop;
    *end = i == n - 1 ? SV_CHUNK_OPEN : (int64_t)(i + 1) * g / n * gop;
    return 0;
}

int
sv_chunk_plan_cuts(const float *score, int64_t frames, int64_t gop, int n,
                   double threshold, int64_t *bounds, int *cut)
{
    int64_t g, k, best, p, lo, hi, win;
    double ideal, part;
    int i;

    if (gop < 1 || n < 1 || frames < 1)
        return SV_EUSAGE;
    g = gops(frames, gop);
    if (g < n)
        return SV_EUSAGE;
    part = (double)frames / n;
    win = (int64_t)(part / 4);
    bounds[0] = 0;
    cut[0] = 0;
    for (i = 1; i < n; i++) {
        ideal = part * i;
        /* the grid point nearest the even split, inside what is left */
        k = llround(ideal / (double)gop);
        lo = bounds[i - 1] / gop + 1;
        hi = g - (n - i);       /* room for a GOP in each later part */
        if (k < lo)
            k = lo;
        if (k > hi)
            k = hi;
        best = -1;
        for (p = lo; p <= hi; p++) {
            int64_t f = p * gop;

            if (llabs(f - (int64_t)llround(ideal)) > win || f >= frames)
                continue;
            if (score[f] > threshold &&
                (best < 0 || fabs((double)f - ideal) <
                             fabs((double)best * gop - ideal)))
                best = p;
        }
        cut[i] = best >= 0;
        bounds[i] = (best >= 0 ? best : k) * gop;
    }
    bounds[n] = frames;
    cut[n] = 0;
    return 0;
}

void
sv_chunk_name(char *out, size_t size, const char *rung, int64_t start,
              int64_t end, const char *ext)
{
    if (end == SV_CHUNK_OPEN)
        snprintf(out, size, "%s.chunk-%06" PRId64 "-end.%s", rung, start,
                 ext);
    else
        snprintf(out, size, "%s.chunk-%06" PRId64 "-%06" PRId64 ".%s", rung,
                 start, end, ext);
}

/* Digits from s: a frame number; *s moves past them. */
static int
frame_number(const char **s, int64_t *out)
{
    char *e;
    long long v;

    if (**s < '0' || **s > '9')
        return -1;
    errno = 0;
    v = strtoll(*s, &e, 10);
    if (errno != 0 || v < 0)
        return -1;
    *s = e;
    *out = v;
    return 0;
}

int
sv_chunk_name_parse(const char *name, char *rung, size_t rsize,
                    int64_t *start, int64_t *end, const char **ext)
{
    const char *p = strstr(name, ".chunk-"), *q;
    int64_t a, b = SV_CHUNK_OPEN;

    if (p == NULL || p == name || (size_t)(p - name) >= rsize)
        return -1;
    q = p + strlen(".chunk-");
    if (frame_number(&q, &a) < 0 || *q++ != '-')
        return -1;
    if (strncmp(q, "end", 3) == 0)
        q += 3;
    else if (frame_number(&q, &b) < 0 || b <= a)
        return -1;
    if (*q != '.' || q[1] == '\0' || strchr(q + 1, '.') != NULL)
        return -1;
    memcpy(rung, name, (size_t)(p - name));
    rung[p - name] = '\0';
    *start = a;
    *end = b;
    *ext = q + 1;
    return 0;
}
