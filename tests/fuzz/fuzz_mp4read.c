/* fuzz_mp4read.c -- the MP4 reader (lib/container/mp4read.c): moov and
 * trak trees, sample entries and esds, edit lists, the sample tables
 * walked to the end (stts, ctts, stsc, stsz, stco, stss), and movie
 * fragments (mvex/trex, moof/traf/tfhd/tfdt/trun; seeds frag.mp4,
 * cmaf.mp4 and tfdt-huge.mp4, its tfdts past 2^63) */
#include <stdint.h>
#include <string.h>

#include "container/mp4read.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_mp4read r;
    struct sv_demux_packet pkt;
    uint64_t sum = 0;
    int n;

    if (sv_mp4read_init(&r, data, size) < 0)
        return 0;
    for (n = 0; n < 100000 && sv_mp4read_next(&r, &pkt) > 0; n++)
        if (pkt.size > 0)
            sum += pkt.data[0] + pkt.data[pkt.size - 1];
    sv_mp4read_release(&r);
    return (int)(sum & 0);
}
