/* package.h -- sv-package's one entry point: inputs in, a package out */
#ifndef SV_PACK_PACKAGE_H
#define SV_PACK_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

struct sv_pack_opts {
    const char *const *inputs;  /* "-" is stdin */
    int ninputs;
    const char *format;         /* force the input demuxer, or NULL */
    const char *out;            /* directory, or "-" for a tar stream */
    int64_t segment_us;         /* target segment duration */
    int64_t part_us;            /* LL-HLS / LL-DASH part duration */
    int64_t window_us;          /* live window */
    int64_t gap_us;             /* a forward jump beyond this is a gap */
    int live;
    int dvr;
    int ll_hls;
    int ll_dash;                /* parts too, MPD with availabilityTimeOffset */
    int hls;                    /* render HLS playlists */
    int dash;                   /* render the MPD */
    int single_file;
    int ts;                     /* MPEG-TS segments instead of fMP4 */
    int64_t max_queue;          /* bytes a track may buffer (bounded) */
    /* Common Encryption of fMP4 segments as they are written */
    const char *encrypt;        /* "cenc" | "cbcs", or NULL */
    const json_t *keys;         /* key document (borrowed) */
    unsigned systems;           /* sv_drm_system bits to signal */
    const char *key_uri;        /* HLS ClearKey URI; "{kid}" replaced */
    const json_t *steering;     /* content steering record (the model's,
                                   sv_model_steering_check), or NULL */
    const char *thumbnails;     /* sv-transcode's --thumbnails directory
                                   to link (VOD), or NULL */
};

/* Fills o with the defaults (4 s segments, 0.5 s parts, 60 s window). */
void sv_pack_defaults(struct sv_pack_opts *o);

/*
 * Packages o->inputs into o->out.  Events go through sv_event_emit().
 * Returns 0, or a negative code with a message (naming the input and the
 * problem) in err; no master playlist, MPD or package.json is written for
 * a VOD package that failed.
 */
int sv_pack_run(const struct sv_pack_opts *o, char *err, size_t size);

#endif
