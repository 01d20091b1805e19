/* transcode.h -- the sv-transcode job: decode once, encode a ladder */
#ifndef SV_TRANSCODE_H
#define SV_TRANSCODE_H

#include <stdint.h>

#include "media/enhance.h"
#include "media/sr.h"

enum sv_codec { SV_CODEC_H264, SV_CODEC_HEVC, SV_CODEC_VP9, SV_CODEC_AV1 };
enum sv_rate { SV_RATE_CRF, SV_RATE_CBR };
enum sv_deint { SV_DEINT_AUTO, SV_DEINT_ON, SV_DEINT_OFF };
enum sv_hw { SV_HW_NONE, SV_HW_AUTO, SV_HW_NVENC, SV_HW_VAAPI, SV_HW_QSV };

struct sv_transcode_opts {
    const char *input;          /* path, URL, or "-" for stdin */
    const char *outdir;         /* NULL: one stream on stdout */
    const char *format;         /* pipe format: mpegts, nut, matroska */
    const char *container;      /* outdir files: mp4, ts, mkv */
    const char *ladder;         /* spec or preset name */
    const char *ladder_json;    /* not NULL: a ladder JSON's text, used
                                 * in place of ladder (--per-title) */
    enum sv_codec codec;
    enum sv_rate rate;
    int crf;                    /* -1: the codec's default */
    const char *preset;         /* encoder speed preset; NULL: default */
    int64_t gop_us;             /* keyframe interval (the longest, scene) */
    int scene;                  /* keyframes at scene cuts */
    double scene_threshold;
    enum sv_deint deint;
    enum sv_hw hw;
    int64_t audio_bitrate;
    int no_audio;
    int two_pass;               /* VOD: two passes at the rungs' bitrates */
    int strict;                 /* decode errors are fatal */
    int threads;                /* encoder threads per rung; 0: auto */
    int scale_from;             /* 1: rungs scaled from the next larger */
    /* chunked encoding (chunk.h): the part of the title to encode */
    int chunks;                 /* --chunks N; 0: not cut */
    int chunk;                  /* --chunk I of N */
    double range[2];            /* --range in seconds; [1] < 0: to the end;
                                 * [0] < 0: no range */
    struct sv_enhance enh;      /* clean-up filters (enhance.h) */
    struct sv_upscale up;       /* --upscale: rungs past the source (sr.h) */
    const char *thumbs_dir;     /* --thumbnails: sprites, VTT, poster */
    int64_t thumb_interval_us;
    const char *scenes;         /* --scenes: scene cuts as JSON */
};

/* codec names as options spell them, indexed by enum sv_codec */
extern const char *const sv_codec_names[];

/*
 * Runs the job.  Messages go through lib/core/log, events through
 * lib/core/event.  Returns 0, 1 when a reader closed stdout early (a quiet
 * stop), or a negative code after logging the problem; outputs under a
 * final name are complete (a clean stop by signal finalizes them and
 * returns SV_EINTR).
 */
int sv_transcode_run(const struct sv_transcode_opts *o);

/*
 * --split-plan: decodes the video once and prints the chunk boundaries
 * (keyframe grid, scene-aware; o->chunks parts, or about a minute each) as
 * one JSON object on stdout.  Returns 0 or a negative code (logged).
 */
int sv_transcode_split_plan(const struct sv_transcode_opts *o);

/*
 * --join: joins the chunk files in directory o->input into one stream on
 * stdout (o->format, the rungs in ladder order plus the audio of the first
 * chunk) or one file per rung under o->outdir, copying packets.  Fails,
 * naming the frames, when a chunk is missing, overlaps another or holds
 * other frames than its name says.  Returns 0 or a negative code (logged).
 */
int sv_transcode_join(const struct sv_transcode_opts *o);

/* Prints the JSON of usable hardware (--list-hw) on stdout. */
int sv_transcode_list_hw(void);

/* Installs av_strerror as lib/core/err's fallback and quiets libav logs. */
void sv_media_init(void);

#endif
