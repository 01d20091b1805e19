/* fmp4_test.c -- lib/container/fmp4.c written, read back with lib/container/box.c */
#include <string.h>

#include "container/box.h"
#include "container/fmp4.h"
#include "core/err.h"
#include "t.h"

static void
track(struct sv_fmp4_track *t, struct sv_codec_cfg *c)
{
    memset(c, 0, sizeof(*c));
    c->codec = SV_CODEC_H264;
    c->entry = SV_FOURCC('a', 'v', 'c', '1');
    c->box = SV_FOURCC('a', 'v', 'c', 'C');
    memcpy(c->rec, "\x01\x64\x00\x1f\xff\xe0\x00", 7);
    c->rec_len = 7;
    memset(t, 0, sizeof(*t));
    t->id = 1;
    t->video = 1;
    t->timescale = 90000;
    t->width = 1280;
    t->height = 720;
    t->cfg = c;
    t->language = "und";
}

static void
init_segment_reads_back(void)
{
    struct sv_fmp4_track t;
    struct sv_codec_cfg c;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_box box;
    struct sv_box_iter it;
    struct sv_trex trex;
    struct sv_rd r;
    uint8_t v;
    uint32_t f;

    track(&t, &c);
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "ftyp", &box), 1);
    CHECK(memcmp(box.data, "iso6", 4) == 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak/mdia/mdhd", &box), 1);
    sv_box_full(&box, &r, &v, &f);
    sv_rd_skip(&r, 8);
    CHECK_INT(sv_rd_u32(&r), 90000);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak/mdia/hdlr", &box), 1);
    CHECK(memcmp(box.data + 8, "vide", 4) == 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0,
                          "moov/trak/mdia/minf/stbl/stsd", &box), 1);
    /* the sample entry and its avcC */
    CHECK_INT(sv_box_iter_children(&it, &box, 8), 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('a', 'v', 'c', '1'));
    sv_rd_init(&r, box.data, box.len);
    sv_rd_skip(&r, 24);
    CHECK_INT(sv_rd_u16(&r), 1280);
    CHECK_INT(sv_rd_u16(&r), 720);
    CHECK_INT(sv_box_iter_children(&it, &box, 78), 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('a', 'v', 'c', 'C'));
    CHECK_INT(box.len, 7);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/mvex/trex", &box), 1);
    CHECK_INT(sv_trex_parse(&box, &trex), 0);
    CHECK_INT(trex.track_id, 1);
    CHECK_INT(trex.sdi, 1);
    sv_buf_release(&b);
}

/* HDR10: colr nclx, mdcv and clli follow the configuration box, before
 * the encryption hook's sinf (issue 16); none for untagged video */
static void
colour_boxes_in_sample_entry(void)
{
    static const uint8_t nclx[] = { 'n', 'c', 'l', 'x', 0, 9, 0, 16, 0, 9,
                                    0 };
    struct sv_fmp4_track t;
    struct sv_codec_cfg c;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_box box, e;
    struct sv_box_iter it;
    int i;

    track(&t, &c);
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0,
                          "moov/trak/mdia/minf/stbl/stsd", &box), 1);
    sv_box_iter_children(&it, &box, 8);
    CHECK_INT(sv_box_next(&it, &e), 1);
    sv_box_iter_children(&it, &e, 78);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(sv_box_next(&it, &box), 0);       /* avcC alone */

    c.primaries = 9;
    c.transfer = 16;
    c.matrix = 9;
    c.has_mdcv = c.has_clli = 1;
    for (i = 0; i < 24; i++)
        c.mdcv[i] = (uint8_t)i;
    memcpy(c.clli, "\x03\xe8\x01\x90", 4);
    sv_buf_reset(&b);
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0,
                          "moov/trak/mdia/minf/stbl/stsd", &box), 1);
    sv_box_iter_children(&it, &box, 8);
    CHECK_INT(sv_box_next(&it, &e), 1);
    sv_box_iter_children(&it, &e, 78);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('a', 'v', 'c', 'C'));
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('c', 'o', 'l', 'r'));
    CHECK_INT(box.len, sizeof(nclx));
    CHECK(memcmp(box.data, nclx, sizeof(nclx)) == 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('m', 'd', 'c', 'v'));
    CHECK_INT(box.len, 24);
    CHECK(memcmp(box.data, c.mdcv, 24) == 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('c', 'l', 'l', 'i'));
    CHECK(memcmp(box.data, "\x03\xe8\x01\x90", 4) == 0);
    CHECK_INT(sv_box_next(&it, &box), 0);
    sv_buf_release(&b);
}

/* an edit list only where the presentation starts after media time 0 */
static void
edit_list_when_media_time(void)
{
    struct sv_fmp4_track t;
    struct sv_codec_cfg c;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_box box;
    struct sv_rd r;
    uint8_t v;
    uint32_t f;

    track(&t, &c);
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak/edts", &box), 0);
    sv_buf_reset(&b);
    t.media_time = 6006;
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak/edts/elst", &box), 1);
    sv_box_full(&box, &r, &v, &f);
    CHECK_INT(v, 0);
    CHECK_INT(sv_rd_u32(&r), 1);        /* one entry */
    CHECK_INT(sv_rd_u32(&r), 0);        /* to the end of the fragments */
    CHECK_INT(sv_rd_u32(&r), 6006);
    CHECK_INT(sv_rd_u16(&r), 1);
    CHECK_INT(sv_rd_u16(&r), 0);
    CHECK_INT(sv_rd_left(&r), 0);
    /* the box order of a trak: tkhd, edts, mdia */
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak/mdia/mdhd", &box), 1);
    sv_buf_reset(&b);
    t.media_time = (int64_t)1 << 33;
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak/edts/elst", &box), 1);
    sv_box_full(&box, &r, &v, &f);
    CHECK_INT(v, 1);
    CHECK_INT(sv_rd_u32(&r), 1);
    CHECK(sv_rd_u64(&r) == 0);
    CHECK(sv_rd_u64(&r) == (uint64_t)1 << 33);
    sv_buf_release(&b);
}

static void
fragment_reads_back(void)
{
    struct sv_fmp4_track t;
    struct sv_codec_cfg c;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_fmp4_sample s[3] = {
        { 100, 3000, SV_FMP4_SYNC, 3000 },
        { 50, 3000, SV_FMP4_NONSYNC, 6000 },
        { 70, 3000, SV_FMP4_NONSYNC, -3000 },
    };
    struct sv_box moof, mdat, traf;
    struct sv_box_iter it;
    struct sv_traf_iter ti;
    struct sv_sample x;
    size_t moof_len;
    int i;

    track(&t, &c);
    CHECK_INT(sv_fmp4_fragment(&b, 7, &t, 900000, s, 3), 0);
    moof_len = b.len - 8;
    {
        uint8_t payload[220];
        memset(payload, 0xab, sizeof(payload));
        CHECK_INT(sv_buf_append(&b, payload, sizeof(payload)), 0);
    }
    sv_box_iter_init(&it, b.data, b.len, 4096);
    CHECK_INT(sv_box_next(&it, &moof), 1);
    CHECK_INT(moof.size, moof_len);
    CHECK_INT(sv_box_next(&it, &mdat), 1);
    CHECK_INT(mdat.type, SV_FOURCC('m', 'd', 'a', 't'));
    CHECK_INT(mdat.len, 220);
    CHECK_INT(sv_box_next(&it, &mdat), 0);
    CHECK_INT(sv_box_find(moof.data, moof.len, moof.offset + 8, "traf",
                          &traf), 1);
    CHECK_INT(sv_traf_iter_init(&ti, &traf, moof.offset, NULL), 0);
    CHECK_INT(ti.bmdt, 900000);
    CHECK(ti.tfhd.flags & SV_TFHD_DEFAULT_BASE_IS_MOOF);
    for (i = 0; i < 3; i++) {
        CHECK_INT(sv_traf_next(&ti, &x), 1);
        CHECK_INT(x.size, s[i].size);
        CHECK_INT(x.duration, 3000);
        CHECK_INT(x.flags, s[i].flags);
        CHECK_INT(x.cto, s[i].cto);
        CHECK_INT(x.dts, 900000 + 3000 * i);
    }
    CHECK_INT(sv_traf_next(&ti, &x), 0);
    /* the samples end where the mdat ends */
    CHECK_INT(x.offset + x.size, 4096 + b.len);
    sv_buf_release(&b);
}

static void
sidx_reads_back(void)
{
    struct sv_fmp4_track t;
    struct sv_codec_cfg c;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_sidx_ref refs[2] = { { 1000, 360000, 1 }, { 800, 180000, 1 } };
    struct sv_box box;
    struct sv_box_iter it;
    struct sv_rd r;
    uint8_t v;
    uint32_t f;

    track(&t, &c);
    CHECK_INT(sv_fmp4_sidx(&b, &t, 0, 0, refs, 2), 0);
    sv_box_iter_init(&it, b.data, b.len, 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('s', 'i', 'd', 'x'));
    CHECK_INT(sv_box_full(&box, &r, &v, &f), 0);
    CHECK_INT(v, 1);
    CHECK_INT(sv_rd_u32(&r), 1);
    CHECK_INT(sv_rd_u32(&r), 90000);
    sv_rd_skip(&r, 16 + 2);
    CHECK_INT(sv_rd_u16(&r), 2);
    CHECK_INT(sv_rd_u32(&r), 1000);
    CHECK_INT(sv_rd_u32(&r), 360000);
    CHECK_INT(sv_rd_u32(&r), 0x90000000u);
    sv_buf_release(&b);
}

static int
sinf_hook(void *ud, struct sv_boxw *w, size_t moof_start)
{
    sv_boxw_open(w, sv_fourcc("sinf"));
    sv_boxw_open(w, sv_fourcc("frma"));
    sv_boxw_u32(w, sv_fourcc("avc1"));
    sv_boxw_close(w);
    sv_boxw_close(w);
    *(int *)ud += 1;
    return 0;
}

static int
senc_hook(void *ud, struct sv_boxw *w, size_t moof_start)
{
    sv_boxw_open_full(w, sv_fourcc("senc"), 0, 0);
    sv_boxw_u32(w, 0);
    sv_boxw_close(w);
    *(int *)ud += 100 + (int)moof_start;
    return 0;
}

/* The hooks sv-drm encrypts with: entry type, sinf, boxes in the traf. */
static void
encryption_hooks(void)
{
    struct sv_fmp4_track t;
    struct sv_codec_cfg c;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_fmp4_sample s = { 10, 3000, SV_FMP4_SYNC, 0 };
    struct sv_box box, moof, traf;
    struct sv_box_iter it;
    struct sv_traf_iter ti;
    struct sv_sample x;
    int calls = 0;

    track(&t, &c);
    t.entry_type = sv_fourcc("encv");
    t.entry_hook = sinf_hook;
    t.traf_hook = senc_hook;
    t.hook_ud = &calls;
    CHECK_INT(sv_fmp4_init(&b, &t), 0);
    CHECK_INT(calls, 1);
    CHECK_INT(sv_box_find(b.data, b.len, 0,
                          "moov/trak/mdia/minf/stbl/stsd", &box), 1);
    sv_box_iter_children(&it, &box, 8);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('e', 'n', 'c', 'v'));
    sv_box_iter_children(&it, &box, 78);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('a', 'v', 'c', 'C'));
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('s', 'i', 'n', 'f'));
    CHECK_INT(sv_box_find(box.data, box.len, 0, "frma", &box), 1);
    CHECK(memcmp(box.data, "avc1", 4) == 0);

    sv_buf_reset(&b);
    CHECK_INT(sv_buf_append(&b, "xxxx", 4), 0);   /* the moof starts at 4 */
    CHECK_INT(sv_fmp4_fragment(&b, 1, &t, 0, &s, 1), 0);
    CHECK_INT(calls, 1 + 100 + 4);
    CHECK_INT(sv_buf_append(&b, "0123456789", 10), 0);
    sv_box_iter_init(&it, b.data + 4, b.len - 4, 4);
    CHECK_INT(sv_box_next(&it, &moof), 1);
    CHECK_INT(sv_box_find(moof.data, moof.len, moof.offset + 8, "traf/senc",
                          &box), 1);
    CHECK_INT(sv_box_find(moof.data, moof.len, moof.offset + 8, "traf",
                          &traf), 1);
    CHECK_INT(sv_traf_iter_init(&ti, &traf, moof.offset, NULL), 0);
    CHECK_INT(sv_traf_next(&ti, &x), 1);
    /* the data offset counts the extra box: the sample is the payload */
    CHECK_INT(x.offset, b.len - 10);
    CHECK(memcmp(b.data + x.offset, "0123456789", 10) == 0);
    sv_buf_release(&b);
}

int
main(void)
{
    RUN(init_segment_reads_back);
    RUN(colour_boxes_in_sample_entry);
    RUN(edit_list_when_media_time);
    RUN(fragment_reads_back);
    RUN(sidx_reads_back);
    RUN(encryption_hooks);
    return DONE();
}
