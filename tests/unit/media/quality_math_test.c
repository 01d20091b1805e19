/* quality_math_test.c -- lib/media/quality_math.c: PSNR, SSIM, MS-SSIM and
 * pooling against figures worked out by hand */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "media/quality_math.h"
#include "t.h"

#define W 64
#define H 64

static uint8_t a[W * H], b[W * H];

static struct sv_plane8
plane(const uint8_t *p, int w, int h)
{
    struct sv_plane8 pl = { p, W, w, h };

    return pl;
}

static void
fill(uint8_t *p, int v)
{
    memset(p, v, W * H);
}

/* a deterministic texture (an LCG), so the windows have variance */
static void
texture(uint8_t *p, uint32_t seed, int amp, int base)
{
    for (int i = 0; i < W * H; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(base + (int)((seed >> 16) % (uint32_t)amp));
    }
}

static void
psnr_of_known_mse(void)
{
    struct sv_plane8 x = plane(a, W, H), y = plane(b, W, H);

    fill(a, 100);
    fill(b, 110);
    CHECK(fabs(sv_quality_mse(&x, &y) - 100.0) < 1e-12);
    /* 10 log10(255^2 / 100) */
    CHECK(fabs(sv_quality_psnr(100.0, 255) - 28.130803608679) < 1e-9);
    fill(b, 100);
    CHECK(sv_quality_mse(&x, &y) == 0);
    CHECK(sv_quality_psnr(0, 255) == SV_QUALITY_PSNR_MAX);
}

static void
ssim_identical_is_one(void)
{
    struct sv_plane8 x = plane(a, W, H), y = plane(b, W, H);

    texture(a, 7, 200, 20);
    memcpy(b, a, sizeof(a));
    CHECK(fabs(sv_quality_ssim(&x, &y) - 1.0) < 1e-6);
}

static void
ssim_of_flat_planes(void)
{
    struct sv_plane8 x = plane(a, W, H), y = plane(b, W, H);
    /* no variance: only the luminance term, with x264's constant c1 over
     * sums of 64 pixels (416) */
    double want = (2.0 * 4096 * 100 * 110 + 416) /
                  (4096.0 * (100 * 100 + 110 * 110) + 416);

    fill(a, 100);
    fill(b, 110);
    CHECK(fabs(sv_quality_ssim(&x, &y) - want) < 1e-6);
    CHECK(want < 1);
}

static void
ssim_rejects_tiny_planes(void)
{
    struct sv_plane8 x = plane(a, 7, 7), y = plane(b, 7, 7);

    CHECK(sv_quality_ssim(&x, &y) == -EINVAL);
}

static void
msssim_identical_is_one(void)
{
    struct sv_plane8 x = plane(a, W, H), y = plane(b, W, H);
    int scales = 0;

    texture(a, 11, 160, 40);
    memcpy(b, a, sizeof(a));
    CHECK(fabs(sv_quality_msssim(&x, &y, &scales) - 1.0) < 1e-9);
    /* 64, 32, 16; 8 is under the 11x11 window */
    CHECK_INT(scales, 3);
}

static void
msssim_of_a_brightness_shift(void)
{
    struct sv_plane8 x = plane(a, W, H), y = plane(b, W, H);
    double c1 = (0.01 * 255) * (0.01 * 255);
    double l = (2.0 * 100 * 110 + c1) / (100.0 * 100 + 110.0 * 110 + c1);
    /* contrast-structure is 1 at every scale (no variance), so only the
     * coarsest scale's luminance counts, with its renormalised weight */
    double want = pow(l, 0.3001 / (0.0448 + 0.2856 + 0.3001));
    int scales = 0;

    fill(a, 100);
    fill(b, 110);
    CHECK(fabs(sv_quality_msssim(&x, &y, &scales) - want) < 1e-9);
    CHECK_INT(scales, 3);
}

static void
msssim_falls_with_noise(void)
{
    struct sv_plane8 x = plane(a, W, H), y = plane(b, W, H);
    static uint8_t c[W * H];
    struct sv_plane8 z = plane(c, W, H);
    double little, more;

    texture(a, 3, 128, 64);
    for (int i = 0; i < W * H; i++) {
        b[i] = (uint8_t)(a[i] + (i % 3) - 1);
        c[i] = (uint8_t)(a[i] + 3 * ((i * 7) % 9) - 12);
    }
    little = sv_quality_msssim(&x, &y, NULL);
    more = sv_quality_msssim(&x, &z, NULL);
    CHECK(little < 1 && little > 0.9);
    CHECK(more < little);
    CHECK(more > 0);
    /* symmetric */
    CHECK(fabs(sv_quality_msssim(&y, &x, NULL) - little) < 1e-12);
}

static void
msssim_rejects_tiny_planes(void)
{
    struct sv_plane8 x = plane(a, 10, 40), y = plane(b, 10, 40);

    CHECK(sv_quality_msssim(&x, &y, NULL) == -EINVAL);
}

static void
pools_mean_harmonic_p1(void)
{
    const double v[] = { 4, 1, 3, 2 };
    struct sv_quality_pool p;

    CHECK_INT(sv_quality_pool(v, 4, &p), 0);
    CHECK(fabs(p.mean - 2.5) < 1e-12);
    CHECK(fabs(p.harmonic - 4 / (1 + 0.5 + 1.0 / 3 + 0.25)) < 1e-12);
    /* rank 0.03 between 1 and 2 */
    CHECK(fabs(p.p1 - 1.03) < 1e-12);
    CHECK(p.min == 1 && p.max == 4);
}

static void
pools_percentile_on_ranks(void)
{
    double v[101];
    struct sv_quality_pool p;

    for (int i = 0; i <= 100; i++)
        v[i] = 100 - i;
    CHECK_INT(sv_quality_pool(v, 101, &p), 0);
    CHECK(fabs(p.p1 - 1.0) < 1e-12);
    CHECK(fabs(p.mean - 50.0) < 1e-12);
    CHECK_INT(sv_quality_pool(v, 1, &p), 0);
    CHECK(p.p1 == 100 && p.harmonic == 100);
}

static void
harmonic_needs_positive_scores(void)
{
    const double v[] = { 0.5, 0, 0.7 };
    struct sv_quality_pool p;

    CHECK_INT(sv_quality_pool(v, 3, &p), 0);
    CHECK(isnan(p.harmonic));
    CHECK(p.min == 0);
    CHECK_INT(sv_quality_pool(v, 0, &p), -EINVAL);
}

int
main(void)
{
    RUN(psnr_of_known_mse);
    RUN(ssim_identical_is_one);
    RUN(ssim_of_flat_planes);
    RUN(ssim_rejects_tiny_planes);
    RUN(msssim_identical_is_one);
    RUN(msssim_of_a_brightness_shift);
    RUN(msssim_falls_with_noise);
    RUN(msssim_rejects_tiny_planes);
    RUN(pools_mean_harmonic_p1);
    RUN(pools_percentile_on_ranks);
    RUN(harmonic_needs_positive_scores);
    return DONE();
}
