/* keystore.h -- keys at rest: one file, AES-256-GCM under a master key */
#ifndef SV_DRM_KEYSTORE_H
#define SV_DRM_KEYSTORE_H

#include <stdint.h>

#include "core/json.h"

/*
 * The file is one JSON object, mode 0600:
 *
 *   {"format":"sv-drm-keystore","v":1,"cipher":"AES-256-GCM",
 *    "nonce":B64,"tag":B64,"data":B64}
 *
 * data is a key document (see key.h) sealed with the master key, a fresh
 * 12-byte nonce per write and the text "sv-drm-keystore v1" as additional
 * data.  The master key comes from the environment (SV_DRM_MASTER_KEY: 64
 * hex digits), never from the command line.
 */
#define SV_DRM_MASTER_ENV "SV_DRM_MASTER_KEY"

/*
 * Reads the master key from the environment.  On failure writes a message
 * into err and returns SV_EUSAGE.
 */
int sv_drm_master_key(uint8_t key[32], char *err, size_t size);

/*
 * Opens path, refusing a file others may read or write (mode & 077), and
 * decrypts it.  Stores a new key document in *out.  Errors (with a message
 * naming path in err): -ENOENT, SV_EAUTH (wrong master key or a changed
 * file), SV_EFORMAT, -EPERM (permissions).
 */
int sv_drm_keystore_load(const char *path, const uint8_t master[32],
                         json_t **out, char *err, size_t size);

/*
 * Adds the keys of add (a key document) to the keystore at path, creating
 * it (O_EXCL, 0600) when it does not exist, or rewriting it atomically
 * under an exclusive lock.  A key id already in the store is an error
 * (SV_EEXIST).  Returns 0 or a negative code with a message in err.
 */
int sv_drm_keystore_add(const char *path, const uint8_t master[32],
                        const json_t *add, char *err, size_t size);

/*
 * The Ed25519 private key that signs the licence ledger's checkpoints,
 * kept in the keystore's document as "ledger_key" (64 hex digits).  When
 * the store has none (or does not exist) and create is set, a new one is
 * made and the store rewritten (created) as keystore_add does; otherwise
 * that is -ENOENT.  Returns 0 with the key in seed, or a negative code
 * with a message in err.
 */
int sv_drm_keystore_ledger_key(const char *path, const uint8_t master[32],
                               int create, uint8_t seed[32], char *err,
                               size_t size);

#endif
