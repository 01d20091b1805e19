/* html.c -- one self-contained HTML page: tables and inline SVG charts */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/time.h"
#include "stats/anomaly.h"
#include "stats/figure.h"
#include "stats/holtwinters.h"
#include "stats/html.h"
#include "stats/svg.h"

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;"
    "max-width:1000px;color:#222;background:#fafafa;padding:0 1em}"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 "
    ".4em}p.meta{color:#666;margin:0 0 1em}"
    "table{border-collapse:collapse;background:#fff;margin:.5em 0}"
    "th,td{border:1px solid #ddd;padding:.3em .7em;text-align:right}"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}"
    "figure{margin:0;background:#fff;border:1px solid #ddd}"
    ".none{color:#888;font-style:italic}";

static void
iso(int64_t ms, char *buf)
{
    sv_time_iso8601(ms, 0, buf, SV_TIME_ISO_MAX);
}

/* mean, peak and its index of the known values */
static size_t
stats(const double *v, size_t n, double *mean, double *peak, size_t *at,
      double *sum)
{
    size_t i, k = 0;

    *mean = *peak = *sum = NAN;
    *at = 0;
    for (i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (k == 0 || v[i] > *peak) {
            *peak = v[i];
            *at = i;
        }
        *sum = k == 0 ? v[i] : *sum + v[i];
        k++;
    }
    if (k > 0)
        *mean = *sum / (double)k;
    return k;
}

static int
row(struct sv_buf *b, const char *name, const char *value)
{
    int rc = sv_buf_printf(b, "<tr><th class=\"l\">%s</th><td>", name);

    if (rc == 0)
        rc = sv_stats_html_escape(b, value);
    return rc == 0 ? sv_buf_printf(b, "</td></tr>\n") : rc;
}

static void
num(double v, const char *unit, char *buf, size_t size)
{
    char s[32];

    if (isnan(v)) {
        snprintf(buf, size, "-");
        return;
    }
    sv_chart_si(v, s, sizeof(s));
    snprintf(buf, size, "%s%s", s, unit);
}

static int
summary(const struct sv_stats_series *s, struct sv_buf *b)
{
    static const struct { enum sv_stats_metric m; const char *name, *unit;
                          int ratio; } rows[] = {
        { SV_STATS_M_VIEWERS, "viewers", "", 0 },
        { SV_STATS_M_BANDWIDTH, "bandwidth", "bit/s", 0 },
        { SV_STATS_M_BITRATE, "average bitrate", "bit/s", 0 },
        { SV_STATS_M_QOE, "rebuffering ratio", "", 1 },
    };
    double *v, mean, peak, sum;
    char a[64], c[64], t[SV_TIME_ISO_MAX];
    size_t i, at, k;
    int rc;

    v = malloc(s->n * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    rc = sv_buf_printf(b, "<h2>Summary</h2>\n<table id=\"summary\">\n");
    for (i = 0; rc == 0 && i < 2; i++) {
        int f = i == 0 ? SV_STATS_REQUESTS : SV_STATS_BYTES;
        double tot = 0;
        size_t j, known = 0;
        for (j = 0; j < s->n; j++)
            if (!isnan(s->p[j].v[f])) {
                tot += s->p[j].v[f];
                known++;
            }
        if (known == 0)
            continue;
        num(tot, i == 0 ? "" : "B", a, sizeof(a));
        rc = row(b, i == 0 ? "requests" : "bytes", a);
    }
    if (rc == 0)
        rc = sv_buf_printf(b, "</table>\n<table id=\"metrics\">\n<tr><th "
                           "class=\"l\">metric</th><th>mean</th><th>peak"
                           "</th><th class=\"l\">at</th></tr>\n");
    for (i = 0; rc == 0 && i < sizeof(rows) / sizeof(rows[0]); i++) {
        sv_stats_series_metric(s, rows[i].m, v);
        k = stats(v, s->n, &mean, &peak, &at, &sum);
        if (k == 0)
            continue;
        if (rows[i].ratio) {
            snprintf(a, sizeof(a), "%.2f%%", mean * 100);
            snprintf(c, sizeof(c), "%.2f%%", peak * 100);
        } else {
            num(mean, rows[i].unit, a, sizeof(a));
            num(peak, rows[i].unit, c, sizeof(c));
        }
        iso(s->p[at].t_ms, t);
        rc = sv_buf_printf(b, "<tr><td class=\"l\">%s</td><td>%s</td><td>%s"
                           "</td><td class=\"l\">%s</td></tr>\n",
                           rows[i].name, a, c, t);
    }
    if (rc == 0)
        rc = sv_buf_printf(b, "</table>\n");
    free(v);
    return rc;
}

static int
renditions(const struct sv_stats_series *s, struct sv_buf *b)
{
    int rc, k;

    if (s->nr == 0)
        return 0;
    rc = sv_buf_printf(b, "<h2>Renditions</h2>\n<table id=\"renditions\">"
                       "\n<tr><th class=\"l\">rendition</th><th>share</th>"
                       "</tr>\n");
    for (k = 0; rc == 0 && k < s->nr; k++) {
        rc = sv_buf_printf(b, "<tr><td class=\"l\">");
        if (rc == 0)
            rc = sv_stats_html_escape(b, s->id[k]);
        if (rc == 0 && isnan(s->share[k]))
            rc = sv_buf_printf(b, "</td><td>-</td></tr>\n");
        else if (rc == 0)
            rc = sv_buf_printf(b, "</td><td>%.1f%%</td></tr>\n",
                               s->share[k] * 100);
    }
    return rc == 0 ? sv_buf_printf(b, "</table>\n") : rc;
}

static int
recent(const struct sv_stats_series *s, int last, struct sv_buf *b)
{
    static const char *const names[] = { "requests", "bytes", "viewers",
                                         "bitrate", "rebuffer", "value" };
    char t[SV_TIME_ISO_MAX], a[32];
    size_t i, from = s->n > (size_t)last ? s->n - (size_t)last : 0;
    int used[SV_STATS_NFIELDS] = { 0 }, f, rc;

    for (i = from; i < s->n; i++)
        for (f = 0; f < SV_STATS_NFIELDS; f++)
            used[f] |= !isnan(s->p[i].v[f]);
    rc = sv_buf_printf(b, "<h2>Last intervals</h2>\n<table id=\"recent\">\n"
                       "<tr><th class=\"l\">t</th>");
    for (f = 0; rc == 0 && f < SV_STATS_NFIELDS; f++)
        if (used[f])
            rc = sv_buf_printf(b, "<th>%s</th>", names[f]);
    if (rc == 0)
        rc = sv_buf_printf(b, "</tr>\n");
    for (i = s->n; rc == 0 && i-- > from;) {
        iso(s->p[i].t_ms, t);
        rc = sv_buf_printf(b, "<tr><td class=\"l\">%s</td>", t);
        for (f = 0; rc == 0 && f < SV_STATS_NFIELDS; f++) {
            if (!used[f])
                continue;
            if (isnan(s->p[i].v[f]))
                snprintf(a, sizeof(a), "-");
            else
                snprintf(a, sizeof(a), "%.6g", s->p[i].v[f]);
            rc = sv_buf_printf(b, "<td>%s</td>", a);
        }
        if (rc == 0)
            rc = sv_buf_printf(b, "</tr>\n");
    }
    return rc == 0 ? sv_buf_printf(b, "</table>\n") : rc;
}

#define DAY_MS 86400000LL

/*
 * Viewers' next day (Holt-Winters, a daily season) over the last three
 * days, with the 95% band and the anomalies; nothing when the series is
 * not two days long on a grid that divides a day.
 */
static int
forecast(const struct sv_stats_series *s, const struct sv_stats_html *o,
         struct sv_buf *out)
{
    struct sv_chart_line line[2];
    struct sv_chart c = { 0 };
    struct sv_stats_hw hw = { 0 };
    struct sv_stats_anomaly *an = NULL;
    struct sv_buf svg = SV_BUF_INIT(64 << 20);
    int64_t step = sv_stats_series_step(s), *t = NULL, *mt = NULL;
    double *x = NULL, *y = NULL, *f = NULL, *lo = NULL, *hi = NULL;
    double *my = NULL;
    size_t n = 0, h, from, k, i, na = 0, nm = 0;
    char ts[SV_TIME_ISO_MAX];
    int m, rc = 0;

    if (step <= 0 || DAY_MS % step != 0 || DAY_MS / step < 2 ||
        DAY_MS / step > 10000)
        return 0;
    m = (int)(DAY_MS / step);
    if (sv_stats_series_grid(s, SV_STATS_M_VIEWERS, step, &x, &n) < 0 ||
        sv_stats_hw_fit(x, n, m, &hw) < 0 ||
        sv_stats_anomalies(x, n, m, 3, NULL, &an, &na) < 0)
        goto done;
    h = (size_t)m;
    from = n > 3 * (size_t)m ? n - 3 * (size_t)m : 0;
    k = n - from + h;
    t = malloc(k * sizeof(*t));
    y = malloc(k * sizeof(*y));
    f = malloc(k * sizeof(*f));
    lo = malloc(k * sizeof(*lo));
    hi = malloc(k * sizeof(*hi));
    mt = malloc((na + 1) * sizeof(*mt));
    my = malloc((na + 1) * sizeof(*my));
    if (t == NULL || y == NULL || f == NULL || lo == NULL || hi == NULL ||
        mt == NULL || my == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (i = 0; i < k; i++) {
        t[i] = s->p[0].t_ms + (int64_t)(from + i) * step;
        y[i] = i < n - from ? x[from + i] : NAN;
        f[i] = lo[i] = hi[i] = NAN;
    }
    sv_stats_hw_forecast(&hw, h, 0.95, f + (n - from), lo + (n - from),
                         hi + (n - from));
    for (i = n - from; i < k; i++) {
        f[i] = fmax(f[i], 0);
        lo[i] = fmax(lo[i], 0);
        hi[i] = fmax(hi[i], 0);
    }
    for (i = 0; i < na; i++)
        if (an[i].i >= from) {
            mt[nm] = s->p[0].t_ms + (int64_t)an[i].i * step;
            my[nm++] = an[i].value;
        }
    line[0] = (struct sv_chart_line){ "viewers", y, NULL, NULL };
    line[1] = (struct sv_chart_line){ "forecast (95% interval)", f, lo,
                                      hi };
    c.title = "Viewers: the next day";
    c.ylabel = "viewers";
    c.width = o->width;
    c.height = o->height;
    c.t = t;
    c.n = k;
    c.line = line;
    c.nlines = 2;
    c.mark_t = mt;
    c.mark_y = my;
    c.nmarks = nm;
    c.split_t = t[n - from];
    rc = sv_chart_render(&c, SV_CHART_SVG, &svg);
    if (rc < 0)
        goto done;
    rc = sv_buf_printf(out, "<h2>Forecast</h2>\n<figure id=\"forecast\">"
                       "\n");
    if (rc == 0)
        rc = sv_stats_svg_inline((const char *)svg.data, svg.len, "cf-",
                                 c.title, out);
    if (rc == 0)
        rc = sv_buf_printf(out, "</figure>\n<p class=\"meta\">additive "
                           "Holt-Winters, a daily season: alpha %.3f, beta "
                           "%.3f, gamma %.3f, one-step sigma %.4g; %zu "
                           "anomalies (|z| > 3)</p>\n", hw.alpha, hw.beta,
                           hw.gamma, hw.sigma, na);
    if (rc == 0 && na > 0)
        rc = sv_buf_printf(out, "<table id=\"anomalies\">\n<tr><th "
                           "class=\"l\">t</th><th>viewers</th><th>expected"
                           "</th><th>z</th></tr>\n");
    /* the most recent 20 */
    for (i = na > 20 ? na - 20 : 0; rc == 0 && i < na; i++) {
        sv_time_iso8601(s->p[0].t_ms + (int64_t)an[i].i * step, 0, ts,
                        sizeof(ts));
        rc = sv_buf_printf(out, "<tr><td class=\"l\">%s</td><td>%.6g</td>"
                           "<td>%.6g</td><td>%.2f</td></tr>\n", ts,
                           an[i].value, an[i].expected, an[i].z);
    }
    if (rc == 0 && na > 0)
        rc = sv_buf_printf(out, "</table>\n");
done:
    sv_buf_release(&svg);
    sv_stats_hw_free(&hw);
    free(an);
    free(x);
    free(t);
    free(y);
    free(f);
    free(lo);
    free(hi);
    free(mt);
    free(my);
    return rc;
}

int
sv_stats_html_report(const struct sv_stats_series *s,
                     const struct sv_stats_html *o, struct sv_buf *out)
{
    static const enum sv_stats_metric ms[] = {
        SV_STATS_M_VIEWERS, SV_STATS_M_BANDWIDTH, SV_STATS_M_QOE,
        SV_STATS_M_BITRATE, SV_STATS_M_SHARE,
    };
    const char *title = o->title != NULL ? o->title : "StreamVerse audience";
    char t0[SV_TIME_ISO_MAX], t1[SV_TIME_ISO_MAX], now[SV_TIME_ISO_MAX];
    struct sv_buf svg;
    size_t i;
    int rc;

    rc = sv_buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                       "<meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" "
                       "content=\"default-src 'none'; style-src "
                       "'unsafe-inline'\">\n"
                       "<meta name=\"viewport\" content=\"width=device-"
                       "width, initial-scale=1\">\n");
    if (rc == 0 && o->refresh_s > 0)
        rc = sv_buf_printf(out, "<meta http-equiv=\"refresh\" "
                           "content=\"%d\">\n", o->refresh_s);
    if (rc == 0)
        rc = sv_buf_printf(out, "<title>");
    if (rc == 0)
        rc = sv_stats_html_escape(out, title);
    if (rc == 0)
        rc = sv_buf_printf(out, "</title>\n<style>%s</style>\n</head>\n"
                           "<body>\n<h1>", style);
    if (rc == 0)
        rc = sv_stats_html_escape(out, title);
    if (rc < 0)
        return rc;
    iso(sv_time_now_ms(), now);
    if (o->now_ms > 0)
        iso(o->now_ms, now);
    if (s->n > 0) {
        int64_t step = sv_stats_series_step(s);
        iso(s->p[0].t_ms, t0);
        iso(s->p[s->n - 1].t_ms, t1);
        rc = sv_buf_printf(out, "</h1>\n<p class=\"meta\">%zu intervals of "
                           "%llds from %s to %s; generated %s%s</p>\n",
                           s->n, (long long)(step / 1000), t0, t1, now,
                           o->refresh_s > 0 ? ", refreshed as windows "
                           "arrive" : "");
    } else {
        rc = sv_buf_printf(out, "</h1>\n<p class=\"meta\">no intervals yet;"
                           " generated %s</p>\n", now);
    }
    if (rc == 0 && s->n > 0)
        rc = summary(s, out);
    for (i = 0; rc == 0 && s->n > 0 && i < sizeof(ms) / sizeof(ms[0]);
         i++) {
        char prefix[16];
        const char *name = sv_stats_figure_title(ms[i]);
        sv_buf_init(&svg, 64 << 20);
        rc = sv_stats_figure(s, ms[i], NULL, o->width, o->height, SV_CHART_SVG,
                             &svg);
        if (rc == SV_ENOMEDIA) {
            sv_buf_release(&svg);
            rc = 0;
            continue;
        }
        if (rc == 0)
            rc = sv_buf_printf(out, "<h2>%s</h2>\n<figure id=\"%s\">\n",
                               name, sv_stats_metric_name(ms[i]));
        snprintf(prefix, sizeof(prefix), "c%zu-", i);
        if (rc == 0)
            rc = sv_stats_svg_inline((const char *)svg.data, svg.len, prefix,
                                     name, out);
        if (rc == 0)
            rc = sv_buf_printf(out, "</figure>\n");
        sv_buf_release(&svg);
    }
    if (rc == 0 && s->n > 0)
        rc = forecast(s, o, out);
    if (rc == 0)
        rc = renditions(s, out);
    if (rc == 0 && s->n > 0)
        rc = recent(s, o->last, out);
    if (rc == 0)
        rc = sv_buf_printf(out, "</body>\n</html>\n");
    return rc;
}
