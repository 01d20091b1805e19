/* creds.h -- the platforms' credentials file: 0600, saved whole by rename */
#ifndef SV_CREDS_H
#define SV_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

/*
 * The file is one JSON object with an object per platform:
 *   {"youtube": {"client_id", "client_secret", "access_token",
 *                "refresh_token", "expires_at" (ms since the epoch)}, ...}
 * SV_<NAME>_CLIENT_ID / _CLIENT_SECRET / _ACCESS_TOKEN / _REFRESH_TOKEN in
 * the environment win over the file (nothing secret on a command line).
 * One store is shared by the threads of a run: every read and write holds
 * its lock.
 */
struct sv_creds;

/*
 * Opens path (NULL: $SV_PUBLISH_CREDENTIALS, else
 * $XDG_CONFIG_HOME/sv/credentials.json or ~/.config/sv/credentials.json).
 * A missing file is an empty store; one readable by group or others is
 * refused (SV_EAUTH), as ssh refuses such keys.  Returns 0 or a negative
 * code with err.
 */
int sv_creds_open(const char *path, struct sv_creds **out, char *err,
                  size_t size);
void sv_creds_free(struct sv_creds *s);
const char *sv_creds_path(const struct sv_creds *s);

/*
 * Copies field of platform into buf (size bytes); the environment first.
 * Returns 0, -ENOENT when neither has it, SV_ELIMIT when it does not fit.
 */
int sv_creds_get(struct sv_creds *s, const char *platform, const char *field,
                 char *buf, size_t size);
int64_t sv_creds_get_int(struct sv_creds *s, const char *platform,
                         const char *field);

/*
 * Sets the fields of upd (an object; stolen) on platform and writes the
 * whole file again: a temporary file 0600 beside it, fsync, rename, so a
 * crash leaves the old file or the new one and never loses the newest
 * refresh token.  Returns 0 or a negative code with err.
 */
int sv_creds_update(struct sv_creds *s, const char *platform, json_t *upd,
                    char *err, size_t size);

#endif
