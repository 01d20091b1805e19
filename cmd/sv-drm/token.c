/* token.c -- `sv-drm token sign|verify`: license JWTs, signed-URL tokens */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/textenc.h"
#include "drm/cidr.h"
#include "drm/jwt.h"
#include "drm/token.h"
#include "verbs.h"

#define SV_TOKEN_KEY_ENV "SV_TOKEN_KEY"

static int read_token(const struct sv_drm_opts *o, char *buf, size_t size);

/* The signed-URL key: --token-key FILE (trailing newlines dropped) or
 * $SV_TOKEN_KEY, at least 16 bytes, as sv-serve reads it. */
static int
url_key(const struct sv_drm_opts *o, char *key, size_t size, size_t *len)
{
    const char *env = getenv(SV_TOKEN_KEY_ENV);
    size_t n = 0;
    FILE *f;

    if (o->token_key != NULL) {
        f = fopen(o->token_key, "r");
        if (f == NULL) {
            sv_log_error("cannot open '%s': %s", o->token_key,
                         sv_strerror(-errno));
            return SV_EXIT_FAIL;
        }
        n = fread(key, 1, size, f);
        fclose(f);
        if (n == size) {
            sv_log_error("token key '%s' is longer than %zu bytes",
                         o->token_key, size - 1);
            return SV_EXIT_FAIL;
        }
        while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
            n--;
    } else if (env != NULL && strlen(env) < size) {
        n = strlen(env);
        memcpy(key, env, n);
    }
    if (n < 16) {
        sv_log_error(n == 0 ? "no URL token key: set %s or give --token-key"
                            : "URL token key is shorter than 16 bytes",
                     SV_TOKEN_KEY_ENV);
        return SV_EXIT_USAGE;
    }
    *len = n;
    return 0;
}

/* `token sign|verify --path P`: the signed-URL tokens sv-serve checks. */
static int
url_token(const struct sv_drm_opts *o)
{
    struct sv_token t;
    char key[1024], tok[SV_TOKEN_MAX + 2];
    enum sv_token_status st;
    size_t klen;
    int rc;
    json_t *j;

    rc = url_key(o, key, sizeof(key), &klen);
    if (rc != 0)
        return rc;
    memset(&t, 0, sizeof(t));
    if (strcmp(o->args[0], "sign") == 0) {
        if (o->nclients > 1 ||
            (o->nclients == 1 && strchr(o->clients[0], '/') != NULL)) {
            sv_log_error("a URL token takes one --client address");
            rc = SV_EXIT_USAGE;
            goto done;
        }
        snprintf(t.prefix, sizeof(t.prefix), "%s", o->path);
        t.expires = (int64_t)time(NULL) + o->ttl_us / 1000000;
        if (o->nclients == 1)
            snprintf(t.addr, sizeof(t.addr), "%s", o->clients[0]);
        if (o->sub != NULL)
            snprintf(t.subject, sizeof(t.subject), "%s", o->sub);
        rc = sv_token_sign(key, klen, &t, tok, sizeof(tok));
        if (rc < 0) {
            sv_log_error("cannot sign a URL token: %s", sv_strerror(rc));
            rc = rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
            goto done;
        }
        rc = puts(tok) < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
        goto done;
    }
    if (read_token(o, tok, sizeof(tok)) < 0) {
        sv_log_error("cannot read a token");
        rc = SV_EXIT_FAIL;
        goto done;
    }
    st = sv_token_verify(key, klen, tok, strlen(tok), o->path,
                         o->client != NULL ? o->client : "",
                         (int64_t)time(NULL), &t);
    if (st != SV_TOKEN_OK) {
        sv_log_error("token rejected: %s", sv_token_status_str(st));
        rc = SV_EXIT_FAIL;
        goto done;
    }
    j = json_pack("{s:s,s:I}", "prefix", t.prefix, "expires",
                  (json_int_t)t.expires);
    if (j != NULL && t.addr[0] != '\0')
        json_object_set_new(j, "client", json_string(t.addr));
    if (j != NULL && t.subject[0] != '\0')
        json_object_set_new(j, "sub", json_string(t.subject));
    rc = j != NULL && sv_json_write_line(STDOUT_FILENO, j) == 0
         ? SV_EXIT_OK : SV_EXIT_FAIL;
    json_decref(j);
done:
    explicit_bzero(key, sizeof(key));
    return rc;
}

static int
sign(const struct sv_drm_opts *o, struct sv_drm_jwt_keys *keys)
{
    const char *alg = o->alg != NULL ? o->alg
                                     : keys->es256 != NULL ? "ES256"
                                                           : "HS256";
    int64_t now = (int64_t)time(NULL);
    json_t *claims, *arr;
    uint8_t kid[16];
    char *tok = NULL, hex[33];
    int i, rc;

    claims = json_object();
    if (claims == NULL)
        return SV_EXIT_FAIL;
    json_object_set_new(claims, "iat", json_integer(now));
    json_object_set_new(claims, "exp",
                        json_integer(now + o->ttl_us / 1000000));
    if (o->nbf_us > 0)
        json_object_set_new(claims, "nbf",
                            json_integer(now + o->nbf_us / 1000000));
    if (o->content_id != NULL)
        json_object_set_new(claims, "cid", json_string(o->content_id));
    if (o->sub != NULL)
        json_object_set_new(claims, "sub", json_string(o->sub));
    if (o->nkids > 0) {
        arr = json_array();
        for (i = 0; i < o->nkids; i++) {
            sv_uuid_parse(o->kids[i], kid);
            sv_hex_encode(kid, 16, hex);
            json_array_append_new(arr, json_string(hex));
        }
        json_object_set_new(claims, "kids", arr);
    }
    if (o->nclients > 0) {
        arr = json_array();
        for (i = 0; i < o->nclients; i++)
            json_array_append_new(arr, json_string(o->clients[i]));
        json_object_set_new(claims, "ip", arr);
    }
    if (o->ncountries > 0) {
        arr = json_array();
        for (i = 0; i < o->ncountries; i++)
            json_array_append_new(arr, json_string(o->countries[i]));
        json_object_set_new(claims, "countries", arr);
    }
    rc = sv_drm_jwt_sign(alg, keys, claims, &tok);
    json_decref(claims);
    if (rc == SV_EUSAGE) {
        sv_log_error(strcmp(alg, "ES256") == 0
                     ? "ES256 needs a private key (--jwt-key)"
                     : "HS256 needs a secret in %s", SV_DRM_JWT_SECRET_ENV);
        return SV_EXIT_USAGE;
    }
    if (rc < 0) {
        sv_log_error("cannot sign token: %s", sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    rc = puts(tok) < 0 || fflush(stdout) != 0;
    free(tok);
    return rc ? SV_EXIT_FAIL : SV_EXIT_OK;
}

/* Reads the token operand, or one line of stdin for "-". */
static int
read_token(const struct sv_drm_opts *o, char *buf, size_t size)
{
    size_t n;

    if (strcmp(o->args[1], "-") != 0) {
        if (strlen(o->args[1]) >= size)
            return SV_ELIMIT;
        strcpy(buf, o->args[1]);
        return 0;
    }
    if (fgets(buf, (int)size, stdin) == NULL)
        return SV_ETRUNC;
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    return 0;
}

static int
verify(const struct sv_drm_opts *o, struct sv_drm_jwt_keys *keys,
       struct sv_drm_geo *geo)
{
    struct sv_drm_jwt_want w;
    uint8_t kids[SV_DRM_MAX_REPEAT][16], addr[16];
    char tok[SV_DRM_JWT_MAX + 2], err[256];
    json_t *claims;
    int i, rc;

    if (read_token(o, tok, sizeof(tok)) < 0) {
        sv_log_error("cannot read a token from %s",
                     strcmp(o->args[1], "-") == 0 ? "stdin" : "argument");
        return SV_EXIT_FAIL;
    }
    memset(&w, 0, sizeof(w));
    w.content_id = o->content_id;
    for (i = 0; i < o->nkids; i++)
        sv_uuid_parse(o->kids[i], kids[i]);
    w.kids = (const uint8_t (*)[16])kids;
    w.nkids = (size_t)o->nkids;
    if (o->client != NULL) {
        sv_drm_addr_parse(o->client, addr);
        w.addr = addr;
    }
    w.geo = geo;
    rc = sv_drm_jwt_verify(tok, strlen(tok), keys, (int64_t)time(NULL), 0,
                           &claims, err, sizeof(err));
    if (rc == 0) {
        rc = sv_drm_jwt_allow(claims, &w, err, sizeof(err));
        if (rc < 0)
            json_decref(claims);
    }
    if (rc < 0) {
        sv_log_error("token rejected: %s", err);
        return SV_EXIT_FAIL;
    }
    rc = sv_json_write_line(STDOUT_FILENO, claims);
    json_decref(claims);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}

/* Operands: sign, or verify and one token; one address for verify. */
static int
check(struct sv_drm_opts *o)
{
    uint8_t b[16];
    int verify;

    if (o->nargs < 1 || (strcmp(o->args[0], "sign") != 0 &&
                         strcmp(o->args[0], "verify") != 0))
        return sv_opt_usage_error("token needs 'sign' or 'verify'");
    verify = strcmp(o->args[0], "verify") == 0;
    if (!verify && o->nargs != 1)
        return sv_opt_usage_error("token sign takes no argument");
    if (verify && o->nargs != 2)
        return sv_opt_usage_error("token verify needs one token or -");
    if (verify && o->nclients > 1)
        return sv_opt_usage_error("token verify takes one --client");
    if (verify && o->nclients == 1 && sv_drm_addr_parse(o->clients[0], b) < 0)
        return sv_opt_usage_error("bad --client '%s': expected an address",
                                  o->clients[0]);
    o->client = o->nclients == 1 ? o->clients[0] : NULL;
    return 0;
}

int
sv_drm_cmd_token(struct sv_drm_opts *o)
{
    struct sv_drm_jwt_keys keys;
    struct sv_drm_geo *geo;
    int rc;

    if (check(o) < 0)
        return SV_EXIT_USAGE;
    if (o->path != NULL)
        return url_token(o);
    rc = sv__drm_token_setup(o, &keys, &geo);
    if (rc != 0)
        return rc;
    if (strcmp(o->args[0], "sign") == 0)
        rc = sign(o, &keys);
    else
        rc = verify(o, &keys, geo);
    sv_drm_geo_free(geo);
    sv__drm_token_keys_release(&keys);
    return rc;
}
