/* model.h -- the package model: the one source HLS, DASH and package.json
 * are rendered from (schema in sv-package(1), "PACKAGE MODEL") */
#ifndef SV_PACK_MODEL_H
#define SV_PACK_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"

#define SV_MODEL_MAX_PARTS 64

struct sv_model_part {
    uint32_t duration;          /* timescale units */
    uint64_t size;
    int independent;            /* starts with a sync sample */
};

struct sv_model_seg {
    uint64_t number;
    int64_t start;              /* media time (composition) of its first
                                   sample */
    uint32_t duration;          /* timescale units */
    uint64_t size;
    uint64_t offset;            /* byte offset (single file) */
    int64_t pdt_ms;             /* wall clock of start (live), ms epoch */
    int discontinuity;          /* first segment after a discontinuity */
    int nparts;                 /* 0 when parts are not kept */
    struct sv_model_part *parts;
};

struct sv_model_rend {
    char id[16];
    int video;
    char codecs[64];
    int width, height;
    double fps;
    /* video colour (ISO/IEC 23091-2 code points, 0 unknown): HLS
     * VIDEO-RANGE and DASH's CICP properties come from these */
    int primaries, transfer, matrix;
    uint32_t timescale;
    int64_t media_time;         /* media time at presentation time 0 (its
                                   init segment's edit list; DASH's
                                   presentationTimeOffset) */
    int channels, sample_rate;
    char lang[8];
    char group[16];             /* audio: its group; video: group it uses */
    int is_default;
    uint64_t bytes;             /* all segments written, window or not */
    double seconds;
    double peak_bps;            /* highest segment bit rate */
    struct sv_model_seg *seg;   /* the window (VOD: all) */
    size_t nseg, cap;
    uint64_t disc_seq;          /* discontinuities that left the window */
    /* the segment in progress (LL-HLS parts already published) */
    uint64_t cur_number;
    int64_t cur_start;
    int cur_discontinuity;
    int ncur;
    struct sv_model_part cur[SV_MODEL_MAX_PARTS];
    int single_file;            /* segments are byte ranges of one file */
    uint64_t init_size;         /* single file: bytes of ftyp+moov */
    uint64_t index_size;        /* single file: bytes of the sidx */
};

/* "SDR", "PQ" or "HLG" for a video rendition with a known transfer,
 * NULL when its colour is unknown (HLS then leaves VIDEO-RANGE out) */
const char *sv_model_video_range(const struct sv_model_rend *r);

/* A discontinuity: a new DASH Period starts at this segment. */
struct sv_model_disc {
    uint64_t number;
    double time;                /* seconds on the package timeline */
};

/*
 * The thumbnails track (sv-transcode --thumbnails, linked by sv-package
 * --thumbnails): sheets of cols x rows thumbnails filled row by row, one
 * every interval seconds, under SV_MODEL_IMG_DIR as sprite-NNN.jpg with
 * the WebVTT track that names their cells (sv-package(1), THUMBNAILS).
 */
struct sv_model_images {
    int sheets;                 /* 0: no thumbnails track */
    int cells;                  /* thumbnails in all */
    int cols, rows;
    int cell_w, cell_h;
    double interval;            /* seconds each thumbnail stands for */
    uint64_t bytes;             /* all sheets (the track's bandwidth) */
    int poster;                 /* a poster.jpg is there */
};

#define SV_MODEL_IMG_DIR "thumbs"
#define SV_MODEL_IMG_PLAYLIST "thumbs/images.m3u8"
#define SV_MODEL_IMG_VTT "thumbs/thumbnails.vtt"

struct sv_model {
    int live;
    int dvr;
    int ended;
    int ll_hls;
    int ll_dash;                /* chunked CMAF, availabilityTimeOffset */
    int ts;                     /* MPEG-TS segments (HLS only) */
    double seg_dur;             /* configured, seconds */
    double part_dur;            /* configured, seconds (LL-HLS) */
    double window;              /* seconds (live, not DVR) */
    int64_t ast_ms;             /* availability start time, ms epoch */
    int64_t now_ms;             /* publish time of this rendering */
    int target;                 /* EXT-X-TARGETDURATION */
    double part_target;         /* EXT-X-PART-INF PART-TARGET */
    int hls, dash;              /* which manifests are rendered */
    struct sv_model_rend *r;
    int nrend;
    json_t *encryption;         /* kept as given (sv-drm), or NULL */
    json_t *watermark;          /* kept as given (sv-drm watermark), or NULL */
    struct sv_model_disc *disc; /* in order; dropped as they leave */
    size_t ndisc;
    /* content steering: {"uri":..., "pathways":[{"id":..,"base":..}]}
     * (sv_model_steering_check), or NULL for one pathway; owned */
    json_t *steering;
    struct sv_model_images img;
};

/*
 * Checks a steering record: "uri" (the steering server, absolute or
 * relative) and 1 to 16 "pathways", each an "id" of 0-9 a-z A-Z . - _
 * and a "base" URL the package's files are under (ending in '/'), with
 * no quote, '<', '&' or blank in any of them.  Returns 0, or SV_EFORMAT
 * with the reason in err.
 */
int sv_model_steering_check(const json_t *s, char *err, size_t size);

/* Records a discontinuity at segment number (time in seconds). */
int sv_model_add_disc(struct sv_model *m, uint64_t number, double time);

/* File names inside the package, relative to its root. */
void sv_model_init_uri(const struct sv_model *m, const struct sv_model_rend *r,
                       char *buf, size_t size);
void sv_model_seg_uri(const struct sv_model *m,
                      const struct sv_model_rend *r, uint64_t number,
                      char *buf, size_t size);
void sv_model_part_uri(const struct sv_model_rend *r, uint64_t number,
                       int part, char *buf, size_t size);
void sv_model_playlist_uri(const struct sv_model_rend *r, char *buf,
                           size_t size);

#define SV_MODEL_MASTER "master.m3u8"
#define SV_MODEL_MPD "manifest.mpd"
#define SV_MODEL_JSON "package.json"

/* Adds a finished segment to r (taking the parts of r->cur); updates the
 * bandwidth figures.  Returns 0 or -ENOMEM. */
int sv_model_add_segment(struct sv_model_rend *r,
                         const struct sv_model_seg *s);

/*
 * Drops the oldest segments of r until the window holds at most window
 * seconds (never the last one).  Calls gone(ud, seg) for each dropped one
 * before it is freed.
 */
void sv_model_slide(struct sv_model_rend *r, double window,
                    void (*gone)(void *ud, const struct sv_model_rend *r,
                                 const struct sv_model_seg *s),
                    void *ud);

/* Keeps the parts of only the last keep segments (LL-HLS lists parts of
 * the live edge only). */
void sv_model_trim_parts(struct sv_model_rend *r, size_t keep);

/* Recomputes m->target from every segment in the model. */
void sv_model_update_target(struct sv_model *m);

/* Peak and average bandwidth of r in bits per second. */
long sv_model_peak(const struct sv_model_rend *r);
long sv_model_average(const struct sv_model_rend *r);

/* The model as package.json.  Returns a new reference or NULL. */
json_t *sv_model_to_json(const struct sv_model *m);

/*
 * Reads a model from package.json's root.  Returns 0 or SV_EFORMAT with a
 * message in err.  Release with sv_model_release().
 */
int sv_model_from_json(struct sv_model *m, const json_t *root, char *err,
                       size_t size);

void sv_model_release(struct sv_model *m);

/* ---- renderers (hls.c, dash.c) ---- */

/* Appends the multivariant playlist to out. */
int sv_hls_master(const struct sv_model *m, struct sv_buf *out);

/* Appends the media playlist of rendition i to out. */
int sv_hls_media(const struct sv_model *m, int i, struct sv_buf *out);

/* Appends the MPD to out. */
int sv_dash_mpd(const struct sv_model *m, struct sv_buf *out);

#endif
