/* fuzz_whep.c -- what a WHEP viewer sends: its offer (answered sendonly
 * with our SSRCs), its RTCP feedback (NACK, PLI, FIR), and the keyframe
 * test each forwarded H.264 payload goes through */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/h264.h"
#include "rtc/rtp.h"
#include "rtc/sdp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cands[] = { "127.0.0.1", "::1" };
    uint32_t ssrcs[SV_SDP_MAX_MEDIA];
    struct sv_sdp_answer_conf c = { "ufrag", "pwd", "AB:CD", cands, 2, 9,
                                    SV_SDP_SENDONLY, 1, ssrcs };
    struct sv_rtcp_info info;
    struct sv_sdp *d = malloc(sizeof(*d));
    char *out = malloc(16384);
    int i, n;

    (void)sv_h264_payload_key(data, size);
    if (sv_rtcp_parse(data, size, &info) == 0 && info.nacks > 0 &&
        info.nack_ssrc != (size >= 12 ? (uint32_t)data[8] << 24 |
                           (uint32_t)data[9] << 16 | data[10] << 8 | data[11]
                           : 0) &&
        data[1] == 205 && (data[0] & 0x1f) == 1 &&
        ((size_t)(data[2] << 8 | data[3]) + 1) * 4 >= 16)
        abort();    /* a first NACK's media SSRC is where RFC 4585 puts it */
    if (d == NULL || out == NULL)
        goto done;
    if (sv_sdp_parse((const char *)data, size, d) != 0)
        goto done;
    n = sv_sdp_choose(d);
    for (i = 0; i < SV_SDP_MAX_MEDIA; i++)
        ssrcs[i] = i < d->nmedia && d->m[i].chosen >= 0 ? 1000u + i : 0;
    if (sv_sdp_answer(d, &c, out, 16384) >= 0 && n > 0 &&
        (strstr(out, "a=sendonly") == NULL ||
         strstr(out, "a=ssrc:100") == NULL))
        abort();
done:
    free(d);
    free(out);
    return 0;
}
