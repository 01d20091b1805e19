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
    OPT_LLDASH,
    OPT_PART,
    OPT_GAP,
    OPT_SEGMENTS,
    OPT_ENCRYPT,
    OPT_KEY,
    OPT_STORE,
    OPT_CONTENT_ID,
    OPT_SYSTEMS,
    OPT_KEY_URI,
};

extern const struct sv_tool sv_package_tool;

#endif
