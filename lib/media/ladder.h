/* ladder.h -- ABR ladders: the --ladder spec, presets, sizes per source */
#ifndef SV_LADDER_H
#define SV_LADDER_H

#include <stddef.h>
#include <stdint.h>

#define SV_LADDER_MAX 8         /* rungs in one ladder */
#define SV_LADDER_MAX_DIM 8192  /* widest or tallest rung */

struct sv_rung {
    int req_w;          /* requested box width; 0: follow the aspect */
    int req_h;          /* requested height */
    int width;          /* output size, set by sv_ladder_fit() */
    int height;
    int64_t bitrate;    /* target (VOD: the cap), bits per second */
    int crf;            /* --rate crf quality from a ladder JSON; -1: none */
    char name[24];      /* "720p", used for file names and events */
    int scaler;         /* how the graph sizes it (enum sv_rung_scaler) */
};

/* a rung's scaler: bicubic unless --upscale makes it larger than the
 * source; SR rungs leave the graph at the source size, for media/sr.c */
enum sv_rung_scaler { SV_RUNG_BICUBIC, SV_RUNG_LANCZOS, SV_RUNG_SR };

struct sv_ladder {
    int n;
    int preset;         /* 1 when it came from a preset name */
    int cascade;        /* 1: each rung scaled from the next larger one */
    struct sv_rung r[SV_LADDER_MAX];
};

/*
 * Parses "1080p:5000k,720p:2800k" or "1280x720:2800k,..." (a WxH rung is a
 * box the picture is fitted into), or a preset name.  Rungs keep the order
 * given.  "@FILE" reads the ladder JSON that --ladder-out writes (see
 * sv_ladder_parse_json()).  On failure writes a message into err (size
 * bytes) and returns SV_EUSAGE; out is written only on success.
 */
int sv_ladder_parse(const char *spec, struct sv_ladder *out, char *err,
                    size_t size);

/*
 * Parses the text of a ladder JSON file (len bytes, untrusted): an object
 * whose "ladder" array holds rungs {"res": short side in pixels,
 * "bitrate": bits per second, optional "crf": 0 to 63, ...}, other members
 * ignored.  The rungs are checked as a spec's are.  Returns 0 or SV_EUSAGE with a message in err.
 */
int sv_ladder_parse_json(const char *text, size_t len, struct sv_ladder *out,
                         char *err, size_t size);

/* The preset names, NULL-terminated, and the spec of one (NULL if none). */
extern const char *const sv_ladder_presets[];
const char *sv_ladder_preset_spec(const char *name);

/*
 * Sizes every rung for a source displayed as src_w x src_h (after rotation
 * and sample aspect ratio): keeps the aspect ratio, rounds to even sizes
 * and never upscales.  A rung's height ("720p") names the short side, so
 * a portrait source gets the same rungs turned (405x720).  Rungs taller than the source are dropped; when that
 * leaves none, a preset keeps its smallest rung at the source size while a
 * ladder given by hand fails.  Fails too when two rungs end at one size.
 * Returns 0 or SV_ELADDER with a message in err.
 */
int sv_ladder_fit(struct sv_ladder *l, int src_w, int src_h, char *err,
                  size_t size);

#endif
