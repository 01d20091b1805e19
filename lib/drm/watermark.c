/* watermark.c -- the A/B mark's pattern, the viewers' code and its odds */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "core/slurp.h"
#include "core/textenc.h"
#include "crypto/digest.h"
#include "crypto/hmac.h"
#include "drm/watermark.h"

#define PATTERN_LABEL "sv-wmark-pattern"
#define CODE_LABEL "sv-wmark-code"

static void
put64(uint8_t *p, uint64_t v)
{
    sv_put_be32(p, (uint32_t)(v >> 32));
    sv_put_be32(p + 4, (uint32_t)v);
}

int
sv_wmark_pattern(const void *key, size_t keylen, uint64_t s,
                 int8_t cells[SV_WMARK_GY][SV_WMARK_GX])
{
    uint8_t msg[sizeof(PATTERN_LABEL) - 1 + 8 + 1], mac[32];
    const size_t lab = sizeof(PATTERN_LABEL) - 1;
    int bit = 0, rc;

    memcpy(msg, PATTERN_LABEL, lab);
    put64(msg + lab, s);
    /* 144 cells: one counter byte selects which 256 bits */
    for (int y = 0; y < SV_WMARK_GY; y++)
        for (int x = 0; x < SV_WMARK_GX; x++, bit++) {
            if (bit % 256 == 0) {
                msg[lab + 8] = (uint8_t)(bit / 256);
                rc = sv_hmac_sha256(key, keylen, msg, sizeof(msg), mac);
                if (rc < 0)
                    return rc;
            }
            cells[y][x] = (mac[(bit % 256) / 8] >> (bit % 8)) & 1 ? 1 : -1;
        }
    return 0;
}

/* The pattern's value at a coordinate of n cells over len samples: the two
 * cells around it and the weight of the second. */
static void
axis(int i, int len, int n, int *c0, int *c1, double *w)
{
    double u = ((double)i + 0.5) * n / len - 0.5;

    if (u <= 0) {
        *c0 = *c1 = 0;
        *w = 0;
    } else if (u >= n - 1) {
        *c0 = *c1 = n - 1;
        *w = 0;
    } else {
        *c0 = (int)u;
        *c1 = *c0 + 1;
        *w = u - *c0;
    }
}

void
sv_wmark_apply(uint8_t *y, ptrdiff_t stride, int width, int height,
               const int8_t cells[SV_WMARK_GY][SV_WMARK_GX],
               double amplitude, int sign)
{
    double a = sign < 0 ? -amplitude : amplitude;

    for (int j = 0; j < height; j++) {
        int r0, r1;
        double wy;
        uint8_t *row = y + j * stride;

        axis(j, height, SV_WMARK_GY, &r0, &r1, &wy);
        for (int i = 0; i < width; i++) {
            int c0, c1;
            double wx, p, v;

            axis(i, width, SV_WMARK_GX, &c0, &c1, &wx);
            p = (1 - wy) * ((1 - wx) * cells[r0][c0] + wx * cells[r0][c1]) +
                wy * ((1 - wx) * cells[r1][c0] + wx * cells[r1][c1]);
            v = row[i] + a * p;
            v = floor(v + 0.5);
            row[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

int
sv_wmark_bit(const void *key, size_t keylen, const char *subject,
             uint64_t s)
{
    uint8_t *msg, mac[32];
    size_t lab = sizeof(CODE_LABEL) - 1, n = strlen(subject);
    int rc;

    msg = malloc(lab + 1 + n + 8);
    if (msg == NULL)
        return -ENOMEM;
    memcpy(msg, CODE_LABEL, lab);
    /* a separator no subject holds keeps "ab"|1 apart from "a"|"b1" */
    msg[lab] = 0;
    memcpy(msg + lab + 1, subject, n);
    put64(msg + lab + 1 + n, s / 256);
    rc = sv_hmac_sha256(key, keylen, msg, lab + 1 + n + 8, mac);
    free(msg);
    if (rc < 0)
        return rc;
    return (mac[(s % 256) / 8] >> (s % 8)) & 1;
}

double
sv_wmark_log_tail(int n, int k)
{
    double sum = 0, lmax = -INFINITY, t;

    if (k <= 0)
        return 0;
    if (k > n)
        return -INFINITY;
    /* log-sum-exp over ln C(n,i) - n ln 2, i = k..n */
    for (int i = k; i <= n; i++) {
        t = lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0);
        if (t > lmax)
            lmax = t;
    }
    for (int i = k; i <= n; i++) {
        t = lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0);
        sum += exp(t - lmax);
    }
    return lmax + log(sum) - n * log(2.0);
}

double
sv_wmark_score(const double *rho, size_t n, double threshold,
               const uint8_t *const *codes, size_t ncand, int *best,
               int *agree, int *known)
{
    int k = 0, bestk = -1, besti = -1;
    double l;

    for (size_t i = 0; i < n; i++)
        if (fabs(rho[i]) > threshold)
            k++;
    for (size_t v = 0; v < ncand; v++) {
        int a = 0;

        for (size_t i = 0; i < n; i++)
            if (fabs(rho[i]) > threshold &&
                (rho[i] < 0) == (codes[v][i] != 0))
                a++;
        if (a > bestk) {
            bestk = a;
            besti = (int)v;
        }
    }
    *best = besti;
    *agree = bestk < 0 ? 0 : bestk;
    *known = k;
    if (besti < 0 || k == 0)
        return 0;
    l = sv_wmark_log_tail(k, bestk) + log((double)ncand);
    return l > 0 ? 0 : l;
}

int
sv_wmark_key_read(const char *path, uint8_t **key, size_t *len, char *err,
                  size_t size)
{
    char *data;
    size_t n;
    int rc;

    rc = sv_slurp(path, 4096, &data, &n);
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    if (n < SV_WMARK_KEY_MIN) {
        snprintf(err, size, "watermark key '%s' is too short: %zu bytes, at "
                 "least %d", path, n, SV_WMARK_KEY_MIN);
        explicit_bzero(data, n);
        free(data);
        return SV_EUSAGE;
    }
    *key = (uint8_t *)data;
    *len = n;
    return 0;
}

int
sv_wmark_key_id(const void *key, size_t keylen, char out[33])
{
    unsigned char d[SV_SHA256_LEN];
    int rc;

    rc = sv_sha256(key, keylen, d);
    if (rc < 0)
        return rc;
    sv_hex_encode(d, 16, out);
    return 0;
}

int
sv_wmark_viewers_parse(char *text, size_t len, const char ***list, size_t *n,
                       char *err, size_t size)
{
    char *p, *line, *save = NULL;
    const char **v = NULL, **nv;
    size_t cap = 0;

    *n = 0;
    *list = NULL;
    if (memchr(text, '\0', len) != NULL) {
        snprintf(err, size, "not text");
        return SV_EFORMAT;
    }
    for (p = text; (line = strtok_r(p, "\r\n", &save)) != NULL; p = NULL) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || *line == '#')
            continue;
        if (*n == SV_WMARK_VIEWERS_MAX) {
            snprintf(err, size, "more than %d viewers", SV_WMARK_VIEWERS_MAX);
            free(v);
            return SV_ELIMIT;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            nv = realloc(v, cap * sizeof(*v));
            if (nv == NULL) {
                free(v);
                return -ENOMEM;
            }
            v = nv;
        }
        v[(*n)++] = line;
    }
    if (*n == 0) {
        snprintf(err, size, "no viewer in it");
        free(v);
        return SV_EFORMAT;
    }
    *list = v;
    return 0;
}
