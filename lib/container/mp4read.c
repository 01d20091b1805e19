/* mp4read.c -- MP4 samples of a file: the moov's sample tables, then the
 * movie fragments, walked with one cursor per track, no index built; the
 * boxes read from the file's mapping, the samples read into a ring
 *
 * Every count and offset comes from the input: each table's entries are
 * checked to lie inside their box when the moov is read, each sample to
 * lie inside the file when it is handed out; what does not is skipped and
 * counted, never trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/box.h"
#include "container/mp4read.h"
#include "core/err.h"
#include "core/time.h"

#define DROP_STEP (1 << 20)     /* give read pages back this often */
#define AHEAD_STEP (256 << 10)  /* map the pages ahead in steps of this */
#define RING_STEP (256 << 10)   /* read into the ring in steps of this */
#define SPREAD_US 1000000       /* interleave by position within this */
#define RATE_SAMPLES 121        /* a fragmented track's rate from these */
/* A time past this (in a track's timescale, 2^61: 73 years of
 * nanoseconds) is damage: the shifts, offsets and durations added to it
 * stay inside int64_t. */
#define TIME_MAX ((int64_t)1 << 61)

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* A table box: version/flags, a count, count entries of size bytes
 * (after skip more bytes of header).  NULL when damaged. */
static const uint8_t *
table(const struct sv_box *b, size_t skip, size_t size, uint32_t *count)
{
    uint32_t n;

    if (b->len < 8 + skip)
        return NULL;
    n = be32(b->data + 4 + skip);
    if ((uint64_t)n * size > b->len - 8 - skip)
        return NULL;
    *count = n;
    return b->data + 8 + skip;
}

/* The child of box of that type, or 0; SV_EFORMAT when damaged. */
static int
child(const struct sv_box *box, size_t skip, const char *type,
      struct sv_box *out)
{
    struct sv_box_iter it;
    uint32_t want = sv_fourcc(type);
    int rc;

    if (sv_box_iter_children(&it, box, skip) < 0)
        return SV_EFORMAT;
    while ((rc = sv_box_next(&it, out)) == 1)
        if (out->type == want)
            return 1;
    return rc;
}

/* AudioSpecificConfig out of an esds: ES_Descriptor > DecoderConfig >
 * DecoderSpecificInfo, each tag + a size of 1 to 4 bytes. */
static int
esds_asc(const struct sv_box *esds, int *oti, const uint8_t **asc,
         size_t *len)
{
    struct sv_rd r;
    uint8_t v;
    uint32_t f;
    int tag, i;
    size_t size;

    if (sv_box_full(esds, &r, &v, &f) < 0)
        return SV_EFORMAT;
    *asc = NULL;
    *oti = 0;
    while (sv_rd_left(&r) >= 2 && r.err == 0) {
        tag = sv_rd_u8(&r);
        size = 0;
        for (i = 0; i < 4; i++) {
            uint8_t c = sv_rd_u8(&r);
            size = size << 7 | (c & 0x7f);
            if (!(c & 0x80))
                break;
        }
        if (r.err != 0 || size > sv_rd_left(&r))
            return SV_EFORMAT;
        if (tag == 3) {             /* ES_Descriptor: into it */
            uint8_t fl;
            sv_rd_skip(&r, 2);
            fl = sv_rd_u8(&r);
            if (fl & 0x80)
                sv_rd_skip(&r, 2);
            if (fl & 0x40)
                sv_rd_skip(&r, sv_rd_u8(&r));
            if (fl & 0x20)
                sv_rd_skip(&r, 2);
        } else if (tag == 4) {      /* DecoderConfigDescriptor: into it */
            *oti = sv_rd_u8(&r);
            sv_rd_skip(&r, 12);
        } else if (tag == 5) {
            *asc = sv_rd_bytes(&r, size);
            *len = size;
            return *asc != NULL ? 0 : SV_EFORMAT;
        } else {
            sv_rd_skip(&r, size);
        }
    }
    return SV_EFORMAT;
}

static const int asc_rates[] = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000,
    11025, 8000, 7350,
};

/* The sample entry: codec, extradata, picture or sound. */
static int
read_entry(struct sv_mp4read_track *t, const struct sv_box *stsd)
{
    struct sv_demux_stream *s = &t->st;
    struct sv_box_iter it;
    struct sv_box e, c;
    uint32_t cnt;
    int rc, oti;
    const uint8_t *asc;
    size_t asc_len;

    if (stsd->len < 8 || (cnt = be32(stsd->data + 4)) == 0)
        return SV_EFORMAT;
    if (cnt > 1)
        return SV_ENOMEDIA;     /* entries that change: libavformat's */
    if (sv_box_iter_children(&it, stsd, 8) < 0 ||
        sv_box_next(&it, &e) != 1)
        return SV_EFORMAT;
    if (s->kind == SV_KIND_VIDEO) {
        int hevc;
        if (e.type == SV_FOURCC('a', 'v', 'c', '1') ||
            e.type == SV_FOURCC('a', 'v', 'c', '3'))
            hevc = 0;
        else if (e.type == SV_FOURCC('h', 'v', 'c', '1') ||
                 e.type == SV_FOURCC('h', 'e', 'v', '1'))
            hevc = 1;
        else
            return SV_ENOMEDIA;
        if (e.len < 78)
            return SV_EFORMAT;
        s->codec = hevc ? SV_CODEC_HEVC : SV_CODEC_H264;
        s->codec_name = hevc ? "hevc" : "h264";
        s->width = e.data[24] << 8 | e.data[25];
        s->height = e.data[26] << 8 | e.data[27];
        rc = child(&e, 78, hevc ? "hvcC" : "avcC", &c);
        if (rc != 1)
            return rc < 0 ? rc : SV_ENOMEDIA;
        s->extradata = c.data;
        s->extradata_len = c.len;
        return 0;
    }
    if (e.type != SV_FOURCC('m', 'p', '4', 'a') || e.len < 28)
        return SV_ENOMEDIA;
    if ((e.data[8] << 8 | e.data[9]) != 0)
        return SV_ENOMEDIA;     /* QuickTime sound entry versions */
    s->codec = SV_CODEC_AAC;
    s->codec_name = "aac";
    s->channels = e.data[16] << 8 | e.data[17];
    s->sample_rate = (int)(be32(e.data + 24) >> 16);
    rc = child(&e, 28, "esds", &c);
    if (rc != 1)
        return rc < 0 ? rc : SV_ENOMEDIA;
    if (esds_asc(&c, &oti, &asc, &asc_len) < 0 || oti != 0x40 ||
        asc_len < 2)
        return SV_ENOMEDIA;
    s->extradata = asc;
    s->extradata_len = asc_len;
    /* the configuration says what the entry's fields may not */
    {
        int idx = (asc[0] & 7) << 1 | asc[1] >> 7, ch = asc[1] >> 3 & 0xf;
        if (idx < 13)
            s->sample_rate = asc_rates[idx];
        if (ch > 0 && ch < 7)
            s->channels = ch;
    }
    return 0;
}

/* An edit list libavformat would apply as a plain shift; SV_ENOMEDIA for
 * the rest. */
static int
read_elst(struct sv_mp4read_track *t, const struct sv_box *trak,
          uint32_t movie_ts)
{
    struct sv_box edts, elst;
    struct sv_rd r;
    uint8_t v;
    uint32_t f, n, i;
    int64_t empty = 0, media = -1;
    int rc;

    rc = child(trak, 0, "edts", &edts);
    if (rc <= 0)
        return rc;
    rc = child(&edts, 0, "elst", &elst);
    if (rc <= 0)
        return rc;
    if (sv_box_full(&elst, &r, &v, &f) < 0)
        return SV_EFORMAT;
    n = sv_rd_u32(&r);
    for (i = 0; i < n && r.err == 0; i++) {
        int64_t dur = v == 1 ? (int64_t)sv_rd_u64(&r) : sv_rd_u32(&r);
        int64_t mt = v == 1 ? (int64_t)sv_rd_u64(&r)
                            : (int64_t)(int32_t)sv_rd_u32(&r);
        uint32_t rate = sv_rd_u32(&r);
        if (mt == -1 && media < 0 && i == 0) {
            empty = dur;
            continue;
        }
        if (media >= 0 || rate != 0x10000 || mt < 0)
            return SV_ENOMEDIA;
        media = mt;
    }
    if (r.err != 0)
        return SV_EFORMAT;
    if (media < 0)
        media = 0;
    if (movie_ts == 0 || media > TIME_MAX || empty < 0)
        return SV_EFORMAT;
    empty = sv_time_rescale(empty, 1, movie_ts, 1, t->st.tb_den);
    if (empty > TIME_MAX)
        return SV_EFORMAT;
    t->shift = media - empty;
    return 0;
}

/* The average frame rate of the samples, as libavformat reduces it. */
static void
set_rate(struct sv_mp4read_track *t, uint64_t frames, uint64_t ticks)
{
    uint64_t a, x, y, z;

    if (t->st.kind != SV_KIND_VIDEO || frames == 0 || ticks == 0 ||
        frames >= (1u << 31) || ticks >= (1ull << 40))
        return;
    a = frames * (uint64_t)t->st.tb_den;
    x = a;
    y = ticks;
    while (y != 0) {
        z = x % y;
        x = y;
        y = z;
    }
    if (a / x <= INT32_MAX && ticks / x <= INT32_MAX) {
        t->st.fps_num = (int)(a / x);
        t->st.fps_den = (int)(ticks / x);
    }
}

static int
read_tables(struct sv_mp4read_track *t, const struct sv_box *stbl)
{
    struct sv_box b;
    uint64_t frames = 0, ticks = 0;
    uint32_t i;
    int rc;

    if (child(stbl, 0, "stsd", &b) != 1)
        return SV_EFORMAT;
    rc = read_entry(t, &b);
    if (rc < 0)
        return rc;
    if (child(stbl, 0, "stts", &b) != 1 ||
        (t->stts = table(&b, 0, 8, &t->n_stts)) == NULL ||
        child(stbl, 0, "stsc", &b) != 1 ||
        (t->stsc = table(&b, 0, 12, &t->n_stsc)) == NULL)
        return SV_EFORMAT;
    if (child(stbl, 0, "stsz", &b) == 1) {
        if (b.len < 12)
            return SV_EFORMAT;
        t->fixed_size = be32(b.data + 4);
        t->n_samples = be32(b.data + 8);
        if (t->fixed_size == 0) {
            if ((t->stsz = table(&b, 4, 4, &t->n_samples)) == NULL)
                return SV_EFORMAT;
        }
    } else {
        return SV_ENOMEDIA;     /* stz2 */
    }
    if (child(stbl, 0, "stco", &b) == 1) {
        t->stco = table(&b, 0, 4, &t->n_chunks);
    } else if (child(stbl, 0, "co64", &b) == 1) {
        t->stco = table(&b, 0, 8, &t->n_chunks);
        t->co64 = 1;
    }
    if (t->stco == NULL)
        return SV_EFORMAT;
    rc = child(stbl, 0, "ctts", &b);
    if (rc == 1 && (t->ctts = table(&b, 0, 8, &t->n_ctts)) == NULL)
        return SV_EFORMAT;
    rc = child(stbl, 0, "stss", &b);
    if (rc == 1 && (t->stss = table(&b, 0, 4, &t->n_stss)) == NULL)
        return SV_EFORMAT;
    if (t->st.kind == SV_KIND_AUDIO)
        t->stss = NULL;         /* every audio frame starts anew */
    for (i = 0; i < t->n_stts; i++) {
        frames += be32(t->stts + 8 * i);
        ticks += (uint64_t)be32(t->stts + 8 * i) * be32(t->stts + 8 * i + 4);
    }
    set_rate(t, frames, ticks);
    return 0;
}

static int
read_trak(struct sv_mp4read *r, const struct sv_box *trak, uint32_t movie_ts)
{
    struct sv_mp4read_track *t;
    struct sv_box tkhd, mdia, mdhd, hdlr, minf, stbl;
    struct sv_rd rd;
    uint8_t v;
    uint32_t f, handler, ts, id;
    uint16_t lang;
    int rc;

    if (child(trak, 0, "tkhd", &tkhd) != 1 ||
        child(trak, 0, "mdia", &mdia) != 1 ||
        child(&mdia, 0, "mdhd", &mdhd) != 1 ||
        child(&mdia, 0, "hdlr", &hdlr) != 1 || hdlr.len < 12)
        return SV_EFORMAT;
    handler = be32(hdlr.data + 8);
    if (handler != SV_FOURCC('v', 'i', 'd', 'e') &&
        handler != SV_FOURCC('s', 'o', 'u', 'n'))
        return 0;               /* not a stream the packager takes */
    if (r->n == SV_MP4READ_MAX)
        return SV_ENOMEDIA;
    sv_box_full(&tkhd, &rd, &v, &f);
    sv_rd_skip(&rd, v == 1 ? 16 : 8);
    id = sv_rd_u32(&rd);
    sv_box_full(&mdhd, &rd, &v, &f);
    sv_rd_skip(&rd, v == 1 ? 16 : 8);
    ts = sv_rd_u32(&rd);
    sv_rd_skip(&rd, v == 1 ? 8 : 4);
    lang = sv_rd_u16(&rd);
    if (rd.err != 0 || ts == 0 || ts > INT32_MAX)
        return SV_EFORMAT;
    t = &r->t[r->n];
    memset(t, 0, sizeof(*t));
    t->st.index = r->n;
    t->st.id = (int)id;
    t->st.kind = handler == SV_FOURCC('v', 'i', 'd', 'e') ? SV_KIND_VIDEO
                                                         : SV_KIND_AUDIO;
    t->st.tb_num = 1;
    t->st.tb_den = (int)ts;
    t->st.bit_depth = 8;
    t->st.chroma_420 = 1;
    t->st.primaries = t->st.transfer = t->st.matrix = 2;
    if (lang != 0 && lang != 0x7fff) {
        t->lang[0] = (char)((lang >> 10 & 0x1f) + 0x60);
        t->lang[1] = (char)((lang >> 5 & 0x1f) + 0x60);
        t->lang[2] = (char)((lang & 0x1f) + 0x60);
    } else {
        memcpy(t->lang, "und", 4);
    }
    t->st.language = t->lang;
    if (child(&mdia, 0, "minf", &minf) != 1 ||
        child(&minf, 0, "stbl", &stbl) != 1)
        return SV_EFORMAT;
    rc = read_tables(t, &stbl);
    if (rc == 0)
        rc = read_elst(t, trak, movie_ts);
    if (rc < 0)
        return rc;
    t->chunk = UINT32_MAX;      /* the first step enters chunk 0 */
    r->n++;
    return 0;
}

static int64_t
to_us(const struct sv_mp4read_track *t, int64_t dts)
{
    return sv_time_rescale(dts - t->shift, 1, t->st.tb_den, 1, 1000000);
}

/* The next top-level moof from *scan on: 1 with *moof, 0 when none. */
static int
next_moof(const struct sv_mp4read *r, uint64_t *scan, struct sv_box *moof)
{
    struct sv_box_iter it;

    while (*scan < r->len) {
        sv_box_iter_init(&it, r->p + *scan, r->len - *scan, *scan);
        if (sv_box_next(&it, moof) != 1) {
            *scan = r->len;     /* a damaged or cut box ends the file */
            return 0;
        }
        *scan += moof->size;
        if (moof->type == SV_FOURCC('m', 'o', 'o', 'f'))
            return 1;
    }
    return 0;
}

/* The track's next traf, from the moof being read or the ones after it:
 * 1 with t->traf ready, 0 at the end of the file. */
static int
next_traf(struct sv_mp4read *r, struct sv_mp4read_track *t)
{
    struct sv_box b;
    int rc;

    for (;;) {
        if (t->in_moof) {
            rc = sv_box_next(&t->trafs, &b);
            if (rc != 1) {
                t->in_moof = 0;
                continue;
            }
            if (b.type != SV_FOURCC('t', 'r', 'a', 'f'))
                continue;
            rc = sv_traf_iter_init(&t->traf, &b, t->moof_off, &t->trex);
            if (rc < 0) {
                r->bad++;       /* a traf without its header */
                continue;
            }
            if (t->traf.tfhd.track_id != (uint32_t)t->st.id)
                continue;
            if (!t->traf.have_tfdt)
                t->traf.dts = (uint64_t)t->dts;     /* after the last */
            return 1;
        }
        if (!next_moof(r, &t->scan, &b))
            return 0;
        if (b.size > SV_MP4READ_MOOV_MAX) {
            r->bad++;
            continue;
        }
        if (b.size > t->moof_cap) {
            uint8_t *m = realloc(t->moof, (size_t)b.size);
            if (m == NULL) {
                r->bad++;
                continue;
            }
            t->moof = m;
            t->moof_cap = (size_t)b.size;
        }
        /* read from a copy: the map's pages behind the media go back */
        memcpy(t->moof, r->p + b.offset, (size_t)b.size);
        t->moof_off = b.offset;
        sv_box_iter_init(&t->trafs, t->moof, (size_t)b.size, b.offset);
        if (sv_box_next(&t->trafs, &b) != 1 ||
            sv_box_iter_children(&t->trafs, &b, 0) < 0)
            continue;
        t->in_moof = 1;
    }
}

/* Places a track that is past its moov's samples on the next sample of
 * its fragments. */
static void
load_frag(struct sv_mp4read *r, struct sv_mp4read_track *t)
{
    struct sv_sample s;
    int rc;

    t->frag = 1;
    if (!r->fragmented) {
        t->done = 1;
        return;
    }
    for (;;) {
        if (t->in_traf) {
            rc = sv_traf_next(&t->traf, &s);
            if (rc == 1 && s.dts <= (uint64_t)TIME_MAX)
                break;
            if (rc == 1) {
                r->bad++;       /* a tfdt out of range: not a time */
                continue;
            }
            if (rc < 0)
                r->bad++;       /* a damaged trun: the rest of the traf */
            t->in_traf = 0;
        }
        if (!next_traf(r, t)) {
            t->done = 1;
            return;
        }
        t->in_traf = 1;
    }
    t->pos = s.offset;
    t->size = s.size;
    t->dts = (int64_t)s.dts;
    t->frag_dur = s.duration;
    t->frag_cto = s.cto;
    t->frag_flags = s.flags;
    t->dts_us = to_us(t, t->dts);
}

/* Places the track's cursor on its next sample (size, position, time). */
static void
load(struct sv_mp4read *r, struct sv_mp4read_track *t)
{
    if (t->frag || t->sample >= t->n_samples) {
        load_frag(r, t);
        return;
    }
    while (t->in_chunk >= t->per_chunk) {
        t->chunk++;
        if (t->chunk >= t->n_chunks) {
            r->bad += t->n_samples - t->sample;
            load_frag(r, t);
            return;
        }
        while (t->stsc_i + 1 < t->n_stsc &&
               be32(t->stsc + 12 * (t->stsc_i + 1)) <= t->chunk + 1)
            t->stsc_i++;
        t->per_chunk = t->n_stsc > 0 ? be32(t->stsc + 12 * t->stsc_i + 4)
                                     : 0;
        t->in_chunk = 0;
        t->pos = t->co64 ? be64(t->stco + 8 * t->chunk)
                         : be32(t->stco + 4 * t->chunk);
    }
    if (t->dts > TIME_MAX) {
        r->bad += t->n_samples - t->sample;     /* durations past time */
        t->done = 1;
        return;
    }
    t->size = t->fixed_size ? t->fixed_size : be32(t->stsz + 4 * t->sample);
    t->dts_us = to_us(t, t->dts);
}

static uint32_t
duration(const struct sv_mp4read_track *t)
{
    if (t->frag)
        return t->frag_dur;
    return t->n_stts > 0 ? be32(t->stts + 8 * t->stts_i + 4) : 0;
}

/* Moves the track's cursor past the sample it is on (a table that ends
 * early keeps its last entry). */
static void
step(struct sv_mp4read *r, struct sv_mp4read_track *t)
{
    if (t->frag) {
        t->dts += t->frag_dur;
        load_frag(r, t);
        return;
    }
    t->dts += duration(t);
    if (t->stts_left > 0)
        t->stts_left--;
    while (t->stts_left == 0 && t->stts_i + 1 < t->n_stts)
        t->stts_left = be32(t->stts + 8 * ++t->stts_i);
    if (t->ctts_left > 0)
        t->ctts_left--;
    while (t->ctts_left == 0 && t->ctts_i + 1 < t->n_ctts)
        t->ctts_left = be32(t->ctts + 8 * ++t->ctts_i);
    t->pos += t->size;
    t->in_chunk++;
    t->sample++;
    load(r, t);
}

/* The frame rate of a video track whose moov has no samples: the average
 * of the first fragments' samples (RATE_SAMPLES) after the first, whose duration
 * carries any gap before the video when there is no edit list (ffmpeg's
 * empty_moov). */
static void
frag_rate(struct sv_mp4read *r, struct sv_mp4read_track *t, uint64_t scan)
{
    struct sv_mp4read_track c = *t;
    struct sv_sample s;
    uint64_t frames = 0, ticks = 0, bad = r->bad, first = 0;

    c.scan = scan;
    c.moof = NULL;
    c.moof_cap = 0;
    while (frames < RATE_SAMPLES && next_traf(r, &c) == 1)
        while (frames < RATE_SAMPLES && sv_traf_next(&c.traf, &s) == 1) {
            if (frames++ == 0)
                first = s.duration;
            ticks += s.duration;
        }
    if (frames > 1)
        set_rate(t, frames - 1, ticks - first);
    else
        set_rate(t, frames, ticks);
    free(c.moof);
    r->bad = bad;               /* counted when the samples are read */
}

/* The movie's fragment defaults; the fragments are looked for from the
 * end of the moov on. */
static int
read_mvex(struct sv_mp4read *r, const struct sv_box *mvex, uint64_t scan)
{
    struct sv_box_iter it;
    struct sv_box b;
    struct sv_trex x;
    int rc, i;

    if (sv_box_iter_children(&it, mvex, 0) < 0)
        return SV_EFORMAT;
    while ((rc = sv_box_next(&it, &b)) == 1) {
        if (b.type != SV_FOURCC('t', 'r', 'e', 'x'))
            continue;
        if (sv_trex_parse(&b, &x) < 0)
            return SV_EFORMAT;
        for (i = 0; i < r->n; i++)
            if ((uint32_t)r->t[i].st.id == x.track_id)
                r->t[i].trex = x;
    }
    if (rc < 0)
        return rc;
    r->fragmented = 1;
    for (i = 0; i < r->n; i++) {
        r->t[i].scan = scan;
        if (r->t[i].n_samples == 0 && r->t[i].st.fps_den == 0)
            frag_rate(r, &r->t[i], scan);
    }
    return 0;
}

int
sv_mp4read_init(struct sv_mp4read *r, const uint8_t *p, size_t len)
{
    struct sv_box_iter it;
    struct sv_box b, moov, mvhd, trak;
    struct sv_rd rd;
    uint8_t v;
    uint32_t f, movie_ts;
    int rc, have_moov = 0, i;

    memset(r, 0, sizeof(*r));
    r->p = p;
    r->len = len;
    r->hold = UINT64_MAX;
    if (len < 16 || (be32(p + 4) != SV_FOURCC('f', 't', 'y', 'p') &&
                     be32(p + 4) != SV_FOURCC('m', 'o', 'o', 'v')))
        return SV_EFORMAT;
    sv_box_iter_init(&it, p, len, 0);
    while ((rc = sv_box_next(&it, &b)) == 1) {
        if (b.type == SV_FOURCC('m', 'o', 'o', 'f') && !have_moov)
            return SV_ENOMEDIA;     /* fragments before their moov */
        if (b.type == SV_FOURCC('m', 'o', 'o', 'v')) {
            moov = b;
            have_moov = 1;
            break;
        }
    }
    if (!have_moov)
        return rc < 0 ? rc : SV_EFORMAT;
    if (moov.size > SV_MP4READ_MOOV_MAX)
        return SV_ENOMEDIA;
    /* the tables are read all along, the media behind them given back */
    r->moov = malloc((size_t)moov.size);
    if (r->moov == NULL)
        return -ENOMEM;
    memcpy(r->moov, p + moov.offset, (size_t)moov.size);
    sv_box_iter_init(&it, r->moov, (size_t)moov.size, moov.offset);
    if (sv_box_next(&it, &moov) != 1) {
        rc = SV_EFORMAT;
        goto fail;
    }
    if (child(&moov, 0, "mvhd", &mvhd) != 1 ||
        sv_box_full(&mvhd, &rd, &v, &f) < 0) {
        rc = SV_EFORMAT;
        goto fail;
    }
    sv_rd_skip(&rd, v == 1 ? 16 : 8);
    movie_ts = sv_rd_u32(&rd);
    if (sv_box_iter_children(&it, &moov, 0) < 0) {
        rc = SV_EFORMAT;
        goto fail;
    }
    while ((rc = sv_box_next(&it, &trak)) == 1)
        if (trak.type == SV_FOURCC('t', 'r', 'a', 'k') &&
            (rc = read_trak(r, &trak, movie_ts)) < 0)
            goto fail;
    if (rc < 0)
        goto fail;
    if (r->n == 0) {
        rc = SV_ENOMEDIA;
        goto fail;
    }
    rc = child(&moov, 0, "mvex", &b);
    if (rc < 0 || (rc == 1 && (rc = read_mvex(r, &b, moov.offset +
                                                     moov.size)) < 0))
        goto fail;
    for (i = 0; i < r->n; i++) {
        struct sv_mp4read_track *t = &r->t[i];
        if (t->n_stts > 0)
            t->stts_left = be32(t->stts);
        while (t->stts_left == 0 && t->stts_i + 1 < t->n_stts)
            t->stts_left = be32(t->stts + 8 * ++t->stts_i);
        if (t->n_ctts > 0)
            t->ctts_left = be32(t->ctts);
        while (t->ctts_left == 0 && t->ctts_i + 1 < t->n_ctts)
            t->ctts_left = be32(t->ctts + 8 * ++t->ctts_i);
        load(r, t);
    }
    return 0;
fail:
    sv_mp4read_release(r);
    return rc;
}

/* The ring: cap bytes of one memory file mapped twice in a row, so that
 * ring + (offset % cap) starts cap contiguous bytes. */
static int
ring_make(struct sv_mp4read *r, size_t cap)
{
    uint8_t *m;
    int fd, rc;

    fd = memfd_create("sv-mp4read", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)cap) < 0)
        goto fail;
    m = mmap(NULL, 2 * cap, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        goto fail;
    if (mmap(m, cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
             0) == MAP_FAILED ||
        mmap(m + cap, cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             fd, 0) == MAP_FAILED) {
        munmap(m, 2 * cap);
        goto fail;
    }
    close(fd);
    r->ring = m;
    r->ring_cap = cap;
    return 0;
fail:
    rc = -errno;
    close(fd);
    return rc;
}

int
sv_mp4read_open(struct sv_mp4read *r, const char *path)
{
    return sv_mp4read_open_ring(r, path, SV_MP4READ_RING);
}

int
sv_mp4read_open_ring(struct sv_mp4read *r, const char *path, size_t ring)
{
    struct stat sb;
    void *m;
    size_t cap;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 16) {
        close(fd);
        return SV_ENOMEDIA;
    }
    m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        rc = -errno;
        close(fd);
        return rc;
    }
    rc = sv_mp4read_init(r, m, (size_t)sb.st_size);
    if (rc < 0) {
        munmap(m, (size_t)sb.st_size);
        close(fd);
        return rc;
    }
    madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
    /* the moov is copied: its pages, read before the media, go back */
    madvise(m, (size_t)sb.st_size, MADV_DONTNEED);
    r->map = m;
    /* the samples go through the ring: pread into pages that stay, where
     * mapping the file costs a fault, a map and an unmap every page */
    cap = (size_t)sb.st_size < ring ? (size_t)sb.st_size : ring;
    cap = (cap + 4095) & ~(size_t)4095;
    if (ring > 0 && ring_make(r, cap) == 0) {
        r->fd = fd;
        sv_buf_init(&r->spill, SIZE_MAX);
    } else {
        close(fd);      /* no memory file: the samples from the mapping */
    }
    return 0;
}

int
sv_mp4read_count(const struct sv_mp4read *r)
{
    return r->n;
}

const struct sv_demux_stream *
sv_mp4read_stream(const struct sv_mp4read *r, int i)
{
    return i >= 0 && i < r->n ? &r->t[i].st : NULL;
}

/* The track to read from: the earliest in decode time, unless another
 * is close in time and earlier in the file (the file's interleaving). */
static struct sv_mp4read_track *
pick(struct sv_mp4read *r)
{
    struct sv_mp4read_track *best = NULL, *t;
    int i;

    for (i = 0; i < r->n; i++) {
        t = &r->t[i];
        if (!t->done && (best == NULL || t->dts_us < best->dts_us))
            best = t;
    }
    if (best == NULL)
        return NULL;
    for (i = 0; i < r->n; i++) {
        t = &r->t[i];
        if (!t->done && t->pos < best->pos &&
            t->dts_us - best->dts_us < SPREAD_US)
            best = t;
    }
    return best;
}

static void
drop_behind(struct sv_mp4read *r)
{
    uint64_t low = UINT64_MAX, high = 0;
    int i;

    if (r->map == NULL)
        return;
    for (i = 0; i < r->n; i++) {
        if (r->t[i].done)
            continue;
        if (r->t[i].pos < low)
            low = r->t[i].pos;
        if (r->t[i].pos > high)
            high = r->t[i].pos;
    }
    if (r->hold < low)
        low = r->hold;
    if (low == UINT64_MAX || low > r->len)
        low = r->len;
    while (low - r->dropped >= 2 * DROP_STEP) {
        madvise((uint8_t *)r->map + r->dropped, DROP_STEP, MADV_DONTNEED);
        r->dropped += DROP_STEP;
    }
    /* one call maps the next pages the samples will be read from, not a
     * fault for every few of them (the ring reads them instead) */
    if (r->ring != NULL)
        return;
    if (high > r->len)
        high = r->len;
    if (r->populated < high)
        r->populated = (size_t)high & ~(size_t)4095;
    while (r->populated < r->len && r->populated < high + AHEAD_STEP) {
        size_t n = r->len - r->populated < AHEAD_STEP
                   ? r->len - r->populated : AHEAD_STEP;
        if (madvise((uint8_t *)r->map + r->populated, n,
                    MADV_POPULATE_READ) < 0)
            r->populated = r->len;      /* an older kernel: faults */
        else
            r->populated += n;
    }
}

/* Reads the file's [off, off + n) to dst; 0 or a negative code (a file
 * cut short since it was opened: SV_EFORMAT). */
static int
read_at(int fd, uint8_t *dst, uint64_t off, size_t n)
{
    ssize_t k;

    while (n > 0) {
        k = pread(fd, dst, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        if (k == 0)
            return SV_EFORMAT;
        dst += k;
        off += (uint64_t)k;
        n -= (size_t)k;
    }
    return 0;
}

/* The file's [lo, hi) into the ring, in at most two reads (none through
 * the second mapping, whose pages then stay unused). */
static int
ring_fill(struct sv_mp4read *r, uint64_t lo, uint64_t hi)
{
    size_t cap = r->ring_cap, at = (size_t)(lo % cap);
    size_t n = (size_t)(hi - lo), first = cap - at < n ? cap - at : n;
    int rc;

    rc = read_at(r->fd, r->ring + at, lo, first);
    if (rc == 0 && n > first)
        rc = read_at(r->fd, r->ring, lo + first, n - first);
    return rc;
}

/* Where in the ring t's next sample is, read in if need be; NULL when the
 * ring cannot take it without writing over what is held or still to be
 * read from it: out of file order, too big, or a track far behind. */
static const uint8_t *
ring_take(struct sv_mp4read *r, struct sv_mp4read_track *t, int *rc)
{
    uint64_t pos = t->pos, end = pos + t->size, floor = pos, lo, hi;
    size_t cap = r->ring_cap;
    int i;

    *rc = 0;
    if (t->size > cap / 2 || pos < t->ring_last || pos < r->ring_lo)
        return NULL;
    if (end > r->ring_hi) {
        /* the bytes still wanted: what is held, and every track's next
         * sample that the ring has or will have */
        if (r->hold < floor)
            floor = r->hold;
        for (i = 0; i < r->n; i++)
            if (!r->t[i].done && r->t[i].pos >= r->ring_lo &&
                r->t[i].pos < floor)
                floor = r->t[i].pos;
        /* across a gap of more than a step, from the sample on */
        lo = pos > r->ring_hi + RING_STEP ? pos : r->ring_hi;
        hi = lo + RING_STEP;
        if (hi < end)
            hi = end;
        if (hi > r->len)
            hi = r->len;
        if (hi - floor > cap)
            hi = end;
        if (hi - floor > cap)
            return NULL;
        *rc = ring_fill(r, lo, hi);
        if (*rc < 0)
            return NULL;
        if (lo > r->ring_hi)
            r->ring_lo = lo;            /* the gap was not read */
        else if (hi - r->ring_lo > cap)
            r->ring_lo = hi - cap;      /* written over */
        r->ring_hi = hi;
    }
    t->ring_last = pos;
    return r->ring + pos % cap;
}

int
sv_mp4read_next(struct sv_mp4read *r, struct sv_demux_packet *pkt)
{
    struct sv_mp4read_track *t;
    const uint8_t *data = NULL;
    int32_t cto;
    int rc;

    for (;;) {
        t = pick(r);
        if (t == NULL)
            return 0;
        if (t->pos > r->len || t->size > r->len - t->pos) {
            r->bad++;
            step(r, t);
            continue;
        }
        break;
    }
    drop_behind(r);
    memset(pkt, 0, sizeof(*pkt));
    pkt->stream = t->st.index;
    pkt->size = t->size;
    if (r->ring == NULL) {
        pkt->data = r->p + t->pos;
        pkt->stable = 1;        /* the map lives until the release */
    } else if ((data = ring_take(r, t, &rc)) != NULL) {
        pkt->data = data;
        pkt->stable = 1;        /* not written over while held */
    } else if (rc < 0) {
        return rc;
    } else {
        /* a buffer of its own, the consumer's to take */
        sv_buf_reset(&r->spill);
        rc = sv_buf_reserve(&r->spill, t->size > 0 ? t->size : 1);
        if (rc == 0)
            rc = read_at(r->fd, r->spill.data, t->pos, t->size);
        if (rc < 0)
            return rc;
        r->spill.len = t->size;
        r->spilled++;
        pkt->data = r->spill.data;
        pkt->own = &r->spill;
    }
    pkt->dts = t->dts - t->shift;
    if (t->frag)
        cto = t->frag_cto;
    else
        cto = t->n_ctts > 0 ? (int32_t)be32(t->ctts + 8 * t->ctts_i + 4) : 0;
    pkt->pts = pkt->dts + cto;
    pkt->key = 1;
    if (t->frag) {
        /* as libavformat: audio always, video unless marked as depending
         * on others */
        pkt->key = t->st.kind == SV_KIND_AUDIO ||
                   !(t->frag_flags & (SV_SAMPLE_NON_SYNC |
                                      SV_SAMPLE_DEPENDS_YES));
    } else if (t->stss != NULL) {
        while (t->stss_i < t->n_stss && be32(t->stss + 4 * t->stss_i) <
               t->sample + 1)
            t->stss_i++;
        pkt->key = t->stss_i < t->n_stss &&
                   be32(t->stss + 4 * t->stss_i) == t->sample + 1;
    }
    pkt->duration = duration(t);
    step(r, t);
    return 1;
}

void
sv_mp4read_hold(struct sv_mp4read *r, const uint8_t *p)
{
    uint64_t off, last;
    size_t cap = r->ring_cap, at;

    if (p == NULL) {
        r->hold = UINT64_MAX;
        return;
    }
    if (r->ring != NULL && p >= r->ring && p < r->ring + 2 * cap &&
        r->ring_hi > 0) {
        /* the one offset of the ring's last cap bytes that lies there */
        at = (size_t)(p - r->ring) % cap;
        last = r->ring_hi - 1;
        off = last - (last % cap + cap - at) % cap;
    } else if (r->ring == NULL && p >= r->p && p <= r->p + r->len) {
        off = (uint64_t)(p - r->p);
    } else {
        return;                 /* not ours */
    }
    if (off < r->hold)
        r->hold = off;
}

void
sv_mp4read_release(struct sv_mp4read *r)
{
    int i;

    if (r->map != NULL)
        munmap(r->map, r->len);
    if (r->ring != NULL) {
        munmap(r->ring, 2 * r->ring_cap);
        close(r->fd);
    }
    sv_buf_release(&r->spill);
    for (i = 0; i < r->n; i++)
        free(r->t[i].moof);
    free(r->moov);
    memset(r, 0, sizeof(*r));
}
