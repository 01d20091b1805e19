/* quality.c -- sv-stats quality: how DIST looks next to REF */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "media/transcode.h"
#include "stats/probe_out.h"
#include "stats/quality.h"
#include "verbs.h"

static int
num_cell(struct sv_buf *b, const json_t *v, int last)
{
    if (json_is_number(v))
        return sv_buf_printf(b, "%.6f%s", json_number_value(v),
                             last ? "\n" : ",");
    return sv_buf_printf(b, "%s", last ? "\n" : ",");
}

/* one row per frame (with --per-frame), else one summary row */
static int
write_csv(const char *path, const json_t *doc)
{
    static const char *const cols[][2] = {
        { "psnr", "y" }, { "psnr", "u" }, { "psnr", "v" }, { "psnr", "avg" },
        { "ssim", "y" }, { "ssim", "u" }, { "ssim", "v" }, { "ssim", "all" },
        { "ms_ssim", NULL },
    };
    const size_t ncols = sizeof(cols) / sizeof(cols[0]);
    const json_t *frames = json_object_get(doc, "per_frame"), *f;
    struct sv_buf b;
    size_t i, c;
    int rc;

    sv_buf_init(&b, 256 << 20);
    rc = sv_buf_printf(&b, "%s", frames != NULL ? "n" : "pooled");
    for (c = 0; c < ncols && rc == 0; c++)
        rc = sv_buf_printf(&b, ",%s%s%s", cols[c][0], cols[c][1] ? "_" : "",
                           cols[c][1] ? cols[c][1] : "");
    if (rc == 0)
        rc = sv_buf_printf(&b, "\n");
    if (frames != NULL) {
        json_array_foreach(frames, i, f) {
            if (rc == 0)
                rc = sv_buf_printf(&b, "%zu,", i);
            for (c = 0; c < ncols && rc == 0; c++) {
                const json_t *v = json_object_get(f, cols[c][0]);

                if (cols[c][1] != NULL)
                    v = json_object_get(v, cols[c][1]);
                rc = num_cell(&b, v, c + 1 == ncols);
            }
        }
    } else {
        rc = rc == 0 ? sv_buf_printf(&b, "mean,") : rc;
        for (c = 0; c < ncols && rc == 0; c++) {
            const json_t *v = json_object_get(doc, cols[c][0]);

            if (cols[c][1] != NULL)
                v = json_object_get(v, cols[c][1]);
            rc = num_cell(&b, json_object_get(v, "mean"), c + 1 == ncols);
        }
    }
    if (rc < 0) {
        sv_log_error("cannot write the result: %s", sv_strerror(rc));
        return rc;
    }
    rc = sv_probe_out_write(path, (const char *)b.data, b.len);
    sv_buf_release(&b);
    return rc;
}

int
sv_stats_cmd_quality(struct sv_stats_opts *o)
{
    struct sv_quality_cfg cfg = { o->per_frame };
    json_t *doc = NULL;
    int rc;

    if (o->nargs < 2) {
        sv_opt_usage_error("quality needs a reference and a distorted "
                           "input");
        return SV_EXIT_USAGE;
    }
    if (o->nargs > 2) {
        sv_opt_usage_error("unexpected argument '%s'", o->args[2]);
        return SV_EXIT_USAGE;
    }
    if (strcmp(o->format, "prometheus") == 0) {
        sv_opt_usage_error("quality writes json or csv, not prometheus");
        return SV_EXIT_USAGE;
    }
    if (strcmp(o->args[0], "-") == 0 && strcmp(o->args[1], "-") == 0) {
        sv_opt_usage_error("only one input can be stdin");
        return SV_EXIT_USAGE;
    }
    if (o->events != NULL && sv_opt_events_open(o->events) < 0)
        return SV_EXIT_USAGE;
    sv_media_init();
    rc = sv_quality_run(o->args[0], o->args[1], &cfg, &doc);
    if (rc < 0)
        return SV_EXIT_FAIL;
    rc = strcmp(o->format, "csv") == 0 ? write_csv(o->output, doc)
                                       : sv_probe_out_json(o->output, doc);
    json_decref(doc);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
