/* chart.c -- time series charts with cairo: PNG and SVG to memory */
#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "stats/chart.h"

/* Tableau 10 */
static const double palette[][3] = {
    { 0.122, 0.467, 0.706 }, { 1.000, 0.498, 0.055 },
    { 0.173, 0.627, 0.173 }, { 0.839, 0.153, 0.157 },
    { 0.580, 0.404, 0.741 }, { 0.549, 0.337, 0.294 },
    { 0.890, 0.467, 0.761 }, { 0.498, 0.498, 0.498 },
    { 0.737, 0.741, 0.133 }, { 0.090, 0.745, 0.812 },
};
#define NCOLORS (sizeof(palette) / sizeof(palette[0]))

struct frame {
    double x0, y0, x1, y1;      /* the plot area */
    double tmin, tmax, vmin, vmax;
};

static double
px(const struct frame *f, double t)
{
    return f->x0 + (t - f->tmin) / (f->tmax - f->tmin) * (f->x1 - f->x0);
}

static double
py(const struct frame *f, double v)
{
    return f->y1 - (v - f->vmin) / (f->vmax - f->vmin) * (f->y1 - f->y0);
}

static void
color(cairo_t *cr, int i, double alpha)
{
    const double *c = palette[(size_t)i % NCOLORS];

    cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha);
}

void
sv_chart_si(double v, char *buf, size_t size)
{
    static const char pre[] = " kMGTP";
    double a = fabs(v);
    int k = 0;

    while (a >= 1000 && k < 5) {
        a /= 1000;
        v /= 1000;
        k++;
    }
    if (k == 0)
        snprintf(buf, size, "%g", round(v * 100) / 100);
    else
        snprintf(buf, size, "%g%c", round(v * 100) / 100, pre[k]);
}

static void
value_label(const struct sv_chart *c, double v, char *buf, size_t size)
{
    char s[32];

    switch (c->unit) {
    case SV_CHART_RATIO:
        snprintf(buf, size, "%g%%", round(v * 1000) / 10);
        break;
    case SV_CHART_BPS:
        sv_chart_si(v, s, sizeof(s));
        snprintf(buf, size, "%sbit/s", s);
        break;
    default:
        sv_chart_si(v, buf, size);
    }
}

/* a step of 1, 2 or 5 times a power of ten giving about n ticks */
static double
nice_step(double span, int n)
{
    double raw = span / n, p = pow(10, floor(log10(raw))), r = raw / p;

    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * p;
}

static void
text(cairo_t *cr, const char *s, double x, double y, double ax, double ay)
{
    cairo_text_extents_t e;

    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - e.width * ax - e.x_bearing,
                  y - e.height * ay - e.y_bearing);
    cairo_show_text(cr, s);
}

static void
time_axis(cairo_t *cr, const struct frame *f)
{
    static const int64_t steps[] = {
        1000, 5000, 15000, 30000, 60000, 300000, 900000, 1800000, 3600000,
        7200000, 10800000, 21600000, 43200000, 86400000, 172800000,
        604800000, 2592000000LL,
    };
    int64_t span = (int64_t)(f->tmax - f->tmin), step = steps[0], t;
    size_t i;
    int first = 1;

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        step = steps[i];
        if (span / step <= 7)
            break;
    }
    t = ((int64_t)f->tmin + step - 1) / step * step;
    for (; t <= (int64_t)f->tmax; t += step) {
        time_t s = (time_t)(t / 1000);
        struct tm tm;
        char buf[32];
        double x = px(f, (double)t);
        gmtime_r(&s, &tm);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, floor(x) + 0.5, f->y0);
        cairo_line_to(cr, floor(x) + 0.5, f->y1);
        cairo_stroke(cr);
        if (step >= 86400000)
            strftime(buf, sizeof(buf), "%m-%d", &tm);
        else if (step < 60000)
            strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
        else
            strftime(buf, sizeof(buf), "%H:%M", &tm);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text(cr, buf, x, f->y1 + 6, 0.5, 0);
        if (first || (tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0 &&
                      step < 86400000)) {
            strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
            text(cr, buf, x, f->y1 + 22, 0.5, 0);
        }
        first = 0;
    }
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    text(cr, "time (UTC)", f->x1, f->y1 + 38, 1, 0);
}

static void
value_axis(cairo_t *cr, const struct sv_chart *c, const struct frame *f)
{
    double step = nice_step(f->vmax - f->vmin, 5), v;
    char buf[48];

    for (v = ceil(f->vmin / step) * step; v <= f->vmax + step * 1e-9;
         v += step) {
        double y = floor(py(f, v)) + 0.5;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, f->x0, y);
        cairo_line_to(cr, f->x1, y);
        cairo_stroke(cr);
        value_label(c, fabs(v) < step * 1e-9 ? 0 : v, buf, sizeof(buf));
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text(cr, buf, f->x0 - 6, y, 1, 0.5);
    }
    if (c->ylabel != NULL) {
        cairo_save(cr);
        cairo_translate(cr, 14, (f->y0 + f->y1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        text(cr, c->ylabel, 0, 0, 0.5, 0.5);
        cairo_restore(cr);
    }
}

/* value range over the lines (stacked: 0..1), padded, from zero if near */
static int
ranges(const struct sv_chart *c, struct frame *f)
{
    size_t i;
    int k, any = 0;

    f->tmin = (double)c->t[0];
    f->tmax = (double)c->t[c->n - 1];
    if (c->split_t > 0 && (double)c->split_t > f->tmax)
        f->tmax = (double)c->split_t;
    if (f->tmax <= f->tmin)
        f->tmax = f->tmin + 1000;
    if (c->kind == SV_CHART_STACKED) {
        f->vmin = 0;
        f->vmax = 1;
        return 0;
    }
    f->vmin = INFINITY;
    f->vmax = -INFINITY;
    for (k = 0; k < c->nlines; k++)
        for (i = 0; i < c->n; i++) {
            const struct sv_chart_line *l = &c->line[k];
            double v[3] = { l->y[i], l->lo ? l->lo[i] : NAN,
                            l->hi ? l->hi[i] : NAN };
            int j;
            for (j = 0; j < 3; j++)
                if (isfinite(v[j])) {
                    f->vmin = fmin(f->vmin, v[j]);
                    f->vmax = fmax(f->vmax, v[j]);
                    any = 1;
                }
        }
    if (!any)
        return SV_EUSAGE;
    if (f->vmin > 0 && f->vmin < 0.5 * f->vmax)
        f->vmin = 0;
    if (f->vmax <= f->vmin) {
        f->vmax = f->vmin + (f->vmin != 0 ? fabs(f->vmin) * 0.1 : 1);
        f->vmin -= f->vmin != 0 ? fabs(f->vmin) * 0.1 : 0;
    }
    {
        double step = nice_step(f->vmax - f->vmin, 5);
        f->vmax = ceil(f->vmax / step) * step;
        f->vmin = floor(f->vmin / step) * step;
    }
    return 0;
}

static void
lines(cairo_t *cr, const struct sv_chart *c, const struct frame *f)
{
    size_t i;
    int k;

    for (k = 0; k < c->nlines; k++) {
        const struct sv_chart_line *l = &c->line[k];
        if (l->lo != NULL && l->hi != NULL) {
            /* the band: each run of known points as one polygon */
            size_t a = 0, b;
            while (a < c->n) {
                while (a < c->n && !(isfinite(l->lo[a]) &&
                                     isfinite(l->hi[a])))
                    a++;
                for (b = a; b < c->n && isfinite(l->lo[b]) &&
                     isfinite(l->hi[b]); b++)
                    ;
                if (b > a) {
                    for (i = a; i < b; i++)
                        cairo_line_to(cr, px(f, (double)c->t[i]),
                                      py(f, l->hi[i]));
                    for (i = b; i-- > a;)
                        cairo_line_to(cr, px(f, (double)c->t[i]),
                                      py(f, l->lo[i]));
                    cairo_close_path(cr);
                    color(cr, k, 0.18);
                    cairo_fill(cr);
                }
                a = b;
            }
        }
        cairo_new_path(cr);
        for (i = 0; i < c->n; i++) {
            if (!isfinite(l->y[i])) {
                cairo_new_sub_path(cr);
                continue;
            }
            cairo_line_to(cr, px(f, (double)c->t[i]), py(f, l->y[i]));
        }
        color(cr, k, 1);
        cairo_set_line_width(cr, 1.8);
        cairo_stroke(cr);
    }
}

static void
stacked(cairo_t *cr, const struct sv_chart *c, const struct frame *f)
{
    size_t i;
    int k, j;

    for (k = 0; k < c->nlines; k++) {
        /* the band between the sums of the first k and first k + 1 */
        cairo_new_path(cr);
        for (i = 0; i < c->n; i++) {
            double top = 0;
            for (j = 0; j <= k; j++)
                top += isfinite(c->line[j].y[i]) ? c->line[j].y[i] : 0;
            cairo_line_to(cr, px(f, (double)c->t[i]), py(f, fmin(top, 1)));
        }
        for (i = c->n; i-- > 0;) {
            double bot = 0;
            for (j = 0; j < k; j++)
                bot += isfinite(c->line[j].y[i]) ? c->line[j].y[i] : 0;
            cairo_line_to(cr, px(f, (double)c->t[i]), py(f, fmin(bot, 1)));
        }
        cairo_close_path(cr);
        color(cr, k, 0.85);
        cairo_fill(cr);
    }
}

static void
bars(cairo_t *cr, const struct sv_chart *c, double x0, double y0,
     double x1, double y1)
{
    double h = (y1 - y0) / (c->nlines > 0 ? c->nlines : 1), lw = 0;
    char buf[48];
    int k;

    for (k = 0; k < c->nlines; k++) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, c->line[k].name, &e);
        lw = fmax(lw, e.width);
    }
    x0 += lw + 12;
    for (k = 0; k < c->nlines; k++) {
        double v = isfinite(c->line[k].y[0]) ? c->line[k].y[0] : 0;
        double y = y0 + k * h + h * 0.15, w = (x1 - 60 - x0) * fmin(v, 1);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text(cr, c->line[k].name, x0 - 8, y + h * 0.35, 1, 0.5);
        color(cr, k, 0.9);
        cairo_rectangle(cr, x0, y, w, h * 0.7);
        cairo_fill(cr);
        value_label(c, v, buf, sizeof(buf));
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text(cr, buf, x0 + w + 6, y + h * 0.35, 0, 0.5);
    }
}

static void
legend(cairo_t *cr, const struct sv_chart *c, double x, double y,
       double xmax)
{
    int k;

    for (k = 0; k < c->nlines; k++) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, c->line[k].name, &e);
        if (x + 18 + e.x_advance > xmax && k > 0) {
            x = 80;
            y += 18;
        }
        color(cr, k, 1);
        cairo_rectangle(cr, x, y - 5, 12, 10);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        text(cr, c->line[k].name, x + 16, y, 0, 0.5);
        x += 16 + e.x_advance + 18;
    }
    if (c->nmarks > 0) {
        cairo_set_source_rgb(cr, 0.84, 0.1, 0.1);
        cairo_arc(cr, x + 6, y, 4, 0, 2 * M_PI);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        text(cr, "anomaly", x + 16, y, 0, 0.5);
    }
}

static void
draw(cairo_t *cr, const struct sv_chart *c, const struct frame *f)
{
    size_t i;

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 16);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, c->title != NULL ? c->title : "", c->width / 2.0, 14, 0.5, 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    cairo_set_line_width(cr, 1);
    if (c->kind == SV_CHART_BARS) {
        bars(cr, c, f->x0 - 60, f->y0, f->x1, f->y1);
        return;
    }
    value_axis(cr, c, f);
    time_axis(cr, f);
    cairo_save(cr);
    cairo_rectangle(cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
    cairo_clip(cr);
    if (c->kind == SV_CHART_STACKED)
        stacked(cr, c, f);
    else
        lines(cr, c, f);
    cairo_set_line_width(cr, 1.5);
    for (i = 0; i < c->nmarks; i++) {
        if (!isfinite(c->mark_y[i]))
            continue;
        cairo_new_path(cr);
        cairo_arc(cr, px(f, (double)c->mark_t[i]), py(f, c->mark_y[i]), 5,
                  0, 2 * M_PI);
        cairo_set_source_rgb(cr, 0.84, 0.1, 0.1);
        cairo_stroke(cr);
    }
    if (c->split_t > 0) {
        double x = floor(px(f, (double)c->split_t)) + 0.5;
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_dash(cr, (const double[]){ 4, 3 }, 2, 0);
        cairo_move_to(cr, x, f->y0);
        cairo_line_to(cr, x, f->y1);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, f->x0 + 0.5, f->y0 + 0.5, f->x1 - f->x0 - 1,
                    f->y1 - f->y0 - 1);
    cairo_stroke(cr);
    legend(cr, c, f->x0, c->height - 14, c->width - 20);
}

static cairo_status_t
sink(void *closure, const unsigned char *data, unsigned int len)
{
    return sv_buf_append(closure, data, len) < 0 ? CAIRO_STATUS_WRITE_ERROR
                                                 : CAIRO_STATUS_SUCCESS;
}

int
sv_chart_render(const struct sv_chart *c, enum sv_chart_format fmt,
                struct sv_buf *out)
{
    cairo_surface_t *s;
    cairo_t *cr;
    struct frame f = { 0 };
    cairo_status_t st;

    if (c->width < 200 || c->width > 8000 || c->height < 150 ||
        c->height > 8000 || c->nlines < 1 || c->nlines > SV_CHART_MAX_LINES)
        return SV_EUSAGE;
    if (c->kind != SV_CHART_BARS && (c->n == 0 || ranges(c, &f) < 0))
        return SV_EUSAGE;
    f.x0 = 80;
    f.x1 = c->width - 20;
    f.y0 = 36;
    f.y1 = c->height - 70;
    if (fmt == SV_CHART_SVG)
        s = cairo_svg_surface_create_for_stream(sink, out, c->width,
                                                c->height);
    else
        s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c->width,
                                       c->height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return SV_EFORMAT;
    }
    cr = cairo_create(s);
    draw(cr, c, &f);
    st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && fmt == SV_CHART_PNG)
        st = cairo_surface_write_to_png_stream(s, sink, out);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st == CAIRO_STATUS_SUCCESS ? 0 : SV_EFORMAT;
}
