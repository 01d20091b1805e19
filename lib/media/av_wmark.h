/* av_wmark.h -- decode, touch the luma, re-encode: what sv-drm's A/B
 * watermark needs of libav (no libav headers here) */
#ifndef SV_AV_WMARK_H
#define SV_AV_WMARK_H

#include <stddef.h>
#include <stdint.h>

/* One decoded picture's luma, writable in a re-encode. */
struct sv_av_luma {
    uint8_t *y;
    ptrdiff_t stride;
    int width, height;
    int64_t index;              /* frames before it, in presentation order */
    double time;                /* seconds from the input's first frame */
};

/* Sees (or changes) one frame; a negative return stops with that code. */
typedef int (*sv_av_luma_fn)(void *ud, struct sv_av_luma *l);

/* How to re-encode: H.264 (libx264) with these settings. */
struct sv_av_reenc_cfg {
    int crf;
    const char *preset;
};

/* One coded picture (Annex B), in decode order. */
struct sv_av_reenc_pkt {
    uint8_t *data;
    size_t size;
    int64_t rank;               /* its index in presentation order */
    int key;
};

struct sv_av_reenc {
    struct sv_av_reenc_pkt *pkt;
    size_t npkt;
    uint8_t *extradata;         /* SPS and PPS, Annex B */
    size_t extralen;
    int width, height;
};

/*
 * Decodes the video of the MP4 in mem[0..len) (an init segment followed by
 * one media segment will do), hands each frame's luma to fn (which may
 * change it) and encodes the frames again with libx264 under cfg as one
 * closed GOP: an IDR first, no other keyframe, so that the result can
 * stand in for a segment that starts at a keyframe.  Encoders of equal
 * settings give equal parameter sets, which is what lets two re-encodes
 * share an init segment.  Fills *out (release with sv_av_reenc_release()).
 * Returns 0, SV_ENOMEDIA (no video) or a negative code (logged).
 */
int sv_av_reencode(const uint8_t *mem, size_t len,
                   const struct sv_av_reenc_cfg *cfg, sv_av_luma_fn fn,
                   void *ud, struct sv_av_reenc *out);

void sv_av_reenc_release(struct sv_av_reenc *r);

/*
 * Decodes the video of url (when mem is NULL) or of mem[0..len), scales
 * each frame to a width x height gray picture (area averaging) and hands
 * it to fn.  Returns 0 or a negative code (logged, naming name).
 */
int sv_av_luma_scan(const char *name, const char *url, const uint8_t *mem,
                    size_t len, int width, int height, sv_av_luma_fn fn,
                    void *ud);

#endif
