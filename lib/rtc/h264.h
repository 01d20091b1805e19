/* h264.h -- H.264 over RTP (RFC 6184, packetization-mode 1) */
#ifndef SV_RTC_H264_H
#define SV_RTC_H264_H

#include <stddef.h>
#include <stdint.h>

/* the largest access unit rebuilt from packets */
#define SV_H264_AU_MAX (8u << 20)

/*
 * an access unit: NALs each behind a 4-byte big-endian length (as in
 * avcC/MP4), the RTP timestamp, and whether it holds an IDR slice
 */
typedef void (*sv_h264_au_fn)(void *ud, const uint8_t *au, size_t len,
                              uint32_t ts, int key);

struct sv_h264_depack {
    uint8_t *au;
    size_t len, cap;
    uint32_t ts;
    int have_ts;
    int key, broken;
    int fu_open;
    size_t fu_at;               /* where the open FU's length goes */
    uint8_t sps[256], pps[256]; /* the last parameter sets seen */
    size_t sps_len, pps_len;
    int waiting;                /* drop until an IDR with SPS and PPS */
    uint64_t frames, dropped;
    sv_h264_au_fn fn;
    void *ud;
};

/* Starts empty, waiting for a keyframe.  0 or -ENOMEM. */
int sv_h264_depack_init(struct sv_h264_depack *d, sv_h264_au_fn fn,
                        void *ud);
void sv_h264_depack_release(struct sv_h264_depack *d);

/*
 * One RTP payload, in sequence order.  A completed access unit (marker
 * bit, or a new timestamp) goes to fn, unless it is broken (a packet
 * missing, a FU-A cut short) or a keyframe is awaited.  Returns 0, or
 * SV_EFORMAT for a payload that does not parse (the unit is dropped).
 */
int sv_h264_depack_push(struct sv_h264_depack *d, const uint8_t *p,
                        size_t len, uint32_t ts, int marker);

/* Packets were lost before the next one: the unit is dropped and the
 * stream waits for the next keyframe (ask the sender for one). */
void sv_h264_depack_loss(struct sv_h264_depack *d);

/* Builds avcC (one SPS, one PPS) into out.  Returns its length or
 * SV_ELIMIT / SV_EFORMAT. */
int sv_h264_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps,
                 size_t pps_len, uint8_t *out, size_t size);

/*
 * Nonzero when an RTP payload can start a keyframe for a decoder joining
 * here: an SPS or IDR alone, a STAP-A holding one, or the first fragment
 * of an IDR in FU-A.  Bounded: a malformed STAP-A is 0.
 */
int sv_h264_payload_key(const uint8_t *p, size_t len);

/* one RTP payload of an access unit; marker on the unit's last */
typedef int (*sv_h264_pay_fn)(void *ud, const uint8_t *p, size_t len,
                              int marker);

/*
 * Splits an access unit (4-byte length prefixed NALs) into payloads of at
 * most mtu bytes (>= 64): small NALs together in STAP-A, large ones in
 * FU-A, others alone.  Returns 0, SV_EFORMAT, or fn's error.
 */
int sv_h264_packetize(const uint8_t *au, size_t len, size_t mtu,
                      sv_h264_pay_fn fn, void *ud);

/* ---- access units from other sources (RTMP, MPEG-TS) ---- */

/*
 * Rewrites an access unit into 4-byte length prefixed NALs in out (cap
 * bytes; len + 4 * NALs at most is enough): from Annex B start codes
 * when nal_len is 0, or from nal_len-byte (1, 2 or 4) length prefixes.
 * Access unit delimiters and empty NALs are left out.  Sets *has_sps when
 * an SPS is among them.  Returns the length, or SV_EFORMAT / SV_ELIMIT.
 */
int sv_h264_to_len4(const uint8_t *in, size_t len, int nal_len,
                    uint8_t *out, size_t cap, int *has_sps);

/*
 * The first SPS and PPS of an avcC record, and its NAL length size (1, 2
 * or 4).  Returns 0, or SV_EFORMAT (malformed, or a set over the size
 * given in *sps_len / *pps_len), setting the lengths only on success.
 */
int sv_h264_avcc_parse(const uint8_t *avcc, size_t len, uint8_t *sps,
                       size_t *sps_len, uint8_t *pps, size_t *pps_len,
                       int *nal_len);

#endif
