/* opts.h -- what sv-serve's option table fills */
#ifndef SV_SERVE_OPTS_H
#define SV_SERVE_OPTS_H

#include <stdint.h>

#include "core/opt.h"
#include "serve/serve.h"

struct sv_serve_args {
    struct sv_serve_conf c;
    const char *listen[16];     /* the table's limits are these sizes */
    int nlisten;
    const char *cors[32];
    int ncors;
    const char *tracker_origins[32];
    int ntracker_origins;
    int64_t rate, burst;    /* whole numbers; the engine takes doubles */
};

/* the table's rows point into this */
extern struct sv_serve_args sv_serve_args;
extern const struct sv_tool sv_serve_tool;

#endif
