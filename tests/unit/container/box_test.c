/* box_test.c -- lib/container/box.c: writer and reader round trips, bounds */
#include "container/box.h"
#include "core/err.h"
#include "t.h"

static void
nested_round_trip(void)
{
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    struct sv_boxw w;
    struct sv_box_iter it, ch;
    struct sv_box box, c;
    struct sv_rd r;
    uint8_t v;
    uint32_t f;

    sv_boxw_init(&w, &b);
    sv_boxw_open(&w, sv_fourcc("moov"));
    sv_boxw_open_full(&w, sv_fourcc("mvhd"), 1, 0x000abc);
    sv_boxw_u64(&w, 0x0102030405060708ULL);
    sv_boxw_close(&w);
    sv_boxw_open(&w, sv_fourcc("trak"));
    sv_boxw_cstr(&w, "x");
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_open(&w, sv_fourcc("free"));
    sv_boxw_zeros(&w, 100);
    sv_boxw_close(&w);
    CHECK_INT(sv_boxw_finish(&w), 0);
    CHECK_INT(b.len, 8 + (8 + 4 + 8) + (8 + 2) + 108);

    sv_box_iter_init(&it, b.data, b.len, 1000);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('m', 'o', 'o', 'v'));
    CHECK_INT(box.offset, 1000);
    CHECK_INT(box.size, 38);
    sv_box_iter_children(&ch, &box, 0);
    CHECK_INT(sv_box_next(&ch, &c), 1);
    CHECK_INT(c.offset, 1008);
    CHECK_INT(sv_box_full(&c, &r, &v, &f), 0);
    CHECK_INT(v, 1);
    CHECK_INT(f, 0xabc);
    CHECK(sv_rd_u64(&r) == 0x0102030405060708ULL);
    CHECK_INT(sv_rd_left(&r), 0);
    sv_rd_u8(&r);
    CHECK_INT(r.err, SV_EFORMAT);
    CHECK_INT(sv_box_next(&ch, &c), 1);
    CHECK_INT(c.type, SV_FOURCC('t', 'r', 'a', 'k'));
    CHECK_INT(c.len, 2);
    CHECK_INT(sv_box_next(&ch, &c), 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.type, SV_FOURCC('f', 'r', 'e', 'e'));
    CHECK_INT(sv_box_next(&it, &box), 0);

    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/trak", &c), 1);
    CHECK_STR((const char *)c.data, "x");
    CHECK_INT(sv_box_find(b.data, b.len, 0, "moov/mdia", &c), 0);
    sv_buf_release(&b);
}

static void
bad_sizes_are_format_errors(void)
{
    /* size past the end, size below the header, short header */
    static const uint8_t past[] = { 0, 0, 0, 20, 'f', 'r', 'e', 'e', 0, 0 };
    static const uint8_t small[] = { 0, 0, 0, 4, 'f', 'r', 'e', 'e' };
    static const uint8_t shorth[] = { 0, 0, 0 };
    static const uint8_t big64[] = { 0, 0, 0, 1, 'm', 'd', 'a', 't',
                                     0xff, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t to_end[] = { 0, 0, 0, 0, 'm', 'd', 'a', 't', 1, 2 };
    struct sv_box_iter it;
    struct sv_box box;

    sv_box_iter_init(&it, past, sizeof(past), 0);
    CHECK_INT(sv_box_next(&it, &box), SV_EFORMAT);
    sv_box_iter_init(&it, small, sizeof(small), 0);
    CHECK_INT(sv_box_next(&it, &box), SV_EFORMAT);
    sv_box_iter_init(&it, shorth, sizeof(shorth), 0);
    CHECK_INT(sv_box_next(&it, &box), SV_EFORMAT);
    sv_box_iter_init(&it, big64, sizeof(big64), 0);
    CHECK_INT(sv_box_next(&it, &box), SV_EFORMAT);
    sv_box_iter_init(&it, to_end, sizeof(to_end), 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(box.len, 2);
}

static void
writer_depth_and_cap(void)
{
    struct sv_buf b = SV_BUF_INIT(16);
    struct sv_boxw w;
    int i;

    sv_boxw_init(&w, &b);
    sv_boxw_open(&w, sv_fourcc("free"));
    sv_boxw_zeros(&w, 100);
    sv_boxw_close(&w);
    CHECK_INT(sv_boxw_finish(&w), SV_ELIMIT);
    CHECK(b.data == NULL);

    sv_buf_init(&b, 4096);
    sv_boxw_init(&w, &b);
    for (i = 0; i < SV_BOXW_DEPTH + 1; i++)
        sv_boxw_open(&w, sv_fourcc("abcd"));
    CHECK_INT(sv_boxw_finish(&w), SV_EINTERNAL);

    sv_buf_init(&b, 4096);
    sv_boxw_init(&w, &b);
    sv_boxw_open(&w, sv_fourcc("abcd"));
    CHECK_INT(sv_boxw_finish(&w), SV_EINTERNAL);
    sv_buf_release(&b);
}

/* A traf written by hand is read back sample by sample. */
static void
traf_samples(void)
{
    struct sv_buf b = SV_BUF_INIT(4096);
    struct sv_boxw w;
    struct sv_box moof, traf;
    struct sv_box_iter it;
    struct sv_traf_iter ti;
    struct sv_sample s;
    struct sv_trex trex = { 1, 1, 512, 0, 0 };
    size_t off_pos;
    int i;

    sv_boxw_init(&w, &b);
    sv_boxw_open(&w, sv_fourcc("moof"));
    sv_boxw_open(&w, sv_fourcc("traf"));
    sv_boxw_open_full(&w, sv_fourcc("tfhd"), 0,
                      SV_TFHD_DEFAULT_BASE_IS_MOOF | SV_TFHD_DEFAULT_FLAGS);
    sv_boxw_u32(&w, 1);
    sv_boxw_u32(&w, SV_SAMPLE_NON_SYNC);
    sv_boxw_close(&w);
    sv_boxw_open_full(&w, sv_fourcc("tfdt"), 1, 0);
    sv_boxw_u64(&w, 90000);
    sv_boxw_close(&w);
    sv_boxw_open_full(&w, sv_fourcc("trun"), 1, SV_TRUN_DATA_OFFSET |
                      SV_TRUN_FIRST_FLAGS | SV_TRUN_SIZE | SV_TRUN_CTO);
    sv_boxw_u32(&w, 3);
    off_pos = sv_boxw_pos(&w);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, SV_SAMPLE_DEPENDS_NO);
    for (i = 0; i < 3; i++) {
        sv_boxw_u32(&w, 10 + i);
        sv_boxw_u32(&w, (uint32_t)(i == 1 ? -512 : 1024));
    }
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_patch32(&w, off_pos, (uint32_t)b.len + 8);
    CHECK_INT(sv_boxw_finish(&w), 0);

    sv_box_iter_init(&it, b.data, b.len, 500);
    CHECK_INT(sv_box_next(&it, &moof), 1);
    sv_box_iter_children(&it, &moof, 0);
    CHECK_INT(sv_box_next(&it, &traf), 1);
    CHECK_INT(sv_traf_iter_init(&ti, &traf, moof.offset, &trex), 0);
    CHECK_INT(ti.bmdt, 90000);
    CHECK_INT(sv_traf_next(&ti, &s), 1);
    CHECK_INT(s.dts, 90000);
    CHECK_INT(s.size, 10);
    CHECK_INT(s.duration, 512);
    CHECK_INT(s.flags, SV_SAMPLE_DEPENDS_NO);
    CHECK_INT(s.offset, 500 + b.len + 8);
    CHECK_INT(sv_traf_next(&ti, &s), 1);
    CHECK_INT(s.cto, -512);
    CHECK_INT(s.flags, SV_SAMPLE_NON_SYNC);
    CHECK_INT(s.offset, 500 + b.len + 8 + 10);
    CHECK_INT(s.dts, 90512);
    CHECK_INT(sv_traf_next(&ti, &s), 1);
    CHECK_INT(s.size, 12);
    CHECK_INT(sv_traf_next(&ti, &s), 0);
    sv_buf_release(&b);
}

static void
trun_count_past_box(void)
{
    static const uint8_t trun[] = {
        0, 0, 0, 24, 't', 'r', 'u', 'n', 0, 0, 0x02, 0x00,
        0x10, 0, 0, 0,      /* 2^28 samples of 4 bytes in 8 bytes */
        0, 0, 0, 1, 0, 0, 0, 2,
    };
    struct sv_box_iter it;
    struct sv_box box;
    struct sv_trun t;

    sv_box_iter_init(&it, trun, sizeof(trun), 0);
    CHECK_INT(sv_box_next(&it, &box), 1);
    CHECK_INT(sv_trun_parse(&box, &t), SV_EFORMAT);
}

int
main(void)
{
    RUN(nested_round_trip);
    RUN(bad_sizes_are_format_errors);
    RUN(writer_depth_and_cap);
    RUN(traf_samples);
    RUN(trun_count_past_box);
    return DONE();
}
