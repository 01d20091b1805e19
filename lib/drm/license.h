/* license.h -- W3C ClearKey license requests and responses, and who may
 * have which key (the logic of `sv-drm serve`, without the HTTP) */
#ifndef SV_DRM_LICENSE_H
#define SV_DRM_LICENSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "drm/cidr.h"
#include "drm/jwt.h"
#include "drm/key.h"

#define SV_DRM_LICENSE_MAX_BODY 16384
#define SV_DRM_LICENSE_MAX_KIDS 32

/* A ClearKey license request: {"kids":[B64URL,...],"type":"temporary"}. */
struct sv_drm_license_req {
    uint8_t kids[SV_DRM_LICENSE_MAX_KIDS][16];
    size_t nkids;
    char type[24];              /* "temporary" or "persistent-license" */
};

/*
 * Parses a request body (at most SV_DRM_LICENSE_MAX_BODY bytes).  Returns 0,
 * or SV_EFORMAT / SV_ELIMIT with the reason in err.
 */
int sv_drm_license_parse(const char *body, size_t len,
                         struct sv_drm_license_req *r, char *err,
                         size_t size);

/*
 * The same through a JSON tree: what sv_drm_license_parse() falls back to
 * for anything but the usual shape (a flat object of "kids" and "type",
 * strings without escapes), which it reads without one.  For tests.
 */
int sv_drm_license_parse_tree(const char *body, size_t len,
                              struct sv_drm_license_req *r, char *err,
                              size_t size);

/*
 * Decides whether token (len bytes) lets the client at addr (128-bit form)
 * have the keys kids: a valid JWT (401 otherwise) that names them in
 * "kids", or whose "cid" is the content id of every one of them, from an
 * allowed address and country (403 otherwise); each key id must be in
 * keys (404 otherwise).  Returns 0 with the claims (a new reference) in
 * *claims, or SV_EAUTH, -EACCES, -ENOENT with the reason in err.
 */
int sv_drm_license_authorize(const struct sv_drm_keytab *keys,
                             const struct sv_drm_jwt_keys *jwt,
                             const struct sv_drm_geo *geo, const char *token,
                             size_t len, const uint8_t addr[16],
                             const uint8_t (*kids)[16], size_t nkids,
                             int64_t now, json_t **claims, char *err,
                             size_t size);

/*
 * The response: {"keys":[{"kty":"oct","kid":B64URL,"k":B64URL}],
 * "type":type}.  Stores a new string in *out (wipe and free() it).
 */
int sv_drm_license_response(const struct sv_drm_keytab *keys,
                            const uint8_t (*kids)[16], size_t nkids,
                            const char *type, char **out, size_t *len);

#endif
