/* ingest_auth.c -- who may publish: keys file, signed keys, auth URL */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/textenc.h"
#include "crypto/hmac.h"
#include "http/client.h"
#include "ingest/ingest_int.h"

#define KEYS_MAX_LINE 1024
#define KEYS_MAX 100000

struct key {
    char *name;     /* "app/name" or "name" */
    char *pass;     /* SRT passphrase or NULL */
};

struct sv_iauth {
    const struct sv_ingest_conf *conf;
    const char *secret;         /* signed keys; NULL: not checked */
    pthread_mutex_t mu;         /* the SRT hook reads from libsrt's thread */
    struct key *keys;
    size_t nkeys;
};

static void
free_keys(struct key *k, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(k[i].name);
        if (k[i].pass != NULL)
            explicit_bzero(k[i].pass, strlen(k[i].pass));
        free(k[i].pass);
    }
    free(k);
}

/* lines: "<app/name|name> [<srt passphrase>]", '#' comments, blanks */
static int
load_keys(const char *path, struct key **out, size_t *nout)
{
    char line[KEYS_MAX_LINE], *save, *name, *pass, *extra;
    struct key *keys = NULL, *k;
    size_t n = 0, lineno = 0;
    FILE *f;
    int rc = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        rc = -errno;
        sv_log_error("cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        if (strchr(line, '#') != NULL)
            *strchr(line, '#') = '\0';
        name = strtok_r(line, " \t\r\n", &save);
        if (name == NULL)
            continue;
        pass = strtok_r(NULL, " \t\r\n", &save);
        extra = strtok_r(NULL, " \t\r\n", &save);
        if (extra != NULL || (pass != NULL && (strlen(pass) < 10 ||
                                               strlen(pass) > 79))) {
            sv_log_error("'%s' line %zu: expected '<key> [<passphrase of "
                         "10 to 79 characters>]'", path, lineno);
            rc = SV_EFORMAT;
            break;
        }
        if (n == KEYS_MAX) {
            rc = SV_ELIMIT;
            break;
        }
        k = realloc(keys, (n + 1) * sizeof(*k));
        if (k == NULL) {
            rc = -ENOMEM;
            break;
        }
        keys = k;
        keys[n].name = strdup(name);
        keys[n].pass = pass != NULL ? strdup(pass) : NULL;
        n++;
        if (keys[n - 1].name == NULL) {
            rc = -ENOMEM;
            break;
        }
    }
    explicit_bzero(line, sizeof(line));
    fclose(f);
    if (rc < 0) {
        free_keys(keys, n);
        return rc;
    }
    *out = keys;
    *nout = n;
    return 0;
}

int
sv__auth_new(struct sv_iauth **out, const struct sv_ingest_conf *conf,
             const char *secret)
{
    struct sv_iauth *a = calloc(1, sizeof(*a));
    int rc;

    if (a == NULL)
        return -ENOMEM;
    a->conf = conf;
    a->secret = secret;
    pthread_mutex_init(&a->mu, NULL);
    if (conf->keys_file != NULL) {
        rc = load_keys(conf->keys_file, &a->keys, &a->nkeys);
        if (rc < 0) {
            sv__auth_free(a);
            return rc;
        }
    }
    *out = a;
    return 0;
}

int
sv__auth_reload(struct sv_iauth *a)
{
    struct key *keys, *old;
    size_t n, nold;
    int rc;

    if (a->conf->keys_file == NULL)
        return 0;
    rc = load_keys(a->conf->keys_file, &keys, &n);
    if (rc < 0)
        return rc;      /* the old keys stay */
    pthread_mutex_lock(&a->mu);
    old = a->keys;
    nold = a->nkeys;
    a->keys = keys;
    a->nkeys = n;
    pthread_mutex_unlock(&a->mu);
    free_keys(old, nold);
    sv_log_info("reloaded %zu keys from '%s'", n, a->conf->keys_file);
    return 0;
}

void
sv__auth_free(struct sv_iauth *a)
{
    if (a == NULL)
        return;
    free_keys(a->keys, a->nkeys);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static int
signature(const char *secret, const char *app, const char *name, int64_t exp,
          char out[65])
{
    char msg[512];
    uint8_t mac[32];
    int rc;

    snprintf(msg, sizeof(msg), "%s/%s:%" PRId64, app, name, exp);
    rc = sv_hmac_sha256(secret, strlen(secret), msg, strlen(msg), mac);
    if (rc < 0)
        return rc;
    sv_hex_encode(mac, sizeof(mac), out);
    return 0;
}

int
sv_ingest_sign_key(const char *secret, const char *app, const char *name,
                   int64_t exp, char *out, size_t size)
{
    char sig[65];
    int rc = signature(secret, app, name, exp, sig);

    if (rc < 0)
        return rc;
    if ((size_t)snprintf(out, size, "%s?exp=%" PRId64 "&sig=%s", name, exp,
                         sig) >= size)
        return SV_ELIMIT;
    return 0;
}

/* finds "name=" in an a=1&b=2 query; copies its value */
static int
query_get(const char *q, const char *name, char *out, size_t size)
{
    size_t n = strlen(name), len;
    const char *p = q, *end;

    while (*p != '\0') {
        end = strchr(p, '&');
        if (end == NULL)
            end = p + strlen(p);
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            len = (size_t)(end - p - (ptrdiff_t)n - 1);
            if (len >= size)
                return -1;
            memcpy(out, p + n + 1, len);
            out[len] = '\0';
            return 0;
        }
        p = *end != '\0' ? end + 1 : end;
    }
    return -1;
}

static int
check_signed(const char *secret, const struct sv_streamid *sid, char *why,
             size_t wsize)
{
    char exps[24], sig[80], want[65], *end;
    long long exp;

    if (query_get(sid->query, "exp", exps, sizeof(exps)) < 0 ||
        query_get(sid->query, "sig", sig, sizeof(sig)) < 0) {
        snprintf(why, wsize, "key of '%s/%s' is not signed", sid->app,
                 sid->name);
        return SV_EAUTH;
    }
    errno = 0;
    exp = strtoll(exps, &end, 10);
    if (errno != 0 || *end != '\0' || end == exps) {
        snprintf(why, wsize, "key of '%s/%s' has a bad expiry", sid->app,
                 sid->name);
        return SV_EAUTH;
    }
    if (signature(secret, sid->app, sid->name, exp, want) < 0 ||
        strlen(sig) != 64 || !sv_ct_equal(sig, want, 64)) {
        snprintf(why, wsize, "key of '%s/%s' has a bad signature", sid->app,
                 sid->name);
        return SV_EAUTH;
    }
    if ((long long)time(NULL) > exp) {
        snprintf(why, wsize, "key of '%s/%s' expired", sid->app, sid->name);
        return SV_EAUTH;
    }
    return 0;
}

/* stream keys are secrets: compared in constant time (for equal lengths) */
static int
key_eq(const char *a, const char *b)
{
    size_t n = strlen(a);

    return strlen(b) == n && sv_ct_equal(a, b, n);
}

int
sv__auth_check(struct sv_iauth *a, const struct sv_streamid *sid, char *pass,
               size_t psize, char *why, size_t wsize)
{
    char full[200];
    size_t i;
    int rc = 0;

    if (pass != NULL)
        pass[0] = '\0';
    if (a->secret != NULL) {
        rc = check_signed(a->secret, sid, why, wsize);
        if (rc < 0)
            return rc;
    }
    if (a->conf->keys_file == NULL)
        return 0;
    snprintf(full, sizeof(full), "%s/%s", sid->app, sid->name);
    rc = SV_EAUTH;
    pthread_mutex_lock(&a->mu);
    for (i = 0; i < a->nkeys; i++) {
        const char *k = a->keys[i].name;

        if (key_eq(k, full) ||
            (strchr(k, '/') == NULL && key_eq(k, sid->name))) {
            if (pass != NULL && a->keys[i].pass != NULL)
                snprintf(pass, psize, "%s", a->keys[i].pass);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&a->mu);
    if (rc < 0)
        snprintf(why, wsize, "stream key '%s' is not allowed", full);
    return rc;
}

int
sv__auth_url(const struct sv_ingest_conf *conf, const struct sv_streamid *sid,
             const char *proto, const char *remote, char *why, size_t wsize)
{
    static const char *const hdr[] = {
        "Content-Type: application/json", NULL
    };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char err[512];
    long status;
    json_t *body;
    char *text;
    int rc;

    if (conf->auth_url == NULL)
        return 0;
    body = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "action", "publish",
                     "app", sid->app, "stream", sid->name,
                     "query", sid->query, "proto", proto, "remote", remote);
    text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL)
        return -ENOMEM;
    /* the answer's body is not ours to read: an allow is a 2xx, nothing
     * more (max_reply 0 drops it) */
    q.method = "POST";
    q.url = conf->auth_url;
    q.headers = hdr;
    q.body = text;
    q.body_len = strlen(text);
    q.timeout_us = 5000000;
    rc = sv_http_send(&q, &r, err, sizeof(err));
    free(text);
    status = r.status;
    if (rc < 0)
        snprintf(why, wsize, "auth server '%s' did not answer: %s",
                 conf->auth_url, r.error[0] ? r.error : sv_strerror(rc));
    sv_http_reply_release(&r);
    if (rc < 0)
        return SV_EAUTH;
    if (status < 200 || status > 299) {
        snprintf(why, wsize, "auth server refused '%s/%s' with status %ld",
                 sid->app, sid->name, status);
        return SV_EAUTH;
    }
    return 0;
}
