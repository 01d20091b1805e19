/* pkgcheck_test.c -- lib/stats/pkgcheck.c: reading CMAF init and media
 * segments as the package checker does, and resolving playlist URIs */
#include <stdint.h>

#include "container/box.h"
#include "core/err.h"
#include "stats/pkgcheck.h"
#include "t.h"

static void
make_init(struct sv_buf *b, uint32_t def_dur, uint32_t def_flags)
{
    struct sv_boxw w;

    sv_boxw_init(&w, b);
    sv_boxw_open(&w, SV_FOURCC('m', 'o', 'o', 'v'));
    sv_boxw_open(&w, SV_FOURCC('t', 'r', 'a', 'k'));
    sv_boxw_open(&w, SV_FOURCC('m', 'd', 'i', 'a'));
    sv_boxw_open_full(&w, SV_FOURCC('m', 'd', 'h', 'd'), 0, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 90000);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_close(&w);
    sv_boxw_open_full(&w, SV_FOURCC('h', 'd', 'l', 'r'), 0, 0);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, SV_FOURCC('v', 'i', 'd', 'e'));
    sv_boxw_zeros(&w, 12);
    sv_boxw_cstr(&w, "");
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_open(&w, SV_FOURCC('m', 'v', 'e', 'x'));
    sv_boxw_open_full(&w, SV_FOURCC('t', 'r', 'e', 'x'), 0, 0);
    sv_boxw_u32(&w, 1);
    sv_boxw_u32(&w, 1);
    sv_boxw_u32(&w, def_dur);
    sv_boxw_u32(&w, 0);
    sv_boxw_u32(&w, def_flags);
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    sv_boxw_close(&w);
    CHECK_INT(sv_boxw_finish(&w), 0);
}

/* one moof: tfdt, n samples of dur (0: trex's), first_flags when >= 0 */
static void
make_moof(struct sv_boxw *w, uint64_t tfdt, int n, uint32_t dur,
          int64_t first_flags, int32_t cto)
{
    uint32_t fl = (dur ? 0x100 : 0) | 0x800 | (first_flags >= 0 ? 0x4 : 0);

    sv_boxw_open(w, SV_FOURCC('m', 'o', 'o', 'f'));
    sv_boxw_open(w, SV_FOURCC('t', 'r', 'a', 'f'));
    sv_boxw_open_full(w, SV_FOURCC('t', 'f', 'h', 'd'), 0, 0x20000);
    sv_boxw_u32(w, 1);
    sv_boxw_close(w);
    sv_boxw_open_full(w, SV_FOURCC('t', 'f', 'd', 't'), 1, 0);
    sv_boxw_u64(w, tfdt);
    sv_boxw_close(w);
    sv_boxw_open_full(w, SV_FOURCC('t', 'r', 'u', 'n'), 1, fl);
    sv_boxw_u32(w, (uint32_t)n);
    if (first_flags >= 0)
        sv_boxw_u32(w, (uint32_t)first_flags);
    for (int i = 0; i < n; i++) {
        if (dur)
            sv_boxw_u32(w, dur);
        sv_boxw_u32(w, (uint32_t)cto);
    }
    sv_boxw_close(w);
    sv_boxw_close(w);
    sv_boxw_close(w);
    sv_boxw_open(w, SV_FOURCC('m', 'd', 'a', 't'));
    sv_boxw_zeros(w, 16);
    sv_boxw_close(w);
}

static void
reads_init_and_segment(void)
{
    struct sv_buf ib = SV_BUF_INIT(1 << 20), sb = SV_BUF_INIT(1 << 20);
    struct sv__pkg_init in;
    struct sv__pkg_seg s;
    struct sv_boxw w;

    make_init(&ib, 3000, 0x10000);
    CHECK_INT(sv__pkg_init_parse(&in, ib.data, ib.len), 0);
    CHECK_INT(in.timescale, 90000);
    CHECK_INT(in.video, 1);
    CHECK_INT(in.def_duration, 3000);
    /* two moofs (chunks): the first gives the start, both the length */
    sv_boxw_init(&w, &sb);
    make_moof(&w, 180000, 30, 3000, 0x2000000, -6000);
    make_moof(&w, 270000, 30, 3000, 0x10000, 0);
    CHECK_INT(sv_boxw_finish(&w), 0);
    CHECK_INT(sv__pkg_seg_parse(&s, &in, sb.data, sb.len), 0);
    CHECK_INT(s.tfdt, 180000);
    CHECK_INT(s.duration, 180000);
    CHECK_INT(s.samples, 60);
    CHECK_INT(s.starts_sync, 1);
    CHECK_INT(s.cto, -6000);
    sv_buf_release(&ib);
    sv_buf_release(&sb);
}

static void
defaults_say_not_sync(void)
{
    struct sv_buf ib = SV_BUF_INIT(1 << 20), sb = SV_BUF_INIT(1 << 20);
    struct sv__pkg_init in;
    struct sv__pkg_seg s;
    struct sv_boxw w;

    /* no first_sample_flags, no durations: trex's defaults hold */
    make_init(&ib, 1500, 0x10000);
    CHECK_INT(sv__pkg_init_parse(&in, ib.data, ib.len), 0);
    sv_boxw_init(&w, &sb);
    make_moof(&w, 0, 4, 0, -1, 0);
    CHECK_INT(sv_boxw_finish(&w), 0);
    CHECK_INT(sv__pkg_seg_parse(&s, &in, sb.data, sb.len), 0);
    CHECK_INT(s.duration, 6000);
    CHECK_INT(s.starts_sync, 0);
    sv_buf_release(&ib);
    sv_buf_release(&sb);
}

static void
rejects_truncated_and_foreign(void)
{
    struct sv_buf ib = SV_BUF_INIT(1 << 20), sb = SV_BUF_INIT(1 << 20);
    struct sv__pkg_init in;
    struct sv__pkg_seg s;
    struct sv_boxw w;
    static const uint8_t ts[188] = { 0x47 };

    make_init(&ib, 3000, 0);
    CHECK_INT(sv__pkg_init_parse(&in, ib.data, ib.len), 0);
    CHECK_INT(sv__pkg_init_parse(&in, ib.data, ib.len / 2), SV_EFORMAT);
    CHECK_INT(sv__pkg_init_parse(&in, ib.data, ib.len), 0);
    sv_boxw_init(&w, &sb);
    make_moof(&w, 0, 30, 3000, 0, 0);
    CHECK_INT(sv_boxw_finish(&w), 0);
    /* cut inside the trun */
    CHECK_INT(sv__pkg_seg_parse(&s, &in, sb.data, 60), SV_EFORMAT);
    CHECK_INT(sv__pkg_seg_parse(&s, &in, ts, sizeof(ts)), SV_EFORMAT);
    sv_buf_release(&ib);
    sv_buf_release(&sb);
}

static void
resolves_uris(void)
{
    char out[256];

    sv__pkg_resolve("http://h:8/a/b.m3u8", "seg-1.m4s", out, sizeof(out));
    CHECK_STR(out, "http://h:8/a/seg-1.m4s");
    sv__pkg_resolve("http://h:8/a/b.m3u8", "/x/y.m4s", out, sizeof(out));
    CHECK_STR(out, "http://h:8/x/y.m4s");
    sv__pkg_resolve("http://h/a/b.m3u8", "https://c/d", out, sizeof(out));
    CHECK_STR(out, "https://c/d");
    sv__pkg_resolve("pkg/master.m3u8", "v0.m3u8", out, sizeof(out));
    CHECK_STR(out, "pkg/v0.m3u8");
    sv__pkg_resolve("master.m3u8", "v0/seg-1.m4s", out, sizeof(out));
    CHECK_STR(out, "v0/seg-1.m4s");
}

int
main(void)
{
    RUN(reads_init_and_segment);
    RUN(defaults_say_not_sync);
    RUN(rejects_truncated_and_foreign);
    RUN(resolves_uris);
    return DONE();
}
