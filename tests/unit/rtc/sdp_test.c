/* sdp_test.c -- lib/rtc/sdp.c: a Chromium-shaped offer, answers, refusals */
#include <errno.h>

#include "core/err.h"
#include "rtc/sdp.h"
#include "t.h"

/* trimmed from what Chromium 156 offers for a sendonly H.264 + Opus
 * publish: VP8 first, two H.264 profiles, RTX, session-level BUNDLE */
static const char offer[] =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 106\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1 1 udp 2113937151 127.0.0.1 50123 typ host\r\n"
    "a=ice-ufrag:Ab1c\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=sendonly\r\n"
    "a=msid:- 1f3c\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;"
    "profile-level-id=42001f\r\n"
    "a=rtpmap:103 H264/90000\r\n"
    "a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=1;"
    "profile-level-id=640c1f\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=rtcp-fb:106 ccm fir\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;"
    "profile-level-id=42e01f\r\n"
    "a=ssrc:1111 cname:x\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab1c\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=sendonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=ssrc:2222 cname:x\r\n";

static void
parses_chromium_offer(void)
{
    struct sv_sdp d;

    CHECK_INT(sv_sdp_parse(offer, sizeof(offer) - 1, &d), 0);
    CHECK_INT(d.nmedia, 2);
    CHECK_STR(d.bundle, "0 1");
    CHECK_INT(d.m[0].kind, SV_SDP_VIDEO);
    CHECK_STR(d.m[0].mid, "0");
    CHECK_STR(d.m[0].ufrag, "Ab1c");
    CHECK_STR(d.m[0].fp_alg, "sha-256");
    CHECK_STR(d.m[0].setup, "actpass");
    CHECK_INT(d.m[0].dir, SV_SDP_SENDONLY);
    CHECK(d.m[0].rtcp_mux && d.m[0].rtcp_rsize);
    CHECK_INT(d.m[0].ncodecs, 5);
    CHECK_INT(d.m[0].ssrc, 1111);
    CHECK_STR(d.m[0].codecs[2].name, "H264");
    CHECK_INT(d.m[0].codecs[2].fb, SV_SDP_FB_REMB | SV_SDP_FB_TWCC |
              SV_SDP_FB_FIR | SV_SDP_FB_NACK | SV_SDP_FB_PLI);
    CHECK_INT(d.m[1].kind, SV_SDP_AUDIO);
    CHECK_INT(d.m[1].codecs[0].channels, 2);
    CHECK_STR(d.m[1].codecs[0].fmtp, "minptime=10;useinbandfec=1");
}

static void
chooses_h264_mode1_baseline_and_opus(void)
{
    struct sv_sdp d;
    char v[16];

    CHECK_INT(sv_sdp_parse(offer, sizeof(offer) - 1, &d), 0);
    CHECK_INT(sv_sdp_choose(&d), 2);
    /* mode 0 is refused, 42e01f beats High */
    CHECK_INT(d.m[0].codecs[d.m[0].chosen].pt, 106);
    CHECK_INT(d.m[0].codec, SV_SDP_H264);
    CHECK_INT(d.m[1].codecs[d.m[1].chosen].pt, 111);
    CHECK_INT(sv_sdp_fmtp_get("a=1; packetization-mode=1", "packetization-mode",
                              v, sizeof(v)), 0);
    CHECK_STR(v, "1");
    CHECK_INT(sv_sdp_fmtp_get("a=1", "b", v, sizeof(v)), -ENOENT);
}

static void
takes_high_when_alone(void)
{
    static const char o[] =
        "v=0\nm=video 9 UDP/TLS/RTP/SAVPF 100\na=mid:v\na=rtcp-mux\n"
        "a=rtpmap:100 H264/90000\n"
        "a=fmtp:100 packetization-mode=1;profile-level-id=640028\n";
    struct sv_sdp d;

    CHECK_INT(sv_sdp_parse(o, sizeof(o) - 1, &d), 0);
    CHECK_INT(sv_sdp_choose(&d), 1);
    CHECK_INT(d.m[0].codecs[d.m[0].chosen].pt, 100);
}

static void
builds_ice_lite_answer(void)
{
    static const char *const cands[] = { "127.0.0.1" };
    struct sv_sdp_answer_conf c = { "uf", "pw", "AB:CD", cands, 1, 8443,
                                    SV_SDP_RECVONLY, 7 };
    struct sv_sdp d;
    char out[4096];
    int n;

    CHECK_INT(sv_sdp_parse(offer, sizeof(offer) - 1, &d), 0);
    sv_sdp_choose(&d);
    n = sv_sdp_answer(&d, &c, out, sizeof(out));
    CHECK(n > 0);
    CHECK(strstr(out, "a=ice-lite\r\n") != NULL);
    CHECK(strstr(out, "a=group:BUNDLE 0 1\r\n") != NULL);
    CHECK(strstr(out, "m=video 9 UDP/TLS/RTP/SAVPF 106\r\n") != NULL);
    CHECK(strstr(out, "a=fmtp:106 level-asymmetry-allowed=1;"
                 "packetization-mode=1;profile-level-id=42e01f\r\n") != NULL);
    CHECK(strstr(out, "a=rtcp-fb:106 nack pli\r\n") != NULL);
    CHECK(strstr(out, "a=rtcp-fb:106 ccm fir\r\n") != NULL);
    CHECK(strstr(out, "a=rtcp-fb:106 goog-remb\r\n") == NULL);
    CHECK(strstr(out, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") != NULL);
    CHECK(strstr(out, "a=rtpmap:111 opus/48000/2\r\n") != NULL);
    CHECK(strstr(out, "a=setup:passive\r\n") != NULL);
    CHECK(strstr(out, "a=recvonly\r\n") != NULL);
    CHECK(strstr(out, "a=candidate:1 1 udp 2130706431 127.0.0.1 8443 typ "
                 "host\r\n") != NULL);
    CHECK_INT(sv_sdp_answer(&d, &c, out, 200), SV_ELIMIT);
}

static void
builds_sendonly_answer_with_ssrcs(void)
{
    static const char *const cands[] = { "127.0.0.1" };
    static const uint32_t ssrcs[SV_SDP_MAX_MEDIA] = { 4242, 0 };
    struct sv_sdp_answer_conf c = { "uf", "pw", "AB:CD", cands, 1, 8443,
                                    SV_SDP_SENDONLY, 7, ssrcs };
    struct sv_sdp d;
    char out[4096];

    CHECK_INT(sv_sdp_parse(offer, sizeof(offer) - 1, &d), 0);
    sv_sdp_choose(&d);
    CHECK(sv_sdp_answer(&d, &c, out, sizeof(out)) > 0);
    CHECK(strstr(out, "a=sendonly\r\n") != NULL);
    CHECK(strstr(out, "a=recvonly\r\n") == NULL);
    CHECK(strstr(out, "a=msid:sv video\r\na=ssrc:4242 cname:sv\r\n"
                 "a=ssrc:4242 msid:sv video\r\n") != NULL);
    /* no SSRC for the audio: no a=ssrc there */
    CHECK(strstr(strstr(out, "m=audio"), "a=ssrc:") == NULL);
}

/* webrtcbin's max-bundle: the second m-line has port 0 and bundle-only */
static void
takes_bundle_only(void)
{
    static const char o[] =
        "v=0\r\na=group:BUNDLE v a\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\na=rtcp-mux\r\n"
        "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
        "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=bundle-only\r\n"
        "a=rtcp-mux\r\na=rtpmap:111 OPUS/48000/2\r\n"
        "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:x\r\na=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\n";
    struct sv_sdp d;

    CHECK_INT(sv_sdp_parse(o, sizeof(o) - 1, &d), 0);
    CHECK(d.m[1].bundle_only);
    CHECK_INT(sv_sdp_choose(&d), 2);
    CHECK_INT(d.m[1].codec, SV_SDP_OPUS);
    CHECK_INT(d.m[2].chosen, -1);   /* port 0 alone: refused */
}

static void
refuses(void)
{
    static const char vp8[] =
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtcp-mux\r\n"
        "a=rtpmap:96 VP8/90000\r\n";
    static const char nomux[] =
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "a=rtpmap:111 opus/48000/2\r\n";
    struct sv_sdp d;
    char out[2048];
    static const char *const cands[] = { "127.0.0.1" };
    struct sv_sdp_answer_conf c = { "uf", "pw", "AB", cands, 1, 9,
                                    SV_SDP_RECVONLY, 1 };

    CHECK_INT(sv_sdp_parse("hello", 5, &d), SV_EFORMAT);
    CHECK_INT(sv_sdp_parse("v=0\r\nm=video\r\n", 14, &d), SV_EFORMAT);
    CHECK_INT(sv_sdp_parse(vp8, sizeof(vp8) - 1, &d), 0);
    CHECK_INT(sv_sdp_choose(&d), 0);
    CHECK(sv_sdp_answer(&d, &c, out, sizeof(out)) > 0);
    CHECK(strstr(out, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n") != NULL);
    CHECK_INT(sv_sdp_parse(nomux, sizeof(nomux) - 1, &d), 0);
    CHECK_INT(sv_sdp_choose(&d), 0);
}

static void
names_codecs(void)
{
    static const char vp8[] =
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97 98 99 100 101\r\n"
        "a=rtpmap:97 VP8/90000\r\na=rtpmap:98 rtx/90000\r\n"
        "a=rtpmap:99 VP9/90000\r\na=rtpmap:100 vp8/90000\r\n"
        "a=rtpmap:101 ulpfec/90000\r\n";
    struct sv_sdp d;
    char out[64], small[6];

    CHECK_INT(sv_sdp_parse(offer, sizeof(offer) - 1, &d), 0);
    sv_sdp_codec_names(&d.m[0], out, sizeof(out));
    CHECK_STR(out, "VP8, H264");
    sv_sdp_codec_names(&d.m[1], out, sizeof(out));
    CHECK_STR(out, "opus, G722");
    CHECK_INT(sv_sdp_parse(vp8, sizeof(vp8) - 1, &d), 0);
    sv_sdp_codec_names(&d.m[0], out, sizeof(out));
    CHECK_STR(out, "VP8, VP9");
    /* cut at a whole name when it does not fit */
    sv_sdp_codec_names(&d.m[0], small, sizeof(small));
    CHECK_STR(small, "VP8");
    d.m[0].ncodecs = 0;
    sv_sdp_codec_names(&d.m[0], out, sizeof(out));
    CHECK_STR(out, "");
}

/* the client role: our offer is one the server side takes, and the
 * answer's host candidate comes back out of it */
static void
offer_round_trips_through_answer(void)
{
    struct sv_sdp_offer_conf oc = { "vuf", "vpw", "AB:CD", SV_SDP_RECVONLY,
                                    1, 7 };
    static const char *const cands[] = { "127.0.0.1", "10.0.0.2" };
    struct sv_sdp_answer_conf ac = { "suf", "spw", "EF:01", cands, 2, 40001,
                                     SV_SDP_SENDONLY, 9 };
    static struct sv_sdp d, a;
    char off[2048], ans[4096], tiny[64];
    int n;

    n = sv_sdp_offer(&oc, off, sizeof(off));
    CHECK(n > 0);
    CHECK_INT(strlen(off), n);
    CHECK_INT(sv_sdp_offer(&oc, tiny, sizeof(tiny)), SV_ELIMIT);
    CHECK_INT(sv_sdp_parse(off, (size_t)n, &d), 0);
    CHECK_INT(d.nmedia, 2);
    CHECK_STR(d.bundle, "0 1");
    CHECK_INT(d.m[0].dir, SV_SDP_RECVONLY);
    CHECK_STR(d.m[0].setup, "actpass");
    CHECK_STR(d.m[0].ufrag, "vuf");
    CHECK_STR(d.m[1].fp, "AB:CD");
    CHECK_INT(d.m[0].cand_port, 0);
    CHECK_INT(sv_sdp_choose(&d), 2);
    CHECK_INT(d.m[0].codec, SV_SDP_H264);
    CHECK_INT(d.m[0].codecs[d.m[0].chosen].pt, 106);
    CHECK(d.m[0].codecs[d.m[0].chosen].fb & SV_SDP_FB_PLI);
    CHECK_INT(d.m[1].codecs[d.m[1].chosen].pt, 111);
    n = sv_sdp_answer(&d, &ac, ans, sizeof(ans));
    CHECK(n > 0);
    CHECK_INT(sv_sdp_parse(ans, (size_t)n, &a), 0);
    CHECK_STR(a.m[0].cand_addr, "127.0.0.1");
    CHECK_INT(a.m[0].cand_port, 40001);
    CHECK_STR(a.m[1].cand_addr, "127.0.0.1");
    CHECK_STR(a.m[0].pwd, "spw");
    CHECK_STR(a.m[0].setup, "passive");
    /* the client role answers an offer as the DTLS client */
    ac.setup = "active";
    ac.dir = SV_SDP_RECVONLY;
    n = sv_sdp_answer(&d, &ac, ans, sizeof(ans));
    CHECK_INT(sv_sdp_parse(ans, (size_t)n, &a), 0);
    CHECK_STR(a.m[0].setup, "active");
    CHECK_STR(a.m[1].setup, "active");
    CHECK_INT(a.m[0].dir, SV_SDP_RECVONLY);
    /* video only */
    oc.audio = 0;
    n = sv_sdp_offer(&oc, off, sizeof(off));
    CHECK_INT(sv_sdp_parse(off, (size_t)n, &d), 0);
    CHECK_INT(d.nmedia, 1);
    CHECK_STR(d.bundle, "0");
}

/* a=candidate: only UDP of component 1, the first of them */
static void
keeps_first_udp_rtp_candidate(void)
{
    static const char sdp[] =
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 106\r\n"
        "a=candidate:1 1 tcp 2105524479 10.0.0.9 9 typ host tcptype "
        "active\r\n"
        "a=candidate:2 2 udp 2113937150 10.0.0.8 5002 typ host\r\n"
        "a=candidate:3 1 udp 99999 bogus\r\n"
        "a=candidate:4 1 UDP 2113937151 192.168.1.4 5000 typ host\r\n"
        "a=candidate:5 1 udp 2113937151 192.168.1.5 5001 typ host\r\n";
    static struct sv_sdp d;

    CHECK_INT(sv_sdp_parse(sdp, sizeof(sdp) - 1, &d), 0);
    CHECK_STR(d.m[0].cand_addr, "192.168.1.4");
    CHECK_INT(d.m[0].cand_port, 5000);
}

int
main(void)
{
    RUN(parses_chromium_offer);
    RUN(chooses_h264_mode1_baseline_and_opus);
    RUN(takes_high_when_alone);
    RUN(builds_ice_lite_answer);
    RUN(builds_sendonly_answer_with_ssrcs);
    RUN(takes_bundle_only);
    RUN(refuses);
    RUN(names_codecs);
    RUN(offer_round_trips_through_answer);
    RUN(keeps_first_udp_rtp_candidate);
    return DONE();
}
