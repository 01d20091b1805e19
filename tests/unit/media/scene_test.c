/* scene_test.c -- lib/media/scene.c: cut scores and keyframe placement */
#include <stdint.h>

#include "media/scene.h"
#include "t.h"

#define W 64
#define H 36

static void
fill(uint8_t *p, int v, int stride)
{
    int y;

    for (y = 0; y < H; y++)
        memset(p + y * stride, v, W);
}

static void
scores_cuts_not_motion(void)
{
    struct sv_scene s = SV_SCENE_INIT;
    static uint8_t a[H * 80];
    double score;
    int i;

    fill(a, 20, 80);
    CHECK(sv_scene_score(&s, a, 80, W, H) == 0);   /* first frame */
    /* steady change (a slow fade): each step differs alike, no cut */
    for (i = 1; i < 10; i++) {
        fill(a, 20 + 4 * i, 80);
        score = sv_scene_score(&s, a, 80, W, H);
        if (i > 1)
            CHECK(score < 0.01);
    }
    /* a jump to another picture */
    fill(a, 230, 80);
    score = sv_scene_score(&s, a, 80, W, H);
    CHECK(score > 0.5);
    /* a new size starts over */
    CHECK(sv_scene_score(&s, a, 80, W / 2, H) == 0);
    sv_scene_release(&s);
}

static void
grid_keyframes(void)
{
    struct sv_kf k;
    int64_t pts;
    int keys = 0;

    sv_kf_init(&k, 60, 0, 0, 0);
    for (pts = 0; pts < 300; pts++)
        if (sv_kf_decide(&k, pts, 1.0)) {
            CHECK_INT(pts % 60, 0);
            keys++;
        }
    CHECK_INT(keys, 5);
    /* a gap in time: the next frame past the grid point is the key */
    sv_kf_init(&k, 60, 0, 0, 0);
    CHECK_INT(sv_kf_decide(&k, 10, 0), 1);
    CHECK_INT(sv_kf_decide(&k, 50, 0), 0);
    CHECK_INT(sv_kf_decide(&k, 65, 0), 1);
    CHECK_INT(sv_kf_decide(&k, 119, 0), 0);
    CHECK_INT(sv_kf_decide(&k, 120, 0), 1);
}

static void
scene_keyframes(void)
{
    struct sv_kf k;

    sv_kf_init(&k, 60, 1, 0.3, 15);
    CHECK_INT(sv_kf_decide(&k, 0, 0), 1);
    CHECK_INT(sv_kf_decide(&k, 10, 0.9), 0);    /* too soon after one */
    CHECK_INT(sv_kf_decide(&k, 20, 0.2), 0);    /* below the threshold */
    CHECK_INT(sv_kf_decide(&k, 25, 0.5), 1);    /* a cut */
    CHECK_INT(sv_kf_decide(&k, 84, 0), 0);
    CHECK_INT(sv_kf_decide(&k, 85, 0), 1);      /* the longest GOP */
}

int
main(void)
{
    RUN(scores_cuts_not_motion);
    RUN(grid_keyframes);
    RUN(scene_keyframes);
    return DONE();
}
