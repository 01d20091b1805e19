/* llhls_test.c -- lib/model/llhls.c: playlist tails, readiness, deltas */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"
#include "model/llhls.h"
#include "t.h"

static const char live[] =
    "#EXTM3U\n"
    "#EXT-X-VERSION:6\n"
    "#EXT-X-TARGETDURATION:2\n"
    "#EXT-X-PART-INF:PART-TARGET=0.5\n"
    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,"
    "CAN-SKIP-UNTIL=4.0,CAN-SKIP-DATERANGES=YES\n"
    "#EXT-X-MEDIA-SEQUENCE:100\n"
    "#EXT-X-MAP:URI=\"init.mp4\"\n"
    "#EXTINF:2.0,\ns100.m4s\n"
    "#EXTINF:2.0,\ns101.m4s\n"
    "#EXT-X-KEY:METHOD=NONE\n"
    "#EXTINF:2.0,\ns102.m4s\n"
    "#EXT-X-PART:DURATION=0.5,URI=\"s103.0.m4s\",INDEPENDENT=YES\n"
    "#EXTINF:2.0,\r\ns103.m4s\r\n"
    "#EXT-X-PART:DURATION=0.5,URI=\"s104.0.m4s\"\n"
    "#EXT-X-PART:DURATION=0.5,URI=\"s104.1.m4s\"\n"
    "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"s104.2.m4s\"\n";

static void
parses_the_tail(void)
{
    struct sv_llhls_info in;

    CHECK_INT(sv_llhls_parse(live, strlen(live), &in), 0);
    CHECK_INT(in.media, 1);
    CHECK_INT(in.version, 6);
    CHECK_INT(in.target_ms, 2000);
    CHECK_INT(in.part_target_ms, 500);
    CHECK_INT(in.first_msn, 100);
    CHECK_INT(in.nsegs, 4);
    CHECK_INT(in.last_msn, 103);
    CHECK_INT(in.nparts, 2);
    CHECK_INT(in.can_block, 1);
    CHECK_INT(in.skip_until_ms, 4000);
    CHECK_INT(in.skip_dateranges, 1);
    CHECK_INT(in.endlist, 0);
    CHECK_STR(in.hint, "s104.2.m4s");
    CHECK_INT(sv_llhls_parse("#EXT", 4, &in), SV_EFORMAT);
    CHECK_INT(sv_llhls_parse("", 0, &in), SV_EFORMAT);
}

static void
decides_readiness(void)
{
    struct sv_llhls_info in;

    sv_llhls_parse(live, strlen(live), &in);
    CHECK_INT(sv_llhls_ready(&in, 103, -1), 1);
    CHECK_INT(sv_llhls_ready(&in, 50, -1), 1);
    CHECK_INT(sv_llhls_ready(&in, 104, -1), 0);
    CHECK_INT(sv_llhls_ready(&in, 104, 1), 1);
    CHECK_INT(sv_llhls_ready(&in, 104, 2), 0);
    CHECK_INT(sv_llhls_ready(&in, 105, 0), 0);
    CHECK_INT(sv_llhls_ready(&in, 106, -1), SV_EUSAGE);
    in.endlist = 1;
    CHECK_INT(sv_llhls_ready(&in, 999, -1), 1);
}

static void
writes_a_delta_update(void)
{
    struct sv_llhls_info in;
    char *out;
    size_t n;

    sv_llhls_parse(live, strlen(live), &in);
    CHECK_INT(sv_llhls_delta(live, strlen(live), &in, 0, &out, &n), 0);
    CHECK(out != NULL);
    if (out == NULL)
        return;
    CHECK_STR(out,
              "#EXTM3U\n"
              "#EXT-X-VERSION:9\n"
              "#EXT-X-TARGETDURATION:2\n"
              "#EXT-X-PART-INF:PART-TARGET=0.5\n"
              "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,"
              "CAN-SKIP-UNTIL=4.0,CAN-SKIP-DATERANGES=YES\n"
              "#EXT-X-MEDIA-SEQUENCE:100\n"
              "#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n"
              "#EXT-X-MAP:URI=\"init.mp4\"\n"
              "#EXT-X-KEY:METHOD=NONE\n"
              "#EXTINF:2.0,\ns102.m4s\n"
              "#EXT-X-PART:DURATION=0.5,URI=\"s103.0.m4s\",INDEPENDENT=YES\n"
              "#EXTINF:2.0,\r\ns103.m4s\r\n"
              "#EXT-X-PART:DURATION=0.5,URI=\"s104.0.m4s\"\n"
              "#EXT-X-PART:DURATION=0.5,URI=\"s104.1.m4s\"\n"
              "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"s104.2.m4s\"\n");
    CHECK_INT(n, strlen(out));
    free(out);
}

static void
skips_nothing_when_it_cannot(void)
{
    static const char vod[] = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
        "#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n";
    struct sv_llhls_info in;
    char *out = (char *)1;
    size_t n;

    sv_llhls_parse(vod, strlen(vod), &in);
    CHECK_INT(sv_llhls_delta(vod, strlen(vod), &in, 0, &out, &n), 0);
    CHECK(out == NULL);
}

/* every DRM system's key survives the skip, not only the last line */
static void
delta_keeps_a_key_per_keyformat(void)
{
    static const char drm[] =
        "#EXTM3U\n"
        "#EXT-X-VERSION:6\n"
        "#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=4.0\n"
        "#EXT-X-MEDIA-SEQUENCE:1\n"
        "#EXT-X-MAP:URI=\"init.mp4\"\n"
        "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://a\","
        "KEYFORMAT=\"com.apple.streamingkeydelivery\"\n"
        "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"data:w1\","
        "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\"\n"
        "#EXTINF:2.0,\ns1.m4s\n"
        "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"data:w2\","
        "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\"\n"
        "#EXTINF:2.0,\ns2.m4s\n"
        "#EXTINF:2.0,\ns3.m4s\n"
        "#EXTINF:2.0,\ns4.m4s\n";
    struct sv_llhls_info in;
    char *out;
    size_t n;

    sv_llhls_parse(drm, strlen(drm), &in);
    CHECK_INT(sv_llhls_delta(drm, strlen(drm), &in, 0, &out, &n), 0);
    CHECK(out != NULL);
    if (out == NULL)
        return;
    CHECK(strstr(out, "#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n"
                      "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://a\"") != NULL);
    CHECK(strstr(out, "URI=\"data:w2\"") != NULL);
    CHECK(strstr(out, "URI=\"data:w1\"") == NULL);
    CHECK(strstr(out, "\n#EXTINF:2.0,\ns3.m4s\n") != NULL);
    free(out);
}

/* part names: their segment, and the names that show one never comes */
static void
knows_when_a_part_never_comes(void)
{
    char seg[32];

    CHECK_INT(sv_llhls_part_segment("seg-5.4.m4s", seg, sizeof(seg)), 0);
    CHECK_STR(seg, "seg-5.m4s");
    CHECK_INT(sv_llhls_part_segment("p12.0.mp4", seg, sizeof(seg)), 0);
    CHECK_STR(seg, "p12.mp4");
    CHECK_INT(sv_llhls_part_segment("seg-5.m4s", seg, sizeof(seg)), -1);
    CHECK_INT(sv_llhls_part_segment("s5.p2.m4s", seg, sizeof(seg)), -1);
    CHECK_INT(sv_llhls_part_segment(".4.m4s", seg, sizeof(seg)), -1);
    CHECK_INT(sv_llhls_part_segment("1.2.3.m4s", seg, sizeof(seg)), -1);
    CHECK_INT(sv_llhls_part_segment("seg-5.4.", seg, sizeof(seg)), -1);
    CHECK_INT(sv_llhls_part_segment("v0/seg-5.4.m4s", seg, sizeof(seg)), -1);
    CHECK_INT(sv_llhls_part_segment("seg-5.4.m4s", seg, 9), -1);
    CHECK_INT(sv_llhls_part_segment(
        "seg-1234567890123456789.4.m4s", seg, sizeof(seg)), -1);
    /* its own segment or a later one, a part of a later segment */
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-5.m4s"), 1);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-6.m4s"), 1);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-6.0.m4s"), 1);
    CHECK_INT(sv_llhls_part_superseded("seg-9.4.m4s", "seg-10.0.m4s"), 1);
    /* the same segment's parts, earlier segments, other names */
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-5.3.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-5.5.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-4.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-4.9.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "seg-6.ts"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "init-6.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "xseg-6.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", ".seg-6.m4s.tmp"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.4.m4s", "v0.m3u8"), 0);
    CHECK_INT(sv_llhls_part_superseded("seg-5.m4s", "seg-6.m4s"), 0);
    CHECK_INT(sv_llhls_part_superseded("s5.p2.m4s", "s6.m4s"), 0);
}

int
main(void)
{
    RUN(parses_the_tail);
    RUN(knows_when_a_part_never_comes);
    RUN(decides_readiness);
    RUN(writes_a_delta_update);
    RUN(delta_keeps_a_key_per_keyformat);
    RUN(skips_nothing_when_it_cannot);
    return DONE();
}
