/* quality_math.h -- picture quality measures with no libav: PSNR, SSIM
 * (FFmpeg's way), MS-SSIM and pooling; sv-stats quality and the per-title
 * trial encodes both use these */
#ifndef SV_QUALITY_MATH_H
#define SV_QUALITY_MATH_H

#include <stddef.h>

#include "media/av_quality.h"

/* Mean squared error of two planes of one size. */
double sv_quality_mse(const struct sv_plane8 *a, const struct sv_plane8 *b);

/* PSNR in dB of an MSE for samples up to peak (255); mse 0 gives
 * SV_QUALITY_PSNR_MAX rather than infinity. */
#define SV_QUALITY_PSNR_MAX 100.0
double sv_quality_psnr(double mse, double peak);

/*
 * SSIM of one plane the way FFmpeg's ssim filter (and x264) computes it:
 * 8x8 windows of summed 4x4 blocks on a 4-pixel grid, no Gaussian.
 * Returns the mean, or -ENOMEM / -EINVAL (planes under 8x8) as a
 * negative number.
 */
double sv_quality_ssim(const struct sv_plane8 *a, const struct sv_plane8 *b);

/*
 * MS-SSIM (Wang, Simoncelli, Bovik 2003) of one plane: 11x11 Gaussian
 * windows (sigma 1.5), five scales with weights 0.0448 0.2856 0.3001
 * 0.2363 0.1333, 2x2 mean then subsampling between scales.  Scales whose
 * plane is smaller than the window are dropped and the weights of the
 * rest renormalised; negative contrast-structure terms count as 0.
 * *scales (may be NULL) gets the number used.  Returns the score, or a
 * negative code (-EINVAL under 11x11, -ENOMEM).
 */
double sv_quality_msssim(const struct sv_plane8 *a, const struct sv_plane8 *b,
                         int *scales);

/* What a series of per-frame scores pools to. */
struct sv_quality_pool {
    double mean;
    double harmonic;            /* n / sum(1/x); NAN when some x <= 0 */
    double p1;                  /* 1st percentile, linear between ranks */
    double min, max;
};

/* Pools v[0..n), n >= 1.  Returns 0 or -ENOMEM (sorting a copy). */
int sv_quality_pool(const double *v, size_t n, struct sv_quality_pool *out);

#endif
