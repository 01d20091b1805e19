/* cenc.c -- ISO/IEC 23001-7 Common Encryption of CMAF tracks (cenc, cbcs) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/cipher.h"
#include "drm/cenc.h"

#define MAX_SUBSAMPLES 4096

#define T(s) SV_FOURCC(s[0], s[1], s[2], s[3])

struct sub {
    uint32_t clear;
    uint32_t prot;
};

/* Size of the fixed fields of a sample entry before its child boxes. */
static int
entry_kind(uint32_t type, int *video, int *hevc)
{
    *hevc = type == T("hvc1") || type == T("hev1");
    if (type == T("avc1") || type == T("avc3") || *hevc) {
        *video = 1;
        return 78;
    }
    if (type == T("mp4a") || type == T("Opus") || type == T("ac-3") ||
        type == T("ec-3") || type == T("fLaC")) {
        *video = 0;
        return 28;
    }
    return -1;
}

static const uint8_t *
box_start(const struct sv_box *b)
{
    return b->data - b->hdr;
}

static void
copy_box(struct sv_boxw *w, const struct sv_box *b)
{
    sv_boxw_bytes(w, box_start(b), (size_t)b->size);
}

/* ---- init segments ---------------------------------------------------- */

static void
write_sinf(struct sv_boxw *w, const struct sv_cenc_track *t)
{
    sv_boxw_open(w, T("sinf"));
    sv_boxw_open(w, T("frma"));
    sv_boxw_u32(w, t->format);
    sv_boxw_close(w);
    sv_boxw_open_full(w, T("schm"), 0, 0);
    sv_boxw_u32(w, t->scheme == SV_CENC_CBCS ? T("cbcs") : T("cenc"));
    sv_boxw_u32(w, 0x00010000);
    sv_boxw_close(w);
    sv_boxw_open(w, T("schi"));
    if (t->scheme == SV_CENC_CBCS) {
        sv_boxw_open_full(w, T("tenc"), 1, 0);
        sv_boxw_u8(w, 0);
        sv_boxw_u8(w, (uint8_t)(t->crypt << 4 | t->skip));
        sv_boxw_u8(w, 1);                       /* isProtected */
        sv_boxw_u8(w, 0);                       /* per-sample IV size */
        sv_boxw_bytes(w, t->kid, 16);
        sv_boxw_u8(w, 16);                      /* constant IV size */
        sv_boxw_bytes(w, t->iv, 16);
    } else {
        sv_boxw_open_full(w, T("tenc"), 0, 0);
        sv_boxw_u16(w, 0);
        sv_boxw_u8(w, 1);
        sv_boxw_u8(w, 8);
        sv_boxw_bytes(w, t->kid, 16);
    }
    sv_boxw_close(w);
    sv_boxw_close(w);
    sv_boxw_close(w);
}

static int
read_tenc(const struct sv_box *tenc, struct sv_cenc_track *t)
{
    struct sv_rd r;
    uint8_t version, pat;
    uint32_t flags;
    const uint8_t *kid;

    if (sv_box_full(tenc, &r, &version, &flags) < 0)
        return SV_EFORMAT;
    sv_rd_u8(&r);
    pat = sv_rd_u8(&r);
    sv_rd_u8(&r);                               /* isProtected */
    t->iv_size = sv_rd_u8(&r);
    kid = sv_rd_bytes(&r, 16);
    if (kid == NULL)
        return SV_EFORMAT;
    memcpy(t->kid, kid, 16);
    t->crypt = version > 0 ? pat >> 4 : 0;
    t->skip = version > 0 ? pat & 15 : 0;
    if (t->iv_size == 0) {
        uint8_t n = sv_rd_u8(&r);
        const uint8_t *iv = sv_rd_bytes(&r, n);

        if (iv == NULL || (n != 8 && n != 16))
            return SV_EFORMAT;
        memset(t->iv, 0, 16);
        memcpy(t->iv, iv, n);
    } else if (t->iv_size != 8 && t->iv_size != 16) {
        return SV_EFORMAT;
    }
    return r.err;
}

/* Reads sinf of an encrypted sample entry into t (format, scheme, tenc). */
static int
read_sinf(const struct sv_box *sinf, struct sv_cenc_track *t, char *err,
          size_t size)
{
    struct sv_box b, schm, tenc;
    struct sv_rd r;
    uint8_t v;
    uint32_t f, scheme;

    if (sv_box_find(sinf->data, sinf->len, 0, "frma", &b) != 1 ||
        b.len < 4) {
        snprintf(err, size, "sinf has no frma");
        return SV_EFORMAT;
    }
    t->format = (uint32_t)b.data[0] << 24 | (uint32_t)b.data[1] << 16 |
                (uint32_t)b.data[2] << 8 | b.data[3];
    if (sv_box_find(sinf->data, sinf->len, 0, "schm", &schm) != 1 ||
        sv_box_full(&schm, &r, &v, &f) < 0) {
        snprintf(err, size, "sinf has no schm");
        return SV_EFORMAT;
    }
    scheme = sv_rd_u32(&r);
    if (scheme == T("cenc"))
        t->scheme = SV_CENC_CENC;
    else if (scheme == T("cbcs"))
        t->scheme = SV_CENC_CBCS;
    else {
        char s[5];

        snprintf(err, size, "protection scheme '%s' is not supported",
                 sv_fourcc_str(scheme, s));
        return SV_EFORMAT;
    }
    if (sv_box_find(sinf->data, sinf->len, 0, "schi/tenc", &tenc) != 1 ||
        read_tenc(&tenc, t) < 0) {
        snprintf(err, size, "sinf has no valid tenc");
        return SV_EFORMAT;
    }
    /* skipping blocks without decrypting any never gets through a range */
    if (t->scheme == SV_CENC_CBCS && t->crypt == 0 && t->skip != 0) {
        snprintf(err, size, "tenc pattern %d:%d decrypts no block",
                 t->crypt, t->skip);
        return SV_EFORMAT;
    }
    return 0;
}

/* NAL length size from avcC (byte 4) or hvcC (byte 21). */
static void
nal_length(struct sv_cenc_track *t, const struct sv_box *entry, int fixed)
{
    struct sv_box_iter it;
    struct sv_box c;

    t->nal_len = 0;
    if (sv_box_iter_children(&it, entry, (size_t)fixed) < 0)
        return;
    while (sv_box_next(&it, &c) == 1) {
        if (c.type == T("avcC") && c.len > 4)
            t->nal_len = (c.data[4] & 3) + 1;
        else if (c.type == T("hvcC") && c.len > 21)
            t->nal_len = (c.data[21] & 3) + 1;
    }
}

static int
sample_entry(struct sv_boxw *w, const struct sv_box *e,
             struct sv_cenc_track *t, int encrypt, char *err, size_t size)
{
    struct sv_box_iter it;
    struct sv_box c;
    uint32_t type = e->type;
    int fixed, video, hevc, rc;
    char s[5];

    if (encrypt) {
        if (type == T("encv") || type == T("enca")) {
            snprintf(err, size, "already encrypted");
            return SV_EEXIST;
        }
        fixed = entry_kind(type, &video, &hevc);
        if (fixed < 0) {
            snprintf(err, size, "cannot encrypt codec '%s'",
                     sv_fourcc_str(type, s));
            return SV_EFORMAT;
        }
        if ((size_t)fixed > e->len) {
            snprintf(err, size, "sample entry too short");
            return SV_EFORMAT;
        }
        t->format = type;
        t->video = video;
        t->hevc = hevc;
        if (t->scheme == SV_CENC_CBCS) {
            /* video 1:9; other tracks every whole block, said as 1:0
             * (players differ on what a 0:0 pattern means) */
            t->crypt = 1;
            t->skip = video ? 9 : 0;
            t->iv_size = 0;
        } else {
            t->crypt = t->skip = 0;
            t->iv_size = 8;
        }
        nal_length(t, e, fixed);
        if (video && t->nal_len == 0) {
            snprintf(err, size, "no avcC/hvcC in the sample entry");
            return SV_EFORMAT;
        }
        sv_boxw_open(w, video ? T("encv") : T("enca"));
        sv_boxw_bytes(w, e->data, e->len);
        write_sinf(w, t);
        sv_boxw_close(w);
        return 0;
    }
    if (type != T("encv") && type != T("enca")) {
        snprintf(err, size, "not encrypted");
        return SV_ENOMEDIA;
    }
    fixed = type == T("encv") ? 78 : 28;
    if (sv_box_iter_children(&it, e, (size_t)fixed) < 0) {
        snprintf(err, size, "sample entry too short");
        return SV_EFORMAT;
    }
    while ((rc = sv_box_next(&it, &c)) == 1) {
        if (c.type == T("sinf")) {
            rc = read_sinf(&c, t, err, size);
            if (rc < 0)
                return rc;
        }
    }
    if (rc < 0 || t->format == 0) {
        snprintf(err, size, "encrypted sample entry without sinf");
        return SV_EFORMAT;
    }
    if (entry_kind(t->format, &video, &hevc) != fixed) {
        snprintf(err, size, "cannot decrypt codec '%s'",
                 sv_fourcc_str(t->format, s));
        return SV_EFORMAT;
    }
    t->video = video;
    t->hevc = hevc;
    sv_boxw_open(w, t->format);
    sv_boxw_bytes(w, e->data, (size_t)fixed);
    sv_box_iter_children(&it, e, (size_t)fixed);
    while (sv_box_next(&it, &c) == 1)
        if (c.type != T("sinf"))
            copy_box(w, &c);
    sv_boxw_close(w);
    nal_length(t, e, fixed);
    return 0;
}

struct init_ctx {
    struct sv_cenc_track *t;
    int encrypt;
    const uint8_t *pssh;
    size_t pssh_len;
    int entries;
    char *err;
    size_t size;
};

static int
rewrite(struct sv_boxw *w, struct init_ctx *c, const uint8_t *p, size_t len,
        int depth)
{
    struct sv_box_iter it;
    struct sv_box b;
    int rc;

    if (depth > 8)
        return SV_EFORMAT;
    sv_box_iter_init(&it, p, len, 0);
    while ((rc = sv_box_next(&it, &b)) == 1) {
        if (b.type == T("moov") || b.type == T("trak") ||
            b.type == T("mdia") || b.type == T("minf") ||
            b.type == T("stbl")) {
            sv_boxw_open(w, b.type);
            rc = rewrite(w, c, b.data, b.len, depth + 1);
            if (rc < 0)
                return rc;
            if (b.type == T("moov") && c->encrypt)
                sv_boxw_bytes(w, c->pssh, c->pssh_len);
            sv_boxw_close(w);
        } else if (b.type == T("stsd")) {
            struct sv_box_iter ei;
            struct sv_box e;
            struct sv_rd r;
            uint8_t v;
            uint32_t f, n;

            if (sv_box_full(&b, &r, &v, &f) < 0)
                return SV_EFORMAT;
            n = sv_rd_u32(&r);
            if (n != 1 || r.err) {
                snprintf(c->err, c->size, "%u sample entries (expected 1)",
                         n);
                return SV_EFORMAT;
            }
            sv_boxw_open_full(w, b.type, v, f);
            sv_boxw_u32(w, n);
            if (sv_box_iter_children(&ei, &b, 8) < 0 ||
                sv_box_next(&ei, &e) != 1)
                return SV_EFORMAT;
            rc = sample_entry(w, &e, c->t, c->encrypt, c->err, c->size);
            if (rc < 0)
                return rc;
            c->entries++;
            sv_boxw_close(w);
        } else if (b.type == T("pssh") && !c->encrypt && depth == 1) {
            continue;           /* dropped with the encryption */
        } else {
            if (b.type == T("mvex")) {
                struct sv_box trex;

                if (sv_box_find(b.data, b.len, 0, "trex", &trex) == 1)
                    sv_trex_parse(&trex, &c->t->trex);
            }
            copy_box(w, &b);
        }
    }
    return rc;
}

int
sv_cenc_init(struct sv_cenc_track *t, int encrypt, const uint8_t *in,
             size_t len, const uint8_t *pssh, size_t pssh_len,
             struct sv_buf *out, char *err, size_t size)
{
    struct init_ctx c = { t, encrypt, pssh, pssh_len, 0, err, size };
    struct sv_boxw w;
    int rc;

    err[0] = '\0';
    if (!encrypt)
        t->format = 0;
    sv_boxw_init(&w, out);
    rc = rewrite(&w, &c, in, len, 0);
    if (rc == 0 && c.entries != 1) {
        snprintf(err, size, "no sample description");
        rc = SV_EFORMAT;
    }
    if (rc == 0)
        rc = sv_boxw_finish(&w);
    else
        sv_boxw_finish(&w);
    if (rc < 0 && err[0] == '\0')
        snprintf(err, size, "bad init segment: %s", sv_strerror(rc));
    return rc;
}

/* ---- samples ---------------------------------------------------------- */

/* Splits a NAL-framed video sample into clear/protected ranges. */
static int
subsamples(const struct sv_cenc_track *t, const uint8_t *p, uint32_t size,
           struct sub *s, int max)
{
    uint32_t pos = 0, pend = 0;
    int n = 0, hdr = t->hevc ? 2 : 1;

    while (pos < size) {
        uint32_t nal = 0, total, clear, prot = 0;
        int i, type, vcl;

        if (size - pos < (uint32_t)t->nal_len + (uint32_t)hdr)
            return SV_EFORMAT;
        for (i = 0; i < t->nal_len; i++)
            nal = nal << 8 | p[pos + (uint32_t)i];
        if (nal > size - pos - (uint32_t)t->nal_len)
            return SV_EFORMAT;
        total = (uint32_t)t->nal_len + nal;
        type = t->hevc ? (p[pos + (uint32_t)t->nal_len] >> 1) & 0x3f
                       : p[pos + (uint32_t)t->nal_len] & 0x1f;
        vcl = t->hevc ? type < 32 : type >= 1 && type <= 5;
        clear = total;
        if (vcl && nal > (uint32_t)hdr + 16) {
            prot = total - (uint32_t)t->nal_len - (uint32_t)hdr;
            prot -= prot % 16;
            clear = total - prot;
        }
        pend += clear;
        if (prot > 0) {
            while (pend > 0xffff) {
                if (n == max)
                    return SV_ELIMIT;
                s[n].clear = 0xffff;
                s[n++].prot = 0;
                pend -= 0xffff;
            }
            if (n == max)
                return SV_ELIMIT;
            s[n].clear = pend;
            s[n++].prot = prot;
            pend = 0;
        }
        pos += total;
    }
    while (pend > 0) {
        uint32_t c = pend > 0xffff ? 0xffff : pend;

        if (n == max)
            return SV_ELIMIT;
        s[n].clear = c;
        s[n++].prot = 0;
        pend -= c;
    }
    return n;
}

/* cbcs: the pattern over one protected range, chaining from iv. */
static int
cbcs_range(struct sv_drm_aes *a, const struct sv_cenc_track *t, uint8_t *p,
           uint32_t len)
{
    uint32_t done = 0, crypt, skip;
    int rc;

    /* 4-bit fields; a pattern must decrypt something in each round */
    if (t->crypt < 0 || t->crypt > 15 || t->skip < 0 || t->skip > 15 ||
        (t->crypt == 0 && t->skip != 0))
        return SV_EFORMAT;
    rc = sv_drm_aes_reset(a, t->iv);
    if (rc < 0)
        return rc;
    if (t->crypt == 0)                     /* 0:0: every whole block */
        return sv_drm_aes_update(a, p, p, len - len % 16);
    crypt = 16u * (uint32_t)t->crypt;
    skip = 16u * (uint32_t)t->skip;
    while (len - done >= crypt) {
        rc = sv_drm_aes_update(a, p + done, p + done, crypt);
        if (rc < 0)
            return rc;
        done += crypt;
        done += len - done < skip ? len - done : skip;
    }
    return 0;
}

/*
 * Transforms one sample in place with the given ranges (nsub 0: the whole
 * sample).  cenc runs one CTR stream over the protected bytes; cbcs
 * restarts at the constant IV in each range.
 */
static int
crypt_sample(struct sv_drm_aes *a, const struct sv_cenc_track *t,
             const uint8_t iv[16], uint8_t *p, uint32_t size,
             const struct sub *s, int nsub)
{
    uint32_t pos = 0;
    int i, rc;

    if (t->scheme == SV_CENC_CENC) {
        rc = sv_drm_aes_reset(a, iv);
        if (rc < 0)
            return rc;
        if (nsub == 0)
            return sv_drm_aes_update(a, p, p, size);
        for (i = 0; i < nsub; i++) {
            pos += s[i].clear;
            if (s[i].prot > 0 &&
                sv_drm_aes_update(a, p + pos, p + pos, s[i].prot) < 0)
                return SV_EINTERNAL;
            pos += s[i].prot;
        }
        return 0;
    }
    if (nsub == 0) {
        struct sv_cenc_track whole = *t;

        whole.crypt = whole.skip = 0;
        return cbcs_range(a, &whole, p, size);
    }
    for (i = 0; i < nsub; i++) {
        pos += s[i].clear;
        if (s[i].prot > 0) {
            rc = cbcs_range(a, t, p + pos, s[i].prot);
            if (rc < 0)
                return rc;
        }
        pos += s[i].prot;
    }
    return 0;
}

/* ---- segments --------------------------------------------------------- */

struct senc_in {
    struct sv_rd r;
    uint32_t count, i;
    int subs;
};

static int
senc_open(const struct sv_box *b, struct senc_in *s)
{
    uint8_t v;
    uint32_t f;

    if (sv_box_full(b, &s->r, &v, &f) < 0)
        return SV_EFORMAT;
    s->subs = (f & 2) != 0;
    s->count = sv_rd_u32(&s->r);
    s->i = 0;
    return s->r.err;
}

struct traf_ctx {
    struct sv_cenc_track *t;
    struct sv_drm_aes *aes;
    int encrypt;
    uint8_t *buf;
    size_t len;
    uint64_t moof_offset;
    char *err;
    size_t size;
    uint64_t nsamples;          /* samples of every traf so far */
};

static int
samples(struct traf_ctx *c, const struct sv_box *traf, struct sv_buf *senc,
        struct sv_buf *sizes, uint32_t *count)
{
    struct sv_cenc_track *t = c->t;
    struct sv_traf_iter it;
    struct sv_sample smp;
    struct senc_in in;
    struct sv_box sb;
    struct sub *s;
    int have_senc = 0, n, rc, i;

    s = malloc(MAX_SUBSAMPLES * sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    if (!c->encrypt) {
        have_senc = sv_box_find(traf->data, traf->len, 0, "senc", &sb) == 1;
        if (have_senc && senc_open(&sb, &in) < 0) {
            rc = SV_EFORMAT;
            goto done;
        }
    }
    rc = sv_traf_iter_init(&it, traf, c->moof_offset, &t->trex);
    if (rc < 0)
        goto done;
    if (it.tfhd.flags & SV_TFHD_BASE_DATA_OFFSET) {
        snprintf(c->err, c->size, "fragments with an explicit base data "
                 "offset are not supported");
        rc = SV_EFORMAT;
        goto done;
    }
    *count = 0;
    while ((rc = sv_traf_next(&it, &smp)) == 1) {
        uint8_t iv[16], *p;

        /* a trun without a table repeats its defaults up to 2^32 times:
         * no more samples than the segment has bytes */
        if (++c->nsamples > c->len) {
            snprintf(c->err, c->size, "more samples than bytes");
            rc = SV_EFORMAT;
            break;
        }
        if (smp.offset > c->len || smp.size > c->len - smp.offset) {
            rc = SV_EFORMAT;
            break;
        }
        p = c->buf + smp.offset;
        memset(iv, 0, sizeof(iv));
        if (c->encrypt) {
            size_t before = senc->len;

            n = t->video ? subsamples(t, p, smp.size, s, MAX_SUBSAMPLES)
                         : 0;
            if (n < 0) {
                snprintf(c->err, c->size, "sample %u is not NAL framed",
                         *count + 1);
                rc = SV_EFORMAT;
                break;
            }
            if (t->scheme == SV_CENC_CENC) {
                uint64_t ctr = t->counter++;

                /* first 8 bytes of the track IV plus a sample counter */
                memcpy(iv, t->iv, 8);
                for (i = 7; i >= 0; i--) {
                    ctr += iv[i];
                    iv[i] = (uint8_t)ctr;
                    ctr >>= 8;
                }
                memset(iv + 8, 0, 8);
                rc = sv_buf_append(senc, iv, 8);
            }
            if (rc >= 0 && t->video) {
                rc = sv_buf_be16(senc, (uint16_t)n);
                for (i = 0; rc == 0 && i < n; i++) {
                    rc = sv_buf_be16(senc, (uint16_t)s[i].clear);
                    if (rc == 0)
                        rc = sv_buf_be32(senc, s[i].prot);
                }
            }
            if (rc < 0)
                break;
            rc = sv_buf_u8(sizes, (uint8_t)(senc->len - before));
            if (rc < 0)
                break;
            rc = crypt_sample(c->aes, t, iv, p, smp.size, s, n);
        } else {
            n = 0;
            if (have_senc) {
                const uint8_t *q;

                if (in.i++ >= in.count) {
                    rc = SV_EFORMAT;
                    break;
                }
                if (t->iv_size > 0) {
                    q = sv_rd_bytes(&in.r, (size_t)t->iv_size);
                    if (q != NULL)
                        memcpy(iv, q, (size_t)t->iv_size);
                } else {
                    memcpy(iv, t->iv, 16);
                }
                if (in.subs) {
                    n = sv_rd_u16(&in.r);
                    if (n > MAX_SUBSAMPLES) {
                        rc = SV_ELIMIT;
                        break;
                    }
                    for (i = 0; i < n; i++) {
                        s[i].clear = sv_rd_u16(&in.r);
                        s[i].prot = sv_rd_u32(&in.r);
                    }
                }
                if (in.r.err) {
                    rc = SV_EFORMAT;
                    break;
                }
            } else if (t->iv_size == 0) {
                memcpy(iv, t->iv, 16);
            } else {
                snprintf(c->err, c->size, "fragment has no senc box");
                rc = SV_EFORMAT;
                break;
            }
            if (n > 0) {
                uint64_t sum = 0;

                for (i = 0; i < n; i++)
                    sum += (uint64_t)s[i].clear + s[i].prot;
                if (sum != smp.size) {
                    snprintf(c->err, c->size, "subsamples of sample %u do "
                             "not cover it", *count + 1);
                    rc = SV_EFORMAT;
                    break;
                }
            }
            rc = crypt_sample(c->aes, t, iv, p, smp.size, s, n);
        }
        if (rc < 0)
            break;
        (*count)++;
    }
done:
    free(s);
    return rc;
}

/* Key rotation: all count samples of the traf in one fragment-local
 * 'seig' group naming the current key (ISO/IEC 23001-7 8.3 and 8.4). */
static void
write_seig(struct sv_boxw *w, const struct sv_cenc_track *t, uint32_t count)
{
    int cbcs = t->scheme == SV_CENC_CBCS;

    sv_boxw_open_full(w, T("sbgp"), 0, 0);
    sv_boxw_u32(w, T("seig"));
    sv_boxw_u32(w, 1);
    sv_boxw_u32(w, count);
    sv_boxw_u32(w, 0x10001);            /* entry 1 of this fragment */
    sv_boxw_close(w);
    sv_boxw_open_full(w, T("sgpd"), 1, 0);
    sv_boxw_u32(w, T("seig"));
    sv_boxw_u32(w, cbcs ? 37 : 20);     /* default_length */
    sv_boxw_u32(w, 1);
    sv_boxw_u8(w, 0);
    sv_boxw_u8(w, (uint8_t)(t->crypt << 4 | t->skip));
    sv_boxw_u8(w, 1);                   /* isProtected */
    sv_boxw_u8(w, (uint8_t)t->iv_size);
    sv_boxw_bytes(w, t->kid, 16);
    if (cbcs) {
        sv_boxw_u8(w, 16);
        sv_boxw_bytes(w, t->iv, 16);
    }
    sv_boxw_close(w);
}

/* Reads the first entry of a 'seig' sgpd box; 0 when it is another
 * grouping, 1 when read, SV_EFORMAT. */
static int
read_sgpd(const struct sv_box *b, struct sv_cenc_seig *g)
{
    struct sv_rd r;
    uint8_t v, n, pat;
    uint32_t f, dlen = 0, count;
    const uint8_t *kid, *iv;

    if (sv_box_full(b, &r, &v, &f) < 0)
        return SV_EFORMAT;
    if (sv_rd_u32(&r) != T("seig"))
        return r.err ? SV_EFORMAT : 0;
    if (v == 1)
        dlen = sv_rd_u32(&r);
    if (v >= 2)
        sv_rd_u32(&r);                  /* default_sample_description_index */
    count = sv_rd_u32(&r);
    if (r.err || count == 0)
        return SV_EFORMAT;
    if (v == 1 && dlen == 0)
        dlen = sv_rd_u32(&r);           /* description_length */
    if (v == 1 && dlen < 20)
        return SV_EFORMAT;
    sv_rd_u8(&r);
    pat = sv_rd_u8(&r);
    g->is_protected = sv_rd_u8(&r);
    g->iv_size = sv_rd_u8(&r);
    kid = sv_rd_bytes(&r, 16);
    if (kid == NULL || r.err)
        return SV_EFORMAT;
    memcpy(g->kid, kid, 16);
    g->crypt = pat >> 4;
    g->skip = pat & 15;
    memset(g->iv, 0, 16);
    if (g->is_protected && g->iv_size == 0) {
        n = sv_rd_u8(&r);
        iv = sv_rd_bytes(&r, n);
        if (iv == NULL || (n != 8 && n != 16))
            return SV_EFORMAT;
        memcpy(g->iv, iv, n);
    } else if (g->is_protected && g->iv_size != 8 && g->iv_size != 16) {
        return SV_EFORMAT;
    }
    return r.err ? SV_EFORMAT : 1;
}

int
sv_cenc_seig(const uint8_t *in, size_t len, struct sv_cenc_seig *g)
{
    struct sv_box_iter top, it, ti;
    struct sv_box b, k, c;
    int rc;

    sv_box_iter_init(&top, in, len, 0);
    while ((rc = sv_box_next(&top, &b)) == 1) {
        if (b.type != T("moof"))
            continue;
        sv_box_iter_init(&it, b.data, b.len, 0);
        while ((rc = sv_box_next(&it, &k)) == 1) {
            if (k.type != T("traf"))
                continue;
            sv_box_iter_init(&ti, k.data, k.len, 0);
            while ((rc = sv_box_next(&ti, &c)) == 1) {
                if (c.type != T("sgpd"))
                    continue;
                rc = read_sgpd(&c, g);
                if (rc != 0)
                    return rc;
            }
            /* the first traf decides */
            return rc < 0 ? SV_EFORMAT : 0;
        }
        return rc < 0 ? SV_EFORMAT : 0;
    }
    return rc < 0 ? SV_EFORMAT : 0;
}

static int
rewrite_traf(struct sv_boxw *w, struct traf_ctx *c, const struct sv_box *traf,
             size_t moof_pos, size_t *trun_pos, int *ntrun)
{
    struct sv_buf senc = SV_BUF_INIT(64 << 20), sizes = SV_BUF_INIT(1 << 24);
    struct sv_box_iter it;
    struct sv_box b;
    uint32_t count = 0, i;
    size_t saio_pos = 0;
    int rc, same = 1;

    rc = samples(c, traf, &senc, &sizes, &count);
    if (rc < 0)
        goto done;
    sv_boxw_open(w, T("traf"));
    sv_box_iter_init(&it, traf->data, traf->len, 0);
    while ((rc = sv_box_next(&it, &b)) == 1) {
        if (!c->encrypt && (b.type == T("senc") || b.type == T("saiz") ||
                            b.type == T("saio") || b.type == T("sbgp") ||
                            b.type == T("sgpd")))
            continue;
        if (b.type == T("trun") && b.len >= 8 &&
            (((uint32_t)b.data[1] << 16 | (uint32_t)b.data[2] << 8 |
              b.data[3]) & SV_TRUN_DATA_OFFSET)) {
            if (*ntrun == 16) {
                rc = SV_ELIMIT;
                goto done;
            }
            /* header, version/flags, sample count, then data_offset */
            trun_pos[(*ntrun)++] = sv_boxw_pos(w) + b.hdr + 8;
        }
        copy_box(w, &b);
    }
    if (rc < 0)
        goto done;
    if (c->encrypt && c->t->rotate)
        write_seig(w, c->t, count);
    /* no auxiliary information at all (cbcs with a constant IV and whole
     * samples): the tenc defaults say everything, so no saiz/saio/senc */
    if (c->encrypt && senc.len > 0) {
        for (i = 1; i < count; i++)
            same &= sizes.data[i] == sizes.data[0];
        sv_boxw_open_full(w, T("saiz"), 0, 0);
        sv_boxw_u8(w, count > 0 && same ? sizes.data[0] : 0);
        sv_boxw_u32(w, count);
        if (!(count > 0 && same))
            sv_boxw_bytes(w, sizes.data, sizes.len);
        sv_boxw_close(w);
        sv_boxw_open_full(w, T("saio"), 0, 0);
        sv_boxw_u32(w, 1);
        saio_pos = sv_boxw_pos(w);
        sv_boxw_u32(w, 0);
        sv_boxw_close(w);
        sv_boxw_open_full(w, T("senc"), 0, c->t->video ? 2 : 0);
        sv_boxw_u32(w, count);
        /* saio points at the first sample's entry, from the moof */
        sv_boxw_patch32(w, saio_pos, (uint32_t)(sv_boxw_pos(w) - moof_pos));
        sv_boxw_bytes(w, senc.data, senc.len);
        sv_boxw_close(w);
    }
    sv_boxw_close(w);
    rc = 0;
done:
    sv_buf_release(&senc);
    sv_buf_release(&sizes);
    return rc;
}

int
sv_cenc_segment(struct sv_cenc_track *t, int encrypt, uint8_t *in,
                size_t len, struct sv_buf *out, char *err, size_t size)
{
    struct traf_ctx c = { t, NULL, encrypt, in, len, 0, err, size, 0 };
    struct sv_box_iter top, it;
    struct sv_box b, k;
    struct sv_boxw w;
    int rc;

    err[0] = '\0';
    c.aes = sv_drm_aes_new(t->scheme == SV_CENC_CENC ? SV_DRM_CTR
                           : encrypt ? SV_DRM_CBC_ENC : SV_DRM_CBC_DEC,
                           t->key);
    if (c.aes == NULL)
        return -ENOMEM;
    sv_boxw_init(&w, out);
    sv_box_iter_init(&top, in, len, 0);
    while ((rc = sv_box_next(&top, &b)) == 1) {
        size_t moof_pos, trun_pos[16];
        int32_t delta;
        int ntrun = 0, i;

        if (b.type != T("moof")) {
            copy_box(&w, &b);
            continue;
        }
        c.moof_offset = b.offset;
        moof_pos = sv_boxw_pos(&w);
        sv_boxw_open(&w, T("moof"));
        sv_box_iter_init(&it, b.data, b.len, b.offset + b.hdr);
        while ((rc = sv_box_next(&it, &k)) == 1) {
            if (k.type == T("traf"))
                rc = rewrite_traf(&w, &c, &k, moof_pos, trun_pos, &ntrun);
            else if (!encrypt && k.type == T("pssh"))
                continue;
            else
                copy_box(&w, &k);
            if (rc < 0)
                break;
        }
        if (rc < 0)
            break;
        /* rotation: the pssh of this fragment's key, for players that
         * learn keys from the media */
        if (encrypt && t->rotate && t->moof_pssh_len > 0)
            sv_boxw_bytes(&w, t->moof_pssh, t->moof_pssh_len);
        sv_boxw_close(&w);
        if (w.err)
            break;
        /* the samples moved by as much as the moof grew or shrank */
        delta = (int32_t)((int64_t)(sv_boxw_pos(&w) - moof_pos) -
                          (int64_t)b.size);
        for (i = 0; i < ntrun; i++) {
            const uint8_t *q = out->data + trun_pos[i];
            int32_t v = (int32_t)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
                                  (uint32_t)q[2] << 8 | q[3]);

            sv_boxw_patch32(&w, trun_pos[i], (uint32_t)(v + delta));
        }
    }
    sv_drm_aes_free(c.aes);
    if (rc < 0) {
        sv_boxw_finish(&w);
        if (err[0] == '\0')
            snprintf(err, size, "bad media segment: %s", sv_strerror(rc));
        return rc;
    }
    rc = sv_boxw_finish(&w);
    if (rc < 0 && err[0] == '\0')
        snprintf(err, size, "cannot write segment: %s", sv_strerror(rc));
    return rc;
}
