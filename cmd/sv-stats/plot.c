/* plot.c -- `sv-stats plot`: one chart of a series, PNG or SVG */
#include <string.h>
#include <strings.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "stats/figure.h"
#include "stats/series.h"
#include "verbs.h"

/* the series operand: none or "-" is stdin; 0, or a usage status */
int
sv__stats_input(struct sv_stats_opts *o, const char **in)
{
    if (o->nargs > 1) {
        sv_opt_usage_error("unexpected argument '%s'", o->args[1]);
        return SV_EXIT_USAGE;
    }
    *in = o->nargs == 1 ? o->args[0] : "-";
    if (o->events != NULL && sv_opt_events_open(o->events) < 0)
        return SV_EXIT_USAGE;
    return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int
sv_stats_cmd_plot(struct sv_stats_opts *o)
{
    struct sv_stats_series s;
    struct sv_buf b = SV_BUF_INIT(256 << 20);
    enum sv_chart_format fmt;
    const char *in;
    char err[512];
    int rc, m;

    rc = sv__stats_input(o, &in);
    if (rc != 0)
        return rc;
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        sv_opt_usage_error("plot needs -o <file.png|file.svg>");
        return SV_EXIT_USAGE;
    }
    if (ends_with(o->output, ".png")) {
        fmt = SV_CHART_PNG;
    } else if (ends_with(o->output, ".svg")) {
        fmt = SV_CHART_SVG;
    } else {
        sv_opt_usage_error("cannot tell the format of '%s': name it .png or "
                           ".svg", o->output);
        return SV_EXIT_USAGE;
    }
    m = sv_stats_metric_parse(o->metric);
    sv_stats_series_init(&s, 0);
    rc = sv_stats_series_load(&s, in, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        goto done;
    }
    rc = sv_stats_figure(&s, m, o->title, o->width, o->height, fmt, &b);
    if (rc == SV_ENOMEDIA) {
        sv_log_error("no %s in %s", m == SV_STATS_M_SHARE
                     ? "rendition shares" : sv_stats_metric_name(m),
                     strcmp(in, "-") == 0 ? "stdin" : in);
        goto done;
    }
    if (rc < 0) {
        sv_log_error("cannot draw the chart: %s", sv_strerror(rc));
        goto done;
    }
    rc = sv_afile_put(o->output, b.data, b.len, 0644);
    if (rc < 0) {
        sv_log_error("cannot write '%s': %s", o->output, sv_strerror(rc));
        goto done;
    }
    {
        json_t *ev = json_pack("{s:s,s:s,s:I,s:I}", "path", o->output,
                               "metric", sv_stats_metric_name(m), "points",
                               (json_int_t)s.n, "bytes", (json_int_t)b.len);
        sv_event_emit("plot", ev);
    }
done:
    sv_buf_release(&b);
    sv_stats_series_free(&s);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
