/* chunk_test.c -- lib/media/chunk.c: ranges, even parts, split plans, names */
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "media/chunk.h"
#include "t.h"

static void
parses_ranges(void)
{
    double a, b;
    char err[128];

    CHECK_INT(sv_chunk_range_parse("4-10", &a, &b, err, sizeof(err)), 0);
    CHECK(a == 4 && b == 10);
    CHECK_INT(sv_chunk_range_parse("2.5-", &a, &b, err, sizeof(err)), 0);
    CHECK(a == 2.5 && b == SV_CHUNK_OPEN);
    CHECK_INT(sv_chunk_range_parse("6-4", &a, &b, err, sizeof(err)),
              SV_EUSAGE);
    CHECK_STR(err, "the end is not after the start");
    CHECK_INT(sv_chunk_range_parse("4-4", &a, &b, err, sizeof(err)),
              SV_EUSAGE);
    CHECK_INT(sv_chunk_range_parse("4", &a, &b, err, sizeof(err)), SV_EUSAGE);
    CHECK_INT(sv_chunk_range_parse("-4", &a, &b, err, sizeof(err)),
              SV_EUSAGE);
    CHECK_INT(sv_chunk_range_parse("1e3-", &a, &b, err, sizeof(err)),
              SV_EUSAGE);
    CHECK_INT(sv_chunk_range_parse("a-b", &a, &b, err, sizeof(err)),
              SV_EUSAGE);
}

static void
even_parts_on_the_grid(void)
{
    int64_t s, e, prev = 0;
    int i;

    /* 600 frames, GOPs of 30: 20 GOPs into 7 parts of 2 or 3 GOPs */
    for (i = 0; i < 7; i++) {
        CHECK_INT(sv_chunk_bounds(600, 30, 7, i, &s, &e), 0);
        CHECK_INT(s, prev);
        CHECK_INT(s % 30, 0);
        if (i < 6) {
            CHECK(e > s && e - s <= 90 && e % 30 == 0);
            prev = e;
        } else {
            CHECK_INT(e, SV_CHUNK_OPEN);
        }
    }
    CHECK_INT(sv_chunk_bounds(600, 30, 1, 0, &s, &e), 0);
    CHECK(s == 0 && e == SV_CHUNK_OPEN);
    /* a short last GOP still counts: 61 frames are 3 GOPs of 30 */
    CHECK_INT(sv_chunk_bounds(61, 30, 3, 2, &s, &e), 0);
    CHECK_INT(s, 60);
    CHECK_INT(sv_chunk_bounds(600, 30, 21, 0, &s, &e), SV_EUSAGE);
    CHECK_INT(sv_chunk_bounds(600, 30, 7, 7, &s, &e), SV_EUSAGE);
    CHECK_INT(sv_chunk_bounds(600, 30, 7, -1, &s, &e), SV_EUSAGE);
}

static void
plans_cut_at_scenes_near_the_split(void)
{
    static float score[600];
    int64_t b[32];
    int cut[32], i;

    memset(score, 0, sizeof(score));
    /* cuts at 150 (a grid point near 171) and at 100 (off the grid) */
    score[150] = 0.9f;
    score[100] = 0.9f;
    CHECK_INT(sv_chunk_plan_cuts(score, 600, 30, 7, 0.15, b, cut), 0);
    CHECK_INT(b[0], 0);
    CHECK_INT(b[1], 90);        /* nearest grid point to 85.7 */
    CHECK_INT(cut[1], 0);
    CHECK_INT(b[2], 150);       /* the cut, not 180 */
    CHECK_INT(cut[2], 1);
    CHECK_INT(b[7], 600);
    for (i = 1; i <= 7; i++)
        CHECK(b[i] > b[i - 1]);
    /* as many parts as GOPs: one GOP each */
    CHECK_INT(sv_chunk_plan_cuts(score, 600, 30, 20, 0.15, b, cut), 0);
    for (i = 0; i < 20; i++)
        CHECK_INT(b[i], 30 * i);
    CHECK_INT(sv_chunk_plan_cuts(score, 600, 30, 21, 0.15, b, cut),
              SV_EUSAGE);
}

static void
names_round_trip(void)
{
    char name[128], rung[24];
    const char *ext;
    int64_t s, e;

    sv_chunk_name(name, sizeof(name), "720p", 120, 240, "mp4");
    CHECK_STR(name, "720p.chunk-000120-000240.mp4");
    CHECK_INT(sv_chunk_name_parse(name, rung, sizeof(rung), &s, &e, &ext), 0);
    CHECK_STR(rung, "720p");
    CHECK(s == 120 && e == 240);
    CHECK_STR(ext, "mp4");
    sv_chunk_name(name, sizeof(name), "1280x720", 1200, SV_CHUNK_OPEN, "ts");
    CHECK_STR(name, "1280x720.chunk-001200-end.ts");
    CHECK_INT(sv_chunk_name_parse(name, rung, sizeof(rung), &s, &e, &ext), 0);
    CHECK(s == 1200 && e == SV_CHUNK_OPEN);
    CHECK_INT(sv_chunk_name_parse("720p.mp4", rung, sizeof(rung), &s, &e,
                                  &ext), -1);
    CHECK_INT(sv_chunk_name_parse("720p.chunk-000240-000120.mp4", rung,
                                  sizeof(rung), &s, &e, &ext), -1);
    CHECK_INT(sv_chunk_name_parse("720p.chunk-000000-000120", rung,
                                  sizeof(rung), &s, &e, &ext), -1);
    CHECK_INT(sv_chunk_name_parse(".chunk-000000-end.mp4", rung,
                                  sizeof(rung), &s, &e, &ext), -1);
}

int
main(void)
{
    RUN(parses_ranges);
    RUN(even_parts_on_the_grid);
    RUN(plans_cut_at_scenes_near_the_split);
    RUN(names_round_trip);
    return DONE();
}
