/* sr.c -- x2 super-resolution inference: three convolutions and the
 * sub-pixel shuffle on the luma plane, tiled over threads */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/frame.h>
#include <libswscale/swscale.h>

#include "media/sr.h"
#include "media/sr_weights.h"

/*
 * The network (scripts/sr/train.py): the input padded by PAD with its edge
 * pixels, then valid convolutions C0 (5x5, 1 -> 32), ReLU, C1 (3x3, 32 ->
 * 16), ReLU, C2 (3x3, 16 -> 4), plus the input pixel, shuffled into 2x2.
 * Padding once at the picture's edge (not per layer) is what lets a tile
 * read its halo from the picture and come out the same as a whole frame.
 *
 * Activations are stored pixel by pixel with the channels contiguous and
 * the weights as w[ky][kx][ic][oc], so the innermost loop runs over output
 * channels with a constant trip count: gcc -O2 (12+) vectorizes it
 * (-fopt-info-vec names the loops).
 */
#define PAD 4
#define N0 32
#define N1 16
#define N2 4
#define K0 5
#define K1 3
#define K2 3
#define TILE 48                 /* output pixels per tile side (low res) */
#define S0 (TILE + 2 * PAD)     /* input tile side */
#define S1 (TILE + 4)           /* after C0 */
#define S2 (TILE + 2)           /* after C1 */
#define MAX_THREADS 16

/* the build targets baseline x86-64 (SSE2); where the CPU has AVX2 and FMA
 * the loader picks clones of the convolutions built for them (8 floats a
 * step, fused multiply-add) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SIMD_CLONES
#endif

struct scratch {
    float in[S0 * S0];
    float a1[S1 * S1 * N0];
    float a2[S2 * S2 * N1];
};

struct sv_sr {
    int threads;
    struct scratch *sc;         /* one per thread */
    struct SwsContext *up;      /* whole frame x2, lanczos (the chroma) */
    struct SwsContext *fit;     /* 2x to the rung's size and format */
    struct AVFrame *mid;        /* the 2x frame when fit is used */
};

struct job {
    struct sv_sr *s;
    const uint8_t *src;
    ptrdiff_t sstride;
    int w, h, tx, ty;           /* tiles across and down */
    uint8_t *dst;
    ptrdiff_t dstride;
    atomic_int next;
};

static int
clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* C0 over an n x n output window of in (side S0): 5x5, 1 -> 32, ReLU */
SIMD_CLONES static void
conv0(const float *restrict in, float *restrict out, int n)
{
    int x, y, ky, kx, o;

    for (y = 0; y < n; y++)
        for (x = 0; x < n; x++) {
            float acc[N0];

            for (o = 0; o < N0; o++)
                acc[o] = sv__sr_b0[o];
            for (ky = 0; ky < K0; ky++)
                for (kx = 0; kx < K0; kx++) {
                    const float *restrict w = sv__sr_w0 +
                                              (ky * K0 + kx) * N0;
                    float v = in[(y + ky) * S0 + x + kx];

                    for (o = 0; o < N0; o++)
                        acc[o] += w[o] * v;
                }
            for (o = 0; o < N0; o++)
                out[(y * S1 + x) * N0 + o] = acc[o] > 0 ? acc[o] : 0;
        }
}

/* C1: 3x3, 32 -> 16, ReLU */
SIMD_CLONES static void
conv1(const float *restrict in, float *restrict out, int n)
{
    int x, y, ky, kx, i, o;

    for (y = 0; y < n; y++)
        for (x = 0; x < n; x++) {
            float acc[N1];

            for (o = 0; o < N1; o++)
                acc[o] = sv__sr_b1[o];
            for (ky = 0; ky < K1; ky++)
                for (kx = 0; kx < K1; kx++) {
                    const float *restrict v = in + ((y + ky) * S1 + x + kx) *
                                              N0;
                    const float *restrict w = sv__sr_w1 +
                                              (ky * K1 + kx) * N0 * N1;

                    for (i = 0; i < N0; i++)
                        for (o = 0; o < N1; o++)
                            acc[o] += w[i * N1 + o] * v[i];
                }
            for (o = 0; o < N1; o++)
                out[(y * S2 + x) * N1 + o] = acc[o] > 0 ? acc[o] : 0;
        }
}

/* C2 (3x3, 16 -> 4), the residual and the shuffle into dst */
SIMD_CLONES static void
conv2(const float *restrict a2, const float *restrict in, int tw, int th,
      uint8_t *dst, ptrdiff_t dstride)
{
    int x, y, ky, kx, i, o;

    for (y = 0; y < th; y++)
        for (x = 0; x < tw; x++) {
            float acc[N2];
            float c = in[(y + PAD) * S0 + x + PAD];

            for (o = 0; o < N2; o++)
                acc[o] = sv__sr_b2[o] + c;
            for (ky = 0; ky < K2; ky++)
                for (kx = 0; kx < K2; kx++) {
                    const float *restrict v = a2 + ((y + ky) * S2 + x + kx) *
                                              N1;
                    const float *restrict w = sv__sr_w2 +
                                              (ky * K2 + kx) * N1 * N2;

                    for (i = 0; i < N1; i++)
                        for (o = 0; o < N2; o++)
                            acc[o] += w[i * N2 + o] * v[i];
                }
            /* channel 2i+j is the sub-pixel (j, i) */
            for (o = 0; o < N2; o++) {
                float v = acc[o] * 255.0f;

                v = v < 0 ? 0 : v > 255 ? 255 : v;
                dst[(2 * y + o / 2) * dstride + 2 * x + o % 2] =
                    (uint8_t)lrintf(v);
            }
        }
}

static void
run_tile(struct job *jb, struct scratch *sc, int t)
{
    int x0 = (t % jb->tx) * TILE, y0 = (t / jb->tx) * TILE;
    int tw = jb->w - x0 < TILE ? jb->w - x0 : TILE;
    int th = jb->h - y0 < TILE ? jb->h - y0 : TILE;
    int n = tw > th ? tw : th, x, y;

    /* the halo comes from the picture, its edges replicated past it */
    for (y = 0; y < n + 2 * PAD; y++) {
        const uint8_t *row = jb->src + (ptrdiff_t)clampi(y0 + y - PAD, 0,
                                                         jb->h - 1) *
                             jb->sstride;

        for (x = 0; x < n + 2 * PAD; x++)
            sc->in[y * S0 + x] = row[clampi(x0 + x - PAD, 0, jb->w - 1)] *
                                 (1.0f / 255);
    }
    /* square windows of side n: a partial tile computes a little more
     * than it writes, which keeps the loops simple */
    conv0(sc->in, sc->a1, n + 4);
    conv1(sc->a1, sc->a2, n + 2);
    conv2(sc->a2, sc->in, tw, th,
          jb->dst + (ptrdiff_t)2 * y0 * jb->dstride + 2 * x0, jb->dstride);
}

struct worker {
    struct job *jb;
    struct scratch *sc;
};

static void *
work(void *arg)
{
    struct worker *wk = arg;
    int n = wk->jb->tx * wk->jb->ty, t;

    for (;;) {
        t = atomic_fetch_add(&wk->jb->next, 1);
        if (t >= n)
            break;
        run_tile(wk->jb, wk->sc, t);
    }
    return NULL;
}

int
sv_sr_new(struct sv_sr **out, int threads)
{
    struct sv_sr *s;

    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        threads = n > 0 ? (int)n : 1;
    }
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->threads = threads;
    s->sc = aligned_alloc(64, sizeof(struct scratch) * (size_t)threads);
    if (s->sc == NULL) {
        free(s);
        return -ENOMEM;
    }
    *out = s;
    return 0;
}

void
sv_sr_free(struct sv_sr *s)
{
    if (s == NULL)
        return;
    sws_freeContext(s->up);
    sws_freeContext(s->fit);
    av_frame_free(&s->mid);
    free(s->sc);
    free(s);
}

int
sv_sr_plane(struct sv_sr *s, const uint8_t *src, ptrdiff_t sstride, int w,
            int h, uint8_t *dst, ptrdiff_t dstride)
{
    struct job jb = { s, src, sstride, w, h, (w + TILE - 1) / TILE,
                      (h + TILE - 1) / TILE, dst, dstride, 0 };
    struct worker wk[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int i, n = s->threads, started = 1, rc = 0;

    if (w < 1 || h < 1)
        return -EINVAL;
    atomic_init(&jb.next, 0);
    if (n > jb.tx * jb.ty)
        n = jb.tx * jb.ty;
    for (i = 0; i < n; i++) {
        wk[i].jb = &jb;
        wk[i].sc = &s->sc[i];
    }
    /* this thread is worker 0 */
    for (i = 1; i < n; i++) {
        rc = -pthread_create(&th[i], NULL, work, &wk[i]);
        if (rc < 0)
            break;
        started++;
    }
    work(&wk[0]);
    for (i = 1; i < started; i++)
        pthread_join(th[i], NULL);
    /* the tiles of a worker that did not start were taken by the others */
    return 0;
}

int
sv_sr_frame(struct sv_sr *s, const AVFrame *in, int w, int h, int fmt,
            AVFrame **out)
{
    AVFrame *up = NULL, *o = NULL;
    int W = in->width * 2, H = in->height * 2, direct, rc;

    if (in->format != AV_PIX_FMT_YUV420P)
        return -EINVAL;
    direct = w == W && h == H && fmt == AV_PIX_FMT_YUV420P;
    s->up = sws_getCachedContext(s->up, in->width, in->height,
                                 AV_PIX_FMT_YUV420P, W, H,
                                 AV_PIX_FMT_YUV420P, SWS_LANCZOS, NULL, NULL,
                                 NULL);
    if (s->up == NULL)
        return -ENOMEM;
    if (!direct) {
        s->fit = sws_getCachedContext(s->fit, W, H, AV_PIX_FMT_YUV420P, w, h,
                                      fmt, SWS_LANCZOS, NULL, NULL, NULL);
        if (s->fit == NULL)
            return -ENOMEM;
    }
    up = av_frame_alloc();
    if (up == NULL)
        return -ENOMEM;
    up->width = W;
    up->height = H;
    up->format = AV_PIX_FMT_YUV420P;
    rc = av_frame_get_buffer(up, 0);
    if (rc < 0)
        goto fail;
    /* the chroma (and a luma that the network then replaces) */
    rc = sws_scale(s->up, (const uint8_t *const *)in->data, in->linesize, 0,
                   in->height, up->data, up->linesize);
    if (rc < 0)
        goto fail;
    rc = sv_sr_plane(s, in->data[0], in->linesize[0], in->width, in->height,
                     up->data[0], up->linesize[0]);
    if (rc < 0)
        goto fail;
    if (direct) {
        o = up;
        up = NULL;
    } else {
        o = av_frame_alloc();
        if (o == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
        o->width = w;
        o->height = h;
        o->format = fmt;
        rc = av_frame_get_buffer(o, 0);
        if (rc < 0)
            goto fail;
        rc = sws_scale(s->fit, (const uint8_t *const *)up->data,
                       up->linesize, 0, H, o->data, o->linesize);
        if (rc < 0)
            goto fail;
    }
    rc = av_frame_copy_props(o, in);
    if (rc < 0)
        goto fail;
    o->sample_aspect_ratio = in->sample_aspect_ratio;
    av_frame_free(&up);
    *out = o;
    return 0;
fail:
    av_frame_free(&up);
    av_frame_free(&o);
    return rc;
}

int
sv_sr_upscale_parse(const char *arg, struct sv_upscale *u, char *err,
                    size_t size)
{
    struct sv_upscale v = { 1, 0, 0, 0, SV_UPSCALE_SR };
    const char *colon = strchr(arg, ':');
    size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
    char *end;
    long a, b;

    if (n == 2 && strncmp(arg, "2x", 2) == 0) {
        v.factor = 2;
    } else {
        a = strtol(arg, &end, 10);
        if (end == arg || *end != 'x' || arg[0] < '0' || arg[0] > '9')
            goto bad;
        b = strtol(end + 1, &end, 10);
        if (end != arg + n || end[-1] < '0' || end[-1] > '9')
            goto bad;
        if (a < 16 || b < 16 || a > 8192 || b > 8192) {
            snprintf(err, size, "a size from 16x16 to 8192x8192");
            return -EINVAL;
        }
        v.w = (int)a;
        v.h = (int)b;
    }
    if (colon != NULL) {
        if (strcmp(colon + 1, "sr") == 0)
            v.scaler = SV_UPSCALE_SR;
        else if (strcmp(colon + 1, "lanczos") == 0)
            v.scaler = SV_UPSCALE_LANCZOS;
        else {
            snprintf(err, size, "the scaler is sr or lanczos");
            return -EINVAL;
        }
    }
    *u = v;
    return 0;
bad:
    snprintf(err, size, "expected 2x or WxH, then :sr or :lanczos");
    return -EINVAL;
}
