/* fuzz_cast_flv.c -- the access-unit readers of a simulcast
 * (lib/publish/cast_flv.c): Annex B H.264 and a run of ADTS frames */
#include <stdint.h>
#include <stdlib.h>

#include "core/buf.h"
#include "publish/simulcast_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_buf out, sps, pps, rec;
    size_t off = 0, raw_off, raw_len, frame;
    uint8_t asc[2];
    int profile, level;

    sv_buf_init(&out, 4 << 20);
    sv_buf_init(&sps, 1 << 16);
    sv_buf_init(&pps, 1 << 16);
    sv_buf_init(&rec, 1 << 17);
    if (sv__cast_annexb_to_avcc(data, size, &out, &sps, &pps) == 0)
        sv__cast_avcc_record(&sps, &pps, &rec);
    sv__cast_sps_profile(data, size, &profile, &level);
    while (off < size && sv__cast_adts(data + off, size - off, asc, &raw_off,
                                       &raw_len, &frame) == 0) {
        if (raw_off + raw_len > frame)
            abort();
        off += frame;
    }
    sv_buf_release(&out);
    sv_buf_release(&sps);
    sv_buf_release(&pps);
    sv_buf_release(&rec);
    return 0;
}
