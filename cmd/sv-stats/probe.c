/* probe.c -- sv-stats probe: what a file, URL, package or playlist is */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "media/transcode.h"
#include "stats/probe.h"
#include "stats/probe_out.h"
#include "verbs.h"

static int
csv_cell(struct sv_buf *b, const json_t *v)
{
    if (json_is_string(v))
        return sv_buf_printf(b, "%s", json_string_value(v));
    if (json_is_integer(v))
        return sv_buf_printf(b, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return sv_buf_printf(b, "%.3f", json_real_value(v));
    if (json_is_boolean(v))
        return sv_buf_printf(b, "%s", json_is_true(v) ? "true" : "false");
    return 0;
}

/* one row per stream (file) or per rendition (package) */
static int
write_csv(const char *path, const json_t *doc, int package)
{
    static const char *const file_cols[] = {
        "index", "type", "codec", "codecs", "duration", "frames",
        "width", "height", "gop.interval.max", "bitrate.mean",
        "bitrate.peak", "loudness.integrated", "loudness.range", NULL,
    };
    static const char *const pkg_cols[] = {
        "id", "type", "codecs", "segments", "duration",
        "segment_duration.max", "bandwidth.peak", NULL,
    };
    const char *const *cols = package ? pkg_cols : file_cols;
    const json_t *rows, *row, *v;
    struct sv_buf b;
    size_t i;
    int rc = 0;

    sv_buf_init(&b, 64 << 20);
    for (i = 0; cols[i] != NULL && rc == 0; i++)
        rc = sv_buf_printf(&b, "%s%s", i ? "," : "", cols[i]);
    if (rc == 0)
        rc = sv_buf_printf(&b, "\n");
    rows = json_object_get(doc, package ? "renditions" : "streams");
    json_array_foreach(rows, i, row) {
        for (size_t c = 0; cols[c] != NULL && rc == 0; c++) {
            char key[64], *dot, *k = key;

            if (c)
                rc = sv_buf_printf(&b, ",");
            snprintf(key, sizeof(key), "%s", cols[c]);
            v = row;
            while (v != NULL && (dot = strchr(k, '.')) != NULL) {
                *dot = '\0';
                v = json_object_get(v, k);
                k = dot + 1;
            }
            if (rc == 0)
                rc = csv_cell(&b, v != NULL ? json_object_get(v, k) : NULL);
        }
        if (rc == 0)
            rc = sv_buf_printf(&b, "\n");
    }
    if (rc < 0) {
        sv_log_error("cannot write the result: %s", sv_strerror(rc));
        return rc;
    }
    rc = sv_probe_out_write(path, (const char *)b.data, b.len);
    sv_buf_release(&b);
    return rc;
}

static int
usage(const char *fmt, const char *arg)
{
    sv_opt_usage_error(fmt, arg);
    return SV_EXIT_USAGE;
}

int
sv_stats_cmd_probe(struct sv_stats_opts *o)
{
    struct sv_probe_cfg cfg = { 1, 1, 1 };
    const json_t *faults, *f;
    json_t *doc = NULL;
    char err[512];
    int package, rc;
    size_t i;

    if (o->nargs < 1)
        return usage("probe needs a file, URL, package or playlist", NULL);
    if (o->nargs > 1)
        return usage("unexpected argument '%s'", o->args[1]);
    if (strcmp(o->format, "prometheus") == 0)
        return usage("probe writes json or csv, not prometheus", NULL);
    if (o->events != NULL && sv_opt_events_open(o->events) < 0)
        return SV_EXIT_USAGE;
    sv_media_init();
    cfg.loudness = cfg.hdr = !o->fast;
    package = sv_probe_is_package(o->args[0]);
    if (package)
        rc = sv_probe_package(o->args[0], &doc, err, sizeof(err));
    else
        rc = sv_probe_file(o->args[0], &cfg, &doc, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        return SV_EXIT_FAIL;
    }
    rc = strcmp(o->format, "csv") == 0 ? write_csv(o->output, doc, package)
                                       : sv_probe_out_json(o->output, doc);
    faults = json_object_get(doc, "faults");
    json_array_foreach(faults, i, f)
        sv_log_error("%s", json_string_value(json_object_get(f, "msg")));
    if (rc == 0 && json_array_size(faults) > 0)
        rc = SV_EFORMAT;
    json_decref(doc);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
