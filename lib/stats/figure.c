/* figure.c -- from a series and a metric to a chart */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "stats/figure.h"

static const char *const titles[] = {
    "Concurrent viewers", "Bandwidth", "Rebuffering ratio (QoE)",
    "Average bitrate", "Share by rendition",
};

const char *
sv_stats_figure_title(enum sv_stats_metric m)
{
    return (unsigned)m < sizeof(titles) / sizeof(titles[0]) ? titles[m]
                                                           : "?";
}

/*
 * More points than the chart has pixels: the means of 2 x width runs of
 * equal count, in place (the times: each run's first).  Returns the count.
 */
static size_t
thin(int64_t *t, double **y, int ny, size_t n, int width)
{
    size_t nb = 2 * (size_t)width, k, i;
    int j;

    if (n <= 2 * nb)
        return n;
    for (k = 0; k < nb; k++) {
        size_t a = k * n / nb, b = (k + 1) * n / nb;
        t[k] = t[a];
        for (j = 0; j < ny; j++) {
            double acc = 0;
            size_t c = 0;
            for (i = a; i < b; i++)
                if (!isnan(y[j][i])) {
                    acc += y[j][i];
                    c++;
                }
            y[j][k] = c ? acc / (double)c : NAN;
        }
    }
    return nb;
}

int
sv_stats_figure(const struct sv_stats_series *s, enum sv_stats_metric m,
                const char *title, int width, int height,
                enum sv_chart_format fmt, struct sv_buf *out)
{
    struct sv_chart_line line[SV_STATS_MAX_RENDITIONS];
    struct sv_chart c = { 0 };
    double *v = NULL, *share = NULL, *cols[SV_STATS_MAX_RENDITIONS];
    int64_t *t = NULL;
    size_t i;
    int rc = -ENOMEM, k;

    if (s->n == 0)
        return SV_ENOMEDIA;
    c.title = title != NULL ? title : sv_stats_figure_title(m);
    c.width = width;
    c.height = height;
    t = malloc(s->n * sizeof(*t));
    if (t == NULL)
        goto done;
    for (i = 0; i < s->n; i++)
        t[i] = s->p[i].t_ms;
    c.t = t;
    c.n = s->n;
    c.line = line;
    if (m == SV_STATS_M_SHARE) {
        if (s->nr == 0) {
            rc = SV_ENOMEDIA;
            goto done;
        }
        c.unit = SV_CHART_RATIO;
        c.nlines = s->nr;
        c.ylabel = "share of requests";
        if (s->has_pshare) {
            c.kind = SV_CHART_STACKED;
            share = malloc(s->n * (size_t)s->nr * sizeof(*share));
            if (share == NULL)
                goto done;
            for (k = 0; k < s->nr; k++) {
                for (i = 0; i < s->n; i++)
                    share[k * s->n + i] = sv_stats_series_pshare(s, i, k);
                line[k].name = s->id[k];
                line[k].y = cols[k] = share + k * s->n;
                line[k].lo = line[k].hi = NULL;
            }
            c.n = thin(t, cols, s->nr, s->n, width);
        } else {
            c.kind = SV_CHART_BARS;
            for (k = 0; k < s->nr; k++) {
                line[k].name = s->id[k];
                line[k].y = &s->share[k];
                line[k].lo = line[k].hi = NULL;
            }
        }
        rc = sv_chart_render(&c, fmt, out);
        goto done;
    }
    v = malloc(s->n * sizeof(*v));
    if (v == NULL)
        goto done;
    if (sv_stats_series_metric(s, m, v) == 0) {
        rc = SV_ENOMEDIA;
        goto done;
    }
    c.n = thin(t, &v, 1, s->n, width);
    line[0].name = sv_stats_metric_name(m);
    line[0].y = v;
    line[0].lo = line[0].hi = NULL;
    c.nlines = 1;
    switch (m) {
    case SV_STATS_M_VIEWERS:
        c.ylabel = "viewers";
        break;
    case SV_STATS_M_BANDWIDTH:
        c.unit = SV_CHART_BPS;
        c.ylabel = "delivered";
        break;
    case SV_STATS_M_QOE:
        c.unit = SV_CHART_RATIO;
        c.ylabel = "time rebuffering";
        line[0].name = "rebuffering ratio";
        break;
    default:
        c.unit = SV_CHART_BPS;
        c.ylabel = "played";
        line[0].name = "average bitrate";
    }
    rc = sv_chart_render(&c, fmt, out);
done:
    free(t);
    free(v);
    free(share);
    return rc;
}
