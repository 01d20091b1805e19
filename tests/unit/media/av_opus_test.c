/* av_opus_test.c -- lib/media/av_opus.c: AAC (made here by libavcodec's
 * encoder) to Opus, 20 ms frames on a 48 kHz timeline that decode back to
 * the tone; a gap moves the timeline; bad packets are skipped */
#include <math.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>

#include "core/err.h"
#include "media/av_opus.h"
#include "t.h"

#define RATE 44100
#define SECONDS 2

struct got {
    int n;
    uint32_t first_ts, last_ts;
    int steady;             /* every step was 960 */
    double energy;          /* of the decoded Opus */
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
};

static void
on_opus(void *ud, const uint8_t *p, size_t len, uint32_t ts)
{
    struct got *g = ud;
    int i;

    if (g->n == 0)
        g->first_ts = ts;
    else if (ts - g->last_ts != 960)
        g->steady = 0;
    g->last_ts = ts;
    g->n++;
    if (av_new_packet(g->pkt, (int)len) < 0)
        return;
    memcpy(g->pkt->data, p, len);
    if (avcodec_send_packet(g->dec, g->pkt) == 0)
        while (avcodec_receive_frame(g->dec, g->frame) == 0) {
            const float *s = (const float *)g->frame->data[0];

            if (g->frame->format == AV_SAMPLE_FMT_FLTP)
                for (i = 0; i < g->frame->nb_samples; i++)
                    g->energy += (double)s[i] * s[i];
            av_frame_unref(g->frame);
        }
    av_packet_unref(g->pkt);
}

/* SECONDS of a 440 Hz tone in AAC: packets into pkts (pts in us) */
static int
make_aac(AVCodecContext **out, AVPacket **pkts, int max)
{
    const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_AAC);
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    AVCodecContext *e = avcodec_alloc_context3(c);
    AVFrame *f = av_frame_alloc();
    int n = 0, i, k, ch;
    int64_t t = 0;

    e->sample_rate = RATE;
    e->sample_fmt = AV_SAMPLE_FMT_FLTP;
    e->bit_rate = 64000;
    e->time_base = (AVRational){ 1, RATE };
    e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_channel_layout_copy(&e->ch_layout, &stereo);
    if (avcodec_open2(e, c, NULL) < 0)
        return -1;
    for (k = 0; k <= SECONDS * RATE / 1024; k++) {
        int last = k == SECONDS * RATE / 1024;

        if (!last) {
            f->nb_samples = 1024;
            f->format = AV_SAMPLE_FMT_FLTP;
            f->sample_rate = RATE;
            av_channel_layout_copy(&f->ch_layout, &stereo);
            av_frame_get_buffer(f, 0);
            for (ch = 0; ch < 2; ch++)
                for (i = 0; i < 1024; i++)
                    ((float *)f->data[ch])[i] =
                        0.5f * (float)sin(2 * M_PI * 440 * (t + i) / RATE);
            f->pts = t;
            t += 1024;
        }
        avcodec_send_frame(e, last ? NULL : f);
        av_frame_unref(f);
        while (n < max && avcodec_receive_packet(e, pkts[n]) == 0) {
            pkts[n]->pts = av_rescale(pkts[n]->pts, 1000000, RATE);
            n++;
        }
    }
    av_frame_free(&f);
    *out = e;
    return n;
}

static void
aac_to_opus(void)
{
    AVPacket *pkts[200];
    AVCodecContext *aac = NULL;
    struct sv_ingest_track t;
    struct sv_av_opus *o = NULL;
    struct got g;
    uint64_t dec, enc, bad;
    int n, i;
    static const uint8_t junk[] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };

    for (i = 0; i < 200; i++)
        pkts[i] = av_packet_alloc();
    n = make_aac(&aac, pkts, 200);
    CHECK(n > 80);
    memset(&g, 0, sizeof(g));
    g.steady = 1;
    g.dec = avcodec_alloc_context3(avcodec_find_decoder(AV_CODEC_ID_OPUS));
    g.dec->sample_rate = 48000;
    av_channel_layout_default(&g.dec->ch_layout, 2);
    CHECK_INT(avcodec_open2(g.dec, NULL, NULL), 0);
    g.pkt = av_packet_alloc();
    g.frame = av_frame_alloc();
    memset(&t, 0, sizeof(t));
    t.codec = SV_CODEC_AAC;
    t.extra = aac->extradata;
    t.extra_len = (size_t)aac->extradata_size;
    t.sample_rate = RATE;
    t.channels = 2;
    CHECK_INT(sv_av_opus_new(&o, &t, on_opus, &g), 0);
    if (o == NULL)
        return;
    /* the first half, a packet that does not decode, the second half one
     * second later in the input's time (a gap) */
    for (i = 0; i < n / 2; i++)
        CHECK_INT(sv_av_opus_push(o, pkts[i]->data, (size_t)pkts[i]->size,
                                  pkts[i]->pts), 0);
    CHECK_INT(sv_av_opus_push(o, junk, sizeof(junk), pkts[i]->pts), 0);
    CHECK(g.steady);
    CHECK(g.n > 0);
    for (i = n / 2; i < n; i++)
        CHECK_INT(sv_av_opus_push(o, pkts[i]->data, (size_t)pkts[i]->size,
                                  pkts[i]->pts + 1000000), 0);
    sv_av_opus_counts(o, &dec, &enc, &bad);
    /* about 2 s of 20 ms frames, the timeline moved on by the gap */
    CHECK(g.n >= 90 && g.n <= 101);
    CHECK_INT(enc, g.n);
    CHECK(dec >= (uint64_t)n - 2);
    CHECK(bad >= 1);
    CHECK(!g.steady);
    CHECK(g.last_ts - g.first_ts > 48000 * 2.5);
    CHECK(g.last_ts - g.first_ts < 48000 * 3.2);
    /* a tone, not silence: mean square well above zero */
    CHECK(g.energy / (g.n * 960.0) > 0.01);
    sv_av_opus_free(o);
    avcodec_free_context(&aac);
    avcodec_free_context(&g.dec);
    av_packet_free(&g.pkt);
    av_frame_free(&g.frame);
    for (i = 0; i < 200; i++)
        av_packet_free(&pkts[i]);
}

static void
refuses_what_it_cannot_decode(void)
{
    struct sv_ingest_track t;
    struct sv_av_opus *o = NULL;

    memset(&t, 0, sizeof(t));
    t.codec = SV_CODEC_H264;
    CHECK_INT(sv_av_opus_new(&o, &t, on_opus, NULL), SV_EFORMAT);
    CHECK(o == NULL);
    sv_av_opus_free(NULL);
}

int
main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    RUN(aac_to_opus);
    RUN(refuses_what_it_cannot_decode);
    return DONE();
}
