/* fuzz_amf0.c -- AMF0 decoding, and re-encoding what decoded */
#include <stdint.h>
#include <stdlib.h>

#include "rtmp/amf0.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_buf b = SV_BUF_INIT(1 << 22);
    json_t *v = NULL, *again = NULL, *e;
    size_t i;

    if (sv_amf0_decode_all(data, size, &v) == 0) {
        json_array_foreach(v, i, e)
            sv_amf0_encode(&b, e);
        /* what we write we read back to the same values */
        if (b.data != NULL && sv_amf0_decode_all(b.data, b.len, &again) == 0 &&
            json_array_size(again) != json_array_size(v))
            abort();
        json_decref(again);
        json_decref(v);
    }
    sv_buf_release(&b);
    return 0;
}
