/* ingest_test.c -- lib/ingest/ingest_stream.c's timeline, signed keys */
#include <stdint.h>

#include "ingest/ingest.h"
#include "ingest/ingest_int.h"
#include "t.h"

static int64_t
map(struct sv_iclock *c, int track, int64_t dts)
{
    int64_t pts = dts;

    return sv__clock_map(c, track, dts, &pts);
}

static void
clock_jumps_resets_and_wraps(void)
{
    struct sv_iclock c = { 0 };
    int64_t a, v;

    c.rebase = 1;
    v = map(&c, 0, 5000000);
    CHECK_INT(v, 1000000);      /* every stream starts at 1 s */
    a = map(&c, 1, 5000000);
    CHECK_INT(a, 1000000);
    CHECK_INT(map(&c, 0, 5033000), 1033000);
    /* a reset to zero: continue one frame on, audio keeps its place */
    CHECK_INT(map(&c, 0, 0), 1066000);
    CHECK_INT(map(&c, 1, 21000), 1087000);
    CHECK_INT(c.fixes, 1);
    /* a jump forward by an hour */
    CHECK_INT(map(&c, 0, 3600000000LL + 33000), 1099000);
    CHECK_INT(c.fixes, 2);
    /* jitter (a step back under the threshold) only keeps dts rising */
    CHECK_INT(map(&c, 0, 3600000000LL + 30000), 1099001);
    CHECK_INT(c.fixes, 2);
    /* a new source continues a little after the latest output */
    c.rebase = 1;
    v = map(&c, 0, 4294967000000LL);
    CHECK(v > 1099001 && v < 1099001 + 100000);
    CHECK_INT(c.fixes, 2);
    /* then RTMP's 32-bit milliseconds wrap */
    a = map(&c, 0, 1000);
    CHECK(a > v && a < v + 100000);
    CHECK_INT(c.fixes, 3);
}

static void
pts_keeps_its_offset(void)
{
    struct sv_iclock c = { 0 };
    int64_t pts = 2080000, dts;

    c.rebase = 1;
    dts = sv__clock_map(&c, 0, 2000000, &pts);
    CHECK_INT(dts, 1000000);
    CHECK_INT(pts, 1080000);
    pts = 0;    /* pts before dts is not decodable: it is raised */
    dts = sv__clock_map(&c, 0, 2033000, &pts);
    CHECK_INT(pts, dts);
}

static void
signed_keys(void)
{
    char key[256];

    CHECK_INT(sv_ingest_sign_key("secret", "live", "cam", 1700000000, key,
                                 sizeof(key)), 0);
    /* HMAC-SHA256("secret", "live/cam:1700000000"), as openssl computes */
    CHECK_STR(key, "cam?exp=1700000000&sig="
                   "59d1966bfff4cc525da2a5978e0f99226bf52eba3255f886694a3653ba7e3b29");
}

int
main(void)
{
    RUN(clock_jumps_resets_and_wraps);
    RUN(pts_keeps_its_offset);
    RUN(signed_keys);
    return DONE();
}
