/* rtmp_handshake.c -- C0/C1 in, S0/S1/S2 out, plain or with Flash digests */
#include <string.h>
#include <time.h>

#include "core/bytes.h"
#include "core/err.h"
#include "crypto/cipher.h"
#include "crypto/hmac.h"
#include "rtmp/rtmp_handshake.h"

/*
 * The digest handshake signs C1 with "Genuine Adobe Flash Player 001" and
 * S1 with "Genuine Adobe Flash Media Server 001"; S2 is signed with a key
 * derived from the peer's digest and the full 68-byte server key.
 * Encoders built on librtmp or FFmpeg send the digest; a server that
 * answers it plainly is refused by strict players.
 */
#define COMMON \
    0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, \
    0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, \
    0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae

const uint8_t sv_rtmp_fp_key[62] = {
    'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o', 'b', 'e', ' ',
    'F', 'l', 'a', 's', 'h', ' ', 'P', 'l', 'a', 'y', 'e', 'r', ' ',
    '0', '0', '1', COMMON
};

const uint8_t sv_rtmp_fms_key[68] = {
    'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o', 'b', 'e', ' ',
    'F', 'l', 'a', 's', 'h', ' ', 'M', 'e', 'd', 'i', 'a', ' ',
    'S', 'e', 'r', 'v', 'e', 'r', ' ', '0', '0', '1', COMMON
};

#define DIGEST_LEN 32

/* scheme 1 keeps its digest in bytes 8..771, scheme 2 in 772..1535 */
static int
digest_offset(const uint8_t *blk, int scheme)
{
    int base = scheme == 1 ? 8 : 772;
    int sum = blk[base] + blk[base + 1] + blk[base + 2] + blk[base + 3];

    return sum % 728 + base + 4;
}

/* HMAC over the block without the 32 digest bytes at off */
static int
block_digest(const uint8_t *blk, int off, const uint8_t *key, size_t klen,
             uint8_t out[DIGEST_LEN])
{
    uint8_t msg[SV_RTMP_HS_SIZE - DIGEST_LEN];

    memcpy(msg, blk, (size_t)off);
    memcpy(msg + off, blk + off + DIGEST_LEN,
           SV_RTMP_HS_SIZE - DIGEST_LEN - (size_t)off);
    return sv_hmac_sha256(key, klen, msg, sizeof(msg), out);
}

int
sv_rtmp_handshake_find_digest(const uint8_t *blk, const uint8_t *key,
                              size_t klen, int *scheme)
{
    uint8_t d[DIGEST_LEN];
    int s, off;

    for (s = 1; s <= 2; s++) {
        off = digest_offset(blk, s);
        if (block_digest(blk, off, key, klen, d) < 0)
            return -1;
        if (sv_ct_equal(d, blk + off, DIGEST_LEN)) {
            *scheme = s;
            return off;
        }
    }
    return -1;
}

int
sv_rtmp_handshake_sign(uint8_t *blk, int scheme, const uint8_t *key,
                       size_t klen)
{
    int off = digest_offset(blk, scheme);

    return block_digest(blk, off, key, klen, blk + off);
}

int
sv_rtmp_handshake_reply(const uint8_t *c0c1, uint8_t *out, int *variant)
{
    const uint8_t *c1 = c0c1 + 1;
    uint8_t *s1 = out + 1, *s2 = out + 1 + SV_RTMP_HS_SIZE;
    uint8_t key[DIGEST_LEN];
    int scheme = 0, off = -1, rc;

    if (c0c1[0] != 3)
        return SV_EPROTO;
    out[0] = 3;
    rc = sv_drm_random(s1, SV_RTMP_HS_SIZE);
    if (rc < 0)
        return rc;
    sv_put_be32(s1, (uint32_t)time(NULL));
    /* a zero version field in C1 means the plain handshake */
    if (c1[4] | c1[5] | c1[6] | c1[7])
        off = sv_rtmp_handshake_find_digest(c1, sv_rtmp_fp_key, 30, &scheme);
    if (off < 0) {
        memset(s1 + 4, 0, 4);
        memcpy(s2, c1, SV_RTMP_HS_SIZE);
        *variant = SV_RTMP_HS_PLAIN;
        return 0;
    }
    /* server version, as servers speaking the digest variant announce */
    s1[4] = 4; s1[5] = 5; s1[6] = 0; s1[7] = 1;
    rc = sv_rtmp_handshake_sign(s1, scheme, sv_rtmp_fms_key, 36);
    if (rc < 0)
        return rc;
    rc = sv_drm_random(s2, SV_RTMP_HS_SIZE);
    if (rc < 0)
        return rc;
    rc = sv_hmac_sha256(sv_rtmp_fms_key, sizeof(sv_rtmp_fms_key),
                               c1 + off, DIGEST_LEN, key);
    if (rc < 0)
        return rc;
    rc = sv_hmac_sha256(key, sizeof(key), s2,
                               SV_RTMP_HS_SIZE - DIGEST_LEN,
                               s2 + SV_RTMP_HS_SIZE - DIGEST_LEN);
    if (rc < 0)
        return rc;
    *variant = scheme;
    return 0;
}
