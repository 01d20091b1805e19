/* cast_flv.c -- access units as RTMP's FLV tags carry them: H.264 from
 * Annex B to length-prefixed NAL units with an avcC, AAC out of ADTS */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "publish/simulcast_int.h"

/* the next NAL unit of Annex B p at *off: its start and size, or 0 */
static int
next_nal(const uint8_t *p, size_t len, size_t *off, const uint8_t **nal,
         size_t *nlen)
{
    size_t i = *off, start;

    /* find a start code */
    while (i + 3 <= len && !(p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1))
        i++;
    if (i + 3 > len)
        return 0;
    start = i + 3;
    i = start;
    while (i + 3 <= len && !(p[i] == 0 && p[i + 1] == 0 &&
                             (p[i + 2] == 1 ||
                              (p[i + 2] == 0 && i + 3 < len &&
                               p[i + 3] == 1))))
        i++;
    if (i + 3 > len)
        i = len;
    *nal = p + start;
    *nlen = i - start;
    /* trailing zero bytes belong to the next start code */
    while (*nlen > 0 && (*nal)[*nlen - 1] == 0)
        (*nlen)--;
    *off = i;
    return *nlen > 0 || i < len;
}

int
sv__cast_annexb_to_avcc(const uint8_t *p, size_t len, struct sv_buf *out,
                        struct sv_buf *sps, struct sv_buf *pps)
{
    const uint8_t *nal;
    size_t off = 0, n;
    int rc = 0, type;

    sv_buf_reset(sps);
    sv_buf_reset(pps);
    while (rc == 0 && next_nal(p, len, &off, &nal, &n)) {
        if (n == 0)
            continue;
        type = nal[0] & 0x1f;
        if (type == 9)
            continue;               /* access unit delimiter */
        if (type == 7 && sps->len == 0)
            rc = sv_buf_append(sps, nal, n);
        if (type == 8 && pps->len == 0)
            rc = sv_buf_append(pps, nal, n);
        /* the parameter sets stay in band too: receivers that build
         * Annex B from the first sequence header alone (and decoders
         * after a switch to the slate and back) still find the right ones */
        if (rc == 0)
            rc = sv_buf_be32(out, (uint32_t)n);
        if (rc == 0)
            rc = sv_buf_append(out, nal, n);
    }
    return rc;
}

int
sv__cast_avcc_record(const struct sv_buf *sps, const struct sv_buf *pps,
                     struct sv_buf *out)
{
    int rc;

    if (sps->len < 4 || pps->len < 1 || sps->len > 0xffff ||
        pps->len > 0xffff)
        return SV_EFORMAT;
    sv_buf_reset(out);
    rc = sv_buf_u8(out, 1);
    if (rc == 0)
        rc = sv_buf_append(out, sps->data + 1, 3);  /* profile, compat,
                                                       level */
    if (rc == 0)
        rc = sv_buf_u8(out, 0xff);                  /* 4-byte lengths */
    if (rc == 0)
        rc = sv_buf_u8(out, 0xe1);                  /* one SPS */
    if (rc == 0)
        rc = sv_buf_be16(out, (uint16_t)sps->len);
    if (rc == 0)
        rc = sv_buf_append(out, sps->data, sps->len);
    if (rc == 0)
        rc = sv_buf_u8(out, 1);                     /* one PPS */
    if (rc == 0)
        rc = sv_buf_be16(out, (uint16_t)pps->len);
    if (rc == 0)
        rc = sv_buf_append(out, pps->data, pps->len);
    return rc;
}

int
sv__cast_adts(const uint8_t *p, size_t len, uint8_t asc[2], size_t *raw_off,
              size_t *raw_len, size_t *frame_len)
{
    size_t hdr, flen;
    int prof, sri, ch;

    if (len < 7 || p[0] != 0xff || (p[1] & 0xf6) != 0xf0)
        return SV_EFORMAT;
    hdr = (p[1] & 1) ? 7 : 9;       /* protection_absent */
    prof = (p[2] >> 6) + 1;         /* audio object type */
    sri = (p[2] >> 2) & 0xf;
    ch = (p[2] & 1) << 2 | p[3] >> 6;
    flen = (size_t)(p[3] & 3) << 11 | (size_t)p[4] << 3 | p[5] >> 5;
    if (flen < hdr || flen > len || sri > 12)
        return SV_EFORMAT;
    asc[0] = (uint8_t)(prof << 3 | sri >> 1);
    asc[1] = (uint8_t)((sri & 1) << 7 | ch << 3);
    *raw_off = hdr;
    *raw_len = flen - hdr;
    *frame_len = flen;
    return 0;
}

void
sv__cast_sps_profile(const uint8_t *p, size_t len, int *profile, int *level)
{
    const uint8_t *nal;
    size_t off = 0, n;

    *profile = *level = 0;
    while (next_nal(p, len, &off, &nal, &n)) {
        if (n >= 4 && (nal[0] & 0x1f) == 7) {
            *profile = nal[1];
            *level = nal[3];
            return;
        }
    }
}
