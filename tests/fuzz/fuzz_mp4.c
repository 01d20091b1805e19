/* fuzz_mp4.c -- the bounded ISO BMFF reader (lib/container/box.c): box trees,
 * full boxes, tfhd/tfdt/trex and trun sample iteration */
#include <stdint.h>
#include <stdlib.h>

#include "container/box.h"

static const uint32_t containers[] = {
    SV_FOURCC('m', 'o', 'o', 'v'), SV_FOURCC('t', 'r', 'a', 'k'),
    SV_FOURCC('m', 'd', 'i', 'a'), SV_FOURCC('m', 'i', 'n', 'f'),
    SV_FOURCC('s', 't', 'b', 'l'), SV_FOURCC('m', 'v', 'e', 'x'),
    SV_FOURCC('m', 'o', 'o', 'f'), SV_FOURCC('d', 'i', 'n', 'f'),
    SV_FOURCC('s', 'i', 'n', 'f'), SV_FOURCC('s', 'c', 'h', 'i'),
};

static void
walk(struct sv_box_iter *it, uint64_t moof, int depth)
{
    struct sv_box b;
    struct sv_box_iter ch;
    struct sv_traf_iter ti;
    struct sv_sample s;
    struct sv_trex trex;
    uint64_t t;
    size_t i;
    int n;

    if (depth > 8)
        return;
    while (sv_box_next(it, &b) > 0) {
        for (i = 0; i < sizeof(containers) / sizeof(containers[0]); i++) {
            if (b.type == containers[i]) {
                sv_box_iter_children(&ch, &b, 0);
                walk(&ch, b.type == SV_FOURCC('m', 'o', 'o', 'f')
                     ? b.offset : moof, depth + 1);
            }
        }
        if (b.type == SV_FOURCC('s', 't', 's', 'd') &&
            sv_box_iter_children(&ch, &b, 8) == 0)
            walk(&ch, moof, depth + 1);
        if (b.type == SV_FOURCC('t', 'r', 'e', 'x'))
            sv_trex_parse(&b, &trex);
        if (b.type == SV_FOURCC('t', 'f', 'd', 't'))
            sv_tfdt_parse(&b, &t);
        if (b.type == SV_FOURCC('t', 'r', 'a', 'f') &&
            sv_traf_iter_init(&ti, &b, moof, NULL) == 0) {
            for (n = 0; n < 100000 && sv_traf_next(&ti, &s) > 0; n++)
                ;
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_box_iter it;
    struct sv_box b;

    sv_box_iter_init(&it, data, size, 0);
    walk(&it, 0, 0);
    sv_box_find(data, size, 0, "moov/trak/mdia/minf/stbl/stsd", &b);
    return 0;
}
