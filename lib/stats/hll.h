/* hll.h -- HyperLogLog: distinct counts in fixed memory */
#ifndef SV_STATS_HLL_H
#define SV_STATS_HLL_H

#include <stddef.h>
#include <stdint.h>

/* 2^p registers of one byte; p from 4 to 16 */
struct sv_hll {
    unsigned p;
    uint8_t *reg;
};

/* Allocates the registers.  Returns 0, SV_EUSAGE (p) or -ENOMEM. */
int sv_hll_init(struct sv_hll *h, unsigned p);
void sv_hll_release(struct sv_hll *h);
void sv_hll_reset(struct sv_hll *h);

/* Adds one item (its bytes), or one already hashed with sv_hll_hash(). */
void sv_hll_add(struct sv_hll *h, const void *data, size_t len);
void sv_hll_add_hash(struct sv_hll *h, uint64_t hash);

/* Merges b into a (same p). */
void sv_hll_merge(struct sv_hll *a, const struct sv_hll *b);

/*
 * The estimate (Flajolet et al. 2007, with linear counting below 5/2 m):
 * relative standard error 1.04 / sqrt(2^p), sv_hll_error().
 */
double sv_hll_count(const struct sv_hll *h);
double sv_hll_error(const struct sv_hll *h);

/* A 64-bit hash of len bytes (FNV-1a, then a murmur3 finaliser). */
uint64_t sv_hll_hash(const void *data, size_t len);

#endif
