/* fuzz_beacon.c -- POST /beacon bodies as sv-stats reads them (lib/stats) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "stats/logline.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_logrec r;
    json_error_t err;
    json_t *b;

    if (size > 65536)
        return 0;
    b = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    memset(&r, 0, sizeof(r));
    sv_logline_beacon(b, &r);
    sv_logline_cmcd(b, &r);
    json_decref(b);
    return 0;
}
