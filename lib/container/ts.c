/* ts.c -- MPEG-TS segments: PAT/PMT, PES packets with PTS/DTS and PCR,
 * Annex B video and ADTS audio rebuilt from the fMP4 sample form */
#include <string.h>

#include "container/box.h"
#include "container/ts.h"
#include "core/err.h"

#define TS 188
#define PID_PMT 0x1000
#define PID_ES 0x0100

static uint32_t
crc32_mpeg(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffffu;
    size_t i;
    int b;

    for (i = 0; i < len; i++) {
        crc ^= (uint32_t)p[i] << 24;
        for (b = 0; b < 8; b++)
            crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
    }
    return crc;
}

int
sv_ts_init(struct sv_ts *t, const struct sv_codec_cfg *cfg, int video,
           uint32_t timescale)
{
    if (cfg->codec != SV_CODEC_H264 && cfg->codec != SV_CODEC_HEVC &&
        cfg->codec != SV_CODEC_AAC)
        return SV_ENOMEDIA;
    memset(t, 0, sizeof(*t));
    t->cfg = cfg;
    t->video = video;
    t->timescale = timescale;
    sv_buf_init(&t->es, 64 << 20);
    return 0;
}

void
sv_ts_release(struct sv_ts *t)
{
    sv_buf_release(&t->es);
}

/* One packet carrying a PSI section (pointer field 0, stuffed with 0xff). */
static int
section(struct sv_buf *out, int pid, uint8_t *cc, const uint8_t *s,
        size_t len)
{
    uint8_t pkt[TS];

    memset(pkt, 0xff, sizeof(pkt));
    pkt[0] = 0x47;
    pkt[1] = (uint8_t)(0x40 | pid >> 8);
    pkt[2] = (uint8_t)pid;
    pkt[3] = (uint8_t)(0x10 | (*cc & 0x0f));
    *cc = (uint8_t)(*cc + 1);
    pkt[4] = 0;
    memcpy(pkt + 5, s, len);
    return sv_buf_append(out, pkt, sizeof(pkt));
}

int
sv_ts_tables(struct sv_ts *t, struct sv_buf *out)
{
    uint8_t s[64];
    size_t n;
    uint32_t crc;
    int type, rc;

    /* PAT: program 1 at PID_PMT */
    n = 0;
    s[n++] = 0x00;
    s[n++] = 0xb0;
    s[n++] = 13;
    s[n++] = 0x00;
    s[n++] = 0x01;                      /* transport_stream_id */
    s[n++] = 0xc1;
    s[n++] = 0;
    s[n++] = 0;
    s[n++] = 0x00;
    s[n++] = 0x01;
    s[n++] = (uint8_t)(0xe0 | PID_PMT >> 8);
    s[n++] = (uint8_t)PID_PMT;
    crc = crc32_mpeg(s, n);
    s[n++] = (uint8_t)(crc >> 24);
    s[n++] = (uint8_t)(crc >> 16);
    s[n++] = (uint8_t)(crc >> 8);
    s[n++] = (uint8_t)crc;
    rc = section(out, 0, &t->cc[0], s, n);
    if (rc < 0)
        return rc;
    /* PMT: one stream, which also carries the PCR */
    type = t->cfg->codec == SV_CODEC_H264 ? 0x1b
           : t->cfg->codec == SV_CODEC_HEVC ? 0x24 : 0x0f;
    n = 0;
    s[n++] = 0x02;
    s[n++] = 0xb0;
    s[n++] = 18;
    s[n++] = 0x00;
    s[n++] = 0x01;                      /* program_number */
    s[n++] = 0xc1;
    s[n++] = 0;
    s[n++] = 0;
    s[n++] = (uint8_t)(0xe0 | PID_ES >> 8);
    s[n++] = (uint8_t)PID_ES;           /* PCR PID */
    s[n++] = 0xf0;
    s[n++] = 0;
    s[n++] = (uint8_t)type;
    s[n++] = (uint8_t)(0xe0 | PID_ES >> 8);
    s[n++] = (uint8_t)PID_ES;
    s[n++] = 0xf0;
    s[n++] = 0;
    crc = crc32_mpeg(s, n);
    s[n++] = (uint8_t)(crc >> 24);
    s[n++] = (uint8_t)(crc >> 16);
    s[n++] = (uint8_t)(crc >> 8);
    s[n++] = (uint8_t)crc;
    return section(out, PID_PMT, &t->cc[1], s, n);
}

static int
nal(struct sv_buf *es, const uint8_t *p, size_t len)
{
    int rc = sv_buf_append(es, "\0\0\0\1", 4);

    return rc < 0 ? rc : sv_buf_append(es, p, len);
}

/* Parameter sets from the avcC/hvcC record, as Annex B. */
static int
parameter_sets(const struct sv_codec_cfg *c, struct sv_buf *es)
{
    struct sv_rd r;
    unsigned i, j, n, arrays, len;
    const uint8_t *p;
    int rc = 0;

    sv_rd_init(&r, c->rec, c->rec_len);
    if (c->codec == SV_CODEC_H264) {
        sv_rd_skip(&r, 5);
        for (j = 0; j < 2 && rc == 0; j++) {
            n = sv_rd_u8(&r) & (j == 0 ? 0x1f : 0xff);
            for (i = 0; i < n && rc == 0; i++) {
                len = sv_rd_u16(&r);
                p = sv_rd_bytes(&r, len);
                if (p == NULL)
                    return SV_EFORMAT;
                rc = nal(es, p, len);
            }
        }
        return rc;
    }
    sv_rd_skip(&r, 22);
    arrays = sv_rd_u8(&r);
    for (j = 0; j < arrays && rc == 0; j++) {
        sv_rd_u8(&r);
        n = sv_rd_u16(&r);
        for (i = 0; i < n && rc == 0; i++) {
            len = sv_rd_u16(&r);
            p = sv_rd_bytes(&r, len);
            if (p == NULL)
                return SV_EFORMAT;
            rc = nal(es, p, len);
        }
    }
    return r.err != 0 ? SV_EFORMAT : rc;
}

static int
annexb(struct sv_ts *t, const uint8_t *p, size_t len, int key)
{
    static const uint8_t aud264[] = { 0x09, 0xf0 };
    static const uint8_t aud265[] = { 0x46, 0x01, 0x50 };
    int hevc = t->cfg->codec == SV_CODEC_HEVC, rc;
    size_t pos = 0, n;

    rc = hevc ? nal(&t->es, aud265, sizeof(aud265))
              : nal(&t->es, aud264, sizeof(aud264));
    if (rc == 0 && key)
        rc = parameter_sets(t->cfg, &t->es);
    while (rc == 0 && pos + 4 <= len) {
        n = (size_t)p[pos] << 24 | (size_t)p[pos + 1] << 16 |
            (size_t)p[pos + 2] << 8 | p[pos + 3];
        pos += 4;
        if (n > len - pos)
            return SV_EFORMAT;
        rc = nal(&t->es, p + pos, n);
        pos += n;
    }
    return rc;
}

static int
adts(struct sv_ts *t, const uint8_t *p, size_t len)
{
    const uint8_t *asc = t->cfg->rec;
    int aot = asc[0] >> 3, idx = (asc[0] & 7) << 1 | asc[1] >> 7;
    int ch = (asc[1] >> 3) & 0x0f;
    size_t fl = len + 7;
    uint8_t h[7];
    int rc;

    if (fl > 0x1fff)
        return SV_EFORMAT;
    h[0] = 0xff;
    h[1] = 0xf1;
    h[2] = (uint8_t)(((aot - 1) & 3) << 6 | idx << 2 | ch >> 2);
    h[3] = (uint8_t)((ch & 3) << 6 | fl >> 11);
    h[4] = (uint8_t)(fl >> 3);
    h[5] = (uint8_t)((fl & 7) << 5 | 0x1f);
    h[6] = 0xfc;
    rc = sv_buf_append(&t->es, h, 7);
    return rc < 0 ? rc : sv_buf_append(&t->es, p, len);
}

static void
timestamp(uint8_t *b, int marker, uint64_t ts)
{
    b[0] = (uint8_t)(marker << 4 | ((ts >> 30) & 7) << 1 | 1);
    b[1] = (uint8_t)(ts >> 22);
    b[2] = (uint8_t)(((ts >> 15) & 0x7f) << 1 | 1);
    b[3] = (uint8_t)(ts >> 7);
    b[4] = (uint8_t)((ts & 0x7f) << 1 | 1);
}

int
sv_ts_sample(struct sv_ts *t, struct sv_buf *out, const uint8_t *p,
             size_t len, int64_t dts, int64_t pts, int key)
{
    uint8_t hdr[19], pkt[TS];
    uint64_t d90, p90;
    size_t hl, plen, off = 0, total;
    int first = 1, rc;

    sv_buf_reset(&t->es);
    rc = t->video ? annexb(t, p, len, key) : adts(t, p, len);
    if (rc < 0)
        return rc;
    d90 = (uint64_t)(dts * 90000 / t->timescale) & 0x1ffffffffULL;
    p90 = (uint64_t)(pts * 90000 / t->timescale) & 0x1ffffffffULL;
    /* PES header with PTS, and DTS when it differs */
    hdr[0] = 0;
    hdr[1] = 0;
    hdr[2] = 1;
    hdr[3] = t->video ? 0xe0 : 0xc0;
    hdr[6] = 0x80;
    if (p90 != d90) {
        hdr[7] = 0xc0;
        hdr[8] = 10;
        timestamp(hdr + 9, 3, p90);
        timestamp(hdr + 14, 1, d90);
        hl = 19;
    } else {
        hdr[7] = 0x80;
        hdr[8] = 5;
        timestamp(hdr + 9, 2, p90);
        hl = 14;
    }
    total = hl + t->es.len;
    plen = total - 6;
    if (t->video || plen > 0xffff)
        plen = 0;                       /* unbounded, allowed for video */
    hdr[4] = (uint8_t)(plen >> 8);
    hdr[5] = (uint8_t)plen;
    while (off < total) {
        size_t af = 0, room, n, i = 4;

        pkt[0] = 0x47;
        pkt[1] = (uint8_t)((first ? 0x40 : 0) | PID_ES >> 8);
        pkt[2] = (uint8_t)PID_ES;
        if (first)
            af = 8;                     /* adaptation: flags + PCR */
        room = TS - 4 - af;
        n = total - off;
        if (n < room) {
            /* stuff the last packet through the adaptation field */
            af += room - n;
            room = n;
        }
        pkt[3] = (uint8_t)((af > 0 ? 0x30 : 0x10) | (t->cc[2] & 0x0f));
        t->cc[2] = (uint8_t)(t->cc[2] + 1);
        if (af > 0) {
            pkt[i++] = (uint8_t)(af - 1);
            if (af > 1) {
                uint8_t *a = pkt + i;
                size_t k;

                a[0] = 0;
                k = 1;
                if (first) {
                    uint64_t pcr = d90 > 9000 ? d90 - 9000 : 0;
                    a[0] = (uint8_t)((key ? 0x40 : 0) | 0x10);
                    a[1] = (uint8_t)(pcr >> 25);
                    a[2] = (uint8_t)(pcr >> 17);
                    a[3] = (uint8_t)(pcr >> 9);
                    a[4] = (uint8_t)(pcr >> 1);
                    a[5] = (uint8_t)((pcr & 1) << 7 | 0x7e);
                    a[6] = 0;
                    k = 7;
                }
                memset(a + k, 0xff, af - 1 - k);
                i += af - 1;
            }
        }
        /* payload: the PES header first, then the elementary stream */
        while (room > 0) {
            size_t take;
            if (off < hl) {
                take = hl - off < room ? hl - off : room;
                memcpy(pkt + i, hdr + off, take);
            } else {
                take = room;
                memcpy(pkt + i, t->es.data + (off - hl), take);
            }
            i += take;
            off += take;
            room -= take;
        }
        rc = sv_buf_append(out, pkt, TS);
        if (rc < 0)
            return rc;
        first = 0;
    }
    return 0;
}
