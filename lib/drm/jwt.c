/* jwt.c -- JSON Web Tokens (RFC 7519) for licenses: HS256 and ES256 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/hmac.h"
#include "drm/jwt.h"

int
sv_drm_jwt_prepare(struct sv_drm_jwt_keys *keys)
{
    if (keys->secret == NULL || keys->hs256 != NULL)
        return 0;
    return sv_hmac_key_new(keys->secret, keys->secret_len, &keys->hs256);
}

void
sv_drm_jwt_keys_release(struct sv_drm_jwt_keys *keys)
{
    sv_hmac_key_free(keys->hs256);
    keys->hs256 = NULL;
}

/* HS256 over msg, through the prepared key when there is one */
static int
hs256(const struct sv_drm_jwt_keys *keys, const char *msg, size_t len,
      uint8_t mac[32])
{
    if (keys->hs256 != NULL)
        return sv_hmac_sha256_keyed(keys->hs256, msg, len, mac);
    return sv_hmac_sha256(keys->secret, keys->secret_len, msg, len, mac);
}

static char *
b64url_json(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS), *o;
    size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    o = malloc(sv_b64_len(n, 1) + 1);
    if (o != NULL)
        sv_b64_encode((uint8_t *)s, n, o, 1);
    free(s);
    return o;
}

int
sv_drm_jwt_sign(const char *alg, const struct sv_drm_jwt_keys *keys,
                const json_t *claims, char **out)
{
    uint8_t sig[64];
    size_t siglen, n;
    char *h = NULL, *c = NULL, *tok = NULL;
    json_t *hdr;
    int hs = strcmp(alg, "HS256") == 0, rc;

    if (hs ? keys->secret == NULL
           : strcmp(alg, "ES256") != 0 || keys->es256 == NULL)
        return SV_EUSAGE;
    hdr = json_pack("{s:s,s:s}", "alg", alg, "typ", "JWT");
    if (hdr == NULL)
        return -ENOMEM;
    h = b64url_json(hdr);
    json_decref(hdr);
    c = b64url_json(claims);
    rc = -ENOMEM;
    if (h == NULL || c == NULL)
        goto done;
    n = strlen(h) + 1 + strlen(c);
    tok = malloc(n + 1 + sv_b64_len(64, 1) + 1);
    if (tok == NULL)
        goto done;
    snprintf(tok, n + 1, "%s.%s", h, c);
    if (hs) {
        rc = hs256(keys, tok, n, sig);
        siglen = 32;
    } else {
        rc = sv_drm_es256_sign(keys->es256, tok, n, sig);
        siglen = 64;
    }
    if (rc < 0)
        goto done;
    tok[n] = '.';
    sv_b64_encode(sig, siglen, tok + n + 1, 1);
    *out = tok;
    tok = NULL;
    rc = 0;
done:
    free(tok);
    free(h);
    free(c);
    return rc;
}

/* Decodes one base64url JSON object part. */
static json_t *
part_json(const char *s, size_t len)
{
    uint8_t buf[SV_DRM_JWT_MAX];
    json_error_t je;
    json_t *j;
    long n;

    n = sv_b64_decode(s, len, buf, sizeof(buf), 1);
    if (n < 0)
        return NULL;
    j = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/*
 * The header's alg when the header is a flat object of plain strings
 * ({"alg":"HS256","typ":"JWT"}: every signer's), read without a JSON tree:
 * 1 with alg copied into alg (NUL-terminated), 0 for any other shape (the
 * JSON parser then reads it), -1 when it is that shape without an alg.
 */
static int
header_alg(const char *s, size_t len, char alg[32])
{
    uint8_t buf[512];
    const char *p, *e, *names[8], *v;
    size_t nlen[8], n = 0, i, vl;
    long got;
    int found = 0;

    got = sv_b64_decode(s, len, buf, sizeof(buf), 1);
    if (got < 0)
        return 0;
    p = (const char *)buf;
    e = p + got;
#define WS() while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || \
                              *p == '\r')) p++
#define STR(o, ol) do {                                                  \
        const char *q_;                                                  \
        if (p >= e || *p != '"')                                         \
            return 0;                                                    \
        for (q_ = ++p; q_ < e && *q_ != '"'; q_++)                       \
            if (*q_ == '\\' || (unsigned char)*q_ < 0x20 ||             \
                (unsigned char)*q_ >= 0x80)                              \
                return 0;                                                \
        if (q_ >= e)                                                     \
            return 0;                                                    \
        (o) = p;                                                         \
        (ol) = (size_t)(q_ - p);                                         \
        p = q_ + 1;                                                      \
    } while (0)
    WS();
    if (p >= e || *p++ != '{')
        return 0;
    for (;;) {
        if (n == sizeof(names) / sizeof(names[0]))
            return 0;
        WS();
        STR(names[n], nlen[n]);
        for (i = 0; i < n; i++)
            if (nlen[i] == nlen[n] && memcmp(names[i], names[n], nlen[n]) == 0)
                return 0;
        WS();
        if (p >= e || *p++ != ':')
            return 0;
        WS();
        STR(v, vl);
        if (nlen[n] == 3 && memcmp(names[n], "alg", 3) == 0) {
            if (vl >= 32)
                return 0;
            memcpy(alg, v, vl);
            alg[vl] = '\0';
            found = 1;
        }
        n++;
        WS();
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p >= e || *p++ != '}')
            return 0;
        break;
    }
    WS();
#undef STR
#undef WS
    if (p != e)
        return 0;
    return found ? 1 : -1;
}

static int
time_claim(const json_t *claims, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(claims, name);

    if (v == NULL)
        return 0;
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_real(v) && json_real_value(v) > -9e15 &&
             json_real_value(v) < 9e15)
        *out = (int64_t)json_real_value(v);
    else
        return SV_EFORMAT;
    return 1;
}

int
sv_drm_jwt_verify(const char *token, size_t len,
                  const struct sv_drm_jwt_keys *keys, int64_t now,
                  int64_t leeway, json_t **claims, char *err, size_t size)
{
    const char *d1, *d2, *alg;
    json_t *hdr = NULL, *cl = NULL;
    uint8_t sig[80], mac[32];
    char algbuf[32];
    int64_t exp = 0, nbf = 0;
    long n;
    int rc = SV_EFORMAT, k;

    if (len > SV_DRM_JWT_MAX) {
        snprintf(err, size, "token is too long");
        return SV_EFORMAT;
    }
    d1 = memchr(token, '.', len);
    d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))
                    : NULL;
    if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token))) {
        snprintf(err, size, "token is not three dot-separated parts");
        return SV_EFORMAT;
    }
    k = header_alg(token, (size_t)(d1 - token), algbuf);
    if (k == 0)
        hdr = part_json(token, (size_t)(d1 - token));
    cl = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if ((k == 0 && hdr == NULL) || cl == NULL) {
        snprintf(err, size, "token header or claims are not base64url JSON");
        goto fail;
    }
    alg = k == 1 ? algbuf : k < 0 ? NULL
                          : json_string_value(json_object_get(hdr, "alg"));
    if (alg == NULL) {
        snprintf(err, size, "token header has no alg");
        goto fail;
    }
    n = sv_b64_decode(d2 + 1, len - (size_t)(d2 + 1 - token), sig,
                          sizeof(sig), 1);
    rc = SV_EAUTH;
    if (strcmp(alg, "HS256") == 0 && keys->secret != NULL) {
        if (n != 32 || hs256(keys, token, (size_t)(d2 - token), mac) < 0 ||
            !sv_ct_equal(mac, sig, 32)) {
            snprintf(err, size, "bad signature");
            goto fail;
        }
    } else if (strcmp(alg, "ES256") == 0 && keys->es256 != NULL) {
        if (n != 64 || sv_drm_es256_verify(keys->es256, token,
                                           (size_t)(d2 - token), sig) < 0) {
            snprintf(err, size, "bad signature");
            goto fail;
        }
    } else {
        snprintf(err, size, "algorithm '%.16s' is not accepted", alg);
        goto fail;
    }
    k = time_claim(cl, "exp", &exp);
    if (k <= 0) {
        snprintf(err, size, k == 0 ? "token has no exp" : "bad exp");
        goto fail;
    }
    if (time_claim(cl, "nbf", &nbf) < 0) {
        snprintf(err, size, "bad nbf");
        goto fail;
    }
    if (now > exp + leeway) {
        snprintf(err, size, "token expired");
        goto fail;
    }
    if (nbf > 0 && now + leeway < nbf) {
        snprintf(err, size, "token is not valid yet");
        goto fail;
    }
    json_decref(hdr);
    *claims = cl;
    return 0;
fail:
    json_decref(hdr);
    json_decref(cl);
    return rc;
}

static int
grants_kid(const json_t *kids, const uint8_t kid[16])
{
    const json_t *v;
    uint8_t b[16];
    size_t i;

    json_array_foreach(kids, i, v) {
        if (json_is_string(v) && sv_uuid_parse(json_string_value(v),
                                                   b) == 0 &&
            memcmp(b, kid, 16) == 0)
            return 1;
    }
    return 0;
}

static int
addr_in(const json_t *ip, const uint8_t addr[16])
{
    struct sv_drm_cidr c;
    const json_t *v;
    size_t i;

    if (json_is_string(ip))
        return sv_drm_cidr_parse(json_string_value(ip), &c) == 0 &&
               sv_drm_cidr_contains(&c, addr);
    json_array_foreach(ip, i, v) {
        if (json_is_string(v) &&
            sv_drm_cidr_parse(json_string_value(v), &c) == 0 &&
            sv_drm_cidr_contains(&c, addr))
            return 1;
    }
    return 0;
}

static int
country_in(const json_t *list, const char *cc)
{
    const json_t *v;
    size_t i;

    json_array_foreach(list, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), cc) == 0)
            return 1;
    }
    return 0;
}

int
sv_drm_jwt_allow(const json_t *claims, const struct sv_drm_jwt_want *w,
                 char *err, size_t size)
{
    const json_t *cid = json_object_get(claims, "cid");
    const json_t *kids = json_object_get(claims, "kids");
    const json_t *ip = json_object_get(claims, "ip");
    const json_t *cc = json_object_get(claims, "countries");
    const char *where;
    size_t i;

    if (w->content_id != NULL &&
        (!json_is_string(cid) ||
         strcmp(json_string_value(cid), w->content_id) != 0)) {
        snprintf(err, size, "token is for another content id");
        return -EACCES;
    }
    if (kids == NULL && w->nkids > 0 && !json_is_string(cid)) {
        snprintf(err, size, "token names no content id or key ids");
        return -EACCES;
    }
    if (kids != NULL) {
        if (!json_is_array(kids)) {
            snprintf(err, size, "token kids is not an array");
            return -EACCES;
        }
        for (i = 0; i < w->nkids; i++) {
            if (!grants_kid(kids, w->kids[i])) {
                snprintf(err, size, "token does not grant key %zu", i + 1);
                return -EACCES;
            }
        }
    }
    if (ip != NULL && (w->addr == NULL || !addr_in(ip, w->addr))) {
        snprintf(err, size, "token is for another client address");
        return -EACCES;
    }
    if (cc != NULL) {
        if (!json_is_array(cc)) {
            snprintf(err, size, "token countries is not an array");
            return -EACCES;
        }
        if (w->geo == NULL || w->addr == NULL) {
            snprintf(err, size, "token limits countries and no country "
                     "table is loaded");
            return -EACCES;
        }
        where = sv_drm_geo_country(w->geo, w->addr);
        if (where == NULL || !country_in(cc, where)) {
            snprintf(err, size, "client country %s is not allowed",
                     where != NULL ? where : "unknown");
            return -EACCES;
        }
    }
    return 0;
}
