/* job.h -- the transcoding job shared by transcode.c, rung.c, report.c */
#ifndef SV_MEDIA_JOB_H
#define SV_MEDIA_JOB_H

#include <stdatomic.h>

#include "core/json.h"
#include "media/av.h"
#include "media/chunk.h"
#include "media/queue.h"
#include "media/scene.h"
#include "media/thumbs.h"

#define RUNG_QUEUE 8            /* frames waiting per encoder */

struct rung {
    struct job *job;
    int idx;
    AVCodecContext *enc;
    struct sv_queue q;
    pthread_t thread;
    int started;
    int64_t bytes, frames;
};

/* what the first of two passes leaves for the second */
struct twopass {
    char dir[64];               /* temporary directory of x264/x265 stats */
    char *mem[SV_LADDER_MAX];   /* libvpx/libaom stats */
};

struct job {
    const struct sv_transcode_opts *o;
    int pass;                   /* 0: single; 1: analysis only; 2: final */
    struct twopass *tp;
    struct sv__input in;
    struct sv_ladder lad;
    struct sv__vgraph vg;
    struct sv__agraph ag;
    AVCodecContext *aenc;
    struct sv__mux mux;
    int mux_open;
    int nrungs;                 /* encoders opened */
    struct rung r[SV_LADDER_MAX];
    const struct sv__hw *hw;
    AVBufferRef *hwdev;
    struct sv_kf kf;
    struct sv_scene scene;
    atomic_int failed;          /* first error from any thread */
    int64_t vframes;            /* frames through the ladder graph */
    int64_t vend;               /* end of the last input frame (stream tb) */
    int64_t pos_us;             /* output position reached */
    int64_t abytes, aframes;
    /* decoded audio before the first video frame, until the graphs are
     * built (at most EARLY_MAX frames) */
    AVFrame **early;
    int nearly;
    int early_dropped;
    int64_t t0, last_event;
    int global_header;
    /* a chunk (--chunks, --range): frames [r_start, r_end) at the output
     * rate, r_end SV_CHUNK_OPEN for the rest of the title */
    int ranged;
    int64_t r_start, r_end;
    int64_t r_from;             /* encoding starts here: the pre-roll */
    int64_t r_to;               /* and ends here (the post-roll), or open */
    int vdone;                  /* the chunk's last frame has gone by */
    int vflushed;               /* the video decoder has been drained */
    struct sv_thumbs *thumbs;   /* --thumbnails, --scenes; NULL: none */
    const char *trf;            /* --stabilize: the analysis pass's file */
    struct sv_sr *sr;           /* --upscale sr: the rungs' upscaler */
    enum AVPixelFormat vfmt;    /* the encoders' input format */
    struct {
        int ten_bit, tagged;
        enum AVColorPrimaries prim;
        enum AVColorTransferCharacteristic trc;
        enum AVColorSpace space;
        char x265_hdr[256];     /* HDR kept in HEVC: x265's SEI params */
    } color;                    /* of every rung (enhance_setup) */
};

/* --- transcode.c --- */

int64_t sv__now_us(void);

/* Records the job's first error (from any thread); later ones are lost. */
void sv__job_fail(struct job *j, int rc);

/*
 * Picks the encoder hardware o->hw asks for (auto: the first usable,
 * else software with a video.transcoding.fallback event).  On success
 * *hw is the backend or NULL for software, *dev a new device reference.
 * Returns 0 or SV_ENOHW (logged) when --hw names one that is not usable.
 */
int sv__hw_pick(const struct sv_transcode_opts *o, const struct sv__hw **hw,
                AVBufferRef **dev);

/* How an input is named in messages ("stdin" for "-"). */
const char *sv__shown(const char *url);

/* --- chunk_range.c: the part of the title a chunk run encodes --- */

/*
 * Turns --chunks/--chunk or --range into j's frame range, on the keyframe
 * grid of a whole run, once the input is open.  Logs and returns SV_EUSAGE
 * when the range does not fit the title or its grid.
 */
int sv__chunk_resolve(struct job *j);

/* Seeks the input to the keyframe at or before the chunk's first frame. */
int sv__chunk_seek(struct job *j);

/* --- rung.c: one encoder thread per rung --- */

/*
 * Takes every packet enc has ready and writes it for rung (-1: audio),
 * counting bytes and frames.  Returns 0 or a negative code.
 */
int sv__drain_packets(struct job *j, AVCodecContext *enc, int rung,
                      int64_t *bytes, int64_t *frames);

/* Threads for a rung of w x h in a ladder of pixels in all. */
int sv__rung_threads(int w, int h, double pixels);

/* Starts the encoder threads of the opened rungs. */
int sv__rungs_start(struct job *j);

/* Ends the rungs' queues: closed (flush and finish) with ok, else aborted. */
void sv__rungs_end(struct job *j, int ok);

/* Waits for the encoder threads and frees what their queues still hold. */
void sv__rungs_join(struct job *j);

/* --- report.c: progress and the complete event --- */

/* The progress bar (a terminal) and, about once a second or when final,
 * the video.transcoding.progress event. */
void sv__report_progress(struct job *j, int final);

/* The video.transcoding.complete event with per-rung figures. */
void sv__report_complete(struct job *j, int interrupted);

#endif
