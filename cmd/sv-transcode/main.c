/* main.c -- sv-transcode: parse options, run the job, map the exit status */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "media/pertitle.h"
#include "media/transcode.h"
#include "opts.h"

/* The chunk options: which go together, and what a chunk run needs. */
static int
check_chunks(struct sv_transcode_args *c, const struct sv_opt_result *res)
{
    int chunks = sv_opt_given(res, "chunks"), chunk = sv_opt_given(res, "chunk");
    int range = sv_opt_given(res, "range");

    if (sv_opt_conflict(c->join, "join", chunks, "chunks") < 0 ||
        sv_opt_conflict(c->join, "join", chunk, "chunk") < 0 ||
        sv_opt_conflict(c->join, "join", range, "range") < 0 ||
        sv_opt_conflict(c->join, "join", c->split_plan, "split-plan") < 0 ||
        sv_opt_conflict(c->split_plan, "split-plan", chunk, "chunk") < 0 ||
        sv_opt_conflict(c->split_plan, "split-plan", range, "range") < 0 ||
        sv_opt_conflict(range, "range", chunks, "chunks") < 0 ||
        sv_opt_conflict(range, "range", chunk, "chunk") < 0)
        return SV_EUSAGE;
    if (c->join || c->split_plan)
        return 0;
    if (chunks && !chunk)
        return sv_opt_usage_error("--chunks needs --chunk <i> (or "
                                  "--split-plan)");
    if (chunk && !chunks)
        return sv_opt_usage_error("--chunk needs --chunks <n>");
    if (chunk && c->o.chunk >= c->o.chunks)
        return sv_opt_usage_error("bad --chunk %d: --chunks %d has chunks 0 "
                                  "to %d", c->o.chunk, c->o.chunks,
                                  c->o.chunks - 1);
    if (!chunks && !range)
        return 0;
    if (c->o.outdir == NULL)
        return sv_opt_usage_error("a chunk is written as files: use "
                                  "-o <dir>");
    if (strcmp(c->o.input, "-") == 0)
        return sv_opt_usage_error("a chunk is read from its place in the "
                                  "input; it cannot read stdin");
    if (c->o.enh.stabilize)
        return sv_opt_usage_error("--stabilize smooths the motion of the "
                                  "whole title; it cannot encode a chunk");
    if (c->o.thumbs_dir != NULL || c->o.scenes != NULL)
        return sv_opt_usage_error("--%s covers the whole title; it cannot "
                                  "be used with a chunk", c->o.thumbs_dir
                                  ? "thumbnails" : "scenes");
    if (c->o.scene)
        return sv_opt_usage_error("chunks need --keyframes gop (scene "
                                  "keyframes depend on all the frames "
                                  "before)");
    return 0;
}

/* --per-title and --ladder-out: what they go with. */
static int
check_per_title(struct sv_transcode_args *c, const struct sv_opt_result *res)
{
    int chunked = sv_opt_given(res, "chunks") || sv_opt_given(res, "range");

    if (c->ladder_out != NULL && !c->per_title)
        return sv_opt_usage_error("--ladder-out needs --per-title");
    if (!c->per_title)
        return 0;
    if (sv_opt_conflict(c->per_title, "per-title", c->join, "join") < 0 ||
        sv_opt_conflict(c->per_title, "per-title", c->split_plan,
                        "split-plan") < 0 ||
        sv_opt_conflict(c->per_title, "per-title", chunked, "chunks") < 0 ||
        sv_opt_conflict(c->per_title, "per-title", c->o.up.on,
                        "upscale") < 0)
        return SV_EUSAGE;
    if (c->o.ladder != NULL && c->o.ladder[0] == '@')
        return sv_opt_usage_error("--per-title chooses the ladder; --ladder "
                                  "'%s' reuses one (give a preset or spec "
                                  "as the caps)", c->o.ladder);
    if (strcmp(c->o.input, "-") == 0)
        return sv_opt_usage_error("--per-title reads the input more than "
                                  "once; it cannot read stdin");
    return 0;
}

/* Combinations the table cannot express. */
static int
check(struct sv_transcode_args *c, const struct sv_opt_result *res)
{
    int webm = c->o.codec == SV_CODEC_VP9 || c->o.codec == SV_CODEC_AV1;
    int rc;

    if (res->argc < 1)
        return sv_opt_usage_error("missing input (a file, a URL or '-')");
    if (res->argc > 1)
        return sv_opt_usage_error("too many arguments: '%s'",
                                  res->argv[1]);
    c->o.input = res->argv[0];
    if (strcmp(c->o.outdir, "-") == 0)
        c->o.outdir = NULL;
    if (c->o.outdir != NULL && sv_opt_given(res, "format"))
        return sv_opt_usage_error("--format is for stdout; with -o <dir> "
                                  "use --container");
    if (c->o.outdir == NULL && sv_opt_given(res, "container"))
        return sv_opt_usage_error("--container needs -o <dir>");
    if (c->o.format == NULL)
        c->o.format = webm ? "matroska" : "mpegts";
    if (webm && (strcmp(c->o.format, "mpegts") == 0 ||
                 (c->o.outdir && strcmp(c->o.container, "ts") == 0)))
        return sv_opt_usage_error("MPEG-TS cannot carry %s; use nut, "
                                  "matroska, mkv or mp4",
                                  sv_codec_names[c->o.codec]);
    if (c->o.two_pass && c->o.rate == SV_RATE_CBR)
        return sv_opt_usage_error("--two-pass is for VOD; it cannot be used "
                                  "with --rate cbr");
    if (c->o.two_pass && strcmp(c->o.input, "-") == 0)
        return sv_opt_usage_error("--two-pass reads the input twice; it "
                                  "cannot read stdin");
    if (c->o.two_pass && c->o.hw != SV_HW_NONE && c->o.hw != SV_HW_AUTO)
        return sv_opt_usage_error("--two-pass encodes in software; it "
                                  "cannot be used with --hw %s",
                                  c->o.hw == SV_HW_NVENC ? "nvenc"
                                  : c->o.hw == SV_HW_VAAPI ? "vaapi" : "qsv");
    if (sv_opt_given(res, "thumbnail-interval") && c->o.thumbs_dir == NULL)
        return sv_opt_usage_error("--thumbnail-interval needs --thumbnails "
                                  "<dir>");
    if (c->o.enh.stabilize && strcmp(c->o.input, "-") == 0)
        return sv_opt_usage_error("--stabilize reads the input twice; it "
                                  "cannot read stdin");
    rc = check_chunks(c, res);
    if (rc == 0)
        rc = check_per_title(c, res);
    if (rc < 0)
        return rc;
    if (c->o.outdir == NULL && isatty(STDOUT_FILENO) && !c->split_plan &&
        !(c->ladder_out != NULL && strcmp(c->ladder_out, "-") == 0))
        return sv_opt_usage_error("refusing to write media to a terminal; "
                                  "redirect stdout or use -o <dir>");
    return 0;
}

/* --per-title: the trials, the JSON, then (unless it went to stdout)
 * the encode with the chosen ladder. */
static int
per_title(struct sv_transcode_args *c)
{
    static char spec[SV_LADDER_MAX * 32];
    json_t *lj = NULL;
    char *text;
    size_t len;
    int rc, to_stdout = c->ladder_out && strcmp(c->ladder_out, "-") == 0;

    rc = sv_pertitle_run(&c->o, &lj, spec, sizeof(spec));
    if (rc < 0)
        return rc;
    /* figures to 10 digits, not the 17 of a double's round trip */
    text = json_dumps(lj, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                      JSON_REAL_PRECISION(10));
    if (text == NULL) {
        json_decref(lj);
        return -ENOMEM;
    }
    len = strlen(text);
    text[len] = '\n';
    if (to_stdout) {
        rc = fwrite(text, 1, len + 1, stdout) == len + 1 &&
             fflush(stdout) == 0 ? 0 : -EIO;
        if (rc < 0)
            sv_log_error("cannot write the ladder to stdout");
    } else if (c->ladder_out != NULL) {
        rc = sv_afile_put(c->ladder_out, text, len + 1, 0644);
        if (rc < 0)
            sv_log_error("cannot write '%s': %s", c->ladder_out,
                         sv_strerror(rc));
    }
    json_decref(lj);
    if (rc < 0 || to_stdout) {
        free(text);
        return rc;
    }
    sv_log_info("per-title ladder: %s", spec);
    /* the rungs with the quality each was chosen at */
    text[len] = '\0';
    c->o.ladder = spec;
    c->o.ladder_json = text;
    rc = sv_transcode_run(&c->o);
    c->o.ladder_json = NULL;
    free(text);
    return rc;
}

int
main(int argc, char **argv)
{
    struct sv_transcode_args *c = &sv_transcode_args;
    struct sv_opt_result res;
    int rc;

    sv_log_init("sv-transcode");
    if (sv_opt_parse(&sv_transcode_tool, argc, argv, &res) < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    sv_media_init();
    if (c->list_hw) {
        if (res.argc > 0)
            return sv_opt_usage_error("--list-hw takes no input"),
                   SV_EXIT_USAGE;
        return sv_transcode_list_hw() < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
    }
    if (check(c, &res) < 0)
        return SV_EXIT_USAGE;
    if (c->events != NULL && sv_opt_events_open(c->events) < 0)
        return SV_EXIT_USAGE;
    sv_sig_install();
    if (c->split_plan)
        rc = sv_transcode_split_plan(&c->o);
    else if (c->join)
        rc = sv_transcode_join(&c->o);
    else if (c->per_title)
        rc = per_title(c);
    else
        rc = sv_transcode_run(&c->o);
    sv_event_close();
    if (rc == SV_EINTR)
        sv_log_info("stopped by signal; outputs finalized");
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
