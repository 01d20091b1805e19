/* images.h -- the thumbnails track: HLS image playlist, DASH image
 * AdaptationSet, its package.json record, and the WebVTT check */
#ifndef SV_MODEL_IMAGES_H
#define SV_MODEL_IMAGES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "model/model.h"

/*
 * Checks a thumbnails track against img: "WEBVTT" first, then one cue per
 * thumbnail in order, cue i from i * interval (to the millisecond) to the
 * next, its payload "sprite-NNN.jpg#xywh=X,Y,W,H" naming cell i of the
 * grid (sheet i / (cols * rows), row-major in it, W x H the cell size).
 * text is len bytes, not NUL-terminated.  Returns 0, or SV_EFORMAT with
 * the first problem and its line in err.
 */
int sv_images_vtt_check(const struct sv_model_images *img, const char *text,
                        size_t len, char *err, size_t size);

/*
 * Checks img (as read from thumbnails.json or package.json): 1 to 10000
 * sheets, cells that fit them, a grid of 1..100 per side, cells of 8 to
 * 4096 pixels, an interval from 0.1 s to an hour.  Returns 0 or
 * SV_EFORMAT with the reason in err.
 */
int sv_images_check(const struct sv_model_images *img, char *err,
                    size_t size);

/* The image media playlist (EXT-X-IMAGES-ONLY, EXT-X-TILES per sheet). */
int sv_images_hls_playlist(const struct sv_model *m, struct sv_buf *out);

/* The master's EXT-X-IMAGE-STREAM-INF line; nothing without the track. */
int sv__images_hls_master(const struct sv_model *m, struct sv_buf *out);

/* The DASH-IF thumbnail AdaptationSet (contentType image); nothing
 * without the track. */
int sv__images_dash(const struct sv_model *m, int id, struct sv_buf *out);

/* package.json's "thumbnails" record (a new reference), NULL without. */
json_t *sv__images_json(const struct sv_model_images *img);

/* Reads it back into img (zeroed when o is NULL); SV_EFORMAT with err. */
int sv__images_from_json(struct sv_model_images *img, const json_t *o,
                         char *err, size_t size);

#endif
