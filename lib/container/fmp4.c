/* fmp4.c -- CMAF init segments and fragments written with the box writer */
#include <stdint.h>
#include <string.h>

#include "container/box.h"
#include "container/fmp4.h"
#include "core/err.h"

#define B(s) sv_fourcc(s)

static const uint32_t unity[9] = {
    0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000,
};

static void
matrix(struct sv_boxw *w)
{
    int i;

    for (i = 0; i < 9; i++)
        sv_boxw_u32(w, unity[i]);
}

static void
ftyp(struct sv_boxw *w, const char *type)
{
    sv_boxw_open(w, B(type));
    sv_boxw_u32(w, B("iso6"));
    sv_boxw_u32(w, 0);
    sv_boxw_u32(w, B("iso6"));
    sv_boxw_u32(w, B("cmfc"));
    sv_boxw_u32(w, B("mp41"));
    sv_boxw_u32(w, B("dash"));
    sv_boxw_close(w);
}

static uint16_t
language(const char *lang)
{
    if (lang == NULL || strlen(lang) != 3)
        lang = "und";
    return (uint16_t)(((lang[0] - 0x60) & 0x1f) << 10 |
                      ((lang[1] - 0x60) & 0x1f) << 5 |
                      ((lang[2] - 0x60) & 0x1f));
}

static void
esds(struct sv_boxw *w, const struct sv_codec_cfg *c)
{
    size_t dsi = 2 + c->rec_len, dcd = 13 + dsi, es = 3 + 2 + dcd + 3;

    sv_boxw_open_full(w, B("esds"), 0, 0);
    sv_boxw_u8(w, 0x03);
    sv_boxw_u8(w, (uint8_t)es);
    sv_boxw_u16(w, 0);                  /* ES_ID */
    sv_boxw_u8(w, 0);
    sv_boxw_u8(w, 0x04);
    sv_boxw_u8(w, (uint8_t)dcd);
    sv_boxw_u8(w, 0x40);                /* MPEG-4 audio */
    sv_boxw_u8(w, 0x15);                /* audio stream */
    sv_boxw_u24(w, 0);
    sv_boxw_u32(w, 0);
    sv_boxw_u32(w, 0);
    sv_boxw_u8(w, 0x05);
    sv_boxw_u8(w, (uint8_t)c->rec_len);
    sv_boxw_bytes(w, c->rec, c->rec_len);
    sv_boxw_u8(w, 0x06);
    sv_boxw_u8(w, 1);
    sv_boxw_u8(w, 0x02);
    sv_boxw_close(w);
}

static void
hook(struct sv_boxw *w, sv_fmp4_hook fn, void *ud, size_t moof_start)
{
    int rc;

    if (fn == NULL || w->err != 0)
        return;
    rc = fn(ud, w, moof_start);
    if (rc < 0 && w->err == 0)
        w->err = rc;
}

/* colr (nclx), mdcv and clli after the configuration box (ISO/IEC
 * 14496-12 12.1.5; 23001-8 / the CMAF HDR10 profile): players and
 * ffprobe take colour and HDR metadata from the init segment, without
 * parsing the bitstream */
static void
colour_boxes(struct sv_boxw *w, const struct sv_codec_cfg *c)
{
    if (c->primaries != 0 || c->transfer != 0 || c->matrix != 0) {
        sv_boxw_open(w, B("colr"));
        sv_boxw_u32(w, B("nclx"));
        sv_boxw_u16(w, (uint16_t)(c->primaries ? c->primaries : 2));
        sv_boxw_u16(w, (uint16_t)(c->transfer ? c->transfer : 2));
        sv_boxw_u16(w, (uint16_t)(c->matrix ? c->matrix : 2));
        sv_boxw_u8(w, c->full_range ? 0x80 : 0);
        sv_boxw_close(w);
    }
    if (c->has_mdcv) {
        sv_boxw_open(w, B("mdcv"));
        sv_boxw_bytes(w, c->mdcv, sizeof(c->mdcv));
        sv_boxw_close(w);
    }
    if (c->has_clli) {
        sv_boxw_open(w, B("clli"));
        sv_boxw_bytes(w, c->clli, sizeof(c->clli));
        sv_boxw_close(w);
    }
}

static void
sample_entry(struct sv_boxw *w, const struct sv_fmp4_track *t)
{
    const struct sv_codec_cfg *c = t->cfg;

    sv_boxw_open(w, t->entry_type != 0 ? t->entry_type : c->entry);
    sv_boxw_zeros(w, 6);
    sv_boxw_u16(w, 1);                  /* data_reference_index */
    if (t->video) {
        sv_boxw_zeros(w, 16);
        sv_boxw_u16(w, (uint16_t)t->width);
        sv_boxw_u16(w, (uint16_t)t->height);
        sv_boxw_u32(w, 0x00480000);
        sv_boxw_u32(w, 0x00480000);
        sv_boxw_u32(w, 0);
        sv_boxw_u16(w, 1);              /* frame_count */
        sv_boxw_zeros(w, 32);           /* compressorname */
        sv_boxw_u16(w, 0x0018);
        sv_boxw_u16(w, 0xffff);
        if (c->box == B("vpcC"))
            sv_boxw_open_full(w, c->box, 1, 0);
        else
            sv_boxw_open(w, c->box);
        sv_boxw_bytes(w, c->rec, c->rec_len);
        sv_boxw_close(w);
        colour_boxes(w, c);
    } else {
        sv_boxw_zeros(w, 8);
        sv_boxw_u16(w, (uint16_t)(c->channels > 0 ? c->channels : 2));
        sv_boxw_u16(w, 16);
        sv_boxw_zeros(w, 4);
        sv_boxw_u32(w, (uint32_t)(c->sample_rate < 65536 ? c->sample_rate
                                  : 0) << 16);
        if (c->box == B("esds")) {
            esds(w, c);
        } else {
            sv_boxw_open(w, c->box);
            sv_boxw_bytes(w, c->rec, c->rec_len);
            sv_boxw_close(w);
        }
    }
    hook(w, t->entry_hook, t->hook_ud, 0);
    sv_boxw_close(w);
}

/* One edit: the whole media from media_time on.  A segment_duration of 0
 * in a fragmented file means to the end of all fragments (ISO/IEC
 * 14496-12, 8.6.6). */
static void
edit_list(struct sv_boxw *w, int64_t media_time)
{
    int wide = media_time > INT32_MAX;

    sv_boxw_open(w, B("edts"));
    sv_boxw_open_full(w, B("elst"), wide ? 1 : 0, 0);
    sv_boxw_u32(w, 1);
    if (wide) {
        sv_boxw_u64(w, 0);
        sv_boxw_u64(w, (uint64_t)media_time);
    } else {
        sv_boxw_u32(w, 0);
        sv_boxw_u32(w, (uint32_t)media_time);
    }
    sv_boxw_u16(w, 1);                  /* media_rate_integer */
    sv_boxw_u16(w, 0);
    sv_boxw_close(w);
    sv_boxw_close(w);
}

static void
empty_table(struct sv_boxw *w, const char *type, int extra)
{
    sv_boxw_open_full(w, B(type), 0, 0);
    if (extra)
        sv_boxw_u32(w, 0);
    sv_boxw_u32(w, 0);
    sv_boxw_close(w);
}

int
sv_fmp4_init(struct sv_buf *out, const struct sv_fmp4_track *t)
{
    struct sv_boxw w;

    sv_boxw_init(&w, out);
    ftyp(&w, "ftyp");
    sv_boxw_open(&w, B("moov"));

    sv_boxw_open_full(&w, B("mvhd"), 0, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 1000);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0x00010000);
    sv_boxw_u16(&w, 0x0100);
    sv_boxw_zeros(&w, 10);
    matrix(&w);
    sv_boxw_zeros(&w, 24);
    sv_boxw_u32(&w, t->id + 1);
    sv_boxw_close(&w);

    sv_boxw_open(&w, B("trak"));
    sv_boxw_open_full(&w, B("tkhd"), 0, 7);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, t->id);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);                 /* duration */
    sv_boxw_zeros(&w, 8);
    sv_boxw_u16(&w, 0);                 /* layer */
    sv_boxw_u16(&w, 0);                 /* alternate_group */
    sv_boxw_u16(&w, t->video ? 0 : 0x0100);
    sv_boxw_u16(&w, 0);
    matrix(&w);
    sv_boxw_u32(&w, (uint32_t)t->width << 16);
    sv_boxw_u32(&w, (uint32_t)t->height << 16);
    sv_boxw_close(&w);
    if (t->media_time > 0)
        edit_list(&w, t->media_time);

    sv_boxw_open(&w, B("mdia"));
    sv_boxw_open_full(&w, B("mdhd"), 0, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, t->timescale);
    sv_boxw_u32(&w, 0);
    sv_boxw_u16(&w, language(t->language));
    sv_boxw_u16(&w, 0);
    sv_boxw_close(&w);
    sv_boxw_open_full(&w, B("hdlr"), 0, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, B(t->video ? "vide" : "soun"));
    sv_boxw_zeros(&w, 12);
    sv_boxw_cstr(&w, t->video ? "StreamVerse video" : "StreamVerse audio");
    sv_boxw_close(&w);

    sv_boxw_open(&w, B("minf"));
    if (t->video) {
        sv_boxw_open_full(&w, B("vmhd"), 0, 1);
        sv_boxw_zeros(&w, 8);
    } else {
        sv_boxw_open_full(&w, B("smhd"), 0, 0);
        sv_boxw_zeros(&w, 4);
    }
    sv_boxw_close(&w);
    sv_boxw_open(&w, B("dinf"));
    sv_boxw_open_full(&w, B("dref"), 0, 0);
    sv_boxw_u32(&w, 1);
    sv_boxw_open_full(&w, B("url "), 0, 1);
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_open(&w, B("stbl"));
    sv_boxw_open_full(&w, B("stsd"), 0, 0);
    sv_boxw_u32(&w, 1);
    sample_entry(&w, t);
    sv_boxw_close(&w);
    empty_table(&w, "stts", 0);
    empty_table(&w, "stsc", 0);
    empty_table(&w, "stsz", 1);
    empty_table(&w, "stco", 0);
    sv_boxw_close(&w);                  /* stbl */
    sv_boxw_close(&w);                  /* minf */
    sv_boxw_close(&w);                  /* mdia */
    sv_boxw_close(&w);                  /* trak */

    sv_boxw_open(&w, B("mvex"));
    sv_boxw_open_full(&w, B("trex"), 0, 0);
    sv_boxw_u32(&w, t->id);
    sv_boxw_u32(&w, 1);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_close(&w);
    sv_boxw_close(&w);                  /* mvex */
    sv_boxw_close(&w);                  /* moov */
    return sv_boxw_finish(&w);
}

int
sv_fmp4_styp(struct sv_buf *out)
{
    struct sv_boxw w;

    sv_boxw_init(&w, out);
    sv_boxw_open(&w, B("styp"));
    sv_boxw_u32(&w, B("msdh"));
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, B("msdh"));
    sv_boxw_u32(&w, B("msix"));
    sv_boxw_u32(&w, B("cmfs"));
    sv_boxw_close(&w);
    return sv_boxw_finish(&w);
}

int
sv_fmp4_fragment(struct sv_buf *out, uint32_t seq,
                 const struct sv_fmp4_track *t, uint64_t bmdt,
                 const struct sv_fmp4_sample *s, size_t n)
{
    struct sv_boxw w;
    size_t start = out->len, off_pos, i;
    uint64_t data = 0;
    uint32_t tf;
    int cto = 0;

    for (i = 0; i < n; i++) {
        data += s[i].size;
        cto |= s[i].cto != 0;
    }
    if (data > UINT32_MAX - 8)
        return SV_ELIMIT;
    tf = SV_TRUN_DATA_OFFSET | SV_TRUN_DURATION | SV_TRUN_SIZE |
         (t->video ? SV_TRUN_FLAGS : 0) | (cto ? SV_TRUN_CTO : 0);
    sv_boxw_init(&w, out);
    sv_boxw_open(&w, B("moof"));
    sv_boxw_open_full(&w, B("mfhd"), 0, 0);
    sv_boxw_u32(&w, seq);
    sv_boxw_close(&w);
    sv_boxw_open(&w, B("traf"));
    sv_boxw_open_full(&w, B("tfhd"), 0, SV_TFHD_DEFAULT_BASE_IS_MOOF |
                      (t->video ? 0 : SV_TFHD_DEFAULT_FLAGS));
    sv_boxw_u32(&w, t->id);
    if (!t->video)
        sv_boxw_u32(&w, SV_FMP4_SYNC);
    sv_boxw_close(&w);
    sv_boxw_open_full(&w, B("tfdt"), 1, 0);
    sv_boxw_u64(&w, bmdt);
    sv_boxw_close(&w);
    sv_boxw_open_full(&w, B("trun"), cto ? 1 : 0, tf);
    sv_boxw_u32(&w, (uint32_t)n);
    off_pos = sv_boxw_pos(&w);
    sv_boxw_u32(&w, 0);
    for (i = 0; i < n; i++) {
        sv_boxw_u32(&w, s[i].duration);
        sv_boxw_u32(&w, s[i].size);
        if (t->video)
            sv_boxw_u32(&w, s[i].flags);
        if (cto)
            sv_boxw_u32(&w, (uint32_t)s[i].cto);
    }
    sv_boxw_close(&w);                  /* trun */
    hook(&w, t->traf_hook, t->hook_ud, start);
    sv_boxw_close(&w);                  /* traf */
    sv_boxw_close(&w);                  /* moof */
    sv_boxw_patch32(&w, off_pos, (uint32_t)(out->len - start + 8));
    sv_boxw_u32(&w, (uint32_t)(data + 8));
    sv_boxw_u32(&w, B("mdat"));
    return sv_boxw_finish(&w);
}

int
sv_fmp4_sidx(struct sv_buf *out, const struct sv_fmp4_track *t,
             uint64_t ept, uint64_t first_offset,
             const struct sv_sidx_ref *r, size_t n)
{
    struct sv_boxw w;
    size_t i;

    sv_boxw_init(&w, out);
    sv_boxw_open_full(&w, B("sidx"), 1, 0);
    sv_boxw_u32(&w, t->id);
    sv_boxw_u32(&w, t->timescale);
    sv_boxw_u64(&w, ept);
    sv_boxw_u64(&w, first_offset);
    sv_boxw_u16(&w, 0);
    sv_boxw_u16(&w, (uint16_t)n);
    for (i = 0; i < n; i++) {
        sv_boxw_u32(&w, r[i].size & 0x7fffffff);
        sv_boxw_u32(&w, r[i].duration);
        sv_boxw_u32(&w, r[i].sap ? 0x90000000u : 0);
    }
    sv_boxw_close(&w);
    return sv_boxw_finish(&w);
}
