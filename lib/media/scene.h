/* scene.h -- scene-cut scores from luma planes and keyframe placement */
#ifndef SV_SCENE_H
#define SV_SCENE_H

#include <stddef.h>
#include <stdint.h>

struct sv_scene {
    double prev_mafd;       /* mean absolute frame difference before */
    uint8_t *prev;          /* previous luma, w*h bytes */
    int w, h;
};

#define SV_SCENE_INIT { 0, NULL, 0, 0 }

/*
 * Scores how much plane (w x h, stride bytes a row) differs from the one
 * before, in [0, 1]: the mean absolute difference, damped where the
 * previous pair already differed as much (motion, not a cut).  The first
 * frame, or a change of size, scores 0.  Returns the score, or a negative
 * code when memory runs out.
 */
double sv_scene_score(struct sv_scene *s, const uint8_t *plane, int stride,
                      int w, int h);

void sv_scene_release(struct sv_scene *s);

/*
 * Keyframe placement shared by every rung: frame pts (in ticks) is a
 * keyframe when it is the first, when a GOP (gop ticks) has passed since
 * the last one on the grid, or (scene placement) when the score passes
 * the threshold and min ticks passed since the last keyframe.
 */
struct sv_kf {
    int64_t gop;            /* ticks between keyframes; the maximum with scene */
    int64_t min;            /* scene: the fewest ticks between keyframes */
    double threshold;       /* scene: score over which a cut is a keyframe */
    int scene;              /* place at scene cuts */
    int64_t last;           /* pts of the last keyframe */
    int64_t next;           /* grid: the pts at or after which the next falls */
    int started;
};

void sv_kf_init(struct sv_kf *k, int64_t gop, int scene, double threshold,
                int64_t min);

/* Returns 1 when frame pts must be a keyframe (call once per frame). */
int sv_kf_decide(struct sv_kf *k, int64_t pts, double score);

#endif
