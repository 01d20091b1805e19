/* opts.c -- sv-transcode's one option table */
#include <stdint.h>
#include <stdlib.h>

#include "core/opt.h"
#include "media/chunk.h"
#include "media/ladder.h"
#include "opts.h"

/* --crf: -1 until given, the codec then picks (its default is prose) */
struct sv_transcode_args sv_transcode_args = {
    .o.crf = -1,
    .o.range = { -1, -1 },
};

#define A sv_transcode_args
#define O sv_transcode_args.o

static const char *const usage[] = {
    "<input> [options] > out.ts",
    "<input> -o <dir> [options]",
    "--list-hw",
    "<input> --chunks <n> --chunk <i> -o <dir> [options]",
    "<input> --range <start-end> -o <dir> [options]",
    "<input> --split-plan [--chunks <n>] [options]",
    "--join <dir> [-o <dir>] [options] > out.ts",
    "<input> --per-title [--ladder-out <file>] [options] > out.ts",
    NULL,
};

static int
ladder(const struct sv_opt *o, const char *arg)
{
    struct sv_ladder l;
    char err[256];

    if (sv_ladder_parse(arg, &l, err, sizeof(err)) < 0)
        return sv_opt_usage_error("bad --ladder '%s': %s", arg, err);
    return 0;
}

/* a real number in (0, 1]: the one option of its kind */
static int
threshold(const struct sv_opt *o, const char *arg)
{
    char *end;
    double v = strtod(arg, &end);

    if (*arg == '\0' || *end != '\0' || !(v > 0) || v > 1)
        return sv_opt_usage_error("bad --%s '%s': expected a number in "
                                  "(0, 1]", o->name, arg);
    *(double *)o->dest = v;
    return 0;
}

/* --range START-END in seconds */
static int
range(const struct sv_opt *o, const char *arg)
{
    double *r = o->dest;
    char err[128];

    if (sv_chunk_range_parse(arg, &r[0], &r[1], err, sizeof(err)) < 0)
        return sv_opt_usage_error("bad --range '%s': %s", arg, err);
    return 0;
}

/* --denoise hqdn3d|nlmeans[:STRENGTH] */
static int
denoise(const struct sv_opt *o, const char *arg)
{
    char err[128];

    if (sv_enhance_denoise_parse(arg, o->dest, err, sizeof(err)) < 0)
        return sv_opt_usage_error("bad --denoise '%s': %s", arg, err);
    return 0;
}

/* --sharpen[=AMOUNT]: unsharp's luma amount, 1 when not given */
static int
sharpen(const struct sv_opt *o, const char *arg)
{
    char *end;
    double v = arg != NULL ? strtod(arg, &end) : 1.0;

    if (arg != NULL && (*arg == '\0' || *end != '\0' || !(v > 0) || v > 5))
        return sv_opt_usage_error("bad --sharpen '%s': expected a number "
                                  "in (0, 5]", arg);
    *(double *)o->dest = v;
    return 0;
}

/* --upscale 2x|WxH[:sr|lanczos] */
static int
upscale(const struct sv_opt *o, const char *arg)
{
    char err[128];

    if (sv_sr_upscale_parse(arg, o->dest, err, sizeof(err)) < 0)
        return sv_opt_usage_error("bad --upscale '%s': %s", arg, err);
    return 0;
}

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Output"),
    { SV_OPT_STRING("output", 'o', "<dir>", "write one file per rung into "
                    "dir; '-' is stdout", "-", &O.outdir),
      .complete = "@dir" },
    { SV_OPT_WORD("format", 0, "<format>", "stream format on stdout: mpegts, "
                  "nut or matroska", "mpegts; matroska for vp9 and av1",
                  "mpegts nut matroska", &O.format),
      .flags = SV_OPT_DEFDOC },
    { SV_OPT_WORD("container", 0, "<ext>", "file format with -o: mp4, ts or "
                  "mkv", "mp4", "mp4 ts mkv", &O.container) },
    { SV_OPT_EVENTS(NULL, &A.events) },
    SV_OPT_SECTION("Ladder and encoding"),
    { SV_OPT_STRING("ladder", 'l', "<spec>", "rungs like "
                    "1080p:5000k,720p:2800k, a preset (default, live, "
                    "mobile, hd, uhd, sd) or @file.json from --ladder-out",
                    "default", &O.ladder),
      .complete = "default live mobile hd uhd sd", .cb = ladder },
    { SV_OPT_FLAG("per-title", 0, "fit the ladder to the content: trial "
                  "encodes of samples, rungs from the rate-quality hull, "
                  "capped by --ladder", &A.per_title) },
    { SV_OPT_STRING("ladder-out", 0, "<file>", "with --per-title: write the "
                    "ladder, its curves and the trial cost as JSON; '-' "
                    "writes it to stdout and encodes nothing", NULL,
                    &A.ladder_out),
      .complete = "@file" },
    /* the words are sv_codec_names, in enum sv_codec's order */
    { SV_OPT_CHOICE("codec", 'c', "<codec>", "video codec: h264, hevc, vp9 "
                    "or av1", "h264", "h264 hevc vp9 av1", &O.codec) },
    { SV_OPT_CHOICE("rate", 0, "<mode>", "rate control: crf (capped by the "
                    "rung's bitrate) or cbr", "crf", "crf cbr", &O.rate) },
    { SV_OPT_INT("crf", 0, "<n>", "quality for --rate crf (lower is better)",
                 "23 h264, 28 hevc, 33 vp9, 35 av1", 0, 63, &O.crf),
      .flags = SV_OPT_DEFDOC },
    { SV_OPT_STRING("preset", 0, "<name>", "encoder speed preset (x264/x265 "
                    "names; cpu-used for vp9 and av1)",
                    "veryfast; 6 vp9; 8 av1", &O.preset),
      .flags = SV_OPT_DEFDOC },
    { SV_OPT_FLAG("two-pass", 0, "VOD: encode twice, at each rung's bitrate "
                  "on average (peaks at 1.5x); not with stdin",
                  &O.two_pass) },
    { SV_OPT_DURATION("gop", 'g', "keyframe interval, the same in every rung",
                      "2s", 100000, 60000000, &O.gop_us) },
    { SV_OPT_CHOICE("keyframes", 0, "<mode>", "keyframe placement: gop (a "
                    "fixed grid) or scene (at scene cuts, at most --gop "
                    "apart)", "gop", "gop scene", &O.scene) },
    { SV_OPT_CALLBACK("scene-threshold", 0, "<x>", "scene cut score in "
                      "(0, 1] for --keyframes scene", "0.15", threshold,
                      &O.scene_threshold) },
    { SV_OPT_CHOICE("deinterlace", 0, "<mode>", "deinterlace: auto (when "
                    "the source is interlaced), on or off", "auto",
                    "auto on off", &O.deint) },
    { SV_OPT_CHOICE("scale-from", 0, "<what>", "scale each rung from the "
                    "source, or from the next larger rung (about a third "
                    "less scaling work; 0.2 to 0.5 dB lower PSNR on the "
                    "small rungs)", "source", "source larger",
                    &O.scale_from) },
    { SV_OPT_INT("threads", 0, "<n>", "threads per rung encoder; 0 picks "
                 "from the cores and rungs", "0", 0, 64, &O.threads) },
    { SV_OPT_BITRATE("audio-bitrate", 0, "audio bitrate (AAC, or Opus for "
                     "vp9 and av1)", "128k", 8000, 512000,
                     &O.audio_bitrate) },
    { SV_OPT_FLAG("no-audio", 0, "leave the audio out", &O.no_audio) },
    SV_OPT_SECTION("Enhancement"),
    { SV_OPT_CALLBACK("denoise", 0, "<filter[:strength]>", "denoise with "
                      "hqdn3d (fast, temporal; strength 4) or nlmeans "
                      "(slower, better; strength 1)", NULL, denoise,
                      &O.enh),
      .complete = "hqdn3d nlmeans" },
    { SV_OPT_CALLBACK("sharpen", 0, "<amount>", "sharpen the luma (unsharp "
                      "mask, amount in (0, 5]; 1 when not given)", NULL,
                      sharpen,
                      &O.enh.sharpen),
      .flags = SV_OPT_OPTARG },
    { SV_OPT_FLAG("stabilize", 0, "stabilize shaky video (vid.stab: a "
                  "motion analysis pass, then the transform); not with "
                  "chunks", &O.enh.stabilize) },
    { SV_OPT_FLAG("tonemap", 0, "tone map HDR10/HLG BT.2020 to SDR BT.709 "
                  "(zscale, hable), tagged BT.709", &O.enh.tonemap) },
    { SV_OPT_CALLBACK("upscale", 0, "<2x|WxH[:scaler]>", "let rungs grow "
                      "past the source up to 2x or the box WxH; those "
                      "larger than the source are upscaled by sr (the "
                      "trained x2 network) or lanczos", NULL, upscale,
                      &O.up),
      .complete = "2x 2x:sr 2x:lanczos" },
    { SV_OPT_STRING("thumbnails", 0, "<dir>", "write sprite sheets, a WebVTT "
                    "thumbnail track and a poster into dir", NULL,
                    &O.thumbs_dir),
      .complete = "@dir" },
    { SV_OPT_DURATION("thumbnail-interval", 0, "time between thumbnails",
                      "5s", 200000, 600000000, &O.thumb_interval_us) },
    { SV_OPT_STRING("scenes", 0, "<file>", "write the scene cuts (usable as "
                    "chapters) as JSON into file", NULL, &O.scenes),
      .complete = "@file" },
    SV_OPT_SECTION("Hardware"),
    /* the words in enum sv_hw's order */
    { SV_OPT_CHOICE("hw", 0, "<name>", "encoder hardware: auto, none, nvenc, "
                    "vaapi or qsv", "auto", "none auto nvenc vaapi qsv",
                    &O.hw) },
    { SV_OPT_FLAG("list-hw", 0, "print usable hardware encoders and decoders "
                  "as JSON and exit", &A.list_hw) },
    SV_OPT_SECTION("Chunked encoding"),
    { SV_OPT_INT("chunks", 0, "<n>", "cut the title into n parts on the "
                 "keyframe grid (with --chunk or --split-plan)", NULL, 1,
                 SV_CHUNK_MAX, &O.chunks) },
    { SV_OPT_INT("chunk", 0, "<i>", "encode part i (from 0) of --chunks "
                 "into chunk files under -o", NULL, 0, SV_CHUNK_MAX - 1,
                 &O.chunk) },
    { SV_OPT_CALLBACK("range", 0, "<start-end>", "encode the part from "
                      "start to end seconds (on the keyframe grid; no end: "
                      "to the end) into chunk files", NULL, range,
                      &O.range) },
    { SV_OPT_FLAG("split-plan", 0, "print the chunk boundaries (keyframe "
                  "grid, at scene cuts where near) as JSON and exit",
                  &A.split_plan) },
    { SV_OPT_FLAG("join", 0, "join the chunk files in the input directory "
                  "into one stream, or one file per rung with -o",
                  &A.join) },
    SV_OPT_SECTION("Input"),
    { SV_OPT_FLAG("strict", 0, "fail on damaged input data instead of "
                  "skipping it", &O.strict) },
    SV_OPT_END,
};

const struct sv_tool sv_transcode_tool = {
    "sv-transcode",
    "decode a video once and encode an ABR ladder",
    usage,
    NULL,
    rows,
};
