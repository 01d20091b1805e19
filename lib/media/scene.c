/* scene.c -- cheap scene-cut detection and the keyframe schedule */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/scene.h"

double
sv_scene_score(struct sv_scene *s, const uint8_t *plane, int stride, int w,
               int h)
{
    uint64_t sad = 0;
    double mafd, diff, score;
    int x, y, first = 0;

    if (w <= 0 || h <= 0)
        return 0;
    if (s->prev == NULL || s->w != w || s->h != h) {
        free(s->prev);
        s->prev = malloc((size_t)w * (size_t)h);
        if (s->prev == NULL)
            return -ENOMEM;
        s->w = w;
        s->h = h;
        s->prev_mafd = 0;
        first = 1;
    }
    for (y = 0; y < h; y++) {
        const uint8_t *a = plane + (size_t)y * (size_t)stride;
        uint8_t *b = s->prev + (size_t)y * (size_t)w;

        if (!first)
            for (x = 0; x < w; x++)
                sad += (uint64_t)abs((int)a[x] - (int)b[x]);
        memcpy(b, a, (size_t)w);
    }
    if (first)
        return 0;
    mafd = (double)sad / ((double)w * h) / 255.0;
    diff = mafd > s->prev_mafd ? mafd - s->prev_mafd : s->prev_mafd - mafd;
    s->prev_mafd = mafd;
    /* a cut is a jump in difference: steady motion keeps diff low */
    score = mafd < diff ? mafd : diff;
    return score > 1 ? 1 : score;
}

void
sv_scene_release(struct sv_scene *s)
{
    free(s->prev);
    s->prev = NULL;
    s->w = s->h = 0;
}

void
sv_kf_init(struct sv_kf *k, int64_t gop, int scene, double threshold,
           int64_t min)
{
    memset(k, 0, sizeof(*k));
    k->gop = gop > 0 ? gop : 1;
    k->scene = scene;
    k->threshold = threshold;
    k->min = min;
}

int
sv_kf_decide(struct sv_kf *k, int64_t pts, double score)
{
    if (!k->started) {
        k->started = 1;
        goto key;
    }
    if (k->scene) {
        /* cuts first; the GOP length stays the longest allowed */
        if ((score > k->threshold && pts - k->last >= k->min) ||
            pts - k->last >= k->gop)
            goto key;
        return 0;
    }
    if (pts >= k->next)
        goto key;
    return 0;
key:
    k->last = pts;
    if (!k->scene) {
        /* stay on the grid: the next one is the next multiple past pts */
        k->next = (pts / k->gop + 1) * k->gop;
        if (pts < 0)
            k->next = 0;
    }
    return 1;
}
