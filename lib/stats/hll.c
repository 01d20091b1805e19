/* hll.c -- HyperLogLog with linear counting for small sets */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "stats/hll.h"

int
sv_hll_init(struct sv_hll *h, unsigned p)
{
    if (p < 4 || p > 16)
        return SV_EUSAGE;
    h->reg = calloc((size_t)1 << p, 1);
    if (h->reg == NULL)
        return -ENOMEM;
    h->p = p;
    return 0;
}

void
sv_hll_release(struct sv_hll *h)
{
    free(h->reg);
    h->reg = NULL;
}

void
sv_hll_reset(struct sv_hll *h)
{
    memset(h->reg, 0, (size_t)1 << h->p);
}

uint64_t
sv_hll_hash(const void *data, size_t len)
{
    const unsigned char *s = data;
    uint64_t x = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        x ^= s[i];
        x *= 0x100000001b3ULL;
    }
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void
sv_hll_add_hash(struct sv_hll *h, uint64_t x)
{
    uint64_t idx = x >> (64 - h->p);
    uint64_t w = (x << h->p) | ((uint64_t)1 << (h->p - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);

    if (rank > h->reg[idx])
        h->reg[idx] = rank;
}

void
sv_hll_add(struct sv_hll *h, const void *data, size_t len)
{
    sv_hll_add_hash(h, sv_hll_hash(data, len));
}

void
sv_hll_merge(struct sv_hll *a, const struct sv_hll *b)
{
    size_t i, m = (size_t)1 << a->p;

    if (b->p != a->p)
        return;
    for (i = 0; i < m; i++)
        if (b->reg[i] > a->reg[i])
            a->reg[i] = b->reg[i];
}

double
sv_hll_count(const struct sv_hll *h)
{
    size_t i, m = (size_t)1 << h->p, zeros = 0;
    double sum = 0, alpha, e;

    for (i = 0; i < m; i++) {
        sum += ldexp(1.0, -(int)h->reg[i]);
        zeros += h->reg[i] == 0;
    }
    alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 :
            0.7213 / (1.0 + 1.079 / (double)m);
    e = alpha * (double)m * (double)m / sum;
    if (e <= 2.5 * (double)m && zeros > 0)
        e = (double)m * log((double)m / (double)zeros);
    return e;
}

double
sv_hll_error(const struct sv_hll *h)
{
    return 1.04 / sqrt((double)((size_t)1 << h->p));
}
