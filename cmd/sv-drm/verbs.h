/* verbs.h -- sv-drm's commands, one file and one entry point each */
#ifndef SV_DRM_VERBS_H
#define SV_DRM_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/opt.h"
#include "drm/jwt.h"

#define SV_DRM_MAX_REPEAT 64

/* Everything the command line can say; the option table fills it. */
struct sv_drm_opts {
    const char *cmd;
    char **args;                /* operands */
    int nargs;

    const char *output;         /* -o: file instead of stdout */
    const char *store;          /* --store: keystore path */
    const char *key_file;       /* --key: key document */
    const char *content_id;
    /* lists keep a NULL after the last item */
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
    int64_t crypto_period;      /* cenc/cbcs: new key every n segments */

    /* serve */
    const char *listen;
    const char *tls_cert, *tls_key;
    int64_t stop_timeout_us;    /* graceful stop bound */
    const char *cors;
    int64_t rate;               /* requests per second per client */
    int64_t workers;            /* event loops */
    const char *events;

    /* ledger */
    const char *ledger;         /* serve --ledger: the ledger file */
    int64_t checkpoint_every;   /* records between checkpoints */
    int64_t checkpoint_us;      /* time between checkpoints */
    const char *pubkey;         /* verify --pubkey: PEM */
    const char *checkpoint;     /* verify --checkpoint: exported JSON */
    const char *since;          /* show --since SEQ|TIME */

    /* watermark */
    const char *wm_key;         /* --watermark-key: the mark's secret */
    const char *wm_amplitude;   /* luma levels (a number) */
    int64_t wm_crf;
    const char *wm_preset;
    const char *package;        /* detect --package */
    const char *viewers;        /* detect --viewers: candidates */
    const char *wm_threshold;   /* |rho| at or below: bit unknown */
    const char *wm_max_false;   /* name a viewer only this sure */
};

/* the table's rows point into this */
extern struct sv_drm_opts sv_drm_opts;
extern const struct sv_tool sv_drm_tool;

/*
 * The commands: each checks its operands and options, runs, and returns an
 * exit status (core/exit.h) after printing any message.
 */
int sv_drm_cmd_keygen(struct sv_drm_opts *o);
int sv_drm_cmd_keys(struct sv_drm_opts *o);
int sv_drm_cmd_token(struct sv_drm_opts *o);
int sv_drm_cmd_cpix(struct sv_drm_opts *o);
int sv_drm_cmd_encrypt(struct sv_drm_opts *o);
int sv_drm_cmd_decrypt(struct sv_drm_opts *o);
int sv_drm_cmd_serve(struct sv_drm_opts *o);
int sv_drm_cmd_ledger(struct sv_drm_opts *o);
int sv_drm_cmd_watermark(struct sv_drm_opts *o);

/* the watermark key file when --watermark-key is not given */
#define SV_DRM_WM_KEY_ENV "SV_WATERMARK_KEY_FILE"

/* ledger verify: intact but not closed (3), ending in a torn record (4) */
#define SV_DRM_EXIT_OPEN 3
#define SV_DRM_EXIT_TORN 4

/* ---- shared.c: helpers of several commands ---- */

/* Usage errors of keys and serve: no operand, keys from --store or --key. */
int sv__drm_check_keys(const struct sv_drm_opts *o, const char *cmd);

/* Keys from --key or --store (with selection). */
int sv__drm_load_keys(const struct sv_drm_opts *o, json_t **doc);

/* Writes a JSON document to -o (atomically, mode) or stdout. */
int sv__drm_output(const struct sv_drm_opts *o, const json_t *doc, int mode);

/* A copy of a key document with key ids and labels, without key material. */
json_t *sv__drm_public_view(const json_t *doc);

/* encrypt.c: encrypts (or decrypts) the package o->args[0]. */
int sv__drm_protect(const struct sv_drm_opts *o, int encrypt);

/* HS256 secret: the bytes of this variable (at least 32). */
#define SV_DRM_JWT_SECRET_ENV "SV_DRM_JWT_SECRET"

/*
 * Fills keys from SV_DRM_JWT_SECRET and o->jwt_key (an EC P-256 PEM file).
 * At least one must be there.  Returns 0, or SV_EUSAGE / a negative code
 * with a message in err.  Release with sv__drm_token_keys_release().
 */
int sv__drm_token_keys(const struct sv_drm_opts *o,
                       struct sv_drm_jwt_keys *keys, char *err, size_t size);

void sv__drm_token_keys_release(struct sv_drm_jwt_keys *keys);

struct sv_drm_geo;

/*
 * What `token` and `serve` check JWTs with: the keys as above and the
 * --geo table (*geo NULL without it).  Logs what went wrong; returns 0, or
 * an exit status (SV_EXIT_USAGE, SV_EXIT_FAIL) with nothing to release.
 */
int sv__drm_token_setup(const struct sv_drm_opts *o,
                        struct sv_drm_jwt_keys *keys,
                        struct sv_drm_geo **geo);

/*
 * The ledger's signing key from the keystore o->store (created there when
 * it has none).  Logs what went wrong; returns 0 or an exit status.
 */
int sv__drm_ledger_key(const struct sv_drm_opts *o, uint8_t seed[32]);

#endif
