/* fuzz_mpd.c -- what sv-stats probe reads from a DASH MPD
 * (lib/stats/pkgcheck_dash.c): periods, templates, timelines */
#include <stdint.h>
#include <stdlib.h>

#include "stats/pkgcheck.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *faults = json_array();
    size_t n = 0;

    if (sv__pkg_dash_parse((const char *)data, size, faults, &n) == 0 &&
        n > 256)
        abort();
    json_decref(faults);
    return 0;
}
