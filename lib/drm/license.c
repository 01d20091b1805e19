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

/* ---- the request's usual shape, without a JSON tree ------------------- */

static const char *
ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* a string without escapes or control characters: its text in *s, *n */
static const char *
plain_string(const char *p, const char *e, const char **s, size_t *n)
{
    const char *q;

    if (p >= e || *p != '"')
        return NULL;
    for (q = ++p; q < e && *q != '"'; q++)
        if (*q == '\\' || (unsigned char)*q < 0x20)
            return NULL;
    if (q >= e)
        return NULL;
    *s = p;
    *n = (size_t)(q - p);
    return q + 1;
}

/*
 * {"kids":[B64URL,...],"type":T} in any order, with any white space, each
 * member at most once, strings without escapes: what every player sends.
 * Returns 1 when body is that and valid, 0 for anything else (which the
 * full JSON parser then reads, for its verdict and its message).
 */
static int
parse_plain(const char *p, size_t len, struct sv_drm_license_req *r)
{
    const char *e = p + len, *s;
    int kids = 0, type = 0;
    size_t n;

    p = ws(p, e);
    if (p >= e || *p++ != '{')
        return 0;
    for (;;) {
        p = plain_string(ws(p, e), e, &s, &n);
        if (p == NULL)
            return 0;
        p = ws(p, e);
        if (p >= e || *p++ != ':')
            return 0;
        p = ws(p, e);
        if (n == 4 && memcmp(s, "kids", 4) == 0 && !kids) {
            kids = 1;
            if (p >= e || *p++ != '[')
                return 0;
            r->nkids = 0;
            for (;;) {
                uint8_t b[20];

                if (r->nkids == SV_DRM_LICENSE_MAX_KIDS)
                    return 0;
                p = plain_string(ws(p, e), e, &s, &n);
                if (p == NULL || sv_b64_decode(s, n, b, sizeof(b), 1) != 16)
                    return 0;
                memcpy(r->kids[r->nkids++], b, 16);
                p = ws(p, e);
                if (p < e && *p == ',') {
                    p++;
                    continue;
                }
                if (p >= e || *p++ != ']')
                    return 0;
                break;
            }
        } else if (n == 4 && memcmp(s, "type", 4) == 0 && !type) {
            type = 1;
            p = plain_string(p, e, &s, &n);
            if (p == NULL || n >= sizeof(r->type) ||
                !((n == 9 && memcmp(s, "temporary", 9) == 0) ||
                  (n == 18 && memcmp(s, "persistent-license", 18) == 0)))
                return 0;
            memcpy(r->type, s, n);
            r->type[n] = '\0';
        } else {
            return 0;
        }
        p = ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p >= e || *p++ != '}')
            return 0;
        break;
    }
    if (ws(p, e) != e || !kids)
        return 0;
    if (!type)
        memcpy(r->type, "temporary", sizeof("temporary"));
    return 1;
}

int
sv_drm_license_parse(const char *body, size_t len,
                     struct sv_drm_license_req *r, char *err, size_t size)
{
    if (len <= SV_DRM_LICENSE_MAX_BODY && parse_plain(body, len, r))
        return 0;
    return sv_drm_license_parse_tree(body, len, r, err, size);
}

int
sv_drm_license_parse_tree(const char *body, size_t len,
                          struct sv_drm_license_req *r, char *err,
                          size_t size)
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
