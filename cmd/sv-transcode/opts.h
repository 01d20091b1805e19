/* opts.h -- keys of sv-transcode's option table */
#ifndef SV_TRANSCODE_OPTS_H
#define SV_TRANSCODE_OPTS_H

#include "core/opt.h"

enum {
    OPT_FORMAT = 256,
    OPT_CONTAINER,
    OPT_EVENTS,
    OPT_RATE,
    OPT_CRF,
    OPT_PRESET,
    OPT_KEYFRAMES,
    OPT_SCENE_THRESHOLD,
    OPT_DEINTERLACE,
    OPT_THREADS,
    OPT_AUDIO_BITRATE,
    OPT_NO_AUDIO,
    OPT_HW,
    OPT_LIST_HW,
    OPT_STRICT,
    OPT_TWO_PASS,
};

extern const struct sv_tool sv_transcode_tool;

#endif
