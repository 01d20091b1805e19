/* codec.c -- configuration records (avcC hvcC vpcC av1C esds dOps), codec
 * strings, and Annex B / ADTS samples turned into the fMP4 form */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/box.h"
#include "container/codec.h"
#include "core/err.h"

#define MAX_PS 8

struct sv_demux_stream;
static int hevc_describe(struct sv_demux_stream *s, const uint8_t *raw,
                         size_t n);

struct nal {
    const uint8_t *p;
    size_t len;
};

/* Finds the next Annex B start code at or after *pos; returns the NAL. */
static int
next_nal(const uint8_t *p, size_t len, size_t *pos, struct nal *n)
{
    size_t i = *pos, start;

    for (;;) {
        const uint8_t *z;

        if (i + 3 > len)
            return 0;
        z = memchr(p + i, 0, len - i);
        if (z == NULL)
            return 0;
        i = (size_t)(z - p);
        if (i + 3 <= len && p[i + 1] == 0 && p[i + 2] == 1) {
            i += 3;
            break;
        }
        i++;
    }
    start = i;
    for (;;) {
        const uint8_t *z;

        z = i < len ? memchr(p + i, 0, len - i) : NULL;
        if (z == NULL) {
            i = len;
            break;
        }
        i = (size_t)(z - p);
        if (i + 3 <= len && p[i + 1] == 0 &&
            (p[i + 2] == 1 || (p[i + 2] == 0 && i + 4 <= len &&
                               p[i + 3] == 1)))
            break;
        i++;
    }
    n->p = p + start;
    n->len = i - start;
    while (n->len > 0 && n->p[n->len - 1] == 0)   /* trailing zeros */
        n->len--;
    *pos = i;
    return 1;
}

static int
is_annexb(const uint8_t *p, size_t len)
{
    return len >= 4 && p[0] == 0 && p[1] == 0 &&
           (p[2] == 1 || (p[2] == 0 && p[3] == 1));
}

/* Removes emulation prevention bytes from the first max bytes of a NAL. */
static size_t
unescape(const uint8_t *p, size_t len, uint8_t *out, size_t max)
{
    size_t i, o = 0;
    int zeros = 0;

    for (i = 0; i < len && o < max; i++) {
        if (zeros >= 2 && p[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = p[i] == 0 ? zeros + 1 : 0;
        out[o++] = p[i];
    }
    return o;
}

struct ps_set {
    struct nal n[3][MAX_PS];    /* per kind: VPS, SPS, PPS (or SPS, PPS) */
    int count[3];
};

static void
collect(struct ps_set *ps, const uint8_t *p, size_t len, int hevc)
{
    size_t pos = 0;
    struct nal n;
    int type, k;

    while (next_nal(p, len, &pos, &n)) {
        if (n.len < 2)
            continue;
        if (hevc) {
            type = (n.p[0] >> 1) & 0x3f;
            k = type == 32 ? 0 : type == 33 ? 1 : type == 34 ? 2 : -1;
        } else {
            type = n.p[0] & 0x1f;
            k = type == 7 ? 1 : type == 8 ? 2 : -1;
        }
        if (k >= 0 && ps->count[k] < MAX_PS && n.len < 300) {
            int i, dup = 0;
            for (i = 0; i < ps->count[k]; i++)
                dup |= ps->n[k][i].len == n.len &&
                       memcmp(ps->n[k][i].p, n.p, n.len) == 0;
            if (!dup)
                ps->n[k][ps->count[k]++] = n;
        }
    }
}

/* Finishes a configuration record built in b and copies it into c. */
static int
take_record(struct sv_codec_cfg *c, struct sv_boxw *w, struct sv_buf *b)
{
    if (sv_boxw_finish(w) < 0)
        return SV_EFORMAT;
    memcpy(c->rec, b->data, b->len);
    c->rec_len = b->len;
    sv_buf_release(b);
    return 0;
}

static int
make_avcc(struct sv_codec_cfg *c, const struct sv_demux_stream *s,
          const struct ps_set *ps)
{
    struct sv_buf b = SV_BUF_INIT(sizeof(c->rec));
    struct sv_boxw w;
    const uint8_t *sps;
    int i;

    if (ps->count[1] == 0 || ps->count[2] == 0 || ps->n[1][0].len < 4)
        return SV_EFORMAT;
    sps = ps->n[1][0].p;
    sv_boxw_init(&w, &b);
    sv_boxw_u8(&w, 1);
    sv_boxw_u8(&w, sps[1]);
    sv_boxw_u8(&w, sps[2]);
    sv_boxw_u8(&w, sps[3]);
    sv_boxw_u8(&w, 0xff);
    sv_boxw_u8(&w, (uint8_t)(0xe0 | ps->count[1]));
    for (i = 0; i < ps->count[1]; i++) {
        sv_boxw_u16(&w, (uint16_t)ps->n[1][i].len);
        sv_boxw_bytes(&w, ps->n[1][i].p, ps->n[1][i].len);
    }
    sv_boxw_u8(&w, (uint8_t)ps->count[2]);
    for (i = 0; i < ps->count[2]; i++) {
        sv_boxw_u16(&w, (uint16_t)ps->n[2][i].len);
        sv_boxw_bytes(&w, ps->n[2][i].p, ps->n[2][i].len);
    }
    if (sps[1] == 100 || sps[1] == 110 || sps[1] == 122 || sps[1] == 144) {
        sv_boxw_u8(&w, 0xfc | (s->chroma_420 ? 1 : 3));
        sv_boxw_u8(&w, (uint8_t)(0xf8 | (s->bit_depth - 8)));
        sv_boxw_u8(&w, (uint8_t)(0xf8 | (s->bit_depth - 8)));
        sv_boxw_u8(&w, 0);
    }
    return take_record(c, &w, &b);
}

static void
avc_string(struct sv_codec_cfg *c)
{
    snprintf(c->codecs, sizeof(c->codecs), "avc1.%02x%02x%02x", c->rec[1],
             c->rec[2], c->rec[3]);
}

/* profile_tier_level of an HEVC SPS: 12 bytes after its first byte */
struct hevc_ptl {
    uint8_t ptl[12];
    int sub_layers;
    int nested;
};

static int
hevc_sps_ptl(const struct nal *sps, struct hevc_ptl *h)
{
    uint8_t raw[16];

    if (unescape(sps->p + 2, sps->len - 2, raw, sizeof(raw)) < 13)
        return SV_EFORMAT;
    h->sub_layers = ((raw[0] >> 1) & 7) + 1;
    h->nested = raw[0] & 1;
    memcpy(h->ptl, raw + 1, 12);
    return 0;
}

static int
make_hvcc(struct sv_codec_cfg *c, const struct sv_demux_stream *s,
          const struct ps_set *ps)
{
    static const int types[3] = { 32, 33, 34 };
    struct sv_buf b = SV_BUF_INIT(sizeof(c->rec));
    struct sv_boxw w;
    struct hevc_ptl h;
    int i, k;

    if (ps->count[0] == 0 || ps->count[1] == 0 || ps->count[2] == 0 ||
        hevc_sps_ptl(&ps->n[1][0], &h) < 0)
        return SV_EFORMAT;
    sv_boxw_init(&w, &b);
    sv_boxw_u8(&w, 1);
    sv_boxw_bytes(&w, h.ptl, 12);
    sv_boxw_u16(&w, 0xf000);
    sv_boxw_u8(&w, 0xfc);
    sv_boxw_u8(&w, 0xfc | (s->chroma_420 ? 1 : 3));
    sv_boxw_u8(&w, (uint8_t)(0xf8 | (s->bit_depth - 8)));
    sv_boxw_u8(&w, (uint8_t)(0xf8 | (s->bit_depth - 8)));
    sv_boxw_u16(&w, 0);
    sv_boxw_u8(&w, (uint8_t)(h.sub_layers << 3 | h.nested << 2 | 3));
    sv_boxw_u8(&w, 3);
    for (k = 0; k < 3; k++) {
        sv_boxw_u8(&w, (uint8_t)(0x80 | types[k]));
        sv_boxw_u16(&w, (uint16_t)ps->count[k]);
        for (i = 0; i < ps->count[k]; i++) {
            sv_boxw_u16(&w, (uint16_t)ps->n[k][i].len);
            sv_boxw_bytes(&w, ps->n[k][i].p, ps->n[k][i].len);
        }
    }
    return take_record(c, &w, &b);
}

/* hvc1.<space><profile>.<compat reversed>.<tier><level>.<constraints> */
static void
hevc_string(struct sv_codec_cfg *c)
{
    const uint8_t *r = c->rec;
    uint32_t compat = (uint32_t)r[2] << 24 | (uint32_t)r[3] << 16 |
                      (uint32_t)r[4] << 8 | r[5], rev = 0;
    int i, last, n;
    size_t len;

    for (i = 0; i < 32; i++)
        rev |= ((compat >> i) & 1u) << (31 - i);
    n = snprintf(c->codecs, sizeof(c->codecs), "hvc1.%s%d.%X.%c%d",
                 (r[1] >> 6) == 0 ? "" : (r[1] >> 6) == 1 ? "A"
                 : (r[1] >> 6) == 2 ? "B" : "C",
                 r[1] & 0x1f, rev, (r[1] & 0x20) ? 'H' : 'L', r[12]);
    len = (size_t)n;
    for (last = 5; last >= 0 && r[6 + last] == 0; last--)
        ;
    for (i = 0; i <= last && len + 4 < sizeof(c->codecs); i++)
        len += (size_t)snprintf(c->codecs + len, sizeof(c->codecs) - len,
                                ".%X", r[6 + i]);
}

static int
vp9_level(const struct sv_demux_stream *s)
{
    static const struct { long px; int level; } t[] = {
        { 36864, 10 }, { 73728, 11 }, { 122880, 20 }, { 245760, 21 },
        { 552960, 30 }, { 983040, 31 }, { 2228224, 40 }, { 8912896, 50 },
        { 35651584, 60 },
    };
    long px = (long)s->width * s->height;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (px <= t[i].px)
            return t[i].level;
    return 62;
}

static int
iso_color(int v)
{
    return v <= 0 || v > 255 ? 2 : v;
}

static int
make_vpcc(struct sv_codec_cfg *c, const struct sv_demux_stream *s)
{
    int profile = s->profile > 0 && s->profile <= 3 ? s->profile : 0;
    int level = vp9_level(s), depth = s->bit_depth;

    if (profile == 0 && depth > 8)
        profile = 2;
    c->rec[0] = (uint8_t)profile;
    c->rec[1] = (uint8_t)level;
    c->rec[2] = (uint8_t)(depth << 4 | (s->chroma_420 ? 1 : 3) << 1 |
                          (s->full_range ? 1 : 0));
    c->rec[3] = (uint8_t)iso_color(s->primaries);
    c->rec[4] = (uint8_t)iso_color(s->transfer);
    c->rec[5] = (uint8_t)iso_color(s->matrix);
    c->rec[6] = c->rec[7] = 0;
    c->rec_len = 8;
    snprintf(c->codecs, sizeof(c->codecs), "vp09.%02d.%02d.%02d", profile,
             level, depth);
    return 0;
}

static int
make_av1c(struct sv_codec_cfg *c, const struct sv_demux_stream *s)
{
    const uint8_t *e = s->extradata;
    int profile, level, tier, depth, n;

    if (e == NULL || s->extradata_len < 4 || e[0] != 0x81 ||
        s->extradata_len > sizeof(c->rec))
        return SV_EFORMAT;
    memcpy(c->rec, e, s->extradata_len);
    c->rec_len = s->extradata_len;
    profile = e[1] >> 5;
    level = e[1] & 0x1f;
    tier = e[2] >> 7;
    depth = (e[2] & 0x40) ? ((e[2] & 0x20) ? 12 : 10) : 8;
    n = snprintf(c->codecs, sizeof(c->codecs), "av01.%d.%02d%c.%02d",
                 profile, level, tier ? 'H' : 'M', depth);
    if (c->primaries != 0 || c->transfer != 0 || c->matrix != 0) {
        /* the long form (AV1 ISOBMFF binding, "Codecs Parameter String"):
         * monochrome, subsampling x, y and chroma sample position, then
         * the colour, so players can tell HDR rungs apart */
        snprintf(c->codecs + n, sizeof(c->codecs) - (size_t)n,
                 ".%d.%d%d%d.%02d.%02d.%02d.%d", (e[2] >> 4) & 1,
                 (e[2] >> 3) & 1, (e[2] >> 2) & 1, e[2] & 3,
                 c->primaries ? c->primaries : 2,
                 c->transfer ? c->transfer : 2, c->matrix ? c->matrix : 2,
                 c->full_range ? 1 : 0);
    }
    return 0;
}

static const int aac_rates[] = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000,
    11025, 8000, 7350,
};

static int
make_esds(struct sv_codec_cfg *c, const struct sv_demux_stream *s,
          const uint8_t *sample, size_t len)
{
    int aot, idx, ch;

    if (s->extradata != NULL && s->extradata_len >= 2 &&
        s->extradata_len <= 64) {
        memcpy(c->rec, s->extradata, s->extradata_len);
        c->rec_len = s->extradata_len;
    } else if (sample != NULL && len >= 7 && sample[0] == 0xff &&
               (sample[1] & 0xf6) == 0xf0) {
        /* AudioSpecificConfig from the ADTS header */
        aot = (sample[2] >> 6) + 1;
        idx = (sample[2] >> 2) & 0x0f;
        ch = (sample[2] & 1) << 2 | sample[3] >> 6;
        c->rec[0] = (uint8_t)(aot << 3 | idx >> 1);
        c->rec[1] = (uint8_t)((idx & 1) << 7 | ch << 3);
        c->rec_len = 2;
    } else {
        return SV_EFORMAT;
    }
    aot = c->rec[0] >> 3;
    if (aot == 31 || aot == 0)
        return SV_EFORMAT;
    idx = (c->rec[0] & 7) << 1 | c->rec[1] >> 7;
    if (idx < 13 && s->sample_rate == 0)
        c->sample_rate = aac_rates[idx];
    snprintf(c->codecs, sizeof(c->codecs), "mp4a.40.%d", aot);
    return 0;
}

static int
make_dops(struct sv_codec_cfg *c, const struct sv_demux_stream *s)
{
    const uint8_t *e = s->extradata;
    size_t n = s->extradata_len;
    int ch, family, i;

    if (e == NULL || n < 19 || memcmp(e, "OpusHead", 8) != 0)
        return SV_EFORMAT;
    ch = e[9];
    family = e[18];
    c->rec[0] = 0;
    c->rec[1] = (uint8_t)ch;
    c->rec[2] = e[11];                  /* pre-skip, LE -> BE */
    c->rec[3] = e[10];
    c->rec[4] = e[15];                  /* input sample rate */
    c->rec[5] = e[14];
    c->rec[6] = e[13];
    c->rec[7] = e[12];
    c->rec[8] = e[17];                  /* output gain */
    c->rec[9] = e[16];
    c->rec[10] = (uint8_t)family;
    c->rec_len = 11;
    if (family != 0) {
        if (n < 21 + (size_t)ch)
            return SV_EFORMAT;
        for (i = 0; i < 2 + ch; i++)
            c->rec[11 + i] = e[19 + i];
        c->rec_len += 2 + (size_t)ch;
    }
    c->sample_rate = 48000;
    snprintf(c->codecs, sizeof(c->codecs), "opus");
    return 0;
}

/* a code point worth signalling: 0 and 2 (unspecified) are not */
static int
colour_cp(int v)
{
    return v > 0 && v != 2 && v < 256 ? v : 0;
}

enum sv_video_range
sv_codec_range(int transfer)
{
    return transfer == 16 ? SV_RANGE_PQ : transfer == 18 ? SV_RANGE_HLG
                                                         : SV_RANGE_SDR;
}

/* The SPS's colour in the hvcC record c->rec (arrays from byte 22). */
static void
hevc_cfg_colour(struct sv_codec_cfg *c)
{
    struct sv_demux_stream t;
    uint8_t raw[512];
    size_t pos = 23, n, len;
    int arrays, i, k, count, type;

    if (c->rec_len < 23)
        return;
    arrays = c->rec[22];
    for (i = 0; i < arrays; i++) {
        if (pos + 3 > c->rec_len)
            return;
        type = c->rec[pos] & 0x3f;
        count = c->rec[pos + 1] << 8 | c->rec[pos + 2];
        pos += 3;
        for (k = 0; k < count; k++) {
            if (pos + 2 > c->rec_len)
                return;
            len = (size_t)(c->rec[pos] << 8 | c->rec[pos + 1]);
            pos += 2;
            if (len > c->rec_len - pos)
                return;
            if (type == 33 && len > 4) {
                memset(&t, 0, sizeof(t));
                t.transfer = -1;
                n = unescape(c->rec + pos, len, raw, sizeof(raw));
                if (hevc_describe(&t, raw, n) == 0 && t.transfer >= 0) {
                    c->primaries = colour_cp(t.primaries);
                    c->transfer = colour_cp(t.transfer);
                    c->matrix = colour_cp(t.matrix);
                    c->full_range = t.full_range;
                }
                return;
            }
            pos += len;
        }
    }
}

/* SEI messages of one SEI NAL (header of hlen bytes): mastering display
 * colour volume (137) and content light level (144). */
static void
sei_hdr(struct sv_codec_cfg *c, const uint8_t *p, size_t len, size_t hlen)
{
    uint8_t raw[512];
    size_t n, pos = 0, type, size;

    if (len <= hlen)
        return;
    n = unescape(p + hlen, len - hlen, raw, sizeof(raw));
    while (pos + 2 <= n && raw[pos] != 0x80) {
        type = 0;
        while (pos < n && raw[pos] == 0xff)
            type += raw[pos++];
        if (pos >= n)
            return;
        type += raw[pos++];
        size = 0;
        while (pos < n && raw[pos] == 0xff)
            size += raw[pos++];
        if (pos >= n)
            return;
        size += raw[pos++];
        if (size > n - pos)
            return;
        if (type == 137 && size >= 24) {
            memcpy(c->mdcv, raw + pos, 24);
            c->has_mdcv = 1;
        } else if (type == 144 && size >= 4) {
            memcpy(c->clli, raw + pos, 4);
            c->has_clli = 1;
        }
        pos += size;
    }
}

/* HDR SEI in a keyframe, Annex B or with the lengths of its record. */
static void
sample_hdr(struct sv_codec_cfg *c, const uint8_t *p, size_t len, int hevc)
{
    size_t pos = 0, k, lsize = 4;
    struct nal n;
    int type;

    if (!c->annexb && c->rec_len > (hevc ? 21u : 4u))
        lsize = (size_t)(c->rec[hevc ? 21 : 4] & 3) + 1;

    for (;;) {
        if (is_annexb(p, len)) {
            if (!next_nal(p, len, &pos, &n))
                return;
        } else {
            if (pos + lsize > len)
                return;
            n.len = 0;
            for (k = 0; k < lsize; k++)
                n.len = n.len << 8 | p[pos + k];
            pos += lsize;
            if (n.len > len - pos)
                return;
            n.p = p + pos;
            pos += n.len;
        }
        if (n.len < 3)
            continue;
        type = hevc ? (n.p[0] >> 1) & 0x3f : n.p[0] & 0x1f;
        if (hevc ? type == 39 : type == 6)
            sei_hdr(c, n.p, n.len, hevc ? 2 : 1);
    }
}

/* The colour of a video configuration: the demuxer's, then the HEVC
 * SPS's (which is what decoders use), then the HDR SEI. */
static void
cfg_colour(struct sv_codec_cfg *c, const struct sv_demux_stream *s,
           const uint8_t *sample, size_t len)
{
    c->primaries = colour_cp(s->primaries);
    c->transfer = colour_cp(s->transfer);
    c->matrix = colour_cp(s->matrix);
    c->full_range = s->full_range;
    if (c->codec == SV_CODEC_HEVC)
        hevc_cfg_colour(c);
    if (sample != NULL && (c->codec == SV_CODEC_HEVC ||
                           c->codec == SV_CODEC_H264))
        sample_hdr(c, sample, len, c->codec == SV_CODEC_HEVC);
}

int
sv_codec_cfg_make(struct sv_codec_cfg *c, const struct sv_demux_stream *s,
                  const uint8_t *sample, size_t len)
{
    struct ps_set ps;
    int hevc, rc;

    memset(c, 0, sizeof(*c));
    c->codec = s->codec;
    c->sample_rate = s->sample_rate;
    c->channels = s->channels;
    switch (s->codec) {
    case SV_CODEC_H264:
    case SV_CODEC_HEVC:
        hevc = s->codec == SV_CODEC_HEVC;
        c->entry = hevc ? SV_FOURCC('h', 'v', 'c', '1')
                        : SV_FOURCC('a', 'v', 'c', '1');
        c->box = hevc ? SV_FOURCC('h', 'v', 'c', 'C')
                      : SV_FOURCC('a', 'v', 'c', 'C');
        if (s->extradata_len > 0 && !is_annexb(s->extradata,
                                               s->extradata_len)) {
            /* already a configuration record (MP4, Matroska input) */
            if (s->extradata_len > sizeof(c->rec) ||
                s->extradata_len < (hevc ? 23u : 7u) || s->extradata[0] != 1)
                return SV_EFORMAT;
            memcpy(c->rec, s->extradata, s->extradata_len);
            c->rec_len = s->extradata_len;
        } else {
            memset(&ps, 0, sizeof(ps));
            if (s->extradata_len > 0)
                collect(&ps, s->extradata, s->extradata_len, hevc);
            if (sample != NULL)
                collect(&ps, sample, len, hevc);
            rc = hevc ? make_hvcc(c, s, &ps) : make_avcc(c, s, &ps);
            if (rc < 0)
                return rc;
            c->annexb = 1;
        }
        if (hevc)
            hevc_string(c);
        else
            avc_string(c);
        cfg_colour(c, s, sample, len);
        return 0;
    case SV_CODEC_VP9:
        c->entry = SV_FOURCC('v', 'p', '0', '9');
        c->box = SV_FOURCC('v', 'p', 'c', 'C');
        cfg_colour(c, s, NULL, 0);
        return make_vpcc(c, s);
    case SV_CODEC_AV1:
        c->entry = SV_FOURCC('a', 'v', '0', '1');
        c->box = SV_FOURCC('a', 'v', '1', 'C');
        cfg_colour(c, s, NULL, 0);
        return make_av1c(c, s);
    case SV_CODEC_AAC:
        c->entry = SV_FOURCC('m', 'p', '4', 'a');
        c->box = SV_FOURCC('e', 's', 'd', 's');
        rc = make_esds(c, s, sample, len);
        c->adts = sample != NULL && len >= 7 && sample[0] == 0xff &&
                  (sample[1] & 0xf6) == 0xf0;
        return rc;
    case SV_CODEC_OPUS:
        c->entry = SV_FOURCC('O', 'p', 'u', 's');
        c->box = SV_FOURCC('d', 'O', 'p', 's');
        return make_dops(c, s);
    default:
        return SV_ENOMEDIA;
    }
}

long
sv_codec_sample(const struct sv_codec_cfg *c, const uint8_t *p, size_t len,
                struct sv_buf *out)
{
    size_t before = out->len, pos = 0, hl;
    struct nal n;
    int rc, type, hevc = c->codec == SV_CODEC_HEVC;

    if (c->adts && len >= 7 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0) {
        hl = (p[1] & 1) ? 7 : 9;
        if (hl > len)
            return SV_EFORMAT;
        rc = sv_buf_append(out, p + hl, len - hl);
        return rc < 0 ? rc : (long)(len - hl);
    }
    if (!c->annexb || !is_annexb(p, len)) {
        rc = sv_buf_append(out, p, len);
        return rc < 0 ? rc : (long)len;
    }
    while (next_nal(p, len, &pos, &n)) {
        if (n.len == 0)
            continue;
        type = hevc ? (n.p[0] >> 1) & 0x3f : n.p[0] & 0x1f;
        if (hevc ? (type >= 32 && type <= 35) : (type == 9 || type == 7 ||
                                                 type == 8))
            continue;
        rc = sv_buf_be32(out, (uint32_t)n.len);
        if (rc == 0)
            rc = sv_buf_append(out, n.p, n.len);
        if (rc < 0)
            return rc;
    }
    return (long)(out->len - before);
}

int
sv_codec_sample_as_is(const struct sv_codec_cfg *c, const uint8_t *p,
                      size_t len)
{
    if (c->adts && len >= 7 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0)
        return 0;
    return !c->annexb || !is_annexb(p, len);
}

long
sv_codec_sample_inplace(const struct sv_codec_cfg *c, uint8_t **pp,
                        size_t len, size_t *cap)
{
    uint8_t *p = *pp;
    size_t pos = 0, w = 0, at, need, hl;
    struct nal n;
    int type, hevc = c->codec == SV_CODEC_HEVC;

    if (c->adts && len >= 7 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0) {
        hl = (p[1] & 1) ? 7 : 9;
        if (hl > len)
            return SV_EFORMAT;
        memmove(p, p + hl, len - hl);
        return (long)(len - hl);
    }
    if (!c->annexb || !is_annexb(p, len))
        return (long)len;
    /* the write point never passes the read point, except where a 3-byte
     * start code becomes a 4-byte length with nothing dropped before it:
     * then the rest moves up to make room */
    while (next_nal(p, len, &pos, &n)) {
        if (n.len == 0)
            continue;
        type = hevc ? (n.p[0] >> 1) & 0x3f : n.p[0] & 0x1f;
        if (hevc ? (type >= 32 && type <= 35) : (type == 9 || type == 7 ||
                                                 type == 8))
            continue;
        at = (size_t)(n.p - p);
        if (w + 4 > at) {
            need = w + 4 - at;
            if (len + need > *cap) {
                uint8_t *q = realloc(p, len + need + 256);
                if (q == NULL)
                    return -ENOMEM;
                p = *pp = q;
                *cap = len + need + 256;
                n.p = p + at;
            }
            memmove(p + at + need, p + at, len - at);
            len += need;
            pos += need;
            at += need;
            n.p += need;
        }
        p[w] = (uint8_t)(n.len >> 24);
        p[w + 1] = (uint8_t)(n.len >> 16);
        p[w + 2] = (uint8_t)(n.len >> 8);
        p[w + 3] = (uint8_t)n.len;
        memmove(p + w + 4, n.p, n.len);
        w += 4 + n.len;
    }
    return (long)w;
}

/* ---- stream description from the first frame (readers without a
 * demuxer library: the SPS, the ADTS header) ---- */

struct bits {
    const uint8_t *p;
    size_t len, pos;            /* in bits */
    int bad;                    /* read past the end */
};

static uint32_t
bits_u(struct bits *b, int n)
{
    uint32_t v = 0;

    while (n-- > 0) {
        if (b->pos >= b->len) {
            b->bad = 1;
            return 0;
        }
        v = v << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
        b->pos++;
    }
    return v;
}

static uint32_t
bits_ue(struct bits *b)
{
    int zeros = 0;

    while (bits_u(b, 1) == 0 && !b->bad)
        if (++zeros > 31) {
            b->bad = 1;
            return 0;
        }
    if (b->bad)
        return 0;
    return (uint32_t)((1ull << zeros) - 1 + bits_u(b, zeros));
}

static void
bits_skip(struct bits *b, size_t n)
{
    b->pos += n;
    if (b->pos > b->len) {
        b->pos = b->len;
        b->bad = 1;
    }
}

static void
skip_scaling_list(struct bits *b, int size)
{
    int i, last = 8, next = 8;

    for (i = 0; i < size && !b->bad; i++) {
        if (next != 0) {
            int32_t d;
            uint32_t u = bits_ue(b);
            d = (u & 1) ? (int32_t)((u + 1) / 2) : -(int32_t)(u / 2);
            next = (last + d + 256) % 256;
        }
        last = next == 0 ? last : next;
    }
}

static int
avc_describe(struct sv_demux_stream *s, const uint8_t *raw, size_t n)
{
    struct bits b = { raw, n * 8, 0, 0 };
    uint32_t chroma = 1, depth = 0, poc, w, h, frame_mbs, i;
    uint32_t cl = 0, cr = 0, ct = 0, cb = 0;
    int profile;

    profile = (int)bits_u(&b, 8);
    bits_skip(&b, 8);
    s->level = (int)bits_u(&b, 8);
    s->profile = profile;
    bits_ue(&b);
    if (profile == 100 || profile == 110 || profile == 122 ||
        profile == 244 || profile == 44 || profile == 83 || profile == 86 ||
        profile == 118 || profile == 128 || profile == 138 ||
        profile == 139 || profile == 134 || profile == 135) {
        chroma = bits_ue(&b);
        if (chroma == 3)
            bits_skip(&b, 1);
        depth = bits_ue(&b);
        bits_ue(&b);
        bits_skip(&b, 1);
        if (bits_u(&b, 1))
            for (i = 0; i < (chroma != 3 ? 8u : 12u) && !b.bad; i++)
                if (bits_u(&b, 1))
                    skip_scaling_list(&b, i < 6 ? 16 : 64);
    }
    bits_ue(&b);
    poc = bits_ue(&b);
    if (poc == 0) {
        bits_ue(&b);
    } else if (poc == 1) {
        uint32_t k;
        bits_skip(&b, 1);
        bits_ue(&b);
        bits_ue(&b);
        k = bits_ue(&b);
        for (i = 0; i < k && i < 256 && !b.bad; i++)
            bits_ue(&b);
    }
    bits_ue(&b);
    bits_skip(&b, 1);
    w = bits_ue(&b) + 1;
    h = bits_ue(&b) + 1;
    frame_mbs = bits_u(&b, 1);
    if (!frame_mbs)
        bits_skip(&b, 1);
    bits_skip(&b, 1);
    if (bits_u(&b, 1)) {
        cl = bits_ue(&b);
        cr = bits_ue(&b);
        ct = bits_ue(&b);
        cb = bits_ue(&b);
    }
    if (b.bad || chroma > 3 || depth > 6 || w > 1024 || h > 1024)
        return SV_EFORMAT;
    w *= 16;
    h *= 16 * (2 - frame_mbs);
    {
        uint32_t ux = chroma == 0 || chroma == 3 ? 1 : 2;
        uint32_t uy = (chroma == 1 ? 2 : 1) * (2 - frame_mbs);
        if (chroma == 0)
            uy = 2 - frame_mbs;
        if ((cl + cr) * ux >= w || (ct + cb) * uy >= h)
            return SV_EFORMAT;
        w -= (cl + cr) * ux;
        h -= (ct + cb) * uy;
    }
    s->width = (int)w;
    s->height = (int)h;
    s->bit_depth = 8 + (int)depth;
    s->chroma_420 = chroma == 1;
    return 0;
}

/* HEVC scaling_list_data() (H.265 7.3.4), skipped */
static void
hevc_skip_scaling(struct bits *b)
{
    int size, m, i, n;

    for (size = 0; size < 4; size++)
        for (m = 0; m < 6 && !b->bad; m += size == 3 ? 3 : 1) {
            if (!bits_u(b, 1)) {
                bits_ue(b);
                continue;
            }
            n = 1 << (4 + (size << 1));
            if (n > 64)
                n = 64;
            if (size > 1)
                bits_ue(b);
            for (i = 0; i < n && !b->bad; i++)
                bits_ue(b);
        }
}

/*
 * Reads on from bit_depth_chroma to the VUI's colour description (H.265
 * 7.3.2.2, E.2.1) and sets s's colour when the SPS has one.  The short
 * term reference picture sets are walked as the spec derives NumDeltaPocs
 * (inter prediction from the set before).  Leaves b->bad set, and s as it
 * was, when the SPS ends early or is out of range.
 */
static void
hevc_vui_colour(struct bits *b, uint32_t sub, struct sv_demux_stream *s)
{
    uint32_t poc_bits, i, j, nsets, nlt, prev = 0, cur;

    bits_ue(b);                             /* bit_depth_chroma */
    poc_bits = bits_ue(b) + 4;
    if (poc_bits > 16) {
        b->bad = 1;
        return;
    }
    for (i = bits_u(b, 1) ? 0 : sub; i <= sub && !b->bad; i++) {
        bits_ue(b);
        bits_ue(b);
        bits_ue(b);
    }
    for (i = 0; i < 6; i++)                 /* block sizes, depths */
        bits_ue(b);
    if (bits_u(b, 1) && bits_u(b, 1))
        hevc_skip_scaling(b);
    bits_skip(b, 2);                        /* amp, sao */
    if (bits_u(b, 1)) {                     /* pcm */
        bits_skip(b, 8);
        bits_ue(b);
        bits_ue(b);
        bits_skip(b, 1);
    }
    nsets = bits_ue(b);
    if (nsets > 64) {
        b->bad = 1;
        return;
    }
    for (i = 0; i < nsets && !b->bad; i++) {
        if (i != 0 && bits_u(b, 1)) {
            bits_skip(b, 1);
            bits_ue(b);
            cur = 0;
            for (j = 0; j <= prev && !b->bad; j++)
                if (bits_u(b, 1) || bits_u(b, 1))
                    cur++;
        } else {
            uint32_t neg = bits_ue(b), pos = bits_ue(b);
            if (neg > 16 || pos > 16) {
                b->bad = 1;
                return;
            }
            for (j = 0; j < neg + pos && !b->bad; j++) {
                bits_ue(b);
                bits_skip(b, 1);
            }
            cur = neg + pos;
        }
        prev = cur;
    }
    if (bits_u(b, 1)) {                     /* long-term pictures */
        nlt = bits_ue(b);
        if (nlt > 32) {
            b->bad = 1;
            return;
        }
        for (i = 0; i < nlt && !b->bad; i++)
            bits_skip(b, poc_bits + 1);
    }
    bits_skip(b, 2);                        /* tmvp, strong intra */
    if (!bits_u(b, 1) || b->bad)            /* no VUI */
        return;
    if (bits_u(b, 1) && bits_u(b, 8) == 255)    /* aspect ratio */
        bits_skip(b, 32);
    if (bits_u(b, 1))                       /* overscan */
        bits_skip(b, 1);
    if (!bits_u(b, 1))                      /* no video signal type */
        return;
    bits_skip(b, 3);
    {
        int full = (int)bits_u(b, 1), pri = 2, trc = 2, mat = 2;
        if (bits_u(b, 1)) {
            pri = (int)bits_u(b, 8);
            trc = (int)bits_u(b, 8);
            mat = (int)bits_u(b, 8);
        }
        if (b->bad)
            return;
        s->full_range = full;
        s->primaries = pri;
        s->transfer = trc;
        s->matrix = mat;
    }
}

static int
hevc_describe(struct sv_demux_stream *s, const uint8_t *raw, size_t n)
{
    struct bits b = { raw, n * 8, 0, 0 };
    uint32_t sub, chroma, w, h, i, depth;
    uint32_t cl = 0, cr = 0, ct = 0, cb = 0, ux, uy;
    int prof[8], lev[8];

    bits_skip(&b, 16);          /* the NAL header */
    bits_skip(&b, 4);
    sub = bits_u(&b, 3);
    bits_skip(&b, 1);
    bits_skip(&b, 3);
    s->profile = (int)bits_u(&b, 5);
    bits_skip(&b, 32 + 48);
    s->level = (int)bits_u(&b, 8);
    for (i = 0; i < sub; i++) {
        prof[i] = (int)bits_u(&b, 1);
        lev[i] = (int)bits_u(&b, 1);
    }
    if (sub > 0)
        bits_skip(&b, 2 * (8 - sub));
    for (i = 0; i < sub; i++) {
        if (prof[i])
            bits_skip(&b, 88);
        if (lev[i])
            bits_skip(&b, 8);
    }
    bits_ue(&b);
    chroma = bits_ue(&b);
    if (chroma == 3)
        bits_skip(&b, 1);
    w = bits_ue(&b);
    h = bits_ue(&b);
    if (bits_u(&b, 1)) {
        cl = bits_ue(&b);
        cr = bits_ue(&b);
        ct = bits_ue(&b);
        cb = bits_ue(&b);
    }
    depth = bits_ue(&b);
    {
        /* a VUI this cannot read leaves the size and depth standing */
        struct bits v = b;
        hevc_vui_colour(&v, sub, s);
    }
    if (b.bad || chroma > 3 || depth > 8 || w == 0 || h == 0 ||
        w > 16888 || h > 16888)
        return SV_EFORMAT;
    ux = chroma == 1 || chroma == 2 ? 2 : 1;
    uy = chroma == 1 ? 2 : 1;
    if ((cl + cr) * ux >= w || (ct + cb) * uy >= h)
        return SV_EFORMAT;
    s->width = (int)(w - (cl + cr) * ux);
    s->height = (int)(h - (ct + cb) * uy);
    s->bit_depth = 8 + (int)depth;
    s->chroma_420 = chroma == 1;
    return 0;
}

int
sv_codec_describe(struct sv_demux_stream *s, const uint8_t *p, size_t len)
{
    uint8_t raw[512];
    size_t pos = 0, n;
    struct nal nl;
    int hevc = s->codec == SV_CODEC_HEVC, type, idx, ch;

    if (s->codec == SV_CODEC_AAC) {
        if (len < 7 || p[0] != 0xff || (p[1] & 0xf6) != 0xf0)
            return SV_EFORMAT;
        idx = p[2] >> 2 & 0xf;
        ch = (p[2] & 1) << 2 | p[3] >> 6;
        if (idx >= (int)(sizeof(aac_rates) / sizeof(aac_rates[0])) ||
            ch == 0)
            return SV_EFORMAT;
        s->sample_rate = aac_rates[idx];
        s->channels = ch == 7 ? 8 : ch;
        s->profile = (p[2] >> 6);
        return 0;
    }
    if (s->codec != SV_CODEC_H264 && !hevc)
        return SV_ENOMEDIA;
    while (next_nal(p, len, &pos, &nl)) {
        if (nl.len < 4)
            continue;
        type = hevc ? (nl.p[0] >> 1) & 0x3f : nl.p[0] & 0x1f;
        if (type != (hevc ? 33 : 7))
            continue;
        n = unescape(nl.p + (hevc ? 0 : 1), nl.len - (hevc ? 0 : 1), raw,
                     sizeof(raw));
        return hevc ? hevc_describe(s, raw, n) : avc_describe(s, raw, n);
    }
    return SV_EFORMAT;
}
