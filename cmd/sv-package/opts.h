/* opts.h -- option keys of sv-package */
#ifndef SV_PACKAGE_OPTS_H
#define SV_PACKAGE_OPTS_H

#include "core/opt.h"

enum {
    OPT_MANIFESTS = 256,
    OPT_SINGLE,
    OPT_EVENTS,
    OPT_MAXBUF,
    OPT_LIVE,
    OPT_DVR,
    OPT_LLHLS,
    OPT_PART,
    OPT_GAP,
    OPT_SEGMENTS,
};

extern const struct sv_tool sv_package_tool;

#endif
