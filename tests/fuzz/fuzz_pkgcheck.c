/* fuzz_pkgcheck.c -- what sv-stats probe reads from a package: HLS
 * playlists, CMAF init and media segments */
#include <stdint.h>
#include <stdlib.h>

#include "stats/pkgcheck.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv__pkg_init in;
    struct sv__pkg_seg s;
    json_t *faults = json_array();
    size_t nseg = 0;
    int target;

    if (sv__pkg_hls_parse((const char *)data, size, faults, &nseg,
                          &target) == 0 && nseg > SV__PKG_MAX_SEGMENTS)
        abort();
    json_decref(faults);
    /* the same bytes as an init segment, then as a media segment (with
     * a sane init when theirs does not parse) */
    if (sv__pkg_init_parse(&in, data, size) < 0) {
        in.timescale = 90000;
        in.def_duration = 3000;
        in.def_flags = 0;
        in.video = 1;
    }
    if (sv__pkg_seg_parse(&s, &in, data, size) == 0 && s.samples == 0)
        abort();
    return 0;
}
