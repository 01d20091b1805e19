/* opts.c -- sv-transcode's one option table */
#include <stddef.h>

#include "core/opt.h"
#include "opts.h"

static const char *const usage[] = {
    "<input> [options] > out.ts",
    "<input> -o <dir> [options]",
    "--list-hw",
    NULL,
};

static const struct sv_opt rows[] = {
    { NULL, 0, NULL, "Output", NULL, NULL, NULL, 0 },
    { "output", 'o', "<dir>", "write one file per rung into dir; '-' is "
      "stdout", "-", "@dir", NULL, 0 },
    { "format", OPT_FORMAT, "<format>", "stream format on stdout: mpegts, "
      "nut or matroska", "mpegts; matroska for vp9 and av1", "mpegts nut "
      "matroska", NULL, 0 },
    { "container", OPT_CONTAINER, "<ext>", "file format with -o: mp4, ts or "
      "mkv", "mp4", "mp4 ts mkv", NULL, 0 },
    { "events", OPT_EVENTS, "<dest>", "write JSON events to a path or fd:N",
      NULL, "@file", NULL, 0 },
    { NULL, 0, NULL, "Ladder and encoding", NULL, NULL, NULL, 0 },
    { "ladder", 'l', "<spec>", "rungs like 1080p:5000k,720p:2800k, or a "
      "preset: default, live, mobile, hd, uhd, sd", "default",
      "default live mobile hd uhd sd", NULL, 0 },
    { "codec", 'c', "<codec>", "video codec: h264, hevc, vp9 or av1", "h264",
      "h264 hevc vp9 av1", NULL, 0 },
    { "rate", OPT_RATE, "<mode>", "rate control: crf (capped by the rung's "
      "bitrate) or cbr", "crf", "crf cbr", NULL, 0 },
    { "crf", OPT_CRF, "<n>", "quality for --rate crf (lower is better)",
      "23 h264, 28 hevc, 33 vp9, 35 av1", NULL, NULL, 0 },
    { "preset", OPT_PRESET, "<name>", "encoder speed preset (x264/x265 "
      "names; cpu-used for vp9 and av1)", "veryfast; 6 vp9; 8 av1", NULL,
      NULL, 0 },
    { "two-pass", OPT_TWO_PASS, NULL, "VOD: encode twice, at each rung's "
      "bitrate on average (peaks at 1.5x); not with stdin", NULL, NULL, NULL,
      0 },
    { "gop", 'g', "<duration>", "keyframe interval, the same in every rung",
      "2s", NULL, NULL, 0 },
    { "keyframes", OPT_KEYFRAMES, "<mode>", "keyframe placement: gop (a "
      "fixed grid) or scene (at scene cuts, at most --gop apart)", "gop",
      "gop scene", NULL, 0 },
    { "scene-threshold", OPT_SCENE_THRESHOLD, "<x>", "scene cut score in "
      "(0, 1] for --keyframes scene", "0.15", NULL, NULL, 0 },
    { "deinterlace", OPT_DEINTERLACE, "<mode>", "deinterlace: auto (when "
      "the source is interlaced), on or off", "auto", "auto on off", NULL,
      0 },
    { "threads", OPT_THREADS, "<n>", "threads per rung encoder; 0 picks "
      "from the cores and rungs", "0", NULL, NULL, 0 },
    { "audio-bitrate", OPT_AUDIO_BITRATE, "<rate>", "audio bitrate (AAC, "
      "or Opus for vp9 and av1)", "128k", NULL, NULL, 0 },
    { "no-audio", OPT_NO_AUDIO, NULL, "leave the audio out", NULL, NULL,
      NULL, 0 },
    { NULL, 0, NULL, "Hardware", NULL, NULL, NULL, 0 },
    { "hw", OPT_HW, "<name>", "encoder hardware: auto, none, nvenc, vaapi "
      "or qsv", "auto", "auto none nvenc vaapi qsv", NULL, 0 },
    { "list-hw", OPT_LIST_HW, NULL, "print usable hardware encoders and "
      "decoders as JSON and exit", NULL, NULL, NULL, 0 },
    { NULL, 0, NULL, "Input", NULL, NULL, NULL, 0 },
    { "strict", OPT_STRICT, NULL, "fail on damaged input data instead of "
      "skipping it", NULL, NULL, NULL, 0 },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct sv_tool sv_transcode_tool = {
    "sv-transcode",
    "decode a video once and encode an ABR ladder",
    usage,
    NULL,
    rows,
};
