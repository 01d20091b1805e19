/* h264.c -- RFC 6184 depacketizing (single, STAP-A, FU-A) and packetizing */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "rtc/h264.h"

int
sv_h264_depack_init(struct sv_h264_depack *d, sv_h264_au_fn fn, void *ud)
{
    memset(d, 0, sizeof(*d));
    d->cap = 256 << 10;
    d->au = malloc(d->cap);
    if (d->au == NULL)
        return -ENOMEM;
    d->fn = fn;
    d->ud = ud;
    d->waiting = 1;
    return 0;
}

void
sv_h264_depack_release(struct sv_h264_depack *d)
{
    free(d->au);
    d->au = NULL;
}

static int
room(struct sv_h264_depack *d, size_t n)
{
    uint8_t *p;
    size_t cap = d->cap;

    if (n <= d->cap - d->len)
        return 0;
    if (n > SV_H264_AU_MAX - d->len)
        return SV_ELIMIT;
    while (cap - d->len < n)
        cap *= 2;
    if (cap > SV_H264_AU_MAX)
        cap = SV_H264_AU_MAX;
    p = realloc(d->au, cap);
    if (p == NULL)
        return -ENOMEM;
    d->au = p;
    d->cap = cap;
    return 0;
}

/* a whole NAL is in the unit: note keyframes and parameter sets */
static void
saw_nal(struct sv_h264_depack *d, const uint8_t *nal, size_t n)
{
    int type = nal[0] & 0x1f;

    if (type == 5)
        d->key = 1;
    else if (type == 7 && n <= sizeof(d->sps)) {
        memcpy(d->sps, nal, n);
        d->sps_len = n;
    } else if (type == 8 && n <= sizeof(d->pps)) {
        memcpy(d->pps, nal, n);
        d->pps_len = n;
    }
}

static int
append_nal(struct sv_h264_depack *d, const uint8_t *nal, size_t n)
{
    if (n == 0 || room(d, n + 4) < 0) {
        d->broken = 1;
        return SV_EFORMAT;
    }
    sv_put_be32(d->au + d->len, (uint32_t)n);
    memcpy(d->au + d->len + 4, nal, n);
    d->len += 4 + n;
    saw_nal(d, nal, n);
    return 0;
}

static void
reset(struct sv_h264_depack *d)
{
    d->len = 0;
    d->key = 0;
    d->broken = 0;
    d->fu_open = 0;
}

static void
emit(struct sv_h264_depack *d)
{
    if (d->len == 0 && !d->broken) {
        reset(d);
        return;
    }
    if (d->fu_open)
        d->broken = 1;
    if (!d->broken && d->key) {
        if (d->sps_len > 0 && d->pps_len > 0)
            d->waiting = 0;
        else
            d->broken = 1;      /* a keyframe nobody can decode yet */
    }
    if (d->broken || d->waiting) {
        d->dropped++;
        if (d->broken)
            d->waiting = 1;
    } else {
        d->frames++;
        d->fn(d->ud, d->au, d->len, d->ts, d->key);
    }
    reset(d);
}

void
sv_h264_depack_loss(struct sv_h264_depack *d)
{
    d->broken = 1;
    d->waiting = 1;
}

int
sv_h264_depack_push(struct sv_h264_depack *d, const uint8_t *p, size_t len,
                    uint32_t ts, int marker)
{
    int type, rc = 0;

    if (d->have_ts && ts != d->ts && (d->len > 0 || d->broken))
        emit(d);        /* the marker of the last unit was lost */
    d->ts = ts;
    d->have_ts = 1;
    if (len < 1) {
        d->broken = 1;
        rc = SV_EFORMAT;
        goto out;
    }
    type = p[0] & 0x1f;
    if (type >= 1 && type <= 23) {
        if (d->fu_open)
            d->broken = 1;
        d->fu_open = 0;
        rc = append_nal(d, p, len);
    } else if (type == 24) {
        size_t off = 1;

        if (d->fu_open)
            d->broken = 1;
        d->fu_open = 0;
        while (off < len && rc == 0) {
            size_t n;

            if (len - off < 2) {
                rc = SV_EFORMAT;
                break;
            }
            n = (size_t)p[off] << 8 | p[off + 1];
            off += 2;
            if (n == 0 || n > len - off) {
                rc = SV_EFORMAT;
                break;
            }
            rc = append_nal(d, p + off, n);
            off += n;
        }
        if (rc < 0)
            d->broken = 1;
    } else if (type == 28) {
        int start, end;

        if (len < 3) {
            d->broken = 1;
            rc = SV_EFORMAT;
            goto out;
        }
        start = p[1] & 0x80;
        end = p[1] & 0x40;
        if (start) {
            if (d->fu_open)
                d->broken = 1;
            if (room(d, 5 + len - 2) < 0) {
                d->broken = 1;
                rc = SV_EFORMAT;
                goto out;
            }
            d->fu_at = d->len;
            d->au[d->len + 4] = (uint8_t)((p[0] & 0xe0) | (p[1] & 0x1f));
            d->len += 5;
            d->fu_open = 1;
        } else if (!d->fu_open) {
            d->broken = 1;      /* its start was lost */
            goto out;
        }
        if (room(d, len - 2) < 0) {
            d->broken = 1;
            d->fu_open = 0;
            rc = SV_EFORMAT;
            goto out;
        }
        memcpy(d->au + d->len, p + 2, len - 2);
        d->len += len - 2;
        if (end) {
            size_t n = d->len - d->fu_at - 4;

            sv_put_be32(d->au + d->fu_at, (uint32_t)n);
            saw_nal(d, d->au + d->fu_at + 4, n);
            d->fu_open = 0;
        }
    } else {
        /* STAP-B, MTAP, FU-B: interleaved mode only; 0, 30, 31 reserved */
        d->broken = 1;
        rc = SV_EFORMAT;
    }
out:
    if (marker)
        emit(d);
    return rc;
}

int
sv_h264_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps,
             size_t pps_len, uint8_t *out, size_t size)
{
    size_t n = 11 + sps_len + pps_len;

    if (sps_len < 4 || pps_len < 1 || sps_len > 65535 || pps_len > 65535)
        return SV_EFORMAT;
    if (size < n)
        return SV_ELIMIT;
    out[0] = 1;
    out[1] = sps[1];
    out[2] = sps[2];
    out[3] = sps[3];
    out[4] = 0xff;              /* 4-byte NAL lengths */
    out[5] = 0xe1;              /* one SPS */
    out[6] = (uint8_t)(sps_len >> 8);
    out[7] = (uint8_t)sps_len;
    memcpy(out + 8, sps, sps_len);
    out[8 + sps_len] = 1;
    out[9 + sps_len] = (uint8_t)(pps_len >> 8);
    out[10 + sps_len] = (uint8_t)pps_len;
    memcpy(out + 11 + sps_len, pps, pps_len);
    return (int)n;
}

/* the NAL at off: its start and length; 0, or SV_EFORMAT */
static int
nal_at(const uint8_t *au, size_t len, size_t off, const uint8_t **nal,
       size_t *n)
{
    size_t k;

    if (len - off < 4)
        return SV_EFORMAT;
    k = (size_t)au[off] << 24 | (size_t)au[off + 1] << 16 |
        (size_t)au[off + 2] << 8 | au[off + 3];
    if (k == 0 || k > len - off - 4)
        return SV_EFORMAT;
    *nal = au + off + 4;
    *n = k;
    return 0;
}

int
sv_h264_packetize(const uint8_t *au, size_t len, size_t mtu,
                  sv_h264_pay_fn fn, void *ud)
{
    uint8_t buf[1500];
    const uint8_t *nal;
    size_t off = 0, n;
    int rc;

    if (mtu < 64 || mtu > sizeof(buf))
        return SV_EFORMAT;
    while (off < len) {
        size_t next, w, count = 0;

        if ((rc = nal_at(au, len, off, &nal, &n)) < 0)
            return rc;
        next = off + 4 + n;
        if (n + 3 <= mtu) {
            /* gather what follows into a STAP-A while it fits */
            const uint8_t *nal2;
            size_t n2, scan = off;
            uint8_t nri = 0;

            w = 1;
            while (scan < len && nal_at(au, len, scan, &nal2, &n2) == 0 &&
                   w + 2 + n2 <= mtu) {
                buf[w] = (uint8_t)(n2 >> 8);
                buf[w + 1] = (uint8_t)n2;
                memcpy(buf + w + 2, nal2, n2);
                w += 2 + n2;
                if ((nal2[0] & 0x60) > nri)
                    nri = nal2[0] & 0x60;
                count++;
                scan += 4 + n2;
            }
            if (count >= 2) {
                buf[0] = (uint8_t)(nri | 24);
                rc = fn(ud, buf, w, scan >= len);
                if (rc < 0)
                    return rc;
                off = scan;
                continue;
            }
        }
        if (n <= mtu) {
            rc = fn(ud, nal, n, next >= len);
        } else {
            size_t at = 1, chunk = mtu - 2;

            rc = 0;
            while (at < n && rc == 0) {
                size_t k = n - at < chunk ? n - at : chunk;

                buf[0] = (uint8_t)((nal[0] & 0xe0) | 28);
                buf[1] = (uint8_t)((at == 1 ? 0x80 : 0) |
                                   (at + k == n ? 0x40 : 0) |
                                   (nal[0] & 0x1f));
                memcpy(buf + 2, nal + at, k);
                at += k;
                rc = fn(ud, buf, k + 2, at == n && next >= len);
            }
        }
        if (rc < 0)
            return rc;
        off = next;
    }
    return 0;
}

int
sv_h264_payload_key(const uint8_t *p, size_t len)
{
    size_t off, n;
    int type;

    if (len < 1)
        return 0;
    type = p[0] & 0x1f;
    if (type == 5 || type == 7)
        return 1;
    if (type == 28)     /* FU-A: start bit, the fragment's type */
        return len >= 2 && (p[1] & 0x80) && (p[1] & 0x1f) == 5;
    if (type != 24)
        return 0;
    for (off = 1; len - off >= 2; off += 2 + n) {
        n = sv_be16(p + off);
        if (n == 0 || n > len - off - 2)
            return 0;
        type = p[off + 2] & 0x1f;
        if (type == 5 || type == 7)
            return 1;
    }
    return 0;
}

/* one NAL into out behind a 4-byte length; 0, or SV_ELIMIT */
static int
put_nal(const uint8_t *nal, size_t n, uint8_t *out, size_t cap, size_t *w,
        int *has_sps)
{
    uint8_t type;

    while (n > 0 && nal[n - 1] == 0)
        n--;    /* trailing zeros belong to the next start code */
    if (n == 0)
        return 0;
    type = nal[0] & 0x1f;
    if (type == 9)
        return 0;   /* an access unit delimiter: RTP has none */
    if (n > UINT32_MAX || cap - *w < 4 || cap - *w - 4 < n)
        return SV_ELIMIT;
    if (type == 7)
        *has_sps = 1;
    sv_put_be32(out + *w, (uint32_t)n);
    memcpy(out + *w + 4, nal, n);
    *w += 4 + n;
    return 0;
}

int
sv_h264_to_len4(const uint8_t *in, size_t len, int nal_len, uint8_t *out,
                size_t cap, int *has_sps)
{
    size_t off = 0, w = 0, n, start;
    int rc, sps = 0, i;

    if (nal_len != 0 && nal_len != 1 && nal_len != 2 && nal_len != 4)
        return SV_EFORMAT;
    if (nal_len > 0) {
        while (off < len) {
            if (len - off < (size_t)nal_len)
                return SV_EFORMAT;
            for (i = 0, n = 0; i < nal_len; i++)
                n = n << 8 | in[off + (size_t)i];
            off += (size_t)nal_len;
            if (n > len - off)
                return SV_EFORMAT;
            rc = put_nal(in + off, n, out, cap, &w, &sps);
            if (rc < 0)
                return rc;
            off += n;
        }
    } else {
        /* the first start code: 00 00 01 (a leading 00 is trailing zero) */
        while (off + 3 <= len && !(in[off] == 0 && in[off + 1] == 0 &&
                                   in[off + 2] == 1))
            off++;
        if (off + 3 > len)
            return SV_EFORMAT;
        off += 3;
        while (off < len) {
            start = off;
            while (off + 3 <= len && !(in[off] == 0 && in[off + 1] == 0 &&
                                       in[off + 2] == 1))
                off++;
            if (off + 3 > len)
                off = len;
            rc = put_nal(in + start, off - start, out, cap, &w, &sps);
            if (rc < 0)
                return rc;
            if (off < len)
                off += 3;
        }
    }
    if (w == 0 || w > INT32_MAX)
        return SV_EFORMAT;
    *has_sps = sps;
    return (int)w;
}

int
sv_h264_avcc_parse(const uint8_t *avcc, size_t len, uint8_t *sps,
                   size_t *sps_len, uint8_t *pps, size_t *pps_len,
                   int *nal_len)
{
    size_t off = 6, sl, pl, first = 0;
    int nsps, npps, i;

    if (len < 7 || avcc[0] != 1 || (avcc[4] & 3) == 2)
        return SV_EFORMAT;
    nsps = avcc[5] & 0x1f;
    if (nsps < 1)
        return SV_EFORMAT;
    sl = 0;
    for (i = 0; i < nsps; i++) {
        if (len - off < 2)
            return SV_EFORMAT;
        sl = sv_be16(avcc + off);
        if (sl == 0 || sl > len - off - 2)
            return SV_EFORMAT;
        if (i == 0) {
            if (sl > *sps_len)
                return SV_EFORMAT;
            memcpy(sps, avcc + off + 2, sl);
            first = sl;
        }
        off += 2 + sl;
    }
    sl = first;
    if (len - off < 1)
        return SV_EFORMAT;
    npps = avcc[off++];
    if (npps < 1)
        return SV_EFORMAT;
    if (len - off < 2)
        return SV_EFORMAT;
    pl = sv_be16(avcc + off);
    if (pl == 0 || pl > len - off - 2 || pl > *pps_len)
        return SV_EFORMAT;
    memcpy(pps, avcc + off + 2, pl);
    *sps_len = sl;
    *pps_len = pl;
    *nal_len = (avcc[4] & 3) + 1;
    return 0;
}
