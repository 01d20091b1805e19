/* sr_test.c -- lib/media/sr.c: the C inference gives what the training
 * script's network gives (sr_ref.h), whole or in tiles; --upscale values */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <libavutil/frame.h>

#include "media/sr.h"
#include "sr_ref.h"
#include "t.h"

/* Runs the reference input through n threads; counts the bytes that differ
 * from the script's output and the largest difference. */
static void
against_ref(int threads, int *ndiff, int *maxd)
{
    static uint8_t out[SR_REF_W * SR_REF_H * 4];
    struct sv_sr *s = NULL;
    int i, d;

    *ndiff = -1;
    *maxd = 255;
    CHECK_INT(sv_sr_new(&s, threads), 0);
    if (s == NULL)
        return;
    memset(out, 0, sizeof(out));
    CHECK_INT(sv_sr_plane(s, sr_ref_in, SR_REF_W, SR_REF_W, SR_REF_H, out,
                          2 * SR_REF_W), 0);
    *ndiff = 0;
    *maxd = 0;
    for (i = 0; i < SR_REF_W * SR_REF_H * 4; i++) {
        d = abs((int)out[i] - (int)sr_ref_out[i]);
        if (d > 0)
            (*ndiff)++;
        if (d > *maxd)
            *maxd = d;
    }
    sv_sr_free(s);
}

static void
matches_the_script(void)
{
    int ndiff, maxd;

    against_ref(1, &ndiff, &maxd);
    /* float sums in another order may round a byte the other way */
    CHECK(maxd <= 1);
    CHECK(ndiff >= 0 && ndiff <= SR_REF_W * SR_REF_H * 4 / 100);
    against_ref(4, &ndiff, &maxd);
    CHECK(maxd <= 1);
    CHECK(ndiff >= 0 && ndiff <= SR_REF_W * SR_REF_H * 4 / 100);
}

/* A picture larger than a tile gives the same bytes in one thread and in
 * several: tiles read their halo from the picture. */
static void
tiles_are_seamless(void)
{
    enum { W = 131, H = 77 };
    static uint8_t in[W * H], a[W * H * 4], b[W * H * 4];
    struct sv_sr *s1 = NULL, *s3 = NULL;
    int i;

    srand(16);
    for (i = 0; i < W * H; i++)
        in[i] = (uint8_t)((i % W) * 2 + (rand() % 32));
    CHECK_INT(sv_sr_new(&s1, 1), 0);
    CHECK_INT(sv_sr_new(&s3, 3), 0);
    if (s1 == NULL || s3 == NULL)
        goto out;
    CHECK_INT(sv_sr_plane(s1, in, W, W, H, a, 2 * W), 0);
    CHECK_INT(sv_sr_plane(s3, in, W, W, H, b, 2 * W), 0);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    /* a flat picture stays flat (up to rounding) */
    memset(in, 90, sizeof(in));
    CHECK_INT(sv_sr_plane(s3, in, W, W, H, a, 2 * W), 0);
    for (i = 0; i < W * H * 4; i++)
        if (abs(a[i] - a[0]) > 1)
            break;
    CHECK_INT(i, W * H * 4);
out:
    sv_sr_free(s1);
    sv_sr_free(s3);
}

/* Each path this CPU has (AVX-512, AVX2, the portable C) gives the same
 * bytes up to rounding on a picture of several tiles, partial ones too:
 * the vector paths are pinned to the scalar one, which is pinned to the
 * script. */
static void
paths_agree(void)
{
    enum { W = 157, H = 101 };
    static const char *env[] = { "SV_SR_SCALAR", "SV_SR_NO_AVX512", NULL };
    static uint8_t in[W * H], out[3][W * H * 4];
    struct sv_sr *s;
    int p, i, d, maxd = 0, ndiff = 0;

    srand(7);
    for (i = 0; i < W * H; i++)
        in[i] = (uint8_t)(((i % W) / 5 + (i / W) / 3) % 2 ? 200 : 30) +
                (uint8_t)(rand() % 24);
    for (p = 0; p < 3; p++) {
        if (env[p] != NULL)
            setenv(env[p], "1", 1);
        s = NULL;
        CHECK_INT(sv_sr_new(&s, 2), 0);
        if (s != NULL)
            CHECK_INT(sv_sr_plane(s, in, W, W, H, out[p], 2 * W), 0);
        sv_sr_free(s);
        if (env[p] != NULL)
            unsetenv(env[p]);
    }
    for (p = 1; p < 3; p++)
        for (i = 0; i < W * H * 4; i++) {
            d = abs((int)out[p][i] - (int)out[0][i]);
            ndiff += d > 0;
            maxd = d > maxd ? d : maxd;
        }
    CHECK(maxd <= 1);
    CHECK(ndiff <= W * H * 4 / 100);
}

static void
frame_sizes_and_formats(void)
{
    struct sv_sr *s = NULL;
    AVFrame *in = av_frame_alloc(), *out = NULL;

    CHECK_INT(sv_sr_new(&s, 2), 0);
    if (s == NULL || in == NULL)
        goto out;
    in->width = 40;
    in->height = 30;
    in->format = AV_PIX_FMT_YUV420P;
    in->pts = 1234;
    CHECK_INT(av_frame_get_buffer(in, 0), 0);
    memset(in->data[0], 100, (size_t)in->linesize[0] * 30);
    memset(in->data[1], 128, (size_t)in->linesize[1] * 15);
    memset(in->data[2], 128, (size_t)in->linesize[2] * 15);
    CHECK_INT(sv_sr_frame(s, in, 80, 60, AV_PIX_FMT_YUV420P, &out), 0);
    if (out != NULL) {
        CHECK_INT(out->width, 80);
        CHECK_INT(out->height, 60);
        CHECK_INT(out->pts, 1234);
        CHECK(abs(out->data[0][30 * out->linesize[0] + 40] - 100) <= 1);
        CHECK(abs(out->data[1][15 * out->linesize[1] + 20] - 128) <= 1);
    }
    av_frame_free(&out);
    /* past 2x, to another format: the network, then lanczos */
    CHECK_INT(sv_sr_frame(s, in, 100, 74, AV_PIX_FMT_NV12, &out), 0);
    if (out != NULL) {
        CHECK_INT(out->width, 100);
        CHECK_INT(out->height, 74);
        CHECK_INT(out->format, AV_PIX_FMT_NV12);
    }
    av_frame_free(&out);
    in->format = AV_PIX_FMT_NV12;
    CHECK_INT(sv_sr_frame(s, in, 80, 60, AV_PIX_FMT_YUV420P, &out), -EINVAL);
    CHECK(out == NULL);
out:
    av_frame_free(&in);
    sv_sr_free(s);
}

static void
parses_upscale(void)
{
    struct sv_upscale u;
    char err[128];

    CHECK_INT(sv_sr_upscale_parse("2x", &u, err, sizeof(err)), 0);
    CHECK_INT(u.factor, 2);
    CHECK_INT(u.scaler, SV_UPSCALE_SR);
    CHECK_INT(sv_sr_upscale_parse("1920x1080:lanczos", &u, err,
                                  sizeof(err)), 0);
    CHECK_INT(u.factor, 0);
    CHECK_INT(u.w, 1920);
    CHECK_INT(u.h, 1080);
    CHECK_INT(u.scaler, SV_UPSCALE_LANCZOS);
    CHECK_INT(sv_sr_upscale_parse("640x360:sr", &u, err, sizeof(err)), 0);
    CHECK_INT(u.scaler, SV_UPSCALE_SR);
    CHECK_INT(sv_sr_upscale_parse("3x", &u, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "expected 2x or WxH, then :sr or :lanczos");
    CHECK_INT(sv_sr_upscale_parse("2x:bicubic", &u, err, sizeof(err)),
              -EINVAL);
    CHECK_STR(err, "the scaler is sr or lanczos");
    CHECK_INT(sv_sr_upscale_parse("8x8", &u, err, sizeof(err)), -EINVAL);
    CHECK_INT(sv_sr_upscale_parse("x720", &u, err, sizeof(err)), -EINVAL);
    CHECK_INT(sv_sr_upscale_parse("1280x", &u, err, sizeof(err)), -EINVAL);
    CHECK_INT(sv_sr_upscale_parse("-1280x720", &u, err, sizeof(err)),
              -EINVAL);
    CHECK_INT(sv_sr_upscale_parse("", &u, err, sizeof(err)), -EINVAL);
}

int
main(void)
{
    RUN(matches_the_script);
    RUN(tiles_are_seamless);
    RUN(paths_agree);
    RUN(frame_sizes_and_formats);
    RUN(parses_upscale);
    return DONE();
}
