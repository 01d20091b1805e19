/* mp4read_test.c -- lib/container/mp4read.c: a progressive MP4 with
 * B-frames and AAC (tests/fuzz/corpus/mp4read/bframes.mp4, made by
 * ffmpeg: 0.5 s of 64x48 at 10 fps, 8 kHz mono), its streams and samples
 * as libavformat gives them; damaged tables; fragmented files (frag.mp4:
 * ffmpeg's frag_keyframe+empty_moov; cmaf.mp4: bframes.mp4 remuxed with
 * +cmaf+separate_moof, a moof per track and 0.2 s) and a cut one; the
 * samples through a ring of a page while the consumer holds some; a tfdt
 * past any time */
#include <stdio.h>
#include <stdlib.h>
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
}

/* every packet of a file: counts, keys, the first times, dts steps */
struct tally {
    int n[2], keys[2];
    int64_t first_pts[2], first_dts[2], last_dts[2], min_pts[2];
    int64_t last_dur[2];
    int ordered;
};

static void
tally(struct sv_mp4read *r, struct tally *t)
{
    struct sv_demux_packet pkt;
    int s;

    memset(t, 0, sizeof(*t));
    t->ordered = 1;
    t->min_pts[0] = t->min_pts[1] = INT64_MAX;
    while (sv_mp4read_next(r, &pkt) == 1) {
        s = pkt.stream;
        CHECK(s == 0 || s == 1);
        if (s != 0 && s != 1)
            return;
        if (t->n[s] == 0) {
            t->first_pts[s] = pkt.pts;
            t->first_dts[s] = pkt.dts;
        } else if (pkt.dts != t->last_dts[s] + t->last_dur[s]) {
            t->ordered = 0;
        }
        t->last_dts[s] = pkt.dts;
        t->last_dur[s] = pkt.duration;
        if (pkt.pts < t->min_pts[s])
            t->min_pts[s] = pkt.pts;
        t->keys[s] += pkt.key;
        CHECK(pkt.size > 0 && pkt.own == NULL);
        t->n[s]++;
    }
}

static void
fragments_as_libavformat_reads_them(void)
{
    struct sv_mp4read r;
    const struct sv_demux_stream *v;
    struct tally t;

    CHECK_INT(sv_mp4read_open(&r, "tests/fuzz/corpus/mp4read/frag.mp4"),
              0);
    CHECK_INT(r.fragmented, 1);
    CHECK_INT(sv_mp4read_count(&r), 2);
    v = sv_mp4read_stream(&r, 0);
    CHECK_INT(v->codec, SV_CODEC_H264);
    CHECK_INT(v->tb_den, 10240);
    /* the moov has no samples: the rate is the fragments' */
    CHECK_INT(v->fps_num, 10);
    CHECK_INT(v->fps_den, 1);
    CHECK_INT(sv_mp4read_stream(&r, 1)->codec, SV_CODEC_AAC);
    tally(&r, &t);
    /* ffprobe: 5 video packets, one key, from 0; 23 audio from 0, the
     * last 546 long */
    CHECK_INT(t.n[0], 5);
    CHECK_INT(t.n[1], 23);
    CHECK_INT(t.keys[0], 1);
    CHECK_INT(t.keys[1], 23);
    CHECK_INT(t.first_dts[0], 0);
    CHECK_INT(t.first_pts[1], 0);
    CHECK_INT(t.last_dts[0], 4334);
    CHECK_INT(t.last_dts[1], 22528);
    CHECK_INT(t.last_dur[1], 546);
    CHECK_INT(t.ordered, 1);
    CHECK_INT(r.bad, 0);
    sv_mp4read_release(&r);
}

static void
cmaf_with_negative_composition_offsets(void)
{
    struct sv_mp4read r;
    struct tally t;

    CHECK_INT(sv_mp4read_open(&r, "tests/fuzz/corpus/mp4read/cmaf.mp4"),
              0);
    tally(&r, &t);
    CHECK_INT(t.n[0], 5);
    CHECK_INT(t.n[1], 5);
    CHECK_INT(t.keys[0], 1);
    /* trun version 1: the first frame shows at its decode time, the
     * B-frames before theirs (libavformat shifts them all by 1024) */
    CHECK_INT(t.first_dts[0], 0);
    CHECK_INT(t.first_pts[0], 0);
    CHECK_INT(t.min_pts[0], 0);
    CHECK_INT(t.last_dts[0], 4096);
    CHECK_INT(t.first_pts[1], 0);
    CHECK_INT(t.last_dts[1], 4096);
    CHECK_INT(t.ordered, 1);
    CHECK_INT(r.bad, 0);
    sv_mp4read_release(&r);
}

static void
a_cut_fragmented_file_gives_what_it_holds(void)
{
    struct sv_mp4read r;
    struct tally t, whole;
    uint8_t *buf;
    size_t len, cut;
    FILE *f;

    f = fopen("tests/fuzz/corpus/mp4read/frag.mp4", "rb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    buf = malloc(1 << 16);
    len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    CHECK_INT(sv_mp4read_init(&r, buf, len), 0);
    tally(&r, &whole);
    sv_mp4read_release(&r);
    /* cut inside the media: the samples past the end are counted bad,
     * the rest read; cut inside a moof: the fragments before it */
    for (cut = len * 3 / 4; cut > len / 2; cut -= 997) {
        CHECK_INT(sv_mp4read_init(&r, buf, cut), 0);
        tally(&r, &t);
        CHECK(t.n[0] + t.n[1] + (int)r.bad <= whole.n[0] + whole.n[1]);
        CHECK(t.n[0] + t.n[1] < whole.n[0] + whole.n[1]);
        CHECK(t.n[0] + t.n[1] > 0);
        sv_mp4read_release(&r);
    }
    free(buf);
}

/* the file's bytes, whole */
static uint8_t *
slurp(const char *path, size_t *len)
{
    uint8_t *buf = malloc(1 << 16);
    FILE *f = fopen(path, "rb");

    CHECK(f != NULL && buf != NULL);
    if (f == NULL || buf == NULL) {
        if (f != NULL)
            fclose(f);
        free(buf);
        return NULL;
    }
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

#define KEEP 4

/* A ring of one page: every sample's bytes as the file has them, the
 * ones the consumer holds never written over; those it cannot take come
 * as buffers of their own */
static void
ring_of_a_page(const char *path)
{
    struct sv_mp4read r, m;
    struct sv_demux_packet pkt, ref;
    const uint8_t *kept[2][KEEP];
    uint8_t copy[2][KEEP][4096];
    size_t klen[2][KEEP], len = 0;
    int nk[2] = { 0, 0 }, stable = 0, own = 0, s, i, rc;
    uint8_t *buf = slurp(path, &len);

    if (buf == NULL)
        return;
    CHECK_INT(sv_mp4read_init(&m, buf, len), 0);
    CHECK_INT(sv_mp4read_open_ring(&r, path, 4096), 0);
    CHECK(r.ring != NULL && r.ring_cap == 4096);
    for (;;) {
        /* the consumer keeps the last KEEP stable samples of each track */
        sv_mp4read_hold(&r, NULL);
        for (s = 0; s < 2; s++)
            if (nk[s] > 0)
                sv_mp4read_hold(&r, kept[s][0]);
        rc = sv_mp4read_next(&r, &pkt);
        CHECK_INT(sv_mp4read_next(&m, &ref), rc);
        if (rc != 1)
            break;
        CHECK_INT(pkt.stream, ref.stream);
        CHECK_INT(pkt.size, ref.size);
        CHECK(pkt.dts == ref.dts && pkt.pts == ref.pts);
        CHECK(memcmp(pkt.data, ref.data, ref.size) == 0);
        s = pkt.stream;
        if (s < 0 || s > 1 || pkt.size > 4096)
            break;
        if (!pkt.stable) {
            CHECK(pkt.own != NULL && pkt.own->data == pkt.data);
            own++;
            continue;
        }
        stable++;
        if (nk[s] == KEEP) {
            memmove(kept[s], kept[s] + 1, (KEEP - 1) * sizeof(kept[s][0]));
            memmove(copy[s], copy[s] + 1, (KEEP - 1) * sizeof(copy[s][0]));
            memmove(klen[s], klen[s] + 1, (KEEP - 1) * sizeof(klen[s][0]));
            nk[s]--;
        }
        kept[s][nk[s]] = pkt.data;
        klen[s][nk[s]] = pkt.size;
        memcpy(copy[s][nk[s]], pkt.data, pkt.size);
        nk[s]++;
        /* what is held is as it was */
        for (s = 0; s < 2; s++)
            for (i = 0; i < nk[s]; i++)
                CHECK(memcmp(kept[s][i], copy[s][i], klen[s][i]) == 0);
    }
    /* both ways were taken */
    CHECK(stable > 0);
    CHECK(own > 0);
    CHECK_INT(r.spilled, own);
    CHECK_INT(r.bad, m.bad);
    sv_mp4read_release(&r);
    sv_mp4read_release(&m);
    free(buf);
}

static void
samples_through_a_ring_of_a_page(void)
{
    ring_of_a_page(SEED);
    ring_of_a_page("tests/fuzz/corpus/mp4read/frag.mp4");
    ring_of_a_page("tests/fuzz/corpus/mp4read/cmaf.mp4");
}

/* a tfdt of 2^63 and more is no time: those samples are counted bad, the
 * times handed out stay where shifts and offsets cannot overflow */
static void
a_tfdt_past_any_time_is_damage(void)
{
    static const uint8_t big[8] = { 0x80, 0, 0, 0, 0, 0, 0x12, 0x34 };
    struct sv_mp4read r;
    struct sv_demux_packet pkt;
    struct tally whole;
    size_t len = 0, i;
    int n = 0, patched = 0;
    uint8_t *buf = slurp("tests/fuzz/corpus/mp4read/frag.mp4", &len);

    if (buf == NULL)
        return;
    CHECK_INT(sv_mp4read_init(&r, buf, len), 0);
    tally(&r, &whole);
    sv_mp4read_release(&r);
    /* every version 1 tfdt: its 64-bit time */
    for (i = 0; i + 20 <= len; i++)
        if (memcmp(buf + i + 4, "tfdt\1", 5) == 0) {
            memcpy(buf + i + 12, big, 8);
            patched++;
        }
    CHECK(patched > 0);
    CHECK_INT(sv_mp4read_init(&r, buf, len), 0);
    while (sv_mp4read_next(&r, &pkt) == 1) {
        CHECK(pkt.dts > -((int64_t)1 << 62) && pkt.dts < (int64_t)1 << 62);
        CHECK(pkt.pts > -((int64_t)1 << 62) && pkt.pts < (int64_t)1 << 62);
        n++;
    }
    /* the moov's samples, if any, still come; the fragments' do not */
    CHECK(r.bad > 0);
    CHECK(n < whole.n[0] + whole.n[1]);
    CHECK_INT(n + (int)r.bad, whole.n[0] + whole.n[1]);
    sv_mp4read_release(&r);
    free(buf);
}

int
main(void)
{
    RUN(streams_as_libavformat_describes_them);
    RUN(samples_in_decode_order_with_the_edit_lists_applied);
    RUN(refuses_what_it_does_not_take);
    RUN(fragments_as_libavformat_reads_them);
    RUN(cmaf_with_negative_composition_offsets);
    RUN(a_cut_fragmented_file_gives_what_it_holds);
    RUN(samples_through_a_ring_of_a_page);
    RUN(a_tfdt_past_any_time_is_damage);
    return DONE();
}
