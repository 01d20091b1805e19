/* fuzz_steering.c -- the content steering policy (lib/serve/steering.c) */
#include <stdint.h>
#include <stdlib.h>

#include "serve/steering.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_steer_policy *p = NULL;
    char err[256];
    int order[SV_STEER_MAX], n, i;
    json_t *m;

    if (sv_steer_parse((const char *)data, size, "fuzz", &p, err,
                       sizeof(err)) < 0)
        return 0;
    n = sv_steer_order(p, "DE", size, (uint32_t)size * 2654435761u, order);
    /* every pathway is listed at most once, and only real ones */
    if (n < 1 || n > p->npw)
        __builtin_trap();
    for (i = 0; i < n; i++)
        if (order[i] < 0 || order[i] >= p->npw)
            __builtin_trap();
    m = sv_steer_manifest(p, order, n);
    if (m == NULL)
        __builtin_trap();
    json_decref(m);
    sv_steer_free(p);
    return 0;
}
