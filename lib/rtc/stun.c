/* stun.c -- STUN for ICE-lite: Binding requests in, responses out */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "crypto/hmac.h"
#include "rtc/stun.h"

#define COOKIE 0x2112A442u
#define FP_XOR 0x5354554Eu

enum {
    A_MAPPED = 0x0001, A_USERNAME = 0x0006, A_INTEGRITY = 0x0008,
    A_XOR_MAPPED = 0x0020, A_PRIORITY = 0x0024, A_USE_CANDIDATE = 0x0025,
    A_FINGERPRINT = 0x8028, A_CONTROLLED = 0x8029, A_CONTROLLING = 0x802A,
};

uint32_t
sv_stun_crc32(const uint8_t *p, size_t len)
{
    static uint32_t table[256];
    uint32_t c = 0xffffffffu;
    size_t i;

    if (table[1] == 0) {
        uint32_t n, k, v;

        for (n = 0; n < 256; n++) {
            for (v = n, k = 0; k < 8; k++)
                v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
            table[n] = v;
        }
    }
    for (i = 0; i < len; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

int
sv_stun_is(const uint8_t *p, size_t len)
{
    return len >= 20 && p[0] < 4 && sv_be32(p + 4) == COOKIE;
}

static int
parse_xaddr(const uint8_t *v, size_t n, const uint8_t *hdr,
            struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (n == 8 && v[1] == 1) {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;

        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)(sv_be16(v + 2) ^ (COOKIE >> 16)));
        a->sin_addr.s_addr = htonl(sv_be32(v + 4) ^ COOKIE);
        return 0;
    }
    if (n == 20 && v[1] == 2) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        int i;

        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)(sv_be16(v + 2) ^ (COOKIE >> 16)));
        for (i = 0; i < 16; i++)
            a->sin6_addr.s6_addr[i] = v[4 + i] ^ hdr[4 + i];
        return 0;
    }
    return SV_EFORMAT;
}

int
sv_stun_parse(const uint8_t *p, size_t len, struct sv_stun_msg *m)
{
    size_t mlen, off;

    if (!sv_stun_is(p, len))
        return SV_EFORMAT;
    mlen = sv_be16(p + 2);
    if (mlen % 4 != 0 || mlen + 20 != len)
        return SV_EFORMAT;
    memset(m, 0, sizeof(*m));
    m->type = sv_be16(p);
    memcpy(m->txid, p + 8, 12);
    for (off = 20; off < len;) {
        unsigned t, n;
        const uint8_t *v;

        if (len - off < 4)
            return SV_EFORMAT;
        t = sv_be16(p + off);
        n = sv_be16(p + off + 2);
        v = p + off + 4;
        if (len - off - 4 < n)
            return SV_EFORMAT;
        if (m->has_fingerprint)
            return SV_EFORMAT;      /* FINGERPRINT comes last */
        if (t == A_FINGERPRINT) {
            uint32_t crc;

            if (n != 4 || off + 8 != len)
                return SV_EFORMAT;
            /* over the message up to it, the length counting it */
            crc = sv_stun_crc32(p, off);
            if ((sv_be32(v) ^ FP_XOR) != crc)
                return SV_EFORMAT;
            m->has_fingerprint = 1;
        } else if (m->integrity_off != 0) {
            /* after MESSAGE-INTEGRITY only FINGERPRINT counts */
        } else if (t == A_INTEGRITY) {
            if (n != 20)
                return SV_EFORMAT;
            m->integrity_off = off;
        } else if (t == A_USERNAME) {
            if (n > 513)
                return SV_EFORMAT;
            m->username = (const char *)v;
            m->username_len = n;
        } else if (t == A_USE_CANDIDATE) {
            m->use_candidate = 1;
        } else if (t == A_PRIORITY && n == 4) {
            m->priority = sv_be32(v);
        } else if ((t == A_CONTROLLING || t == A_CONTROLLED) && n == 8) {
            m->tiebreaker = (uint64_t)sv_be32(v) << 32 | sv_be32(v + 4);
            if (t == A_CONTROLLING)
                m->controlling = 1;
            else
                m->controlled = 1;
        } else if (t == A_XOR_MAPPED) {
            if (parse_xaddr(v, n, p, &m->mapped) == 0)
                m->have_mapped = 1;
        }
        off += 4 + ((n + 3u) & ~3u);
        if (off > len)
            return SV_EFORMAT;
    }
    return 0;
}

/* HMAC-SHA1 over p[0..off) with the header's length ending the MI */
static int
integrity(const uint8_t *p, size_t off, const void *key, size_t keylen,
          uint8_t out[20])
{
    uint8_t buf[2048];

    if (off > sizeof(buf))
        return SV_ELIMIT;
    memcpy(buf, p, off);
    sv_put_be16(buf + 2, (unsigned)(off + 24 - 20));
    return sv_hmac_sha1(key, keylen, buf, off, out);
}

int
sv_stun_integrity_ok(const uint8_t *p, size_t len,
                     const struct sv_stun_msg *m, const void *key,
                     size_t keylen)
{
    uint8_t mac[20];

    if (m->integrity_off == 0 || m->integrity_off + 24 > len ||
        integrity(p, m->integrity_off, key, keylen, mac) < 0)
        return 0;
    return sv_ct_equal(mac, p + m->integrity_off + 4, 20);
}

/* MESSAGE-INTEGRITY and FINGERPRINT after w bytes; the total length */
static int
finish(uint8_t *out, size_t size, size_t w, const void *key, size_t keylen)
{
    uint32_t crc;

    if (size < w + 24 + 8)
        return SV_ELIMIT;
    sv_put_be16(out + w, A_INTEGRITY);
    sv_put_be16(out + w + 2, 20);
    if (integrity(out, w, key, keylen, out + w + 4) < 0)
        return SV_EINTERNAL;
    w += 24;
    sv_put_be16(out + 2, (unsigned)(w + 8 - 20));
    crc = sv_stun_crc32(out, w) ^ FP_XOR;
    sv_put_be16(out + w, A_FINGERPRINT);
    sv_put_be16(out + w + 2, 4);
    sv_put_be32(out + w + 4, crc);
    return (int)(w + 8);
}

static void
header(uint8_t *out, unsigned type, const uint8_t txid[12])
{
    sv_put_be16(out, type);
    sv_put_be16(out + 2, 0);
    sv_put_be32(out + 4, COOKIE);
    memcpy(out + 8, txid, 12);
}

int
sv_stun_binding_response(uint8_t *out, size_t size, const uint8_t txid[12],
                         const struct sockaddr *addr, const void *key,
                         size_t keylen)
{
    size_t w = 20;
    int i;

    if (size < 20 + 24)
        return SV_ELIMIT;
    header(out, SV_STUN_BINDING_SUCCESS, txid);
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;

        sv_put_be16(out + w, A_XOR_MAPPED);
        sv_put_be16(out + w + 2, 8);
        out[w + 4] = 0;
        out[w + 5] = 1;
        sv_put_be16(out + w + 6, ntohs(a->sin_port) ^ (COOKIE >> 16));
        sv_put_be32(out + w + 8, ntohl(a->sin_addr.s_addr) ^ COOKIE);
        w += 12;
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;

        sv_put_be16(out + w, A_XOR_MAPPED);
        sv_put_be16(out + w + 2, 20);
        out[w + 4] = 0;
        out[w + 5] = 2;
        sv_put_be16(out + w + 6, ntohs(a->sin6_port) ^ (COOKIE >> 16));
        for (i = 0; i < 16; i++)
            out[w + 8 + i] = a->sin6_addr.s6_addr[i] ^ out[4 + i];
        w += 24;
    } else {
        return SV_EFORMAT;
    }
    return finish(out, size, w, key, keylen);
}

int
sv_stun_binding_request(uint8_t *out, size_t size, const uint8_t txid[12],
                        const char *username, uint32_t priority,
                        uint64_t tiebreaker, int use_candidate,
                        const void *key, size_t keylen)
{
    size_t n = strlen(username), w = 20, pad = (n + 3) & ~(size_t)3;

    if (n > 513 || size < 20 + 4 + pad + 8 + 12 + 4 + 32)
        return SV_ELIMIT;
    header(out, SV_STUN_BINDING_REQUEST, txid);
    sv_put_be16(out + w, A_USERNAME);
    sv_put_be16(out + w + 2, (unsigned)n);
    memset(out + w + 4, 0, pad);
    memcpy(out + w + 4, username, n);
    w += 4 + pad;
    sv_put_be16(out + w, A_PRIORITY);
    sv_put_be16(out + w + 2, 4);
    sv_put_be32(out + w + 4, priority);
    w += 8;
    sv_put_be16(out + w, A_CONTROLLING);
    sv_put_be16(out + w + 2, 8);
    sv_put_be32(out + w + 4, (uint32_t)(tiebreaker >> 32));
    sv_put_be32(out + w + 8, (uint32_t)tiebreaker);
    w += 12;
    if (use_candidate) {
        sv_put_be16(out + w, A_USE_CANDIDATE);
        sv_put_be16(out + w + 2, 0);
        w += 4;
    }
    return finish(out, size, w, key, keylen);
}
