/* main.c -- sv-transcode: parse options, run the job, map the exit status */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/parse.h"
#include "core/sig.h"
#include "media/ladder.h"
#include "media/transcode.h"
#include "opts.h"

struct cli {
    struct sv_transcode_opts o;
    const char *events;
    int list_hw;
    int have_format, have_container;
};

/* Index of word in a NULL-terminated list, or -1. */
static int
word(const char *const *list, const char *s)
{
    int i;

    for (i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

static int
choice(const char *opt, const char *arg, const char *const *list, int *out)
{
    int i = word(list, arg);

    if (i < 0)
        return sv_opt_usage_error("bad --%s '%s'", opt, arg);
    *out = i;
    return 0;
}

static int
on_opt(void *ud, int key, const char *arg)
{
    static const char *const formats[] = { "mpegts", "nut", "matroska", NULL };
    static const char *const containers[] = { "mp4", "ts", "mkv", NULL };
    static const char *const rates[] = { "crf", "cbr", NULL };
    static const char *const kfs[] = { "gop", "scene", NULL };
    static const char *const deints[] = { "auto", "on", "off", NULL };
    static const char *const hws[] = { "none", "auto", "nvenc", "vaapi", "qsv",
                                       NULL };
    struct cli *c = ud;
    struct sv_ladder l;
    char err[256], *end;
    int64_t v;
    int i = 0, rc = 0;

    switch (key) {
    case 'o':
        c->o.outdir = strcmp(arg, "-") == 0 ? NULL : arg;
        break;
    case OPT_FORMAT:
        rc = choice("format", arg, formats, &i);
        c->o.format = arg;
        c->have_format = 1;
        break;
    case OPT_CONTAINER:
        rc = choice("container", arg, containers, &i);
        c->o.container = arg;
        c->have_container = 1;
        break;
    case OPT_EVENTS:
        c->events = arg;
        break;
    case 'l':
        if (sv_ladder_parse(arg, &l, err, sizeof(err)) < 0)
            return sv_opt_usage_error("bad --ladder '%s': %s", arg, err);
        c->o.ladder = arg;
        break;
    case 'c':
        rc = choice("codec", arg, sv_codec_names, &i);
        c->o.codec = (enum sv_codec)i;
        break;
    case OPT_RATE:
        rc = choice("rate", arg, rates, &i);
        c->o.rate = (enum sv_rate)i;
        break;
    case OPT_CRF:
        if (sv_parse_int(arg, 0, 63, &v) < 0)
            return sv_opt_usage_error("bad --crf '%s': want 0 to 63", arg);
        c->o.crf = (int)v;
        break;
    case OPT_PRESET:
        c->o.preset = arg;
        break;
    case 'g':
        if (sv_parse_duration(arg, &v) < 0 || v < 100000 || v > 60000000)
            return sv_opt_usage_error("bad --gop '%s': want 0.1s to 60s",
                                      arg);
        c->o.gop_us = v;
        break;
    case OPT_KEYFRAMES:
        rc = choice("keyframes", arg, kfs, &i);
        c->o.scene = i == 1;
        break;
    case OPT_SCENE_THRESHOLD:
        c->o.scene_threshold = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || !(c->o.scene_threshold > 0) ||
            c->o.scene_threshold > 1)
            return sv_opt_usage_error("bad --scene-threshold '%s': want a "
                                      "number in (0, 1]", arg);
        break;
    case OPT_DEINTERLACE:
        rc = choice("deinterlace", arg, deints, &i);
        c->o.deint = (enum sv_deint)i;
        break;
    case OPT_THREADS:
        if (sv_parse_int(arg, 0, 64, &v) < 0)
            return sv_opt_usage_error("bad --threads '%s': want 0 to 64",
                                      arg);
        c->o.threads = (int)v;
        break;
    case OPT_AUDIO_BITRATE:
        if (sv_parse_bitrate(arg, &v) < 0 || v < 8000 || v > 512000)
            return sv_opt_usage_error("bad --audio-bitrate '%s': want 8k to "
                                      "512k", arg);
        c->o.audio_bitrate = v;
        break;
    case OPT_NO_AUDIO:
        c->o.no_audio = 1;
        break;
    case OPT_HW:
        rc = choice("hw", arg, hws, &i);
        c->o.hw = (enum sv_hw)i;
        break;
    case OPT_LIST_HW:
        c->list_hw = 1;
        break;
    case OPT_STRICT:
        c->o.strict = 1;
        break;
    case OPT_TWO_PASS:
        c->o.two_pass = 1;
        break;
    }
    return rc;
}

/* Combinations the table cannot express. */
static int
check(struct cli *c, struct sv_opt_result *res)
{
    int webm = c->o.codec == SV_CODEC_VP9 || c->o.codec == SV_CODEC_AV1;

    if (res->argc < 1)
        return sv_opt_usage_error("missing input (a file, a URL or '-')");
    if (res->argc > 1)
        return sv_opt_usage_error("too many arguments: '%s'",
                                  res->argv[1]);
    c->o.input = res->argv[0];
    if (c->o.outdir != NULL && c->have_format)
        return sv_opt_usage_error("--format is for stdout; with -o <dir> "
                                  "use --container");
    if (c->o.outdir == NULL && c->have_container)
        return sv_opt_usage_error("--container needs -o <dir>");
    if (!c->have_format && webm)
        c->o.format = "matroska";
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
    if (c->o.outdir == NULL && isatty(STDOUT_FILENO))
        return sv_opt_usage_error("refusing to write media to a terminal; "
                                  "redirect stdout or use -o <dir>");
    return 0;
}

int
main(int argc, char **argv)
{
    struct cli c;
    struct sv_opt_result res;
    int rc;

    sv_log_init("sv-transcode");
    memset(&c, 0, sizeof(c));
    c.o.format = "mpegts";
    c.o.container = "mp4";
    c.o.ladder = "default";
    c.o.crf = -1;
    c.o.gop_us = 2000000;
    c.o.scene_threshold = 0.15;
    c.o.hw = SV_HW_AUTO;
    c.o.audio_bitrate = 128000;
    rc = sv_opt_parse(&sv_transcode_tool, argc, argv, on_opt, &c, &res);
    if (rc < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    sv_media_init();
    if (c.list_hw) {
        if (res.argc > 0)
            return sv_opt_usage_error("--list-hw takes no input"),
                   SV_EXIT_USAGE;
        return sv_transcode_list_hw() < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
    }
    if (check(&c, &res) < 0)
        return SV_EXIT_USAGE;
    if (c.events != NULL && (rc = sv_event_open(c.events)) < 0) {
        sv_log_error("cannot open events '%s': %s", c.events,
                     sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    sv_sig_install();
    rc = sv_transcode_run(&c.o);
    sv_event_close();
    if (rc == SV_EINTR)
        sv_log_info("stopped by signal; outputs finalized");
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
