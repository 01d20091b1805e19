/* av_slate.h -- a generated slate (colour bars or an image, with silence)
 * encoded to match a live stream, for sv-publish's simulcast to keep its
 * destinations alive while the input is gone (no libav header leaks) */
#ifndef SV_AV_SLATE_H
#define SV_AV_SLATE_H

#include <stddef.h>
#include <stdint.h>

struct sv_slate_cfg {
    int width, height;          /* 0: no video */
    int fps_num, fps_den;
    int profile, level;         /* H.264 profile_idc and level_idc, 0: any */
    int sample_rate, channels;  /* 0: no audio */
    const char *image;          /* a picture file; NULL: colour bars */
};

struct sv_slate;

/*
 * Opens the encoders (libx264 for H.264, FFmpeg's AAC) for cfg and
 * renders the picture.  Returns 0 with *out, or a negative code with a
 * message in err (an image that does not decode: SV_EFORMAT).
 */
int sv_slate_new(struct sv_slate **out, const struct sv_slate_cfg *cfg,
                 char *err, size_t size);

/*
 * The next video frame: an Annex B access unit (parameter sets before each
 * keyframe; the first frame is one, then one every two seconds).  *p is
 * valid until the next call.  Returns 0 or a negative code.
 */
int sv_slate_video(struct sv_slate *s, const uint8_t **p, size_t *len,
                   int *key);

/* The next 1024 samples of silence as one ADTS AAC frame.  Same returns. */
int sv_slate_audio(struct sv_slate *s, const uint8_t **p, size_t *len);

void sv_slate_free(struct sv_slate *s);

#endif
