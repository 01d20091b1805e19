/* protect.h -- encrypt or decrypt a whole package, atomically */
#ifndef SV_DRM_PROTECT_H
#define SV_DRM_PROTECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

struct sv_drm_protect {
    const char *dir;            /* the package (package.json inside) */
    int encrypt;                /* 1 encrypt, 0 decrypt */
    const char *scheme;         /* cenc | cbcs | aes-128 (encrypt) */
    const json_t *keys;         /* key document (borrowed) */
    unsigned systems;           /* sv_drm_system bits to signal */
    const char *key_uri;        /* HLS key URI; "{kid}" is replaced */
    int64_t rotate;             /* aes-128: a new key every n segments */
    int64_t crypto_period;      /* cenc/cbcs: a new key every n segments */
};

/*
 * Encrypts (or decrypts) every init and media segment the package model
 * names, records what was done in package.json's "encryption" (removes it
 * when decrypting) and renders the manifests again with key signalling.
 * The new package is built beside the old one and swapped in with one
 * atomic rename; on any failure the package is left as it was.  On
 * success stores a summary (a new reference) in *summary.  Errors
 * (message in err): SV_EEXIST (already encrypted), SV_ENOMEDIA (not
 * encrypted), SV_EFORMAT, SV_EUSAGE (a missing key), I/O errors.
 */
int sv_drm_protect_run(const struct sv_drm_protect *p, json_t **summary,
                       char *err, size_t size);

#endif
