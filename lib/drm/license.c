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
sv_drm_license_authorize(const struct sv_drm_keytab *keys,
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
        const struct sv_drm_key *k = sv_drm_keytab_find(keys, kids[i]);
        const char *kc;

        if (k == NULL) {
            snprintf(err, size, "unknown key id");
            rc = -ENOENT;
            goto fail;
        }
        if (json_object_get(cl, "kids") != NULL)
            continue;
        kc = k->content_id;
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
sv_drm_license_response(const struct sv_drm_keytab *keys,
                        const uint8_t (*kids)[16],
                        size_t nkids, const char *type, char **out,
                        size_t *len)
{
    /* every field is base64url or one of the two types: no escaping */
    static const char head[] = "{\"keys\":[", tail[] = "],\"type\":\"";
    static const char k1[] = "{\"kty\":\"oct\",\"kid\":\"",
                      k2[] = "\",\"k\":\"", k3[] = "\"}";
    size_t tlen = strlen(type), cap, n = 0, i;
    char *b;

    if (strcmp(type, "temporary") != 0 &&
        strcmp(type, "persistent-license") != 0)
        return -EINVAL;
    /* 22 characters of base64url (and a NUL) for each 16 bytes */
    cap = sizeof(head) + nkids * (sizeof(k1) + sizeof(k2) + sizeof(k3) +
                                  1 + 2 * 24) + sizeof(tail) + tlen + 3;
    b = malloc(cap);
    if (b == NULL)
        return -ENOMEM;
    memcpy(b, head, sizeof(head) - 1);
    n = sizeof(head) - 1;
    for (i = 0; i < nkids; i++) {
        const struct sv_drm_key *k = sv_drm_keytab_find(keys, kids[i]);

        if (k == NULL) {
            explicit_bzero(b, n);
            free(b);
            return -ENOENT;
        }
        if (i > 0)
            b[n++] = ',';
        memcpy(b + n, k1, sizeof(k1) - 1);
        n += sizeof(k1) - 1;
        sv_b64_encode(kids[i], 16, b + n, 1);
        n += sv_b64_len(16, 1);
        memcpy(b + n, k2, sizeof(k2) - 1);
        n += sizeof(k2) - 1;
        sv_b64_encode(k->key, 16, b + n, 1);
        n += sv_b64_len(16, 1);
        memcpy(b + n, k3, sizeof(k3) - 1);
        n += sizeof(k3) - 1;
    }
    memcpy(b + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    memcpy(b + n, type, tlen);
    n += tlen;
    b[n++] = '"';
    b[n++] = '}';
    b[n] = '\0';
    *out = b;
    *len = n;
    return 0;
}
