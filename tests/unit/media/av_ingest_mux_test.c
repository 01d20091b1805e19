/* av_ingest_mux_test.c -- lib/media/av_ingest_mux.c: timestamps it repairs */
#include <stdint.h>

#include "core/buf.h"
#include "media/av_ingest.h"
#include "t.h"

static int
collect(void *ud, const uint8_t *p, size_t len)
{
    return sv_buf_append(ud, p, len);
}

/* AAC-LC, 48 kHz, stereo: an AudioSpecificConfig */
static const uint8_t asc[2] = { 0x11, 0x90 };

static int
write_at(struct sv_av_mux *m, int64_t dts, int64_t pts)
{
    static const uint8_t frame[16] = { 0x21, 0x10, 0x05 };
    struct sv_ingest_pkt p = { SV_TRACK_AUDIO, pts, dts, 1, frame,
                               sizeof(frame) };

    return sv_av_mux_write(m, &p);
}

/*
 * A live encoder (GStreamer's x264enc behind flvmux) repeats a
 * millisecond; the timeline moves it 1 us on, which is the same 90 kHz
 * tick: libavformat refused it with EINVAL and the stream ended.
 */
static void
same_tick_negative_and_backwards_are_repaired(void)
{
    struct sv_ingest_track tracks[SV_TRACKS] = { { 0 } };
    struct sv_buf out = SV_BUF_INIT(1u << 20);
    struct sv_av_mux *m = NULL;

    tracks[SV_TRACK_AUDIO].codec = SV_CODEC_AAC;
    tracks[SV_TRACK_AUDIO].extra = (uint8_t *)asc;
    tracks[SV_TRACK_AUDIO].extra_len = sizeof(asc);
    tracks[SV_TRACK_AUDIO].sample_rate = 48000;
    tracks[SV_TRACK_AUDIO].channels = 2;
    CHECK_INT(sv_av_mux_new(&m, "mpegts", tracks, collect, &out), 0);
    if (m == NULL)
        return;
    CHECK_INT(write_at(m, 1000000, 1000000), 0);
    CHECK_INT(write_at(m, 1000001, 1000001), 0);     /* the same tick */
    CHECK_INT(write_at(m, 1000002, 1000002), 0);
    CHECK_INT(write_at(m, 900000, 900000), 0);       /* backwards */
    CHECK_INT(write_at(m, 1021333, 1000000), 0);     /* pts before dts */
    sv_av_mux_free(m, 1);
    CHECK(out.len > 0);
    sv_buf_release(&out);
}

static void
negative_first_dts_is_repaired(void)
{
    struct sv_ingest_track tracks[SV_TRACKS] = { { 0 } };
    struct sv_buf out = SV_BUF_INIT(1u << 20);
    struct sv_av_mux *m = NULL;

    tracks[SV_TRACK_AUDIO].codec = SV_CODEC_AAC;
    tracks[SV_TRACK_AUDIO].extra = (uint8_t *)asc;
    tracks[SV_TRACK_AUDIO].extra_len = sizeof(asc);
    tracks[SV_TRACK_AUDIO].sample_rate = 48000;
    tracks[SV_TRACK_AUDIO].channels = 2;
    CHECK_INT(sv_av_mux_new(&m, "matroska", tracks, collect, &out), 0);
    if (m == NULL)
        return;
    CHECK_INT(write_at(m, -500000, -500000), 0);
    CHECK_INT(write_at(m, -499990, -499990), 0);     /* the same ms */
    CHECK_INT(write_at(m, 21333, 21333), 0);
    sv_av_mux_free(m, 1);
    CHECK(out.len > 0);
    sv_buf_release(&out);
}

int
main(void)
{
    sv_av_ingest_init();
    RUN(same_tick_negative_and_backwards_are_repaired);
    RUN(negative_first_dts_is_repaired);
    return DONE();
}
