/* rtp.h -- RTP headers, a reorder buffer, receiver statistics, RTCP */
#ifndef SV_RTP_H
#define SV_RTP_H

#include <stddef.h>
#include <stdint.h>

struct sv_rtp {
    int marker, pt;
    uint16_t seq;
    uint32_t ts, ssrc;
    const uint8_t *payload;     /* into the packet; padding removed */
    size_t len;
};

/* Nonzero when p is RTCP rather than RTP (RFC 5761: types 192-223). */
int sv_rtp_is_rtcp(const uint8_t *p, size_t len);

/* Parses an RTP packet (version 2, CSRCs and extension skipped).
 * Returns 0 or SV_EFORMAT. */
int sv_rtp_parse(const uint8_t *p, size_t len, struct sv_rtp *r);

/* Writes a 12-byte header into out.  Returns 12. */
int sv_rtp_header(uint8_t *out, int marker, int pt, uint16_t seq,
                  uint32_t ts, uint32_t ssrc);

/* ---- reorder buffer: packets in sequence order, gaps waited for ---- */

#define SV_REORDER_SLOTS 512
#define SV_REORDER_MTU 1500

struct sv_reorder_slot {
    uint8_t data[SV_REORDER_MTU];
    uint16_t len;
    uint8_t used;
    uint64_t ext;                   /* its extended sequence number */
    uint64_t arrived_ms;
};

struct sv_reorder {
    struct sv_reorder_slot *slots;  /* SV_REORDER_SLOTS */
    int started;
    uint64_t next;                  /* extended seq the reader wants */
    uint64_t max;                   /* highest extended seq held */
    uint32_t wait_ms;               /* how long a gap is waited for */
    uint64_t lost, late, dups;      /* skipped, too late, repeated */
};

/* 0 or -ENOMEM.  wait_ms: how long a missing packet may hold the rest. */
int sv_reorder_init(struct sv_reorder *r, uint32_t wait_ms);
void sv_reorder_release(struct sv_reorder *r);

/* Extends seq near r's position to 64 bits. */
uint64_t sv_reorder_extend(const struct sv_reorder *r, uint16_t seq);

/*
 * Holds a copy of the packet (at most SV_REORDER_MTU bytes).  Returns 0,
 * 1 when it was dropped (a duplicate, or older than what was read), or
 * SV_ELIMIT for a packet too large.  A jump beyond the window restarts.
 */
int sv_reorder_push(struct sv_reorder *r, uint16_t seq, const uint8_t *p,
                    size_t len, uint64_t now_ms);

/*
 * The next packet in order into out (SV_REORDER_MTU bytes): 1 and *len
 * set, *gap the packets skipped before it (lost: their wait ran out, or
 * the window filled), or 0 when the next one has not come yet.
 */
int sv_reorder_pop(struct sv_reorder *r, uint64_t now_ms, uint8_t *out,
                   size_t *len, unsigned *gap);

/* Writes up to max missing sequence numbers (between the next wanted and
 * the highest held) into seqs, for a NACK.  Returns how many. */
int sv_reorder_missing(const struct sv_reorder *r, uint16_t *seqs, int max);

/* ---- receiver statistics (RFC 3550 A.3, A.8) ---- */

struct sv_rtp_recv {
    uint32_t ssrc;
    int started;
    uint16_t max_seq;
    uint32_t cycles, base_seq;
    uint32_t received, expected_prior, received_prior;
    double jitter;
    int64_t transit;
    uint32_t lsr;               /* middle of the last SR's NTP time */
    uint64_t lsr_ms;            /* when it came, caller's clock */
};

/* One packet: seq, its RTP timestamp and the arrival in clock units. */
void sv_rtp_recv_update(struct sv_rtp_recv *s, uint32_t ssrc, uint16_t seq,
                        uint32_t ts, uint32_t arrival);

/* Packets expected from the first to the highest sequence number seen
 * (wraps counted); lost is this less s->received (negative with
 * duplicates), as RFC 3550 A.3 counts it.  0 before the first packet. */
uint64_t sv_rtp_recv_expected(const struct sv_rtp_recv *s);

/* ---- RTCP ---- */

/* a Receiver Report of our_ssrc with a block per source (n <= 31);
 * updates the sources' priors.  Returns the length or SV_ELIMIT. */
int sv_rtcp_rr(uint8_t *out, size_t size, uint32_t our_ssrc,
               struct sv_rtp_recv *srcs, int n, uint64_t now_ms);

/* Picture Loss Indication (PSFB 1).  Returns 12 or SV_ELIMIT. */
int sv_rtcp_pli(uint8_t *out, size_t size, uint32_t our_ssrc,
                uint32_t media_ssrc);

/* Generic NACK (RTPFB 1) of n sequence numbers, packed as PID+BLP.
 * Returns the length or SV_ELIMIT. */
int sv_rtcp_nack(uint8_t *out, size_t size, uint32_t our_ssrc,
                 uint32_t media_ssrc, const uint16_t *seqs, int n);

/* Receiver Estimated Max Bitrate (PSFB 15, draft-alvestrand-rmcat-remb)
 * for the media ssrcs.  Returns the length or SV_ELIMIT. */
int sv_rtcp_remb(uint8_t *out, size_t size, uint32_t our_ssrc,
                 uint64_t bps, const uint32_t *ssrcs, int n);

struct sv_rtcp_info {
    int sr;                     /* a Sender Report was seen */
    uint32_t sr_ssrc, sr_rtp;
    uint64_t sr_ntp;
    int pli, fir, bye;
    uint64_t remb_bps;          /* 0: none */
    int nacks;                  /* sequence numbers asked for */
    uint16_t nack_seq[64];      /* the first of them */
    uint32_t nack_ssrc;         /* the media SSRC of the first NACK */
    int packets;
};

/* a Sender Report of ssrc (no report blocks): the NTP time and the RTP
 * timestamp it maps to, packets and octets sent.  Returns 28 or
 * SV_ELIMIT. */
int sv_rtcp_sr(uint8_t *out, size_t size, uint32_t ssrc, uint64_t ntp,
               uint32_t rtp_ts, uint32_t packets, uint32_t octets);

/* Walks a compound RTCP packet.  Returns 0 or SV_EFORMAT. */
int sv_rtcp_parse(const uint8_t *p, size_t len, struct sv_rtcp_info *info);

/* ---- Opus (RFC 7587) ---- */

/* Samples at 48 kHz in one Opus packet (RFC 6716 TOC), or SV_EFORMAT. */
int sv_opus_samples(const uint8_t *p, size_t len);

#endif
