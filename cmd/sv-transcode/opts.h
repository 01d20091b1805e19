/* opts.h -- what sv-transcode's option table fills */
#ifndef SV_TRANSCODE_OPTS_H
#define SV_TRANSCODE_OPTS_H

#include "core/opt.h"
#include "media/transcode.h"

struct sv_transcode_args {
    struct sv_transcode_opts o;
    const char *events;
    int list_hw;
    int split_plan;
    int join;
    int per_title;
    const char *ladder_out;
};

/* the table's rows point into this */
extern struct sv_transcode_args sv_transcode_args;
extern const struct sv_tool sv_transcode_tool;

#endif
