/* thumbs.h -- thumbnails of a transcode: sprite sheets, a WebVTT track of
 * them, a poster frame, and the scene cuts */
#ifndef SV_THUMBS_H
#define SV_THUMBS_H

#include <stdint.h>

#include <libavutil/frame.h>
#include <libavutil/rational.h>

struct sv_thumbs;

/*
 * Starts the thumbnails of a title whose frames have pts in tb: into dir
 * (NULL: none) one cell every interval_us, and the scene cuts (score over
 * threshold) into the JSON file scenes (NULL: none).  Returns 0 or a
 * negative code; *out is the caller's to sv_thumbs_free().
 */
int sv_thumbs_new(struct sv_thumbs **out, const char *dir,
                  int64_t interval_us, const char *scenes, double threshold,
                  AVRational tb);

/*
 * Looks at one output frame: small (any rung; analysed and cut into
 * cells) and big (the poster's candidate at its size), both with the same
 * pts.  Keeps references, never changes them.  Returns 0 or a negative code.
 */
int sv_thumbs_frame(struct sv_thumbs *t, const AVFrame *small,
                    const AVFrame *big);

/*
 * Writes the sprite sheets, thumbnails.vtt, poster.jpg and thumbnails.json
 * into the directory and the scenes file, for a title ending at end (pts).
 * Each file appears whole.  Returns 0 or a negative code (logged).
 */
int sv_thumbs_finish(struct sv_thumbs *t, int64_t end);

/* NULL-safe. */
void sv_thumbs_free(struct sv_thumbs *t);

#endif
