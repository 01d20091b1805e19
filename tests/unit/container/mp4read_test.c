/* mp4read_test.c -- lib/container/mp4read.c: a progressive MP4 with
 * B-frames and AAC (tests/fuzz/corpus/mp4read/bframes.mp4, made by
 * ffmpeg: 0.5 s of 64x48 at 10 fps, 8 kHz mono), its streams and samples
 * as libavformat gives them; damaged tables */
#include <string.h>

#include "container/mp4read.h"
#include "core/err.h"
#include "t.h"

#define SEED "tests/fuzz/corpus/mp4read/bframes.mp4"

static void
streams_as_libavformat_describes_them(void)
{
    struct sv_mp4read r;
    const struct sv_demux_stream *v, *a;

    CHECK_INT(sv_mp4read_open(&r, SEED), 0);
    CHECK_INT(sv_mp4read_count(&r), 2);
    v = sv_mp4read_stream(&r, 0);
    a = sv_mp4read_stream(&r, 1);
    CHECK_INT(v->kind, SV_KIND_VIDEO);
    CHECK_INT(v->codec, SV_CODEC_H264);
    CHECK_INT(v->id, 1);
    CHECK_INT(v->width, 64);
    CHECK_INT(v->height, 48);
    CHECK_INT(v->tb_den, 10240);
    CHECK_INT(v->fps_num, 10);
    CHECK_INT(v->fps_den, 1);
    CHECK(v->extradata_len > 7 && v->extradata[0] == 1);
    CHECK_INT(a->kind, SV_KIND_AUDIO);
    CHECK_INT(a->codec, SV_CODEC_AAC);
    CHECK_INT(a->sample_rate, 8000);
    CHECK_INT(a->channels, 1);
    CHECK_INT(a->tb_den, 8000);
    /* the AudioSpecificConfig: AAC LC (2), 8 kHz (11), mono */
    CHECK(a->extradata_len >= 2);
    CHECK_INT(a->extradata[0], 2 << 3 | 11 >> 1);
    CHECK_INT(a->extradata[1] & 0xf8, (11 & 1) << 7 | 1 << 3);
    CHECK_STR(a->language, "und");
    CHECK(sv_mp4read_stream(&r, 2) == NULL);
    sv_mp4read_release(&r);
}

static void
samples_in_decode_order_with_the_edit_lists_applied(void)
{
    struct sv_mp4read r;
    struct sv_demux_packet pkt;
    int n[2] = { 0, 0 }, keys = 0;
    int64_t first_pts[2] = { 0, 0 }, first_dts[2] = { 0, 0 }, last[2];
    int64_t vpts_min = INT64_MAX;

    CHECK_INT(sv_mp4read_open(&r, SEED), 0);
    while (sv_mp4read_next(&r, &pkt) == 1) {
        CHECK(pkt.stream == 0 || pkt.stream == 1);
        if (n[pkt.stream] == 0) {
            first_pts[pkt.stream] = pkt.pts;
            first_dts[pkt.stream] = pkt.dts;
        } else {
            CHECK(pkt.dts > last[pkt.stream]);
        }
        last[pkt.stream] = pkt.dts;
        if (pkt.stream == 0) {
            keys += pkt.key;
            if (pkt.pts < vpts_min)
                vpts_min = pkt.pts;
            CHECK_INT(pkt.duration, 1024);
        }
        CHECK(pkt.size > 0 && pkt.own == NULL);
        n[pkt.stream]++;
    }
    /* ffprobe: video dts from -2048, presentation from 0; the audio's
     * priming frame at -1024 */
    CHECK_INT(n[0], 5);
    CHECK_INT(n[1], 5);
    CHECK_INT(keys, 1);
    CHECK_INT(first_dts[0], -2048);
    CHECK_INT(first_pts[0], 0);
    CHECK_INT(vpts_min, 0);
    CHECK_INT(first_pts[1], -1024);
    CHECK_INT(first_dts[1], -1024);
    CHECK_INT(r.bad, 0);
    sv_mp4read_release(&r);
}

static void
refuses_what_it_does_not_take(void)
{
    static const uint8_t junk[64] = "\0\0\0\x10" "free";
    static const uint8_t ftyp_only[16] = "\0\0\0\x10" "ftypisom\0\0\0\0";
    struct sv_mp4read r;

    CHECK_INT(sv_mp4read_init(&r, junk, sizeof(junk)), SV_EFORMAT);
    CHECK_INT(sv_mp4read_init(&r, ftyp_only, sizeof(ftyp_only)),
              SV_EFORMAT);
    CHECK_INT(sv_mp4read_open(&r, "tests/fuzz/corpus/mp4/frag.mp4"),
              SV_ENOMEDIA);
}

int
main(void)
{
    RUN(streams_as_libavformat_describes_them);
    RUN(samples_in_decode_order_with_the_edit_lists_applied);
    RUN(refuses_what_it_does_not_take);
    return DONE();
}
