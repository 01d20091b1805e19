/* token.h -- signed URL tokens: HMAC-SHA256 over a path prefix and expiry
 *
 * A token is "<payload>.<mac>", both base64url without padding.  payload
 * decodes to a query string "v=1&p=<prefix>&e=<expiry>[&a=<addr>][&s=<sub>]"
 * (values percent-encoded where needed); mac is HMAC-SHA256(key, <payload>
 * as the base64url text).  A token grants every path that starts with the
 * prefix until the expiry (Unix seconds), optionally only to one client
 * address.  sv-serve checks tokens; sv-drm issues them.
 */
#ifndef SV_TOKEN_H
#define SV_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define SV_TOKEN_MAX 1024       /* longest token text we make or accept */
#define SV_TOKEN_FIELD 256      /* longest prefix, address or subject */

struct sv_token {
    char prefix[SV_TOKEN_FIELD];    /* "/live/" */
    int64_t expires;                /* Unix seconds */
    char addr[64];                  /* "" for any client */
    char subject[SV_TOKEN_FIELD];   /* "" for none */
};

/* why a token was refused */
enum sv_token_status {
    SV_TOKEN_OK = 0,
    SV_TOKEN_MALFORMED,
    SV_TOKEN_BAD_MAC,
    SV_TOKEN_EXPIRED,
    SV_TOKEN_WRONG_PATH,
    SV_TOKEN_WRONG_ADDR,
};

/*
 * Writes the token for t under key into out (outsz bytes, NUL-terminated).
 * Returns its length, SV_EUSAGE for an empty prefix or a field with control
 * characters, SV_ELIMIT when out is too small, or -EINVAL.
 */
int sv_token_sign(const void *key, size_t keylen, const struct sv_token *t,
                  char *out, size_t outsz);

/*
 * Checks token (len bytes) for a request of path from addr at time now
 * (Unix seconds).  Fills *t (when not NULL) from a well-formed token even if
 * it is refused.  Returns SV_TOKEN_OK or the reason it is refused.
 */
enum sv_token_status sv_token_verify(const void *key, size_t keylen,
                                     const char *token, size_t len,
                                     const char *path, const char *addr,
                                     int64_t now, struct sv_token *t);

/* "ok", "malformed", "bad signature", "expired", "wrong path", ... */
const char *sv_token_status_str(enum sv_token_status st);

#endif
