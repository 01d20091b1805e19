/* srtp.c -- SRTP and SRTCP (RFC 3711 AES-CM with HMAC-SHA1-80, RFC 7714
 * AES-128-GCM) on crypto/rtpcrypt.h: the session keys derived once, one
 * cipher context per key reused for every packet, the rollover counter and
 * the replay window kept per SSRC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/dtls.h"
#include "crypto/hmac.h"
#include "crypto/rtpcrypt.h"
#include "rtc/srtp.h"

/* the SSRCs one context tracks (a session has one or two a direction) */
#define MAX_SSRC 16
#define TAG_CM 10
#define TAG_GCM 16
/* the replay window: as libsrtp2's was set, room for a retransmission
 * that comes a keyframe's burst after its place */
#define WINDOW 1024

struct ssrc_state {
    uint32_t ssrc;
    int used;
    uint32_t roc;               /* RTP: the rollover counter */
    uint16_t s_l;               /* RTP: the highest sequence number */
    uint64_t top;               /* the highest index authenticated */
    uint64_t win[WINDOW / 64];  /* bit (index % WINDOW): that index seen */
};

struct sv_srtp {
    int gcm, inbound;
    struct sv_rtpcrypt *rtp, *rtcp;
    uint8_t rtp_salt[14], rtcp_salt[14];
    struct ssrc_state rs[MAX_SSRC], cs[MAX_SSRC];
    int rs_next, cs_next;       /* the slot a new SSRC takes when full */
    uint32_t rtcp_index;        /* outbound: the last SRTCP index sent */
};

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RFC 3711 4.3.1 with kdr 0: the AES-CM key stream of the master key at
 * IV (salt XOR label << 48) << 16 */
static int
derive(struct sv_rtpcrypt *master, const uint8_t *salt, size_t salt_len,
       uint8_t label, uint8_t *out, size_t n)
{
    uint8_t iv[16] = { 0 };

    memcpy(iv, salt, salt_len);
    iv[7] ^= label;
    memset(out, 0, n);
    return sv_rtpcrypt_ctr(master, iv, out, n);
}

/* the keys of one half (RTP labels 0-2, SRTCP 3-5) */
static int
half(struct sv_srtp *s, struct sv_rtpcrypt *master, const uint8_t *msalt,
     size_t salt_len, uint8_t base, struct sv_rtpcrypt **out, uint8_t *salt)
{
    uint8_t key[16], auth[20];
    int rc;

    rc = derive(master, msalt, salt_len, base, key, sizeof(key));
    if (rc == 0 && !s->gcm)
        rc = derive(master, msalt, salt_len, base + 1, auth, sizeof(auth));
    if (rc == 0)
        rc = derive(master, msalt, salt_len, base + 2, salt, salt_len);
    if (rc == 0)
        rc = sv_rtpcrypt_new(out, s->gcm ? SV_RTPCRYPT_GCM : SV_RTPCRYPT_CTR,
                             key, s->gcm ? NULL : auth, sizeof(auth));
    explicit_bzero(key, sizeof(key));
    explicit_bzero(auth, sizeof(auth));
    return rc;
}

int
sv_srtp_new(struct sv_srtp **out, int profile, const uint8_t *key,
            size_t key_len, const uint8_t *salt, size_t salt_len,
            int inbound)
{
    struct sv_rtpcrypt *master = NULL;
    struct sv_srtp *s;
    int rc;

    if (key_len != 16 ||
        !((profile == SV_SRTP_AES128_CM_SHA1_80 && salt_len == 14) ||
          (profile == SV_SRTP_AEAD_AES_128_GCM && salt_len == 12)))
        return SV_EUSAGE;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->gcm = profile == SV_SRTP_AEAD_AES_128_GCM;
    s->inbound = inbound;
    rc = sv_rtpcrypt_new(&master, SV_RTPCRYPT_CTR, key, NULL, 0);
    if (rc == 0)
        rc = half(s, master, salt, salt_len, 0, &s->rtp, s->rtp_salt);
    if (rc == 0)
        rc = half(s, master, salt, salt_len, 3, &s->rtcp, s->rtcp_salt);
    sv_rtpcrypt_free(master);
    if (rc < 0) {
        sv_srtp_free(s);
        return rc == -ENOMEM ? rc : SV_EINTERNAL;
    }
    *out = s;
    return 0;
}

/* the state of ssrc, or a fresh one in *tmp (kept only once a packet of
 * it is accepted: forged packets cannot push real SSRCs out) */
static struct ssrc_state *
lookup(struct ssrc_state *tab, uint32_t ssrc, struct ssrc_state *tmp)
{
    int i;

    for (i = 0; i < MAX_SSRC; i++)
        if (tab[i].used && tab[i].ssrc == ssrc)
            return &tab[i];
    memset(tmp, 0, sizeof(*tmp));
    tmp->ssrc = ssrc;
    return tmp;
}

static struct ssrc_state *
keep(struct ssrc_state *tab, int *next, struct ssrc_state *st,
     const struct ssrc_state *tmp)
{
    int i;

    if (st != tmp)
        return st;
    for (i = 0; i < MAX_SSRC && tab[i].used; i++)
        ;
    if (i == MAX_SSRC) {
        i = *next;
        *next = (*next + 1) % MAX_SSRC;
    }
    tab[i] = *tmp;
    return &tab[i];
}

static int
seen(const struct ssrc_state *st, uint64_t index)
{
    unsigned b = (unsigned)(index % WINDOW);

    return (int)(st->win[b / 64] >> (b % 64) & 1);
}

static void
set_seen(struct ssrc_state *st, uint64_t index, int on)
{
    unsigned b = (unsigned)(index % WINDOW);

    if (on)
        st->win[b / 64] |= (uint64_t)1 << (b % 64);
    else
        st->win[b / 64] &= ~((uint64_t)1 << (b % 64));
}

/* 0 when index may be accepted; SV_EAUTH for a replay or one too old */
static int
replay_check(const struct ssrc_state *st, uint64_t index)
{
    if (!st->used || index > st->top)
        return 0;
    if (st->top - index >= WINDOW || seen(st, index))
        return SV_EAUTH;
    return 0;
}

static void
replay_mark(struct ssrc_state *st, uint64_t index)
{
    uint64_t i;

    if (!st->used) {
        memset(st->win, 0, sizeof(st->win));
    } else if (index > st->top) {
        /* the indexes skipped are not seen yet */
        if (index - st->top >= WINDOW)
            memset(st->win, 0, sizeof(st->win));
        else
            for (i = st->top + 1; i < index; i++)
                set_seen(st, i, 0);
    }
    if (!st->used || index > st->top)
        st->top = index;
    set_seen(st, index, 1);
}

/* RFC 3711 3.3.1: the rollover counter that puts seq nearest s_l */
static uint32_t
guess_roc(const struct ssrc_state *st, uint16_t seq)
{
    if (!st->used)
        return 0;
    if (st->s_l < 32768)
        return seq - st->s_l > 32768 ? st->roc - 1 : st->roc;
    return st->s_l - 32768 > seq ? st->roc + 1 : st->roc;
}

/* RTP: the header's length (CSRCs, extension), or 0 when malformed */
static size_t
header_len(const uint8_t *p, size_t len)
{
    size_t h;

    if (len < 12 || (p[0] >> 6) != 2)
        return 0;
    h = 12 + 4 * (size_t)(p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (len < h + 4)
            return 0;
        h += 4 + 4 * ((size_t)p[h + 2] << 8 | p[h + 3]);
    }
    return h <= len ? h : 0;
}

static void
cm_iv(uint8_t iv[16], const uint8_t salt[14], uint32_t ssrc, uint64_t index)
{
    int i;

    memcpy(iv, salt, 14);
    iv[14] = iv[15] = 0;
    iv[4] ^= (uint8_t)(ssrc >> 24);
    iv[5] ^= (uint8_t)(ssrc >> 16);
    iv[6] ^= (uint8_t)(ssrc >> 8);
    iv[7] ^= (uint8_t)ssrc;
    for (i = 0; i < 6; i++)
        iv[13 - i] ^= (uint8_t)(index >> (8 * i));
}

/* RFC 7714 8.1 / 9.1: 00 00 SSRC, then ROC||SEQ (RTP) or 00 00 index */
static void
gcm_iv(uint8_t iv[12], const uint8_t salt[12], uint32_t ssrc, uint32_t hi,
       uint16_t lo)
{
    int i;

    iv[0] = iv[1] = 0;
    put32(iv + 2, ssrc);
    put32(iv + 6, hi);
    iv[10] = (uint8_t)(lo >> 8);
    iv[11] = (uint8_t)lo;
    for (i = 0; i < 12; i++)
        iv[i] ^= salt[i];
}

static int
rtp_auth(struct sv_srtp *s, const uint8_t *p, size_t len, uint32_t roc,
         uint8_t mac[20])
{
    uint8_t r[4];

    put32(r, roc);
    return sv_rtpcrypt_hmac(s->rtp, p, len, r, 4, mac);
}

int
sv_srtp_protect(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    struct ssrc_state tmp, *st;
    size_t h = header_len(p, *len), n = *len;
    uint32_t ssrc, roc;
    uint16_t seq;
    uint64_t index;
    uint8_t iv[16], mac[20];
    int rc;

    if (h == 0 || n > 65535)
        return SV_EFORMAT;
    seq = (uint16_t)(p[2] << 8 | p[3]);
    ssrc = be32(p + 8);
    st = lookup(s->rs, ssrc, &tmp);
    roc = guess_roc(st, seq);
    index = (uint64_t)roc << 16 | seq;
    if (s->gcm) {
        gcm_iv(iv, s->rtp_salt, ssrc, roc, seq);
        rc = sv_rtpcrypt_seal(s->rtp, iv, p, h, p + h, n - h, p + n);
        n += TAG_GCM;
    } else {
        cm_iv(iv, s->rtp_salt, ssrc, index);
        rc = sv_rtpcrypt_ctr(s->rtp, iv, p + h, n - h);
        if (rc == 0)
            rc = rtp_auth(s, p, n, roc, mac);
        memcpy(p + n, mac, TAG_CM);
        n += TAG_CM;
    }
    if (rc < 0)
        return rc;
    /* a sequence number sent again (a NACK's answer) keeps the state */
    st = keep(s->rs, &s->rs_next, st, &tmp);
    if (!st->used || index > st->top) {
        st->top = index;
        st->roc = roc;
        st->s_l = seq;
        st->used = 1;
    }
    *len = n;
    return 0;
}

int
sv_srtp_unprotect(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    struct ssrc_state tmp, *st;
    size_t h = header_len(p, *len), n = *len;
    uint32_t ssrc, roc;
    uint16_t seq;
    uint64_t index;
    uint8_t iv[16], mac[20];
    int rc;

    if (h == 0 || n > 65535 || n < h + (s->gcm ? TAG_GCM : TAG_CM))
        return SV_EFORMAT;
    seq = (uint16_t)(p[2] << 8 | p[3]);
    ssrc = be32(p + 8);
    st = lookup(s->rs, ssrc, &tmp);
    roc = guess_roc(st, seq);
    index = (uint64_t)roc << 16 | seq;
    if (replay_check(st, index) < 0)
        return SV_EAUTH;
    if (s->gcm) {
        n -= TAG_GCM;
        gcm_iv(iv, s->rtp_salt, ssrc, roc, seq);
        rc = sv_rtpcrypt_open(s->rtp, iv, p, h, p + h, n - h, p + n);
    } else {
        n -= TAG_CM;
        rc = rtp_auth(s, p, n, roc, mac);
        if (rc == 0 && !sv_ct_equal(mac, p + n, TAG_CM))
            rc = SV_EAUTH;
        if (rc == 0) {
            cm_iv(iv, s->rtp_salt, ssrc, index);
            rc = sv_rtpcrypt_ctr(s->rtp, iv, p + h, n - h);
        }
    }
    if (rc < 0)
        return rc;
    st = keep(s->rs, &s->rs_next, st, &tmp);
    if (!st->used || index > st->top) {
        st->roc = roc;
        st->s_l = seq;
    }
    replay_mark(st, index);
    st->used = 1;
    *len = n;
    return 0;
}

int
sv_srtp_protect_rtcp(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    size_t n = *len;
    uint32_t ssrc, idx;
    uint8_t iv[16], aad[12], trailer[4], mac[20];
    int rc;

    if (n < 8 || n > 65535 || (p[0] >> 6) != 2)
        return SV_EFORMAT;
    ssrc = be32(p + 4);
    idx = s->rtcp_index = (s->rtcp_index + 1) & 0x7fffffff;
    put32(trailer, 0x80000000u | idx);
    if (s->gcm) {
        gcm_iv(iv, s->rtcp_salt, ssrc, 0, 0);
        /* the index's 31 bits take the IV's last four bytes */
        iv[8] ^= trailer[0] & 0x7f;
        iv[9] ^= trailer[1];
        iv[10] ^= trailer[2];
        iv[11] ^= trailer[3];
        memcpy(aad, p, 8);
        memcpy(aad + 8, trailer, 4);
        rc = sv_rtpcrypt_seal(s->rtcp, iv, aad, 12, p + 8, n - 8, p + n);
        memcpy(p + n + TAG_GCM, trailer, 4);
        n += TAG_GCM + 4;
    } else {
        cm_iv(iv, s->rtcp_salt, ssrc, idx);
        rc = sv_rtpcrypt_ctr(s->rtcp, iv, p + 8, n - 8);
        memcpy(p + n, trailer, 4);
        n += 4;
        if (rc == 0)
            rc = sv_rtpcrypt_hmac(s->rtcp, p, n, NULL, 0, mac);
        memcpy(p + n, mac, TAG_CM);
        n += TAG_CM;
    }
    if (rc < 0)
        return rc;
    *len = n;
    return 0;
}

int
sv_srtp_unprotect_rtcp(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    struct ssrc_state tmp, *st;
    size_t n = *len, body;
    uint32_t ssrc, idx, e;
    uint8_t iv[16], aad[12], mac[20];
    const uint8_t *trailer;
    int rc;

    if (n > 65535 || n < 8 + 4 + (s->gcm ? TAG_GCM : TAG_CM) ||
        (p[0] >> 6) != 2)
        return SV_EFORMAT;
    ssrc = be32(p + 4);
    if (s->gcm) {
        trailer = p + n - 4;
        body = n - 4 - TAG_GCM;
    } else {
        trailer = p + n - TAG_CM - 4;
        body = n - TAG_CM - 4;
    }
    e = be32(trailer);
    idx = e & 0x7fffffff;
    st = lookup(s->cs, ssrc, &tmp);
    if (replay_check(st, idx) < 0)
        return SV_EAUTH;
    if (s->gcm) {
        gcm_iv(iv, s->rtcp_salt, ssrc, 0, 0);
        iv[8] ^= (uint8_t)(idx >> 24);
        iv[9] ^= (uint8_t)(idx >> 16);
        iv[10] ^= (uint8_t)(idx >> 8);
        iv[11] ^= (uint8_t)idx;
        memcpy(aad, p, 8);
        memcpy(aad + 8, trailer, 4);
        if (!(e & 0x80000000u))
            return SV_EFORMAT;  /* unencrypted SRTCP is not negotiated */
        rc = sv_rtpcrypt_open(s->rtcp, iv, aad, 12, p + 8, body - 8,
                              p + body);
    } else {
        rc = sv_rtpcrypt_hmac(s->rtcp, p, n - TAG_CM, NULL, 0, mac);
        if (rc == 0 && !sv_ct_equal(mac, p + n - TAG_CM, TAG_CM))
            rc = SV_EAUTH;
        if (rc == 0 && (e & 0x80000000u)) {
            cm_iv(iv, s->rtcp_salt, ssrc, idx);
            rc = sv_rtpcrypt_ctr(s->rtcp, iv, p + 8, body - 8);
        }
    }
    if (rc < 0)
        return rc;
    st = keep(s->cs, &s->cs_next, st, &tmp);
    replay_mark(st, idx);
    st->used = 1;
    *len = body;
    return 0;
}

void
sv_srtp_free(struct sv_srtp *s)
{
    if (s == NULL)
        return;
    sv_rtpcrypt_free(s->rtp);
    sv_rtpcrypt_free(s->rtcp);
    explicit_bzero(s, sizeof(*s));
    free(s);
}
