/* run.h -- the sv-drm commands, one entry point each (cmd/sv-drm calls) */
#ifndef SV_DRM_RUN_H
#define SV_DRM_RUN_H

#include <stdint.h>

#include "core/json.h"

#define SV_DRM_MAX_REPEAT 64

/* Everything the command line can say; main() fills it from the table. */
struct sv_drm_opts {
    const char *cmd;
    char **args;                /* operands */
    int nargs;

    const char *output;         /* -o: file instead of stdout */
    const char *store;          /* --store: keystore path */
    const char *key_file;       /* --key: key document */
    const char *content_id;
    const char *labels[SV_DRM_MAX_REPEAT + 1];
    int nlabels;
    const char *kids[SV_DRM_MAX_REPEAT + 1];
    int nkids;
    int64_t periods;
    int64_t period_us;

    /* tokens */
    const char *alg;            /* HS256 | ES256 */
    const char *jwt_key;        /* PEM file for ES256 */
    int64_t ttl_us;
    int64_t nbf_us;
    const char *clients[SV_DRM_MAX_REPEAT + 1];
    int nclients;
    const char *countries[SV_DRM_MAX_REPEAT + 1];
    int ncountries;
    const char *client;         /* verify: the client address */
    const char *geo;            /* country table */
    const char *path;           /* URL token: path prefix */
    const char *token_key;      /* URL token key file */
    const char *sub;            /* token subject */

    /* cpix */
    const char *scheme;         /* cenc | cbcs | aes-128 */
    int scheme_set;
    const char *systems;        /* comma list: widevine,playready,... */
    int64_t timeout_us;

    /* encrypt */
    const char *key_uri;        /* HLS key URI template ({kid}) */
    int64_t rotate;             /* aes-128: new key every n segments */

    /* serve */
    const char *listen;
    const char *tls_cert, *tls_key;
    int64_t stop_timeout_us;    /* graceful stop bound */
    const char *cors;
    int64_t rate;               /* requests per second per client */
    int64_t workers;            /* event loops */
    const char *events;
};

/* Each returns an exit status (core/exit.h) after printing any message. */
int sv_drm_run_keygen(const struct sv_drm_opts *o);
int sv_drm_run_keys(const struct sv_drm_opts *o);
int sv_drm_run_token(const struct sv_drm_opts *o);
int sv_drm_run_cpix(const struct sv_drm_opts *o);
int sv_drm_run_serve(const struct sv_drm_opts *o);
int sv_drm_run_encrypt(const struct sv_drm_opts *o);
int sv_drm_run_decrypt(const struct sv_drm_opts *o);

/* Shared by the commands: keys from --key or --store (with selection). */
int sv__drm_load_keys(const struct sv_drm_opts *o, json_t **doc);

/* Writes a JSON document to -o (atomically, mode) or stdout. */
int sv__drm_output(const struct sv_drm_opts *o, const json_t *doc, int mode);

#endif
