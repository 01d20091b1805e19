/* fuzz_ytquota.c -- the YouTube quota state file (lib/publish/ytquota.c),
 * which anything on the machine may have written */
#include <stdint.h>
#include <stdlib.h>

#include "publish/ytquota.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t units, uploads;

    sv_ytq_parse((const char *)data, size, "cid", "2026-12-03", &units,
                 &uploads);
    sv_ytq_parse((const char *)data, size, "-", "2000-01-01", &units,
                 &uploads);
    return 0;
}
