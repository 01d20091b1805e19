/* opts.h -- what sv-package's option table fills */
#ifndef SV_PACKAGE_OPTS_H
#define SV_PACKAGE_OPTS_H

#include "core/opt.h"
#include "pack/package.h"

/* --manifests, in the order of the table's words */
enum { MANIFESTS_HLS, MANIFESTS_DASH, MANIFESTS_BOTH, MANIFESTS_BOTH2 };

struct sv_package_args {
    struct sv_pack_opts o;
    const char *events;
    int manifests;
    const char *key_file, *store, *content_id, *systems;
    const char *pathways[16];   /* --pathway ID=URL */
    int npathways;
    const char *steering_uri;
};

/* the table's rows point into this */
extern struct sv_package_args sv_package_args;
extern const struct sv_tool sv_package_tool;

#endif
