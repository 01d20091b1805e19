/* opts.h -- what sv-ingest's option table fills */
#ifndef SV_INGEST_OPTS_H
#define SV_INGEST_OPTS_H

#include <stdint.h>

#include "core/opt.h"
#include "ingest/ingest.h"

struct sv_ingest_args {
    struct sv_ingest_conf conf;
    const char *events;
    const char *sign_key;
    int64_t expires_us;
};

/* the table's rows point into this */
extern struct sv_ingest_args sv_ingest_args;
extern const struct sv_tool sv_ingest_tool;

#endif
