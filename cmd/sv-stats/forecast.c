/* forecast.c -- `sv-stats forecast`: Holt-Winters ahead, anomalies behind */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/afile.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/time.h"
#include "stats/anomaly.h"
#include "stats/holtwinters.h"
#include "stats/series.h"
#include "verbs.h"

#define MAX_HORIZON 100000

/* doubles in JSON: finite ones, rounded to 6 significant digits */
static json_t *
real(double v)
{
    char buf[32];

    if (!isfinite(v))
        return json_null();
    snprintf(buf, sizeof(buf), "%.6g", v);
    return json_real(strtod(buf, NULL));
}

static json_t *
stamp(int64_t ms)
{
    char buf[SV_TIME_ISO_MAX];

    sv_time_iso8601(ms, 0, buf, sizeof(buf));
    return json_string(buf);
}

static int
put(struct sv_stats_opts *o, const char *text)
{
    int rc;

    if (o->output == NULL || strcmp(o->output, "-") == 0)
        return fputs(text, stdout) < 0 || fflush(stdout) != 0 ? -EIO : 0;
    rc = sv_afile_put(o->output, text, strlen(text), 0644);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", o->output, sv_strerror(rc));
    return rc;
}

int
sv_stats_cmd_forecast(struct sv_stats_opts *o)
{
    struct sv_stats_series s;
    struct sv_stats_hw hw = { 0 };
    struct sv_stats_anomaly *an = NULL;
    double *x = NULL, *mean = NULL, *lo = NULL, *hi = NULL;
    json_t *doc = NULL, *pts, *ans;
    const char *in;
    char err[512], *text = NULL;
    int64_t step, t0, season_ms = o->season_us / 1000;
    size_t i, n = 0, h, nan_ = 0;
    int rc, m, season, csv = 0;

    rc = sv__stats_input(o, &in);
    if (rc != 0)
        return rc;
    m = sv_stats_metric_parse(o->metric);
    if (m != SV_STATS_M_VIEWERS && m != SV_STATS_M_BANDWIDTH) {
        sv_opt_usage_error("forecast --metric is viewers or bandwidth, not "
                           "'%s'", o->metric);
        return SV_EXIT_USAGE;
    }
    if (strcmp(o->format, "csv") == 0) {
        csv = 1;
    } else if (strcmp(o->format, "json") != 0) {
        sv_opt_usage_error("forecast writes json or csv, not '%s'",
                           o->format);
        return SV_EXIT_USAGE;
    }
    sv_stats_series_init(&s, 0);
    rc = sv_stats_series_load(&s, in, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        goto done;
    }
    rc = SV_EFORMAT;
    step = sv_stats_series_step(&s);
    if (step <= 0) {
        sv_log_error("forecast needs a series of at least two intervals");
        goto done;
    }
    if (season_ms % step != 0 || season_ms / step < 2) {
        sv_log_error("--season is not a whole number (2 or more) of the "
                     "series' %llds intervals",
                     (long long)(step / 1000));
        rc = SV_EUSAGE;
        goto done;
    }
    season = (int)(season_ms / step > SV_STATS_HW_MAX_SEASON
                   ? SV_STATS_HW_MAX_SEASON + 1 : season_ms / step);
    h = (size_t)((o->horizon_us / 1000 + step - 1) / step);
    if (season > SV_STATS_HW_MAX_SEASON || h > MAX_HORIZON) {
        sv_log_error("--season or --horizon is more than %d intervals",
                     season > SV_STATS_HW_MAX_SEASON ? SV_STATS_HW_MAX_SEASON
                                                     : MAX_HORIZON);
        rc = SV_EUSAGE;
        goto done;
    }
    /* onto the grid of the step, a gap as unknown points */
    t0 = s.p[0].t_ms;
    rc = sv_stats_series_grid(&s, m, step, &x, &n);
    if (rc == SV_ELIMIT) {
        sv_log_error("the series is too irregular to forecast (%zu points "
                     "over %lld intervals of %llds)", s.n,
                     (long long)((s.p[s.n - 1].t_ms - t0) / step + 1),
                     (long long)(step / 1000));
        goto done;
    }
    if (rc < 0)
        goto done;
    rc = SV_EFORMAT;
    mean = malloc(h * sizeof(*mean));
    lo = malloc(h * sizeof(*lo));
    hi = malloc(h * sizeof(*hi));
    if (mean == NULL || lo == NULL || hi == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (i = 0; i < n; i++)
        nan_ += isnan(x[i]);
    if (n < 2 * (size_t)season || n - nan_ < (size_t)season + 3) {
        sv_log_error("forecast needs two seasons of data: %zu intervals "
                     "(%zu known), a season is %d", n, n - nan_, season);
        goto done;
    }
    rc = sv_stats_hw_fit(x, n, season, &hw);
    if (rc < 0) {
        sv_log_error("cannot fit the model: %s", sv_strerror(rc));
        goto done;
    }
    sv_stats_hw_forecast(&hw, h, o->level / 100.0, mean, lo, hi);
    for (i = 0; i < h; i++) {
        /* counts and rates are never negative */
        mean[i] = fmax(mean[i], 0);
        lo[i] = fmax(lo[i], 0);
        hi[i] = fmax(hi[i], 0);
    }
    {
        size_t na;
        rc = sv_stats_anomalies(x, n, season, o->z, NULL, &an, &na);
        if (rc < 0) {
            sv_log_error("cannot look for anomalies: %s", sv_strerror(rc));
            goto done;
        }
        pts = json_array();
        ans = json_array();
        for (i = 0; i < h; i++)
            json_array_append_new(pts, json_pack(
                "{s:o,s:o,s:o,s:o}", "t",
                stamp(t0 + (int64_t)(n + i) * step), "value", real(mean[i]),
                "lower", real(lo[i]), "upper", real(hi[i])));
        for (i = 0; i < na; i++)
            json_array_append_new(ans, json_pack(
                "{s:o,s:o,s:o,s:o}", "t",
                stamp(t0 + (int64_t)an[i].i * step), "value",
                real(an[i].value), "expected", real(an[i].expected), "z",
                real(an[i].z)));
        doc = json_pack(
            "{s:s,s:s,s:{s:s,s:i,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,"
            "s:I},s:o,s:o,s:o,s:o,s:o}",
            "metric", sv_stats_metric_name(m),
            "unit", m == SV_STATS_M_BANDWIDTH ? "bit/s" : "viewers",
            "model", "type", "holt-winters additive", "season", season,
            "season_s", (json_int_t)(season_ms / 1000),
            "step_s", (json_int_t)(step / 1000),
            "alpha", real(hw.alpha), "beta", real(hw.beta),
            "gamma", real(hw.gamma), "level", real(hw.level),
            "trend", real(hw.trend), "sigma", real(hw.sigma),
            "sse", real(hw.sse), "points", (json_int_t)n,
            "evaluations", (json_int_t)hw.evals,
            "coverage", real(o->level / 100.0),
            "z", real(o->z), "forecast", pts, "anomalies", ans,
            "last", stamp(t0 + (int64_t)(n - 1) * step));
        if (doc == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        sv_event_emit("forecast", json_pack("{s:s,s:I,s:I}", "metric",
                                             sv_stats_metric_name(m),
                                             "points", (json_int_t)h,
                                             "anomalies", (json_int_t)na));
    }
    if (csv) {
        struct sv_buf b = SV_BUF_INIT(1 << 30);
        json_t *p;
        rc = sv_buf_printf(&b, "t,value,lower,upper\n");
        json_array_foreach(pts, i, p) {
            if (rc == 0)
                rc = sv_buf_printf(&b, "%s,%.6g,%.6g,%.6g\n",
                                   json_string_value(json_object_get(p, "t")),
                                   mean[i], lo[i], hi[i]);
        }
        if (rc == 0)
            rc = sv_buf_u8(&b, 0);
        if (rc == 0)
            rc = put(o, (const char *)b.data);
        sv_buf_release(&b);
    } else {
        text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        if (text == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        {
            size_t l = strlen(text);
            char *t2 = realloc(text, l + 2);
            if (t2 == NULL) {
                rc = -ENOMEM;
                goto done;
            }
            text = t2;
            memcpy(text + l, "\n", 2);
        }
        rc = put(o, text);
    }
done:
    free(text);
    json_decref(doc);
    free(an);
    free(x);
    free(mean);
    free(lo);
    free(hi);
    sv_stats_hw_free(&hw);
    sv_stats_series_free(&s);
    if (rc == SV_EUSAGE)
        return SV_EXIT_USAGE;
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
