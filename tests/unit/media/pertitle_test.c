/* pertitle_test.c -- lib/media/pertitle.c: the hull and the rungs chosen
 * from it, against a ladder worked out by hand, and the ladder JSON of
 * lib/media/ladder.c that --ladder @file reads */
#include <math.h>

#include "core/err.h"
#include "media/pertitle.h"
#include "t.h"

/* two sizes: 720p tops out higher, 360p is as good below ~1.2 Mbit/s */
static int
points(struct sv_pt_point *pt)
{
    static const struct { int res, crf; double kbps, psnr; } v[] = {
        { 720, 28, 1000, 40 }, { 720, 23, 2000, 44 }, { 720, 18, 4000, 47 },
        { 360, 28, 300, 34 }, { 360, 23, 600, 38 }, { 360, 18, 1200, 40 },
    };
    int i;

    for (i = 0; i < 6; i++) {
        memset(&pt[i], 0, sizeof(pt[i]));
        pt[i].res = v[i].res;
        pt[i].crf = v[i].crf;
        pt[i].kbps = v[i].kbps;
        pt[i].psnr = v[i].psnr;
        pt[i].ssim = v[i].psnr / 50;
    }
    return 6;
}

static const struct sv_pt_caps wide = { 1080, 200000, 5000000, 4, 1.5, 45 };

static void
hull_leaves_out_the_point_under_it(void)
{
    struct sv_pt_point pt[6];
    struct sv_ladder l;

    CHECK_INT(sv_pt_choose(pt, points(pt), &wide, &l, NULL, NULL, NULL), 0);
    /* 360p at 1200k (40 dB) is under the line from 720p's 1000k to 2000k */
    CHECK_INT(pt[5].hull, 0);
    CHECK_INT(pt[0].hull + pt[1].hull + pt[2].hull, 3);
    CHECK_INT(pt[3].hull + pt[4].hull, 2);
}

/* a small size held back by scaling flattens early while 720p climbs */
static void
hull_is_the_front_of_the_curves(void)
{
    static const struct { int res; double kbps, psnr; } v[] = {
        { 720, 500, 30 }, { 720, 1000, 36 }, { 720, 2000, 42 },
        { 180, 100, 28 }, { 180, 200, 29 }, { 180, 400, 29.5 },
        { 180, 800, 29.6 },
    };
    struct sv_pt_point pt[7];
    struct sv_ladder l;
    int i;

    for (i = 0; i < 7; i++) {
        memset(&pt[i], 0, sizeof(pt[i]));
        pt[i].res = v[i].res;
        pt[i].crf = 20 + i;
        pt[i].kbps = v[i].kbps;
        pt[i].psnr = v[i].psnr;
    }
    CHECK_INT(sv_pt_choose(pt, 7, &wide, &l, NULL, NULL, NULL), 0);
    /* 720p at 1000k is under the chord from 180p's 100k to 720p's
     * 2000k (38.8 dB there) but over every other curve: on the front;
     * 180p at 800k is under 720p's curve (34.1 dB there): off */
    for (i = 0; i < 6; i++)
        CHECK_INT(pt[i].hull, 1);
    CHECK_INT(pt[6].hull, 0);
    /* the top at the best point (42 dB: 45 is never reached); the floor,
     * 2000k * 200 / 5000 = 80k, is under every curve and rises to the
     * cheapest point (100k, 28 dB); the 4 rungs step down 42, 37.33,
     * 32.67, 28 dB: 720p's curve reaches 37.33 at 1000k * 2^(1.33/6) =
     * 1167k and 32.67 at 500k * 2^(2.67/6) = 680k (180p tops at 29.6),
     * and 180p holds the floor */
    CHECK_INT(l.n, 4);
    CHECK_INT(l.r[0].req_h, 720);
    CHECK_INT(l.r[0].bitrate, 2000000);
    CHECK_INT(l.r[1].req_h, 720);
    CHECK_INT(l.r[1].bitrate, 1167000);
    CHECK_INT(l.r[2].req_h, 720);
    CHECK_INT(l.r[2].bitrate, 680000);
    CHECK_INT(l.r[3].req_h, 180);
    CHECK_INT(l.r[3].bitrate, 100000);
}

static void
rungs_by_hand(void)
{
    struct sv_pt_point pt[6];
    struct sv_ladder l;
    double psnr[SV_LADDER_MAX], ssim[SV_LADDER_MAX];
    int crf[SV_LADDER_MAX];

    CHECK_INT(sv_pt_choose(pt, points(pt), &wide, &l, psnr, ssim, crf), 0);
    /* top: 720p's curve passes 45 dB a third of the way from 2000k to
     * 4000k in log rate, 2000k * 2^(1/3) = 2520k, at crf 21.3; that is
     * under the 5000k cap, so the 200k floor follows it down to
     * 2520k * 200 / 5000 = 101k, which is under every curve: it rises to
     * the cheapest point, 360p's 300k (34 dB).  The 4 rungs step down
     * the front evenly in quality, 45, 41.33, 37.67, 34 dB: 720p's curve
     * reaches 41.33 at 1000k * 2^(1.33/4) = 1260k (crf 26.3), 360p's
     * 37.67 at 300k * 2^(3.67/4) = 566k (crf 23.4), and the floor */
    CHECK_INT(l.n, 4);
    CHECK_INT(l.r[0].req_h, 720);
    CHECK_INT(l.r[0].bitrate, 2520000);
    CHECK(fabs(psnr[0] - 45.0) < 0.01);
    CHECK_INT(crf[0], 21);
    CHECK_INT(l.r[1].req_h, 720);
    CHECK_INT(l.r[1].bitrate, 1260000);
    CHECK(fabs(psnr[1] - 41.333) < 0.01);
    CHECK_INT(crf[1], 26);
    CHECK_INT(l.r[2].req_h, 360);
    CHECK_INT(l.r[2].bitrate, 566000);
    CHECK(fabs(psnr[2] - 37.667) < 0.01);
    CHECK(fabs(ssim[2] - 37.667 / 50) < 0.001);
    CHECK_INT(crf[2], 23);
    CHECK_INT(l.r[3].req_h, 360);
    CHECK_INT(l.r[3].bitrate, 300000);
    CHECK(fabs(psnr[3] - 34.0) < 0.01);
}

static void
caps_bound_the_rungs(void)
{
    struct sv_pt_point pt[6];
    struct sv_ladder l;
    struct sv_pt_caps c = wide;

    c.max_bps = 2000000;
    CHECK_INT(sv_pt_choose(pt, points(pt), &c, &l, NULL, NULL, NULL), 0);
    CHECK_INT(l.r[0].bitrate, 2000000);
    CHECK_INT(l.r[0].req_h, 720);
    /* a size cap: 720p is out, 360p's own curve tops at 1200k (40 dB)
     * and holds the rungs under it too: 38 dB at 600k, then 36 dB would
     * be under 1.5x below that, so 400k (35.66 dB); 267k is under the
     * floor (300k, risen to the cheapest point) */
    c = wide;
    c.max_res = 480;
    CHECK_INT(sv_pt_choose(pt, points(pt), &c, &l, NULL, NULL, NULL), 0);
    CHECK_INT(l.n, 3);
    CHECK_INT(l.r[0].req_h, 360);
    CHECK_INT(l.r[0].bitrate, 1200000);
    CHECK_INT(l.r[1].req_h, 360);
    CHECK_INT(l.r[1].bitrate, 600000);
    CHECK_INT(l.r[2].req_h, 360);
    CHECK_INT(l.r[2].bitrate, 400000);
    CHECK_INT(pt[5].hull, 1);
    CHECK_INT(pt[0].hull, 0);
    /* one rung at most */
    c = wide;
    c.max_rungs = 1;
    CHECK_INT(sv_pt_choose(pt, points(pt), &c, &l, NULL, NULL, NULL), 0);
    CHECK_INT(l.n, 1);
    /* a floor over every target below the top leaves the top alone
     * (the top at the caps' highest: the floor is not lowered) */
    c = wide;
    c.min_bps = 2000000;
    c.max_bps = 2500000;
    CHECK_INT(sv_pt_choose(pt, points(pt), &c, &l, NULL, NULL, NULL), 0);
    CHECK_INT(l.n, 1);
    CHECK_INT(l.r[0].bitrate, 2500000);
}

static void
floor_follows_a_low_top(void)
{
    struct sv_pt_point pt[6];
    struct sv_ladder l;
    struct sv_pt_caps c = wide;

    /* the top (2520k) is under the caps' 5000k, so the 1500k floor is
     * lowered to 756k (360p's 38.67 dB); the steps, 42.89 and 40.78 dB:
     * 720p reaches the first at 1000k * 2^(2.89/4) = 1650k, the second
     * not within 1.5x under that, so 1100k (40.55 dB against 360p's
     * 39.75): three rungs of one size, and 733k is under the floor */
    c.min_bps = 1500000;
    CHECK_INT(sv_pt_choose(pt, points(pt), &c, &l, NULL, NULL, NULL), 0);
    CHECK_INT(l.n, 3);
    CHECK_INT(l.r[0].bitrate, 2520000);
    CHECK_INT(l.r[1].req_h, 720);
    CHECK_INT(l.r[1].bitrate, 1650000);
    CHECK_INT(l.r[2].req_h, 720);
    CHECK_INT(l.r[2].bitrate, 1100000);
}

static void
nothing_to_choose_from(void)
{
    struct sv_pt_point pt[6];
    struct sv_ladder l;
    struct sv_pt_caps c = wide;

    CHECK_INT(sv_pt_choose(pt, 0, &wide, &l, NULL, NULL, NULL), SV_ELADDER);
    c.max_res = 240;
    CHECK_INT(sv_pt_choose(pt, points(pt), &c, &l, NULL, NULL, NULL),
              SV_ELADDER);
}

static void
ladder_json_round_trip(void)
{
    static const char ok[] = "{\"version\":1,\"ladder\":["
        "{\"name\":\"720p\",\"res\":720,\"bitrate\":2667000},"
        "{\"res\":360,\"bitrate\":1185000}],\"curves\":[]}";
    struct sv_ladder l;
    char err[256];

    CHECK_INT(sv_ladder_parse_json(ok, sizeof(ok) - 1, &l, err,
                                   sizeof(err)), 0);
    CHECK_INT(l.n, 2);
    CHECK_INT(l.r[0].req_h, 720);
    CHECK_INT(l.r[0].bitrate, 2667000);
    CHECK_INT(l.r[1].req_h, 360);
    CHECK_INT(l.r[0].crf, -1);
    /* the quality a rung was chosen at goes with it */
    CHECK_INT(sv_ladder_parse_json("{\"ladder\":[{\"res\":360,"
                                   "\"bitrate\":900000,\"crf\":26}]}", 50,
                                   &l, err, sizeof(err)), 0);
    CHECK_INT(l.r[0].crf, 26);
    CHECK_INT(sv_ladder_parse_json("{\"ladder\":[{\"res\":360,"
                                   "\"bitrate\":900000,\"crf\":64}]}", 50,
                                   &l, err, sizeof(err)), SV_EUSAGE);
    CHECK_STR(err, "rung 0: \"crf\" wants an integer 0 to 63");
    CHECK_INT(sv_ladder_parse_json("[]", 2, &l, err, sizeof(err)),
              SV_EUSAGE);
    CHECK_STR(err, "no \"ladder\" array of rungs");
    CHECK_INT(sv_ladder_parse_json("{\"ladder\":[{\"res\":360,"
                                   "\"bitrate\":1.5}]}", 37, &l, err,
                                   sizeof(err)), SV_EUSAGE);
    CHECK_INT(sv_ladder_parse_json("{\"ladder\":[{\"res\":360,"
                                   "\"bitrate\":9000}]}", 38, &l, err,
                                   sizeof(err)), SV_EUSAGE);
    CHECK_INT(sv_ladder_parse_json("{\"ladder\":", 10, &l, err,
                                   sizeof(err)), SV_EUSAGE);
    CHECK(strncmp(err, "not JSON: ", 10) == 0);
}

int
main(void)
{
    RUN(hull_leaves_out_the_point_under_it);
    RUN(hull_is_the_front_of_the_curves);
    RUN(rungs_by_hand);
    RUN(caps_bound_the_rungs);
    RUN(floor_follows_a_low_top);
    RUN(nothing_to_choose_from);
    RUN(ladder_json_round_trip);
    return DONE();
}
