/* sr.h -- x2 super resolution: the trained luma network (sr_weights.h,
 * from scripts/sr/train.py) run in our own C, chroma by swscale lanczos */
#ifndef SV_SR_H
#define SV_SR_H

#include <stddef.h>
#include <stdint.h>

struct AVFrame;

/* the scaler of rungs larger than the source (--upscale) */
enum sv_upscaler { SV_UPSCALE_SR, SV_UPSCALE_LANCZOS };

struct sv_upscale {
    int on;
    int factor;                 /* 2 for "2x"; 0 when a box is given */
    int w, h;                   /* the box of "WxH" */
    enum sv_upscaler scaler;
};

/*
 * Parses --upscale's "2x|WxH[:sr|lanczos]" into u.  Returns 0, or -EINVAL
 * with why written into err (size bytes); u is written only on success.
 */
int sv_sr_upscale_parse(const char *arg, struct sv_upscale *u, char *err,
                        size_t size);

struct sv_sr;

/*
 * A runner with threads workers (0: one per online CPU, at most 16).
 * Returns 0 and *out, or -ENOMEM.  Free with sv_sr_free (takes NULL).
 */
int sv_sr_new(struct sv_sr **out, int threads);
void sv_sr_free(struct sv_sr *s);

/*
 * Upscales one 8-bit plane of w x h (at least 1 x 1) at src (stride
 * sstride) to 2w x 2h at dst (stride dstride), tile by tile over the
 * workers.  The edges are replicated, as in training.  Returns 0 or a
 * negative code (a thread could not start).
 */
int sv_sr_plane(struct sv_sr *s, const uint8_t *src, ptrdiff_t sstride,
                int w, int h, uint8_t *dst, ptrdiff_t dstride);

/*
 * Upscales a yuv420p frame to a new frame of w x h in pixel format fmt:
 * the luma by the network (x2), the chroma by lanczos, then lanczos to
 * w x h and fmt when they differ from 2x and yuv420p.  Properties (pts,
 * colour tags) are copied.  Returns 0 and *out (the caller's), or a
 * negative code; -EINVAL when in is not yuv420p.
 */
int sv_sr_frame(struct sv_sr *s, const struct AVFrame *in, int w, int h,
                int fmt, struct AVFrame **out);

#endif
