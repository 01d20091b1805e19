/* rtmp_handshake.h -- the server side of the RTMP handshake */
#ifndef SV_RTMP_HANDSHAKE_H
#define SV_RTMP_HANDSHAKE_H

#include <stdint.h>

#define SV_RTMP_HS_SIZE 1536

enum {
    SV_RTMP_HS_PLAIN = 0,    /* C1 carries no digest: S2 echoes C1 */
    SV_RTMP_HS_DIGEST1 = 1,  /* Flash digest in the first half of C1 */
    SV_RTMP_HS_DIGEST2 = 2,  /* ... in the second half */
};

/*
 * Answers C0+C1 (1 + 1536 bytes) with S0+S1+S2 (1 + 2 * 1536 bytes) in
 * out.  A C1 that carries a valid Flash Player digest (the variant some
 * encoders insist on) gets an S1 with a Flash Media Server digest and an
 * S2 keyed from the client's digest; any other C1 gets the plain echo.
 * Stores the variant in *variant.  Returns 0, or SV_EPROTO when C0 asks
 * for a version other than 3 (encrypted RTMPE is not offered).
 */
int sv_rtmp_handshake_reply(const uint8_t *c0c1, uint8_t *out, int *variant);

/*
 * Finds the Flash digest of a 1536-byte C1/S1 block signed with the first
 * klen bytes of key; returns its offset, or -1 when neither scheme
 * verifies.  Exposed for tests (a client's view of our S1).
 */
int sv_rtmp_handshake_find_digest(const uint8_t *blk, const uint8_t *key,
                                  size_t klen, int *scheme);

/* Signs blk in place at the digest offset of scheme (1 or 2). */
int sv_rtmp_handshake_sign(uint8_t *blk, int scheme, const uint8_t *key,
                           size_t klen);

/* The published keys of the Flash handshake (30/36 bytes + 32 common). */
extern const uint8_t sv_rtmp_fp_key[62];
extern const uint8_t sv_rtmp_fms_key[68];

#endif
