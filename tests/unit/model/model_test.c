/* model_test.c -- lib/model/model.c, hls.c, dash.c: the package model and
 * the playlist and MPD rules rendered from it */
#include <string.h>

#include "core/err.h"
#include "model/model.h"
#include "t.h"

static struct sv_model_rend *
rend(struct sv_model *m, const char *id, int video)
{
    struct sv_model_rend *r = &m->r[m->nrend++];

    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof(r->id), "%s", id);
    r->video = video;
    r->timescale = video ? 90000 : 48000;
    r->cur_number = 1;
    snprintf(r->group, sizeof(r->group), "audio");
    if (video) {
        snprintf(r->codecs, sizeof(r->codecs), "avc1.64001f");
        r->width = 1280;
        r->height = 720;
        r->fps = 30;
    } else {
        snprintf(r->codecs, sizeof(r->codecs), "mp4a.40.2");
        r->channels = 2;
        r->sample_rate = 48000;
        snprintf(r->lang, sizeof(r->lang), "eng");
        r->is_default = 1;
    }
    return r;
}

/* Adds a segment of secs seconds and bytes bytes after the last one. */
static void
seg(struct sv_model_rend *r, double secs, uint64_t bytes, int disc)
{
    struct sv_model_seg s;

    memset(&s, 0, sizeof(s));
    s.number = r->nseg > 0 ? r->seg[r->nseg - 1].number + 1 : r->cur_number;
    s.start = r->nseg > 0 ? r->seg[r->nseg - 1].start +
              r->seg[r->nseg - 1].duration : 0;
    s.duration = (uint32_t)(secs * r->timescale + 0.5);
    s.size = bytes;
    s.discontinuity = disc;
    CHECK_INT(sv_model_add_segment(r, &s), 0);
    r->cur_number = s.number + 1;
}

static void
model(struct sv_model *m, struct sv_model_rend *store)
{
    memset(m, 0, sizeof(*m));
    m->r = store;
    m->seg_dur = 4;
    m->hls = m->dash = 1;
    rend(m, "v0", 1);
    rend(m, "a0", 0);
    seg(&m->r[0], 4, 1000000, 0);      /* 2 Mbit/s */
    seg(&m->r[0], 4, 1500000, 0);      /* 3 Mbit/s: the peak */
    seg(&m->r[0], 2, 250000, 0);       /* 1 Mbit/s */
    seg(&m->r[1], 4, 64000, 0);
    seg(&m->r[1], 4, 64000, 0);
    seg(&m->r[1], 2, 32000, 0);
    sv_model_update_target(m);
}

static int
has(const struct sv_buf *b, const char *line)
{
    char *s = strndup((const char *)b->data, b->len);
    int found = strstr(s, line) != NULL;

    if (!found)
        printf("#   missing: %s\n", line);
    free(s);
    return found;
}

static int
lacks(const struct sv_buf *b, const char *what)
{
    char *s = strndup((const char *)b->data, b->len);
    int found = strstr(s, what) != NULL;

    free(s);
    return !found;
}

static void
release(struct sv_model *m)
{
    int i;
    size_t j;

    for (i = 0; i < m->nrend; i++) {
        for (j = 0; j < m->r[i].nseg; j++)
            free(m->r[i].seg[j].parts);
        free(m->r[i].seg);
    }
    free(m->disc);
}

static void
bandwidth_from_segments(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];

    model(&m, r);
    CHECK_INT(sv_model_peak(&r[0]), 3000000);
    CHECK_INT(sv_model_average(&r[0]), 2200000);   /* 2.75 MB in 10 s */
    CHECK_INT(sv_model_peak(&r[1]), 128000);
    release(&m);
}

static void
master_playlist(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);

    model(&m, r);
    CHECK_INT(sv_hls_master(&m, &b), 0);
    CHECK(has(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"));
    CHECK(has(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"a0\","
              "LANGUAGE=\"eng\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\","
              "URI=\"a0.m3u8\"\n"));
    CHECK(has(&b, "#EXT-X-STREAM-INF:BANDWIDTH=3128000,"
              "AVERAGE-BANDWIDTH=2328000,CODECS=\"avc1.64001f,mp4a.40.2\","
              "RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"audio\"\n"
              "v0.m3u8\n"));
    sv_buf_release(&b);
    release(&m);
}

static void
target_duration_rounds(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];

    model(&m, r);
    CHECK_INT(m.target, 4);
    seg(&r[0], 4.4, 1000, 0);           /* rounds to 4 */
    sv_model_update_target(&m);
    CHECK_INT(m.target, 4);
    seg(&r[0], 4.6, 1000, 0);           /* rounds to 5 */
    sv_model_update_target(&m);
    CHECK_INT(m.target, 5);
    seg(&r[0], 1, 1000, 0);             /* never goes back down */
    sv_model_update_target(&m);
    CHECK_INT(m.target, 5);
    release(&m);
}

static void
vod_media_playlist(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);

    model(&m, r);
    CHECK_INT(sv_hls_media(&m, 0, &b), 0);
    CHECK(has(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n"
              "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"v0/init.mp4\"\n"
              "#EXTINF:4.00000,\nv0/seg-1.m4s\n"));
    CHECK(has(&b, "#EXTINF:2.00000,\nv0/seg-3.m4s\n#EXT-X-ENDLIST\n"));
    CHECK(lacks(&b, "DISCONTINUITY"));
    sv_buf_release(&b);
    release(&m);
}

/* A live window slides: media sequence and discontinuity sequence move. */
static void
live_window_sequences(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    int i;

    model(&m, r);
    m.live = 1;
    m.ast_ms = 1700000000000LL;
    seg(&r[0], 4, 1000, 1);             /* segment 4 follows a reset */
    for (i = 0; i < 4; i++)
        seg(&r[0], 4, 1000, 0);         /* 5..8 */
    r[0].seg[5].pdt_ms = m.ast_ms + 26000;
    sv_model_slide(&r[0], 12, NULL, NULL);
    CHECK_INT(r[0].nseg, 3);            /* 6, 7, 8 */
    CHECK_INT(r[0].seg[0].number, 6);
    CHECK_INT(r[0].disc_seq, 1);
    CHECK_INT(sv_hls_media(&m, 0, &b), 0);
    CHECK(has(&b, "#EXT-X-MEDIA-SEQUENCE:6\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n"));
    CHECK(lacks(&b, "#EXT-X-ENDLIST"));
    CHECK(lacks(&b, "PLAYLIST-TYPE"));
    sv_buf_reset(&b);
    /* the window never empties */
    sv_model_slide(&r[0], 0.5, NULL, NULL);
    CHECK_INT(r[0].nseg, 1);
    CHECK_INT(r[0].seg[0].number, 8);
    sv_buf_release(&b);
    release(&m);
}

static void
ll_hls_parts_and_reports(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    int i;

    model(&m, r);
    m.live = 1;
    m.ll_hls = 1;
    m.part_dur = m.part_target = 0.5;
    for (i = 0; i < 3; i++) {           /* segment 4 in progress */
        r[0].cur[i].duration = 45000;
        r[0].cur[i].size = 100;
        r[0].cur[i].independent = i == 0;
    }
    r[0].ncur = 3;
    r[0].cur_number = 4;
    r[1].cur[0].duration = 24000;
    r[1].ncur = 1;
    r[1].cur_number = 4;
    CHECK_INT(sv_hls_media(&m, 0, &b), 0);
    CHECK(has(&b, "#EXT-X-VERSION:9\n"));
    CHECK(has(&b, "#EXT-X-PART-INF:PART-TARGET=0.50000\n"
              "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
              "PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=24.0\n"));
    CHECK(has(&b, "v0/seg-3.m4s\n"
              "#EXT-X-PART:DURATION=0.50000,URI=\"v0/seg-4.0.m4s\","
              "INDEPENDENT=YES\n"
              "#EXT-X-PART:DURATION=0.50000,URI=\"v0/seg-4.1.m4s\"\n"
              "#EXT-X-PART:DURATION=0.50000,URI=\"v0/seg-4.2.m4s\"\n"
              "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"v0/seg-4.3.m4s\"\n"
              "#EXT-X-RENDITION-REPORT:URI=\"a0.m3u8\",LAST-MSN=4,"
              "LAST-PART=0\n"));
    CHECK(lacks(&b, "#EXT-X-ENDLIST"));
    /* right after a segment completes, the hint names the next one's
     * first part */
    sv_buf_reset(&b);
    r[0].ncur = 0;
    r[0].cur_number = 4;
    seg(&r[0], 4, 1000, 0);
    CHECK_INT(sv_hls_media(&m, 0, &b), 0);
    CHECK(has(&b, "v0/seg-4.m4s\n"
              "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"v0/seg-5.0.m4s\"\n"));
    /* once ended: no parts, no hints, an endlist */
    sv_buf_reset(&b);
    m.ended = 1;
    CHECK_INT(sv_hls_media(&m, 0, &b), 0);
    CHECK(lacks(&b, "#EXT-X-PART:"));
    CHECK(lacks(&b, "PRELOAD-HINT"));
    CHECK(has(&b, "#EXT-X-ENDLIST\n"));
    sv_buf_release(&b);
    release(&m);
}

static void
mpd_timeline_and_periods(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);

    model(&m, r);
    seg(&r[0], 4, 1000, 1);             /* segment 4: a new Period */
    seg(&r[0], 4, 1000, 0);
    seg(&r[1], 4, 1000, 1);
    seg(&r[1], 4, 1000, 0);
    CHECK_INT(sv_model_add_disc(&m, 4, 10.0), 0);
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "type=\"static\" minBufferTime=\"PT4.000S\" "
              "mediaPresentationDuration=\"PT18.000S\">\n"
              "  <Period id=\"p0\" start=\"PT0.000S\">\n"));
    CHECK(has(&b, "startNumber=\"1\" presentationTimeOffset=\"0\">\n"
              "        <SegmentTimeline>\n"
              "          <S t=\"0\" d=\"360000\" r=\"1\"/>\n"
              "          <S t=\"720000\" d=\"180000\"/>\n"
              "        </SegmentTimeline>\n"));
    CHECK(has(&b, "  <Period id=\"p1\" start=\"PT10.000S\">\n"));
    CHECK(has(&b, "startNumber=\"4\" presentationTimeOffset=\"900000\">\n"
              "        <SegmentTimeline>\n"
              "          <S t=\"900000\" d=\"360000\" r=\"1\"/>\n"));
    CHECK(has(&b, "startNumber=\"4\" presentationTimeOffset=\"480000\">\n"));
    CHECK(has(&b, "<AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:"
              "23003:3:audio_channel_configuration:2011\" value=\"2\"/>"));
    /* live: dynamic, with the timing attributes */
    sv_buf_reset(&b);
    m.live = 1;
    m.window = 30;
    m.ast_ms = 1700000000000LL;
    m.now_ms = m.ast_ms + 60000;
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "type=\"dynamic\" minBufferTime=\"PT4.000S\" "
              "availabilityStartTime=\"2023-11-14T22:13:20.000Z\" "
              "publishTime=\"2023-11-14T22:14:20.000Z\" "
              "minimumUpdatePeriod=\"PT4.000S\" "
              "suggestedPresentationDelay=\"PT12.000S\" "
              "timeShiftBufferDepth=\"PT30.000S\">"));
    CHECK(has(&b, "<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\""));
    CHECK(lacks(&b, "availabilityTimeOffset"));
    CHECK(lacks(&b, "ServiceDescription"));
    CHECK(lacks(&b, "http-iso"));
    /* low-latency: chunks one part after the start, the segment being
     * produced listed after the last complete one, a target latency */
    sv_buf_reset(&b);
    m.ll_dash = 1;
    m.part_dur = 0.5;
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "  <ServiceDescription id=\"0\">\n"
              "    <Latency target=\"4000\" max=\"12000\"/>\n"));
    CHECK(has(&b, "startNumber=\"4\" presentationTimeOffset=\"900000\" "
              "availabilityTimeOffset=\"3.500\" "
              "availabilityTimeComplete=\"false\">\n"
              "        <SegmentTimeline>\n"
              "          <S t=\"900000\" d=\"360000\" r=\"1\"/>\n"
              "          <S t=\"1620000\" d=\"360000\"/>\n"
              "        </SegmentTimeline>\n"));
    CHECK(has(&b, "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" "
              "value=\"/time\"/>\n"
              "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\""));
    /* only the last Period is being produced */
    CHECK(has(&b, "presentationTimeOffset=\"0\">\n"));
    /* ended: static, nothing announced */
    sv_buf_reset(&b);
    m.ended = 1;
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(lacks(&b, "availabilityTimeOffset"));
    CHECK(lacks(&b, "t=\"1620000\""));
    sv_buf_release(&b);
    release(&m);
}

/* media before presentation time 0 (an edit list): the Representation's
 * presentationTimeOffset says so, and the presentation ends where the
 * reference's media does, less it */
static void
mpd_media_time(void)
{
    struct sv_model m;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    json_t *a;
    char err[128];
    struct sv_model back;

    model(&m, r);
    r[0].media_time = 6000;             /* two frames of B-frame delay */
    r[1].media_time = 1024;             /* AAC priming */
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "mediaPresentationDuration=\"PT9.933S\">\n"));
    CHECK(has(&b, "startNumber=\"1\" presentationTimeOffset=\"6000\">\n"));
    CHECK(has(&b, "startNumber=\"1\" presentationTimeOffset=\"1024\">\n"));
    a = sv_model_to_json(&m);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(
        json_object_get(a, "renditions"), 1), "media_time")), 1024);
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), 0);
    CHECK_INT(back.r[0].media_time, 6000);
    CHECK_INT(back.r[1].media_time, 1024);
    sv_model_release(&back);
    json_decref(a);
    /* a single file: on its SegmentBase */
    sv_buf_reset(&b);
    r[0].single_file = r[1].single_file = 1;
    r[0].init_size = r[1].init_size = 700;
    r[0].index_size = r[1].index_size = 100;
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "<SegmentBase timescale=\"90000\" "
              "presentationTimeOffset=\"6000\" indexRange=\"700-799\">"));
    r[1].media_time = 0;
    sv_buf_reset(&b);
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "<SegmentBase timescale=\"48000\" indexRange=\"700-799\">"));
    sv_buf_release(&b);
    release(&m);
}

static void
json_round_trip(void)
{
    struct sv_model m, back;
    struct sv_model_rend r[2];
    json_t *a, *b2;
    char err[128];
    char *sa, *sb;

    model(&m, r);
    CHECK_INT(sv_model_add_disc(&m, 2, 4.0), 0);
    a = sv_model_to_json(&m);
    CHECK(a != NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(
        json_object_get(a, "renditions"), 0), "codecs")), "avc1.64001f");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(
        json_array_get(json_object_get(a, "renditions"), 0), "bandwidth"),
        "peak")), 3000000);
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), 0);
    b2 = sv_model_to_json(&back);
    sa = json_dumps(a, JSON_SORT_KEYS);
    sb = json_dumps(b2, JSON_SORT_KEYS);
    CHECK_STR(sb, sa);
    free(sa);
    free(sb);
    json_decref(a);
    json_decref(b2);
    sv_model_release(&back);
    /* low-latency DASH without LL-HLS stays so; an older model with a part
     * duration and no "ll_hls" is LL-HLS */
    m.ll_dash = 1;
    m.part_dur = m.part_target = 0.5;
    a = sv_model_to_json(&m);
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), 0);
    CHECK_INT(back.ll_dash, 1);
    CHECK_INT(back.ll_hls, 0);
    sv_model_release(&back);
    json_object_del(a, "ll_hls");
    json_object_del(a, "ll_dash");
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), 0);
    CHECK_INT(back.ll_dash, 0);
    CHECK_INT(back.ll_hls, 1);
    sv_model_release(&back);
    json_decref(a);
    m.ll_dash = 0;
    m.part_dur = m.part_target = 0;
    /* bad models are refused with a message */
    a = json_pack("{s:i,s:[]}", "version", 1, "renditions");
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), SV_EFORMAT);
    CHECK_STR(err, "package.json: no renditions");
    sv_model_release(&back);
    json_decref(a);
    release(&m);
}

/* issue 16: HDR rungs say so in both manifests and keep it through
 * package.json (sv-drm renders again from it); untagged video says
 * nothing */
static void
colour_signalling(void)
{
    struct sv_model m, back;
    struct sv_model_rend r[2];
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    json_t *a;
    char err[128];

    model(&m, r);
    CHECK_INT(sv_hls_master(&m, &b), 0);
    CHECK(lacks(&b, "VIDEO-RANGE"));
    sv_buf_reset(&b);
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(lacks(&b, "cicp"));

    r[0].primaries = 9;
    r[0].transfer = 16;
    r[0].matrix = 9;
    sv_buf_reset(&b);
    CHECK_INT(sv_hls_master(&m, &b), 0);
    CHECK(has(&b, "FRAME-RATE=30.000,VIDEO-RANGE=PQ,AUDIO=\"audio\"\n"));
    sv_buf_reset(&b);
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "frameRate=\"30000/1000\">\n"
              "        <EssentialProperty schemeIdUri=\"urn:mpeg:mpegB:cicp:"
              "TransferCharacteristics\" value=\"16\"/>\n"
              "        <SupplementalProperty schemeIdUri=\"urn:mpeg:mpegB:"
              "cicp:ColourPrimaries\" value=\"9\"/>\n"
              "        <SupplementalProperty schemeIdUri=\"urn:mpeg:mpegB:"
              "cicp:MatrixCoefficients\" value=\"9\"/>\n"));

    a = sv_model_to_json(&m);
    CHECK_STR(json_string_value(json_object_get(json_array_get(
        json_object_get(a, "renditions"), 0), "video_range")), "PQ");
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), 0);
    CHECK_INT(back.r[0].primaries, 9);
    CHECK_INT(back.r[0].transfer, 16);
    CHECK_INT(back.r[0].matrix, 9);
    sv_model_release(&back);
    json_decref(a);

    /* HLG; a tagged BT.709 rung is SDR, its transfer supplemental */
    r[0].transfer = 18;
    sv_buf_reset(&b);
    CHECK_INT(sv_hls_master(&m, &b), 0);
    CHECK(has(&b, ",VIDEO-RANGE=HLG,"));
    r[0].primaries = r[0].transfer = r[0].matrix = 1;
    sv_buf_reset(&b);
    CHECK_INT(sv_hls_master(&m, &b), 0);
    CHECK(has(&b, ",VIDEO-RANGE=SDR,"));
    sv_buf_reset(&b);
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "<SupplementalProperty schemeIdUri=\"urn:mpeg:mpegB:cicp:"
              "TransferCharacteristics\" value=\"1\"/>"));
    CHECK(lacks(&b, "EssentialProperty"));
    sv_buf_release(&b);
    release(&m);
}

/* issue 17: sv-drm renders a live package again from its package.json;
 * the clock (availability start, publish time, program date times) must
 * come back, or the playlists lose EXT-X-PROGRAM-DATE-TIME */
static void
live_json_round_trip_keeps_the_clock(void)
{
    struct sv_model m, back;
    struct sv_model_rend r[2];
    json_t *a, *b2;
    char err[128];
    char *sa, *sb;

    model(&m, r);
    m.live = 1;
    m.ast_ms = 1796306427199LL;
    m.now_ms = 1796306431404LL;
    m.r[0].seg[0].pdt_ms = 1796306427199LL;
    m.r[0].seg[1].pdt_ms = 1796306429205LL;
    a = sv_model_to_json(&m);
    CHECK_INT(sv_model_from_json(&back, a, err, sizeof(err)), 0);
    CHECK(back.ast_ms == m.ast_ms);
    CHECK(back.now_ms == m.now_ms);
    CHECK(back.r[0].seg[1].pdt_ms == 1796306429205LL);
    b2 = sv_model_to_json(&back);
    sa = json_dumps(a, JSON_SORT_KEYS);
    sb = json_dumps(b2, JSON_SORT_KEYS);
    CHECK_STR(sb, sa);
    free(sa);
    free(sb);
    json_decref(a);
    json_decref(b2);
    sv_model_release(&back);
    release(&m);
}

/* issue 17: rungs with different keys go in AdaptationSets of their own */
static void
mpd_one_adaptation_set_per_key(void)
{
    struct sv_model m;
    struct sv_model_rend r[3];
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    struct sv_model_rend *sd;

    model(&m, r);
    sd = rend(&m, "v1", 1);
    sd->width = 640;
    sd->height = 360;
    seg(sd, 4, 100000, 0);
    m.encryption = json_pack(
        "{s:s,s:s,s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "scheme", "cenc",
        "default_kid", "00000000-0000-0000-0000-00000000000a", "keys",
        "rendition", "v0", "uuid", "00000000-0000-0000-0000-0000000000hd",
        "rendition", "v1", "uuid", "00000000-0000-0000-0000-0000000000sd",
        "rendition", "a0", "uuid", "00000000-0000-0000-0000-0000000000au");
    CHECK(m.encryption != NULL);
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "<AdaptationSet id=\"0\" contentType=\"video\" "
              "mimeType=\"video/mp4\" segmentAlignment=\"true\" "
              "startWithSAP=\"1\" maxWidth=\"1280\" maxHeight=\"720\">\n"
              "      <ContentProtection schemeIdUri=\"urn:mpeg:dash:"
              "mp4protection:2011\" value=\"cenc\" cenc:default_KID=\""
              "00000000-0000-0000-0000-0000000000hd\"/>\n"
              "      <SupplementalProperty schemeIdUri=\"urn:mpeg:dash:"
              "adaptation-set-switching:2016\" value=\"1\"/>\n"
              "      <Representation id=\"v0\""));
    CHECK(has(&b, "<AdaptationSet id=\"1\" contentType=\"video\" "
              "mimeType=\"video/mp4\" segmentAlignment=\"true\" "
              "startWithSAP=\"1\" maxWidth=\"640\" maxHeight=\"360\">\n"
              "      <ContentProtection schemeIdUri=\"urn:mpeg:dash:"
              "mp4protection:2011\" value=\"cenc\" cenc:default_KID=\""
              "00000000-0000-0000-0000-0000000000sd\"/>\n"
              "      <SupplementalProperty schemeIdUri=\"urn:mpeg:dash:"
              "adaptation-set-switching:2016\" value=\"0\"/>\n"
              "      <Representation id=\"v1\""));
    CHECK(has(&b, "<AdaptationSet id=\"2\" contentType=\"audio\""));
    CHECK(has(&b, "cenc:default_KID=\"00000000-0000-0000-0000-0000000000au"
              "\"/>\n      <Representation id=\"a0\""));
    /* each key once, no key inside a Representation */
    CHECK(!has(&b, "        <ContentProtection"));
    /* one key for both rungs: one set, audio keeps id 1 */
    sv_buf_reset(&b);
    json_array_remove(json_object_get(m.encryption, "keys"), 1);
    json_object_set_new(json_array_get(json_object_get(m.encryption, "keys"),
                                       0), "rendition", json_string("a0"));
    CHECK_INT(sv_dash_mpd(&m, &b), 0);
    CHECK(has(&b, "<AdaptationSet id=\"0\" contentType=\"video\" "
              "mimeType=\"video/mp4\" segmentAlignment=\"true\" "
              "startWithSAP=\"1\" maxWidth=\"1280\" maxHeight=\"720\">\n"
              "      <ContentProtection schemeIdUri=\"urn:mpeg:dash:"
              "mp4protection:2011\" value=\"cenc\" cenc:default_KID=\""
              "00000000-0000-0000-0000-00000000000a\"/>\n"
              "      <Representation id=\"v0\""));
    CHECK(has(&b, "<AdaptationSet id=\"1\" contentType=\"audio\""));
    CHECK(!has(&b, "adaptation-set-switching"));
    json_decref(m.encryption);
    m.encryption = NULL;
    sv_buf_release(&b);
    release(&m);
}

int
main(void)
{
    RUN(bandwidth_from_segments);
    RUN(master_playlist);
    RUN(target_duration_rounds);
    RUN(vod_media_playlist);
    RUN(live_window_sequences);
    RUN(ll_hls_parts_and_reports);
    RUN(mpd_timeline_and_periods);
    RUN(mpd_media_time);
    RUN(mpd_one_adaptation_set_per_key);
    RUN(json_round_trip);
    RUN(colour_signalling);
    RUN(live_json_round_trip_keeps_the_clock);
    return DONE();
}
