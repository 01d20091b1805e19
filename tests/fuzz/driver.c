/* driver.c -- run a libFuzzer target without libFuzzer, as a TAP test
 *
 * Every fuzz target (tests/fuzz/fuzz_<name>.c) is also linked with this
 * driver into build/tests/fuzz_<name>_test, which `make check` runs: it
 * feeds the seed corpus (tests/fuzz/corpus/<name>/) and then a bounded
 * number of deterministic mutations of it.  `make fuzz` builds the real
 * coverage-guided targets with clang for long runs.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (1 << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t
mutate(uint8_t *p, size_t len, size_t cap)
{
    int i, n = 1 + (int)(next() % 8);

    for (i = 0; i < n; i++) {
        switch (next() % 5) {
        case 0:     /* flip a byte */
            if (len > 0)
                p[next() % len] ^= (uint8_t)(1u << (next() % 8));
            break;
        case 1:     /* an interesting value */
            if (len > 0) {
                static const uint8_t v[] = { 0, 0xff, 0x7f, 0x80, 1 };
                p[next() % len] = v[next() % sizeof(v)];
            }
            break;
        case 2:     /* truncate */
            if (len > 0)
                len = next() % len;
            break;
        case 3:     /* duplicate a chunk */
            if (len > 0 && len < cap / 2) {
                size_t off = next() % len, l = 1 + next() % (len - off);
                memmove(p + off + l, p + off, len - off);
                len += l;
            }
            break;
        default:    /* random bytes at the end */
            while (len < cap && next() % 4 != 0)
                p[len++] = (uint8_t)next();
        }
    }
    return len;
}

int
main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : FUZZ_NAME;
    long iters = getenv("SV_FUZZ_ITERS") ? atol(getenv("SV_FUZZ_ITERS"))
                                         : 20000;
    char dir[512], path[1024];
    uint8_t **seeds = NULL, *buf;
    size_t *lens = NULL, nseeds = 0, i;
    struct dirent *e;
    DIR *d;
    long k;

    snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        FILE *fp;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        fp = fopen(path, "rb");
        if (fp == NULL)
            continue;
        seeds = realloc(seeds, (nseeds + 1) * sizeof(*seeds));
        lens = realloc(lens, (nseeds + 1) * sizeof(*lens));
        seeds[nseeds] = malloc(FUZZ_MAX_INPUT);
        lens[nseeds] = fread(seeds[nseeds], 1, FUZZ_MAX_INPUT, fp);
        fclose(fp);
        LLVMFuzzerTestOneInput(seeds[nseeds], lens[nseeds]);
        nseeds++;
    }
    if (d != NULL)
        closedir(d);
    printf("ok 1 - %s: %zu seed inputs\n", name, nseeds);
    fflush(stdout);
    buf = malloc(2 * FUZZ_MAX_INPUT);
    for (k = 0; k < iters; k++) {
        size_t len = 0;
        if (nseeds > 0) {
            i = next() % nseeds;
            len = lens[i];
            memcpy(buf, seeds[i], len);
        }
        len = mutate(buf, len, FUZZ_MAX_INPUT);
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("ok 2 - %s: %ld mutated inputs\n1..2\n", name, iters);
    for (i = 0; i < nseeds; i++)
        free(seeds[i]);
    free(seeds);
    free(lens);
    free(buf);
    return 0;
}
