/* fuzz_series.c -- the series reader (lib/stats/series.c): a whole input
 * (JSON document, JSON lines or CSV), the same bytes as one --follow line,
 * and what plot and forecast derive from the result */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/series.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_stats_series s;
    char err[256];
    double *v;
    size_t i;
    int m;

    sv_stats_series_init(&s, 0);
    if (sv_stats_series_parse(&s, (const char *)data, size, err,
                              sizeof(err)) == 0) {
        v = malloc(s.n * sizeof(*v));
        for (m = 0; v != NULL && m < 4; m++)
            sv_stats_series_metric(&s, m, v);
        for (i = 0; i < s.n; i++)
            (void)sv_stats_series_pshare(&s, i, 0);
        free(v);
        (void)sv_stats_series_step(&s);
    }
    sv_stats_series_free(&s);
    /* as lines of --follow, with a small cap so old points are dropped */
    sv_stats_series_init(&s, 4);
    {
        const char *p = (const char *)data, *end = p + size;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            sv_stats_series_line(&s, p, (size_t)(le - p), err, sizeof(err));
            p = le + 1;
        }
    }
    sv_stats_series_finish(&s);
    if (s.n > 4)
        abort();
    for (i = 1; i < s.n; i++)
        if (s.p[i].t_ms <= s.p[i - 1].t_ms)
            abort();
    sv_stats_series_free(&s);
    {
        int64_t ms;
        sv_stats_time_parse((const char *)data, size > 64 ? 64 : size, &ms);
    }
    return 0;
}
