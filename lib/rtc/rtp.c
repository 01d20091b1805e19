/* rtp.c -- RTP headers, the reorder buffer, receiver stats, RTCP, Opus */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "rtc/rtp.h"

int
sv_rtp_is_rtcp(const uint8_t *p, size_t len)
{
    return len >= 4 && (p[0] & 0xc0) == 0x80 && p[1] >= 192 && p[1] <= 223;
}

int
sv_rtp_parse(const uint8_t *p, size_t len, struct sv_rtp *r)
{
    size_t off = 12, pad = 0;

    if (len < 12 || (p[0] & 0xc0) != 0x80)
        return SV_EFORMAT;
    off += (size_t)(p[0] & 0x0f) * 4;
    if (p[0] & 0x10) {
        if (len < off + 4)
            return SV_EFORMAT;
        off += 4 + (size_t)sv_be16(p + off + 2) * 4;
    }
    if (p[0] & 0x20) {
        pad = p[len - 1];
        if (pad == 0)
            return SV_EFORMAT;
    }
    if (len < off || len - off < pad)
        return SV_EFORMAT;
    r->marker = p[1] >> 7;
    r->pt = p[1] & 0x7f;
    r->seq = sv_be16(p + 2);
    r->ts = sv_be32(p + 4);
    r->ssrc = sv_be32(p + 8);
    r->payload = p + off;
    r->len = len - off - pad;
    return 0;
}

int
sv_rtp_header(uint8_t *out, int marker, int pt, uint16_t seq, uint32_t ts,
              uint32_t ssrc)
{
    out[0] = 0x80;
    out[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
    sv_put_be16(out + 2, seq);
    sv_put_be32(out + 4, ts);
    sv_put_be32(out + 8, ssrc);
    return 12;
}

/* ---- reorder buffer ---- */

int
sv_reorder_init(struct sv_reorder *r, uint32_t wait_ms)
{
    memset(r, 0, sizeof(*r));
    r->slots = calloc(SV_REORDER_SLOTS, sizeof(*r->slots));
    if (r->slots == NULL)
        return -ENOMEM;
    r->wait_ms = wait_ms;
    return 0;
}

void
sv_reorder_release(struct sv_reorder *r)
{
    free(r->slots);
    r->slots = NULL;
}

uint64_t
sv_reorder_extend(const struct sv_reorder *r, uint16_t seq)
{
    int16_t d = (int16_t)(uint16_t)(seq - (uint16_t)r->max);

    return (uint64_t)((int64_t)r->max + d);
}

static void
restart(struct sv_reorder *r, uint64_t ext)
{
    int i;

    for (i = 0; i < SV_REORDER_SLOTS; i++)
        r->slots[i].used = 0;
    r->next = r->max = ext;
}

int
sv_reorder_push(struct sv_reorder *r, uint16_t seq, const uint8_t *p,
                size_t len, uint64_t now_ms)
{
    struct sv_reorder_slot *s;
    uint64_t ext;

    if (len > SV_REORDER_MTU)
        return SV_ELIMIT;
    if (!r->started) {
        r->started = 1;
        /* far from zero, so that a packet before the first still extends */
        r->next = r->max = (1ull << 32) + seq;
    }
    ext = sv_reorder_extend(r, seq);
    if (ext < r->next) {
        if (r->next - ext > SV_REORDER_SLOTS * 4) {
            restart(r, ext);    /* the sender restarted its numbering */
        } else {
            r->late++;
            return 1;
        }
    } else if (ext >= r->next + SV_REORDER_SLOTS) {
        if (ext - r->next > SV_REORDER_SLOTS * 4)
            restart(r, ext);
        else
            while (ext >= r->next + SV_REORDER_SLOTS) {
                /* no room to wait any longer for the oldest gap */
                if (!r->slots[r->next % SV_REORDER_SLOTS].used ||
                    r->slots[r->next % SV_REORDER_SLOTS].ext != r->next)
                    r->lost++;
                r->slots[r->next % SV_REORDER_SLOTS].used = 0;
                r->next++;
            }
    }
    s = &r->slots[ext % SV_REORDER_SLOTS];
    if (s->used && s->ext == ext) {
        r->dups++;
        return 1;
    }
    memcpy(s->data, p, len);
    s->len = (uint16_t)len;
    s->used = 1;
    s->ext = ext;
    s->arrived_ms = now_ms;
    if (ext > r->max)
        r->max = ext;
    return 0;
}

int
sv_reorder_pop(struct sv_reorder *r, uint64_t now_ms, uint8_t *out,
               size_t *len, unsigned *gap)
{
    unsigned skipped = 0;

    if (!r->started)
        return 0;
    for (;;) {
        struct sv_reorder_slot *s = &r->slots[r->next % SV_REORDER_SLOTS];
        uint64_t e;

        if (s->used && s->ext == r->next) {
            memcpy(out, s->data, s->len);
            *len = s->len;
            s->used = 0;
            r->next++;
            *gap = skipped;
            return 1;
        }
        if (r->next > r->max)
            return 0;
        /* a gap: skip it once the first packet after it waited enough */
        for (e = r->next + 1; e <= r->max; e++) {
            s = &r->slots[e % SV_REORDER_SLOTS];
            if (s->used && s->ext == e)
                break;
        }
        if (e > r->max || now_ms - s->arrived_ms < r->wait_ms)
            return 0;
        r->lost += e - r->next;
        skipped += (unsigned)(e - r->next);
        r->next = e;
    }
}

int
sv_reorder_missing(const struct sv_reorder *r, uint16_t *seqs, int max)
{
    uint64_t e;
    int n = 0;

    if (!r->started)
        return 0;
    for (e = r->next; e < r->max && n < max; e++) {
        const struct sv_reorder_slot *s = &r->slots[e % SV_REORDER_SLOTS];

        if (!s->used || s->ext != e)
            seqs[n++] = (uint16_t)e;
    }
    return n;
}

/* ---- receiver statistics ---- */

void
sv_rtp_recv_update(struct sv_rtp_recv *s, uint32_t ssrc, uint16_t seq,
                   uint32_t ts, uint32_t arrival)
{
    uint16_t udelta;
    int64_t transit, d;

    if (!s->started || s->ssrc != ssrc) {
        memset(s, 0, sizeof(*s));
        s->started = 1;
        s->ssrc = ssrc;
        s->base_seq = seq;
        s->max_seq = seq;
        s->received = 1;
        s->transit = (int64_t)arrival - ts;
        return;
    }
    udelta = (uint16_t)(seq - s->max_seq);
    if (udelta < 3000) {
        if (seq < s->max_seq)
            s->cycles += 65536;
        s->max_seq = seq;
    } else if (udelta <= 65536 - 100) {
        /* a jump: the source restarted; count from here */
        s->base_seq = seq;
        s->max_seq = seq;
        s->cycles = 0;
        s->received = 0;
        s->expected_prior = s->received_prior = 0;
    }
    s->received++;
    transit = (int64_t)(int32_t)(arrival - ts);
    d = transit - (int64_t)(int32_t)s->transit;
    s->transit = transit;
    if (d < 0)
        d = -d;
    s->jitter += ((double)d - s->jitter) / 16.0;
}

uint64_t
sv_rtp_recv_expected(const struct sv_rtp_recv *s)
{
    if (!s->started)
        return 0;
    return (uint64_t)s->cycles + s->max_seq - s->base_seq + 1;
}

int
sv_rtcp_rr(uint8_t *out, size_t size, uint32_t our_ssrc,
           struct sv_rtp_recv *srcs, int n, uint64_t now_ms)
{
    size_t len = 8 + 24 * (size_t)n;
    int i;

    if (n < 0 || n > 31 || size < len)
        return SV_ELIMIT;
    out[0] = (uint8_t)(0x80 | n);
    out[1] = 201;
    sv_put_be16(out + 2, (unsigned)(len / 4 - 1));
    sv_put_be32(out + 4, our_ssrc);
    for (i = 0; i < n; i++) {
        struct sv_rtp_recv *s = &srcs[i];
        uint8_t *b = out + 8 + 24 * i;
        uint32_t ext = s->cycles + s->max_seq;
        int64_t expected = (int64_t)ext - s->base_seq + 1;
        int64_t lost = expected - s->received;
        int64_t exp_int = expected - s->expected_prior;
        int64_t rec_int = (int64_t)s->received - s->received_prior;
        int64_t lost_int = exp_int - rec_int;
        uint32_t frac = exp_int > 0 && lost_int > 0
                        ? (uint32_t)((lost_int << 8) / exp_int) : 0;
        uint32_t dlsr = 0;

        if (lost > 0x7fffff)
            lost = 0x7fffff;
        if (lost < -0x800000)
            lost = -0x800000;
        s->expected_prior = (uint32_t)expected;
        s->received_prior = s->received;
        if (s->lsr != 0)
            dlsr = (uint32_t)((now_ms - s->lsr_ms) * 65536 / 1000);
        sv_put_be32(b, s->ssrc);
        sv_put_be32(b + 4, (frac > 255 ? 255 : frac) << 24 |
                    ((uint32_t)lost & 0xffffff));
        sv_put_be32(b + 8, ext);
        sv_put_be32(b + 12, (uint32_t)s->jitter);
        sv_put_be32(b + 16, s->lsr);
        sv_put_be32(b + 20, dlsr);
    }
    return (int)len;
}

int
sv_rtcp_pli(uint8_t *out, size_t size, uint32_t our_ssrc,
            uint32_t media_ssrc)
{
    if (size < 12)
        return SV_ELIMIT;
    out[0] = 0x81;
    out[1] = 206;
    sv_put_be16(out + 2, 2);
    sv_put_be32(out + 4, our_ssrc);
    sv_put_be32(out + 8, media_ssrc);
    return 12;
}

int
sv_rtcp_nack(uint8_t *out, size_t size, uint32_t our_ssrc,
             uint32_t media_ssrc, const uint16_t *seqs, int n)
{
    size_t w = 12;
    int i = 0;

    if (size < 16 || n <= 0)
        return SV_ELIMIT;
    while (i < n) {
        uint16_t pid = seqs[i], blp = 0;

        i++;
        while (i < n && (uint16_t)(seqs[i] - pid) >= 1 &&
               (uint16_t)(seqs[i] - pid) <= 16) {
            blp |= (uint16_t)(1u << ((uint16_t)(seqs[i] - pid) - 1));
            i++;
        }
        if (w + 4 > size)
            return SV_ELIMIT;
        sv_put_be16(out + w, pid);
        sv_put_be16(out + w + 2, blp);
        w += 4;
    }
    out[0] = 0x81;
    out[1] = 205;
    sv_put_be16(out + 2, (unsigned)(w / 4 - 1));
    sv_put_be32(out + 4, our_ssrc);
    sv_put_be32(out + 8, media_ssrc);
    return (int)w;
}

int
sv_rtcp_remb(uint8_t *out, size_t size, uint32_t our_ssrc, uint64_t bps,
             const uint32_t *ssrcs, int n)
{
    size_t len = 20 + 4 * (size_t)n;
    unsigned exp = 0;
    int i;

    if (n < 1 || n > 255 || size < len)
        return SV_ELIMIT;
    while (bps >= (1u << 18)) {
        bps >>= 1;
        exp++;
    }
    out[0] = 0x8f;
    out[1] = 206;
    sv_put_be16(out + 2, (unsigned)(len / 4 - 1));
    sv_put_be32(out + 4, our_ssrc);
    sv_put_be32(out + 8, 0);
    memcpy(out + 12, "REMB", 4);
    out[16] = (uint8_t)n;
    out[17] = (uint8_t)(exp << 2 | (unsigned)(bps >> 16));
    sv_put_be16(out + 18, (unsigned)(bps & 0xffff));
    for (i = 0; i < n; i++)
        sv_put_be32(out + 20 + 4 * i, ssrcs[i]);
    return (int)len;
}

int
sv_rtcp_sr(uint8_t *out, size_t size, uint32_t ssrc, uint64_t ntp,
           uint32_t rtp_ts, uint32_t packets, uint32_t octets)
{
    if (size < 28)
        return SV_ELIMIT;
    out[0] = 0x80;
    out[1] = 200;
    sv_put_be16(out + 2, 6);
    sv_put_be32(out + 4, ssrc);
    sv_put_be32(out + 8, (uint32_t)(ntp >> 32));
    sv_put_be32(out + 12, (uint32_t)ntp);
    sv_put_be32(out + 16, rtp_ts);
    sv_put_be32(out + 20, packets);
    sv_put_be32(out + 24, octets);
    return 28;
}

int
sv_rtcp_parse(const uint8_t *p, size_t len, struct sv_rtcp_info *info)
{
    size_t off = 0;

    memset(info, 0, sizeof(*info));
    if (len < 4)
        return SV_EFORMAT;
    while (off < len) {
        size_t n;
        int pt, fmt;
        const uint8_t *q = p + off;

        if (len - off < 4 || (q[0] & 0xc0) != 0x80)
            return SV_EFORMAT;
        n = ((size_t)sv_be16(q + 2) + 1) * 4;
        if (n > len - off)
            return SV_EFORMAT;
        pt = q[1];
        fmt = q[0] & 0x1f;
        info->packets++;
        if (pt == 200 && n >= 28) {
            info->sr = 1;
            info->sr_ssrc = sv_be32(q + 4);
            info->sr_ntp = (uint64_t)sv_be32(q + 8) << 32 | sv_be32(q + 12);
            info->sr_rtp = sv_be32(q + 16);
        } else if (pt == 203) {
            info->bye = 1;
        } else if (pt == 205 && fmt == 1 && n >= 16) {
            size_t k;

            if (info->nacks == 0)
                info->nack_ssrc = sv_be32(q + 8);
            for (k = 12; k + 4 <= n; k += 4) {
                uint16_t pid = sv_be16(q + k), blp = sv_be16(q + k + 2);
                int b;

                for (b = -1; b < 16; b++) {
                    if (b >= 0 && !(blp & (1u << b)))
                        continue;
                    if (info->nacks < 64)
                        info->nack_seq[info->nacks] =
                            (uint16_t)(pid + b + 1);
                    info->nacks++;
                }
            }
        } else if (pt == 206 && fmt == 1 && n >= 12) {
            info->pli++;
        } else if (pt == 206 && fmt == 4 && n >= 20) {
            info->fir++;
        } else if (pt == 206 && fmt == 15 && n >= 20 &&
                   memcmp(q + 12, "REMB", 4) == 0) {
            info->remb_bps = ((uint64_t)(q[17] & 3) << 16 | sv_be16(q + 18))
                             << (q[17] >> 2);
        }
        off += n;
    }
    return 0;
}

/* ---- Opus ---- */

int
sv_opus_samples(const uint8_t *p, size_t len)
{
    static const int silk[4] = { 480, 960, 1920, 2880 };
    static const int hybrid[2] = { 480, 960 };
    static const int celt[4] = { 120, 240, 480, 960 };
    int config, frame, count;

    if (len < 1)
        return SV_EFORMAT;
    config = p[0] >> 3;
    frame = config < 12 ? silk[config & 3]
            : config < 16 ? hybrid[config & 1] : celt[config & 3];
    switch (p[0] & 3) {
    case 0:
        count = 1;
        break;
    case 1:
    case 2:
        count = 2;
        break;
    default:
        if (len < 2)
            return SV_EFORMAT;
        count = p[1] & 0x3f;
        if (count == 0)
            return SV_EFORMAT;
        break;
    }
    /* RFC 6716 3.2.5: at most 120 ms in one packet */
    if (frame * count > 5760)
        return SV_EFORMAT;
    return frame * count;
}
