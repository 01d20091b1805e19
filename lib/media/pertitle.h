/* pertitle.h -- per-title ladders: trial encodes of samples of the title,
 * rate-quality curves per resolution, their convex hull, rungs from it */
#ifndef SV_PERTITLE_H
#define SV_PERTITLE_H

#include <stddef.h>

#include "core/json.h"
#include "media/ladder.h"
#include "media/transcode.h"

#define SV_PT_MAX_RES 8         /* resolutions tried */
#define SV_PT_MAX_Q 6           /* quality settings tried at each */

/* One trial: a resolution at a quality setting, over all the samples. */
struct sv_pt_point {
    int res;                    /* short side: 720 */
    int width, height;
    int crf;
    double kbps;
    double psnr;                /* Y, from the mean squared error */
    double ssim;                /* Y, mean of the frames */
    int hull;                   /* on the convex hull of all points */
};

/*
 * The choice from a set of points (pure; no media).  Marks pt[].hull: the
 * rate-quality front of the sizes under max_res in (log kbps, PSNR), the
 * points no other size's curve beats at their bitrate and no cheaper
 * point matches.  A size's curve is linear in log kbps between its
 * points.  The top rung's bitrate is the lowest at which a size's curve
 * reaches top_psnr (else the best point's), at most max_bps; lower
 * rungs follow down to a floor (min_bps, lowered in proportion when the
 * top is under max_bps, raised to the cheapest point when under every
 * curve) in even steps of quality over max_rungs: each the cheapest
 * bitrate where the front reaches its step, and at least step (1.5x)
 * under the rung above.  Each takes the size whose curve gives the best
 * PSNR there (the smaller of a tie), no larger than the rung above's:
 * one size may hold several rungs.  A rung less than 0.5 dB below the
 * one above is passed over.  At most
 * max_rungs rungs, under max_res.  Writes l (rungs by descending
 * bitrate) and, when not NULL, each rung's estimated psnr[], ssim[] and
 * crf[].  Returns 0, or SV_ELADDER when no point makes a rung.
 */
struct sv_pt_caps {
    int max_res;
    long long min_bps, max_bps;
    int max_rungs;
    double step;
    double top_psnr;
};

int sv_pt_choose(struct sv_pt_point *pt, int n,
                 const struct sv_pt_caps *caps, struct sv_ladder *l,
                 double *psnr, double *ssim, int *crf);

/*
 * --per-title: samples o->input (a file; not stdin), trial-encodes the
 * samples with o's codec, preset and hardware at several resolutions and
 * quality settings, and chooses a ladder within the caps of o->ladder (a
 * preset or a spec).  Stores the new ladder JSON (rungs, curves, cost) in
 * *out and the chosen rungs as a spec in spec (size bytes).  Emits
 * video.pertitle.progress and video.pertitle.complete events; a progress
 * line on a terminal.  Returns 0 or a negative code (logged).
 */
int sv_pertitle_run(const struct sv_transcode_opts *o, json_t **out,
                    char *spec, size_t size);

#endif
