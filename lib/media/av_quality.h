/* av_quality.h -- decoded picture pairs for sv-stats quality (no libav
 * headers): the reference as it is, the distorted one scaled to it */
#ifndef SV_AV_QUALITY_H
#define SV_AV_QUALITY_H

#include <stddef.h>
#include <stdint.h>

/* One 8-bit plane. */
struct sv_plane8 {
    const uint8_t *data;
    ptrdiff_t stride;
    int width, height;
};

/* A picture as planes: 1 (gray) or 3 (Y, U, V). */
struct sv_picture {
    int nplanes;
    struct sv_plane8 p[3];
};

struct sv_av_pair_info {
    int ref_width, ref_height;
    int dist_width, dist_height;
    char ref_format[32], dist_format[32];   /* decoders' pixel formats */
    char format[32];            /* what both are compared in */
    int scaled;                 /* DIST was resized to REF's size */
};

struct sv_av_pair;

/*
 * Opens ref and dist (files or URLs, "-" is stdin for one of them) and
 * their video decoders.  Pictures are compared in REF's pixel format when
 * it is 8-bit planar YUV or gray, else in yuv420p; DIST is converted and
 * scaled to REF's size with swscale's bicubic filter, as a player scales.
 * Logs a message naming the input on failure.  Returns 0 or a negative
 * code (SV_EFORMAT: not media; SV_ENOMEDIA: no video).
 */
int sv_av_pair_open(struct sv_av_pair **out, const char *ref,
                    const char *dist);

void sv_av_pair_info(const struct sv_av_pair *p,
                     struct sv_av_pair_info *info);

/*
 * Decodes the next frame of each, pairing them by their order (frame n of
 * REF with frame n of DIST).  The pictures stay valid until the next call.
 * Returns 1, 0 when either input has ended (see sv_av_pair_left()), or a
 * negative code (logged).
 */
int sv_av_pair_next(struct sv_av_pair *p, struct sv_picture *ref,
                    struct sv_picture *dist);

/* After the end: frames the longer input had beyond the shorter (+: REF,
 * -: DIST), counted to their ends. */
int64_t sv_av_pair_left(struct sv_av_pair *p);

void sv_av_pair_close(struct sv_av_pair *p);

/* Whether the linked libavfilter has the libvmaf filter. */
int sv_av_has_vmaf(void);

#endif
