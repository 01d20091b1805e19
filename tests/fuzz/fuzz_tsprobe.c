/* fuzz_tsprobe.c -- the MPEG-TS stream probe (lib/container/tsprobe.c):
 * PAT and PMT sections, descriptors, and the SPS and ADTS headers of the
 * first frames (container/codec.c's sv_codec_describe) */
#include <stdint.h>
#include <string.h>

#include "container/tsprobe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_tsprobe pr;
    int i, sum = 0;

    if (sv_tsprobe_scan(&pr, data, size, size > 0 && (data[0] & 1)) < 0)
        return 0;
    for (i = 0; i < pr.n; i++)
        sum += pr.st[i].width + pr.st[i].height + pr.st[i].sample_rate +
               (int)strlen(pr.st[i].language);
    return sum & 0;
}
