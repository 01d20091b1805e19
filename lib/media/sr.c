/* sr.c -- x2 super-resolution inference: five convolutions, a residual on
 * lanczos and the sub-pixel shuffle on the luma plane, tiled over threads */
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
 * The network (scripts/sr/train.py, FSRCNN family): the input padded by
 * PAD with its edge pixels, then valid convolutions C0 (5x5, 1 -> 24),
 * ReLU, C1 (1x1, 24 -> 12), ReLU, C2 and C3 (3x3, 12 -> 12), ReLU, C4
 * (3x3, 12 -> 4): a residual added to a fixed lanczos-3 x2 upscale of the
 * input (the same taps as the script's), shuffled into 2x2.  Padding once
 * at the picture's edge (not per layer) is what lets a tile read its halo
 * from the picture and come out the same as a whole frame.
 *
 * Activations are stored pixel by pixel with the channels contiguous and
 * the weights as w[ky][kx][ic][oc], so the innermost loop runs over output
 * channels with a constant trip count: gcc -O2 (12+) vectorizes it
 * (-fopt-info-vec names the loops).
 */
#define PAD 5
#define LZ 3                    /* lanczos radius */
#define NF 24                   /* features */
#define NS 12                   /* shrunk maps */
#define TILE 48                 /* output pixels per tile side (low res) */
#define S0 (TILE + 2 * PAD)     /* input tile side */
#define S1 (TILE + 6)           /* after C0 and C1 */
#define S2 (TILE + 4)           /* after C2 */
#define S3 (TILE + 2)           /* after C3 */
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

/*
 * The AVX2 path keeps a tile's maps planar instead: a plane per channel,
 * rows of ST floats, so the inner loop runs over 8 neighbouring pixels
 * (one register) and each weight is broadcast once for them.  ST covers
 * the widest row a layer reads (TILE + 2 * PAD rounded up to 8 and its
 * kernel's reach); the maps past a layer's valid width are scratch that
 * only feeds outputs past the next layer's valid width.
 */
#define ST 64                   /* row stride of a planar map */
#define PL (S1 * ST)            /* floats a plane */
#define SLACK 64                /* reads past the last row's end */

/* 64-byte aligned, so its size is a multiple of 64 as aligned_alloc
 * needs (C11: the size a multiple of the alignment) */
struct scratch {
    _Alignas(64) float in[S0 * ST + SLACK];
    float a1[PL * NF + SLACK];  /* C0's maps, then C2's, then C4's */
    float a2[PL * NS + SLACK];  /* C1's maps, then C3's */
};

struct sv_sr {
    int threads;
    int avx2;                   /* the CPU has AVX2 and FMA */
    int avx512;                 /* and AVX-512 */
    float lz[2][2 * LZ + 1];    /* the lanczos taps of the two phases */
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

/*
 * One valid convolution over an n x n output window: in has side sin and
 * ci channels a pixel, out side sout and co; k x k kernel; ReLU.  Inlined
 * into each layer's function with constant sizes, so the loops over
 * channels have constant trip counts.
 */
static inline __attribute__((always_inline)) void
conv(const float *restrict in, int sin, int ci, float *restrict out,
     int sout, int co, int k, const float *restrict w,
     const float *restrict b, int n)
{
    int x, y, ky, kx, i, o;

    for (y = 0; y < n; y++)
        for (x = 0; x < n; x++) {
            float acc[NF];

            for (o = 0; o < co; o++)
                acc[o] = b[o];
            for (ky = 0; ky < k; ky++)
                for (kx = 0; kx < k; kx++) {
                    const float *restrict v = in + ((y + ky) * sin + x + kx) *
                                              ci;
                    const float *restrict wk = w + (ky * k + kx) * ci * co;

                    for (i = 0; i < ci; i++)
                        for (o = 0; o < co; o++)
                            acc[o] += wk[i * co + o] * v[i];
                }
            for (o = 0; o < co; o++)
                out[(y * sout + x) * co + o] = acc[o] > 0 ? acc[o] : 0;
        }
}

SIMD_CLONES static void
conv0(const float *restrict in, float *restrict out, int n)
{
    conv(in, S0, 1, out, S1, NF, 5, sv__sr_w0, sv__sr_b0, n);
}

SIMD_CLONES static void
conv1(const float *restrict in, float *restrict out, int n)
{
    conv(in, S1, NF, out, S1, NS, 1, sv__sr_w1, sv__sr_b1, n);
}

SIMD_CLONES static void
conv2(const float *restrict in, float *restrict out, int n)
{
    conv(in, S1, NS, out, S2, NS, 3, sv__sr_w2, sv__sr_b2, n);
}

SIMD_CLONES static void
conv3(const float *restrict in, float *restrict out, int n)
{
    conv(in, S2, NS, out, S3, NS, 3, sv__sr_w3, sv__sr_b3, n);
}

/* C4 (3x3, 12 -> 4), the residual on lanczos and the shuffle into dst */
SIMD_CLONES static void
conv4(const float *restrict a, const float *restrict in,
      const float lz[2][2 * LZ + 1], int tw, int th, uint8_t *dst,
      ptrdiff_t dstride)
{
    int x, y, ky, kx, i, o;

    for (y = 0; y < th; y++)
        for (x = 0; x < tw; x++) {
            float acc[4], base[4] = { 0, 0, 0, 0 };

            /* lanczos: the four phases of the pixel, over its 7x7 window */
            for (ky = 0; ky < 2 * LZ + 1; ky++) {
                const float *restrict r = in + (y + PAD - LZ + ky) * S0 + x +
                                          PAD - LZ;
                float h0 = 0, h1 = 0;

                for (kx = 0; kx < 2 * LZ + 1; kx++) {
                    h0 += lz[0][kx] * r[kx];
                    h1 += lz[1][kx] * r[kx];
                }
                base[0] += lz[0][ky] * h0;
                base[1] += lz[0][ky] * h1;
                base[2] += lz[1][ky] * h0;
                base[3] += lz[1][ky] * h1;
            }
            for (o = 0; o < 4; o++)
                acc[o] = sv__sr_b4[o];
            for (ky = 0; ky < 3; ky++)
                for (kx = 0; kx < 3; kx++) {
                    const float *restrict v = a + ((y + ky) * S3 + x + kx) *
                                              NS;
                    const float *restrict w = sv__sr_w4 +
                                              (ky * 3 + kx) * NS * 4;

                    for (i = 0; i < NS; i++)
                        for (o = 0; o < 4; o++)
                            acc[o] += w[i * 4 + o] * v[i];
                }
            /* channel 2i+j is the sub-pixel (j, i) */
            for (o = 0; o < 4; o++) {
                float v = (acc[o] + base[o]) * 255.0f;

                v = v < 0 ? 0 : v > 255 ? 255 : v;
                dst[(2 * y + o / 2) * dstride + 2 * x + o % 2] =
                    (uint8_t)lrintf(v);
            }
        }
}

/* the x2 lanczos-3 taps (train.py's lanczos_taps): phase 0 at -1/4 of a
 * pixel, phase 1 at +1/4, normalized to sum 1 */
static void
lanczos_taps(float lz[2][2 * LZ + 1])
{
    int p, k;

    for (p = 0; p < 2; p++) {
        double off = p ? 0.25 : -0.25, w[2 * LZ + 1], sum = 0;

        for (k = -LZ; k <= LZ; k++) {
            double d = fabs(k - off), t = M_PI * d;

            w[k + LZ] = d >= LZ ? 0 : d == 0 ? 1 :
                        LZ * sin(t) * sin(t / LZ) / (t * t);
            sum += w[k + LZ];
        }
        for (k = 0; k < 2 * LZ + 1; k++)
            lz[p][k] = (float)(w[k] / sum);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_PATH 1
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define VACC 12                 /* accumulators: 12 of the 16 registers */

/*
 * One valid convolution on planar maps: output channels o0 .. o0+cb-1 of
 * co, rows rows, xb blocks of 8 pixels taken nx at a time (nx * cb <=
 * VACC independent sums hide the FMA latency; the sums, nx inputs and cb
 * broadcast weights must fit in 16 registers, or gcc spills); in has ci
 * planes of ipl floats, out planes of opl; weights w[ky][kx][ic][oc];
 * ReLU when relu.
 */
static inline __attribute__((always_inline)) AVX2 void
vconv(const float *restrict in, int ci, int ipl, float *restrict out,
      int opl, int co, int o0, int cb, int nx, int k,
      const float *restrict w, const float *restrict b, int rows, int xb,
      int relu)
{
    int y, x, j, i, ky, kx, o;

    for (y = 0; y < rows; y++)
        for (x = 0; x < xb; x += nx) {
            __m256 acc[VACC];

            /* the sums stay in registers only when the loops over them
             * are unrolled whole (their trip counts are constants) */
#pragma GCC unroll 12
            for (j = 0; j < nx; j++)
#pragma GCC unroll 12
                for (o = 0; o < cb; o++)
                    acc[j * cb + o] = _mm256_set1_ps(b[o0 + o]);
            for (i = 0; i < ci; i++)
#pragma GCC unroll 5
                for (ky = 0; ky < k; ky++)
#pragma GCC unroll 5
                    for (kx = 0; kx < k; kx++) {
                        const float *p = in + i * ipl + (y + ky) * ST +
                                         x * 8 + kx;
                        const float *wk = w + ((ky * k + kx) * ci + i) * co +
                                          o0;

#pragma GCC unroll 12
                        for (j = 0; j < nx; j++) {
                            __m256 v = _mm256_loadu_ps(p + 8 * j);

#pragma GCC unroll 12
                            for (o = 0; o < cb; o++)
                                acc[j * cb + o] = _mm256_fmadd_ps(v,
                                    _mm256_set1_ps(wk[o]), acc[j * cb + o]);
                        }
                    }
#pragma GCC unroll 12
            for (j = 0; j < nx; j++)
#pragma GCC unroll 12
                for (o = 0; o < cb; o++) {
                    __m256 v = acc[j * cb + o];

                    if (relu)
                        v = _mm256_max_ps(v, _mm256_setzero_ps());
                    _mm256_storeu_ps(out + (o0 + o) * opl + y * ST +
                                     (x + j) * 8, v);
                }
        }
}

/* blocks of 8 covering n pixels */
#define XB(n) (((n) + 7) / 8)

AVX2 static void
vconv0(const float *restrict in, float *restrict out, int rows, int cols)
{
    vconv(in, 1, 0, out, PL, NF, 0, 12, 1, 5, sv__sr_w0, sv__sr_b0, rows,
          XB(cols), 1);
    vconv(in, 1, 0, out, PL, NF, 12, 12, 1, 5, sv__sr_w0, sv__sr_b0, rows,
          XB(cols), 1);
}

AVX2 static void
vconv1(const float *restrict in, float *restrict out, int rows, int cols)
{
    vconv(in, NF, PL, out, PL, NS, 0, 12, 1, 1, sv__sr_w1, sv__sr_b1, rows,
          XB(cols), 1);
}

AVX2 static void
vconv23(const float *restrict in, float *restrict out, const float *w,
        const float *b, int rows, int cols)
{
    vconv(in, NS, PL, out, PL, NS, 0, 12, 1, 3, w, b, rows, XB(cols), 1);
}

AVX2 static void
vconv4(const float *restrict in, float *restrict out, int rows, int cols)
{
    vconv(in, NS, PL, out, PL, 4, 0, 4, 2, 3, sv__sr_w4, sv__sr_b4, rows,
          XB(cols), 0);
}

/* d[2j] = a[j], d[2j+1] = b[j] for 8 values from 0 to 255 */
AVX2 static inline void
interleave16(uint8_t *d, const int32_t *a, const int32_t *b)
{
    __m256i va = _mm256_load_si256((const __m256i *)a);
    __m256i vb = _mm256_load_si256((const __m256i *)b);
    /* per 128-bit lane: a0 b0 a1 b1 | a4 b4 a5 b5, a2 b2 a3 b3 | ... */
    __m256i lo = _mm256_unpacklo_epi32(va, vb);
    __m256i hi = _mm256_unpackhi_epi32(va, vb);
    /* a0 b0 .. a3 b3 | a4 b4 .. a7 b7 as 16 bits, then bytes */
    __m256i w = _mm256_packus_epi32(lo, hi);
    __m256i c = _mm256_packus_epi16(w, w);

    c = _mm256_permute4x64_epi64(c, 0x08);      /* qwords 0 and 2 */
    _mm_storeu_si128((__m128i *)d, _mm256_castsi256_si128(c));
}

/* the residual on lanczos and the shuffle: r holds C4's four planes, in
 * the tile's input (stride ST) */
AVX2 static void
vfinish(const float *restrict r, const float *restrict in,
        const float lz[2][2 * LZ + 1], int tw, int th, uint8_t *dst,
        ptrdiff_t dstride)
{
    const __m256 k255 = _mm256_set1_ps(255.0f), zero = _mm256_setzero_ps();
    int y, x, ky, kx, o, j;

    for (y = 0; y < th; y++)
        for (x = 0; x < XB(tw); x++) {
            __m256 base[4] = { zero, zero, zero, zero };
            _Alignas(32) int32_t px[4][8];

            for (ky = 0; ky < 2 * LZ + 1; ky++) {
                const float *row = in + (y + PAD - LZ + ky) * ST + x * 8 +
                                   PAD - LZ;
                __m256 h0 = zero, h1 = zero;

                for (kx = 0; kx < 2 * LZ + 1; kx++) {
                    __m256 v = _mm256_loadu_ps(row + kx);

                    h0 = _mm256_fmadd_ps(_mm256_set1_ps(lz[0][kx]), v, h0);
                    h1 = _mm256_fmadd_ps(_mm256_set1_ps(lz[1][kx]), v, h1);
                }
                base[0] = _mm256_fmadd_ps(_mm256_set1_ps(lz[0][ky]), h0,
                                          base[0]);
                base[1] = _mm256_fmadd_ps(_mm256_set1_ps(lz[0][ky]), h1,
                                          base[1]);
                base[2] = _mm256_fmadd_ps(_mm256_set1_ps(lz[1][ky]), h0,
                                          base[2]);
                base[3] = _mm256_fmadd_ps(_mm256_set1_ps(lz[1][ky]), h1,
                                          base[3]);
            }
            for (o = 0; o < 4; o++) {
                __m256 v = _mm256_add_ps(_mm256_loadu_ps(r + o * PL + y * ST +
                                                         x * 8), base[o]);

                v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v, k255), zero),
                                  k255);
                /* nearest, ties to even (the default rounding mode), as
                 * lrintf and numpy's round */
                _mm256_store_si256((__m256i *)px[o], _mm256_cvtps_epi32(v));
            }
            if (x * 8 + 8 <= tw) {
                /* channel 2i+j is the sub-pixel (j, i): rows of phases
                 * 0,1 and 2,3 interleaved, 16 bytes each */
                interleave16(dst + 2 * y * dstride + 16 * x, px[0], px[1]);
                interleave16(dst + (2 * y + 1) * dstride + 16 * x, px[2],
                             px[3]);
                continue;
            }
            for (j = 0; j < 8 && x * 8 + j < tw; j++) {
                uint8_t *d = dst + 2 * y * dstride + 2 * (x * 8 + j);

                /* channel 2i+j is the sub-pixel (j, i) */
                d[0] = (uint8_t)px[0][j];
                d[1] = (uint8_t)px[1][j];
                d[dstride] = (uint8_t)px[2][j];
                d[dstride + 1] = (uint8_t)px[3][j];
            }
        }
}

/*
 * The same convolution 16 pixels a register, for CPUs with AVX-512 (32
 * registers: a layer's 12 or 24 sums, the input and the broadcasts fit).
 * The row stride ST holds 4 such blocks.
 */
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define WACC 24

static inline __attribute__((always_inline)) AVX512 void
wconv(const float *restrict in, int ci, int ipl, float *restrict out,
      int opl, int co, int cb, int k, const float *restrict w,
      const float *restrict b, int rows, int xb, int relu)
{
    int y, x, i, ky, kx, o;

    for (y = 0; y < rows; y++)
        for (x = 0; x < xb; x++) {
            __m512 acc[WACC];

#pragma GCC unroll 24
            for (o = 0; o < cb; o++)
                acc[o] = _mm512_set1_ps(b[o]);
            for (i = 0; i < ci; i++)
#pragma GCC unroll 5
                for (ky = 0; ky < k; ky++)
#pragma GCC unroll 5
                    for (kx = 0; kx < k; kx++) {
                        __m512 v = _mm512_loadu_ps(in + i * ipl +
                                                   (y + ky) * ST + x * 16 +
                                                   kx);
                        const float *wk = w + ((ky * k + kx) * ci + i) * co;

#pragma GCC unroll 24
                        for (o = 0; o < cb; o++)
                            acc[o] = _mm512_fmadd_ps(v, _mm512_set1_ps(wk[o]),
                                                     acc[o]);
                    }
#pragma GCC unroll 24
            for (o = 0; o < cb; o++) {
                __m512 v = acc[o];

                if (relu)
                    v = _mm512_max_ps(v, _mm512_setzero_ps());
                _mm512_storeu_ps(out + o * opl + y * ST + x * 16, v);
            }
        }
}

#define WB(n) (((n) + 15) / 16)

AVX512 static void
wtile_convs(struct scratch *sc, int tw, int th)
{
    wconv(sc->in, 1, 0, sc->a1, PL, NF, NF, 5, sv__sr_w0, sv__sr_b0, th + 6,
          WB(tw + 6), 1);
    wconv(sc->a1, NF, PL, sc->a2, PL, NS, NS, 1, sv__sr_w1, sv__sr_b1, th + 6,
          WB(tw + 6), 1);
    wconv(sc->a2, NS, PL, sc->a1, PL, NS, NS, 3, sv__sr_w2, sv__sr_b2, th + 4,
          WB(tw + 4), 1);
    wconv(sc->a1, NS, PL, sc->a2, PL, NS, NS, 3, sv__sr_w3, sv__sr_b3, th + 2,
          WB(tw + 2), 1);
    wconv(sc->a2, NS, PL, sc->a1, PL, 4, 4, 3, sv__sr_w4, sv__sr_b4, th,
          WB(tw), 0);
}

/* one tile of tw x th low-res pixels whose input (with its halo) is in
 * sc->in, stride ST */
static void
vtile(struct sv_sr *s, struct scratch *sc, int tw, int th, uint8_t *dst,
      ptrdiff_t dstride)
{
    if (s->avx512) {
        wtile_convs(sc, tw, th);
    } else {
        vconv0(sc->in, sc->a1, th + 6, tw + 6);
        vconv1(sc->a1, sc->a2, th + 6, tw + 6);
        vconv23(sc->a2, sc->a1, sv__sr_w2, sv__sr_b2, th + 4, tw + 4);
        vconv23(sc->a1, sc->a2, sv__sr_w3, sv__sr_b3, th + 2, tw + 2);
        vconv4(sc->a2, sc->a1, th, tw);
    }
    vfinish(sc->a1, sc->in, (const float (*)[2 * LZ + 1])s->lz, tw, th, dst,
            dstride);
}
#endif

static void
run_tile(struct job *jb, struct scratch *sc, int t)
{
    int x0 = (t % jb->tx) * TILE, y0 = (t / jb->tx) * TILE;
    int tw = jb->w - x0 < TILE ? jb->w - x0 : TILE;
    int th = jb->h - y0 < TILE ? jb->h - y0 : TILE;
    int n = tw > th ? tw : th, x, y;

#ifdef HAVE_AVX2_PATH
    if (jb->s->avx2) {
        for (y = 0; y < th + 2 * PAD; y++) {
            const uint8_t *row = jb->src +
                                 (ptrdiff_t)clampi(y0 + y - PAD, 0,
                                                   jb->h - 1) * jb->sstride;

            for (x = 0; x < tw + 2 * PAD; x++)
                sc->in[y * ST + x] = row[clampi(x0 + x - PAD, 0,
                                                jb->w - 1)] * (1.0f / 255);
        }
        vtile(jb->s, sc, tw, th, jb->dst + (ptrdiff_t)2 * y0 * jb->dstride +
              2 * x0, jb->dstride);
        return;
    }
#endif
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
    conv0(sc->in, sc->a1, n + 6);
    conv1(sc->a1, sc->a2, n + 6);
    conv2(sc->a2, sc->a1, n + 4);
    conv3(sc->a1, sc->a2, n + 2);
    conv4(sc->a2, sc->in, (const float (*)[2 * LZ + 1])jb->s->lz, tw, th,
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
    lanczos_taps(s->lz);
#ifdef HAVE_AVX2_PATH
    s->avx2 = getenv("SV_SR_SCALAR") == NULL &&
              __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    s->avx512 = s->avx2 && getenv("SV_SR_NO_AVX512") == NULL &&
                __builtin_cpu_supports("avx512f");
#endif
    s->sc = aligned_alloc(64, sizeof(struct scratch) * (size_t)threads);
    if (s->sc == NULL) {
        free(s);
        return -ENOMEM;
    }
    /* the planar maps' columns past a layer's width are read, never used:
     * zero once, so they are numbers from the start */
    memset(s->sc, 0, sizeof(struct scratch) * (size_t)threads);
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
