/* quality.h -- sv-stats quality: PSNR, SSIM, MS-SSIM per frame and pooled
 * (the JSON shape is in sv-stats(1), QUALITY) */
#ifndef SV_STATS_QUALITY_H
#define SV_STATS_QUALITY_H

#include <stddef.h>

#include "core/json.h"
#include "media/av_quality.h"
#include "media/quality_math.h"

/* ---- the command (quality.c) ---- */

struct sv_quality_cfg {
    int per_frame;              /* keep each frame's scores in the JSON */
};

/*
 * Measures dist against ref.  Stores a new JSON object in *out.  Returns
 * 0, or a negative code after logging a message naming the input.
 * "vmaf" says plainly whether VMAF was measured or why not.
 */
int sv_quality_run(const char *ref, const char *dist,
                   const struct sv_quality_cfg *cfg, json_t **out);

#endif
