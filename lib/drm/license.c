/* license.c -- W3C ClearKey license requests and responses, and who may
 * have which key */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/textenc.h"
#include "drm/key.h"
#include "drm/license.h"

int
sv_drm_license_parse(const char *body, size_t len,
                     struct sv_drm_license_req *r, char *err, size_t size)
{
    json_error_t je;
    json_t *root, *kids, *v;
    const char *type;
    size_t i;
    int rc = SV_EFORMAT;

    if (len > SV_DRM_LICENSE_MAX_BODY) {
        snprintf(err, size, "request larger than %d bytes",
                 SV_DRM_LICENSE_MAX_BODY);
        return SV_ELIMIT;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL || !json_is_object(root)) {
        snprintf(err, size, "request is not a JSON object");
        goto done;
    }
    kids = json_object_get(root, "kids");
    if (!json_is_array(kids) || json_array_size(kids) == 0) {
        snprintf(err, size, "request has no \"kids\" array");
        goto done;
    }
    if (json_array_size(kids) > SV_DRM_LICENSE_MAX_KIDS) {
        snprintf(err, size, "request asks for more than %d keys",
                 SV_DRM_LICENSE_MAX_KIDS);
        rc = SV_ELIMIT;
        goto done;
    }
    json_array_foreach(kids, i, v) {
        uint8_t b[20];

        if (!json_is_string(v) ||
            sv_b64_decode(json_string_value(v), json_string_length(v),
                              b, sizeof(b), 1) != 16) {
            snprintf(err, size, "kid %zu is not 16 bytes of base64url",
                     i + 1);
            goto done;
        }
        memcpy(r->kids[i], b, 16);
    }
    r->nkids = json_array_size(kids);
    v = json_object_get(root, "type");
    type = v == NULL ? "temporary" : json_string_value(v);
    if (type == NULL || (strcmp(type, "temporary") != 0 &&
                         strcmp(type, "persistent-license") != 0)) {
        snprintf(err, size, "unknown session type");
        goto done;
    }
    snprintf(r->type, sizeof(r->type), "%s", type);
    rc = 0;
done:
    json_decref(root);
    return rc;
}

int
sv_drm_license_authorize(const json_t *keys,
                         const struct sv_drm_jwt_keys *jwt,
                         const struct sv_drm_geo *geo, const char *token,
                         size_t len, const uint8_t addr[16],
                         const uint8_t (*kids)[16], size_t nkids,
                         int64_t now, json_t **claims, char *err,
                         size_t size)
{
    struct sv_drm_jwt_want w;
    const char *cid;
    json_t *cl = NULL;
    size_t i;
    int rc;

    if (token == NULL || len == 0) {
        snprintf(err, size, "no token");
        return SV_EAUTH;
    }
    rc = sv_drm_jwt_verify(token, len, jwt, now, 5, &cl, err, size);
    if (rc < 0)
        return SV_EAUTH;
    memset(&w, 0, sizeof(w));
    w.addr = addr;
    w.geo = geo;
    if (json_object_get(cl, "kids") != NULL) {
        w.kids = kids;
        w.nkids = nkids;
    }
    rc = sv_drm_jwt_allow(cl, &w, err, size);
    if (rc < 0)
        goto fail;
    cid = json_string_value(json_object_get(cl, "cid"));
    for (i = 0; i < nkids; i++) {
        const json_t *k = sv_drm_keydoc_find(keys, kids[i]);
        const char *kc;

        if (k == NULL) {
            snprintf(err, size, "unknown key id");
            rc = -ENOENT;
            goto fail;
        }
        if (json_object_get(cl, "kids") != NULL)
            continue;
        kc = json_string_value(json_object_get(k, "content_id"));
        if (cid == NULL || kc == NULL || strcmp(cid, kc) != 0) {
            snprintf(err, size, cid == NULL ? "token names no content id or "
                     "key ids" : "token is for another content id");
            rc = -EACCES;
            goto fail;
        }
    }
    *claims = cl;
    return 0;
fail:
    json_decref(cl);
    return rc;
}

int
sv_drm_license_response(const json_t *keys, const uint8_t (*kids)[16],
                        size_t nkids, const char *type, char **out,
                        size_t *len)
{
    json_t *root, *arr;
    char k64[32], kid64[32];
    size_t i;
    int rc = 0;

    root = json_object();
    arr = json_array();
    if (root == NULL || arr == NULL) {
        json_decref(root);
        json_decref(arr);
        return -ENOMEM;
    }
    json_object_set_new(root, "keys", arr);
    json_object_set_new(root, "type", json_string(type));
    for (i = 0; i < nkids && rc == 0; i++) {
        struct sv_drm_key k;
        char e[160];

        if (sv_drm_key_from_json(sv_drm_keydoc_find(keys, kids[i]), &k, e,
                                 sizeof(e)) < 0) {
            rc = -ENOENT;
            break;
        }
        sv_b64_encode(k.key, 16, k64, 1);
        sv_b64_encode(kids[i], 16, kid64, 1);
        explicit_bzero(&k, sizeof(k));
        rc = json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "kty",
                                                  "oct", "kid", kid64, "k",
                                                  k64)) == 0 ? 0 : -ENOMEM;
        explicit_bzero(k64, sizeof(k64));
    }
    if (rc == 0) {
        *out = json_dumps(root, JSON_COMPACT);
        rc = *out != NULL ? 0 : -ENOMEM;
        if (rc == 0)
            *len = strlen(*out);
    }
    /* the key strings live in root: wipe them before it goes */
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *k = json_object_get(json_array_get(arr, i), "k");

        explicit_bzero((char *)json_string_value(k), json_string_length(k));
    }
    json_decref(root);
    return rc;
}
