/* purge.c -- tell a cache to drop paths: Varnish PURGE/BAN, Cloudflare,
 * Fastly and CloudFront through their documented purge APIs */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/event.h"
#include "core/json.h"
#include "crypto/digest.h"
#include "http/client.h"
#include "publish/purge.h"

#define CF_API "https://api.cloudflare.com/client/v4"
#define FASTLY_API "https://api.fastly.com"
#define CLOUDFRONT_API "https://cloudfront.amazonaws.com"
#define CF_FILES_PER_CALL 30    /* Cloudflare's limit outside Enterprise */
#define REPLY_MAX (1 << 20)

enum kind { VARNISH, CLOUDFLARE, FASTLY, CLOUDFRONT };

static const char *const schemes[] = {
    "varnish://", "cloudflare://", "fastly://", "cloudfront://", NULL,
};

static int
kind_of(const char *target, const char **rest)
{
    int i;

    for (i = 0; schemes[i] != NULL; i++) {
        size_t n = strlen(schemes[i]);

        if (strncmp(target, schemes[i], n) == 0) {
            *rest = target + n;
            return i;
        }
    }
    return -1;
}

static int
is_prefix(const char *p)
{
    size_t n = strlen(p);

    return n > 0 && (p[n - 1] == '/' || p[n - 1] == '*');
}

int
sv_purge_check(const struct sv_purge_conf *c, char *err, size_t size)
{
    const char *rest;
    int k = kind_of(c->target, &rest);

    if (k < 0 || rest[0] == '\0' || strpbrk(rest, "/?#") != NULL) {
        snprintf(err, size, "bad purge target '%s': expected varnish://"
                 "HOST:PORT, cloudflare://ZONE, fastly://SERVICE or "
                 "cloudfront://DISTRIBUTION", c->target);
        return SV_EUSAGE;
    }
    if ((k == CLOUDFLARE || k == FASTLY) &&
        (c->site == NULL || (strncmp(c->site, "https://", 8) != 0 &&
                             strncmp(c->site, "http://", 7) != 0))) {
        snprintf(err, size, "%s needs --purge-site, the URL viewers fetch "
                 "from (https://cdn.example.com)", c->target);
        return SV_EUSAGE;
    }
    if ((k == CLOUDFLARE || k == FASTLY) &&
        (c->token == NULL || c->token[0] == '\0')) {
        snprintf(err, size, "%s needs its API token in %s", c->target,
                 k == CLOUDFLARE ? "CLOUDFLARE_API_TOKEN" :
                 "FASTLY_API_TOKEN");
        return SV_EUSAGE;
    }
    if (k == CLOUDFRONT && c->aws == NULL) {
        snprintf(err, size, "%s needs AWS keys", c->target);
        return SV_EUSAGE;
    }
    return 0;
}

/* Sends q; 0 when the status is want (or 2xx for want 0). */
static int
send(const struct sv_purge_conf *c, struct sv_http_req *q, long want,
     struct sv_http_reply *r, char *err, size_t size)
{
    int rc;

    q->timeout_us = c->timeout_us;
    q->max_reply = REPLY_MAX;
    q->user_agent = "sv-publish";
    rc = sv_http_send(q, r, err, size);
    if (rc < 0)
        return rc;
    if (want ? r->status != want : (r->status < 200 || r->status > 299)) {
        snprintf(err, size, "%s: %s %s: HTTP %ld: %.200s", c->target,
                 q->method, q->url, r->status, r->body ? r->body : "");
        return SV_EPROTO;
    }
    return 0;
}

static void
purged(const struct sv_purge_conf *c, const char *const *paths, int n,
       const char *id)
{
    json_t *list = json_array();
    int i;

    for (i = 0; i < n; i++)
        json_array_append_new(list, json_string(paths[i]));
    sv_event_emit("publish.purged", json_pack("{s:s, s:o, s:s?}", "target",
                                              c->target, "paths", list,
                                              "id", id));
}

/* ---- Varnish ---- */

/* "^" and the prefix (without its '*') with regex characters escaped */
static int
ban_regex(const char *p, char *out, size_t size)
{
    size_t o = 0, n = strlen(p);

    if (n > 0 && p[n - 1] == '*')
        n--;
    if (size < 2)
        return SV_ELIMIT;
    out[o++] = '^';
    for (size_t i = 0; i < n; i++) {
        if (strchr("\\^$.|?*+()[]{}", p[i]) != NULL) {
            if (o + 1 >= size)
                return SV_ELIMIT;
            out[o++] = '\\';
        }
        if (o + 1 >= size)
            return SV_ELIMIT;
        out[o++] = p[i];
    }
    out[o] = '\0';
    return 0;
}

static int
varnish(const struct sv_purge_conf *c, const char *host,
        const char *const *paths, int n, char *err, size_t size)
{
    char url[2048], re[1200], hdr[1300];
    const char *hdrs[2] = { hdr, NULL };
    struct sv_http_req q;
    struct sv_http_reply r;
    int i, rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        memset(&q, 0, sizeof(q));
        if (is_prefix(paths[i])) {
            if (ban_regex(paths[i], re, sizeof(re)) < 0)
                return SV_ELIMIT;
            snprintf(hdr, sizeof(hdr), "X-Ban-Url: %s", re);
            snprintf(url, sizeof(url), "http://%s/", host);
            q.method = "BAN";
            q.headers = hdrs;
        } else {
            snprintf(url, sizeof(url), "http://%s%s", host, paths[i]);
            q.method = "PURGE";
        }
        q.url = url;
        rc = send(c, &q, 200, &r, err, size);
        sv_http_reply_release(&r);
    }
    if (rc == 0)
        purged(c, paths, n, NULL);
    return rc;
}

/* ---- Cloudflare: POST zones/:zone_id/purge_cache ---- */

static int
cloudflare(const struct sv_purge_conf *c, const char *zone,
           const char *const *paths, int n, char *err, size_t size)
{
    const char *site = c->site, *host = strstr(site, "://") + 3;
    char url[1024], auth[1100], *body;
    const char *hdrs[3] = { auth, "Content-Type: application/json", NULL };
    struct sv_http_req q;
    struct sv_http_reply r;
    json_t *files, *prefixes, *doc, *res;
    size_t slen = strlen(site);
    int i = 0, rc = 0, k;

    while (slen > 0 && site[slen - 1] == '/')
        slen--;
    snprintf(url, sizeof(url), "%s/zones/%s/purge_cache",
             c->endpoint ? c->endpoint : CF_API, zone);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
    while (i < n && rc == 0) {
        files = json_array();
        prefixes = json_array();
        /* one kind per call: the API takes files or prefixes, not both */
        for (k = 0; i < n && k < CF_FILES_PER_CALL; k++, i++) {
            if (is_prefix(paths[i]) != is_prefix(paths[i - k]))
                break;
            if (is_prefix(paths[i]))
                json_array_append_new(prefixes, json_sprintf("%.*s%.*s",
                    (int)(site + slen - host), host,
                    (int)strcspn(paths[i], "*"), paths[i]));
            else
                json_array_append_new(files, json_sprintf("%.*s%s",
                                                          (int)slen, site,
                                                          paths[i]));
        }
        doc = json_array_size(files) > 0 ?
            json_pack("{s:o}", "files", files) :
            json_pack("{s:o}", "prefixes", prefixes);
        json_decref(json_array_size(files) > 0 ? prefixes : files);
        body = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        if (body == NULL)
            return -ENOMEM;
        memset(&q, 0, sizeof(q));
        q.method = "POST";
        q.url = url;
        q.headers = hdrs;
        q.body = body;
        q.body_len = strlen(body);
        rc = send(c, &q, 200, &r, err, size);
        free(body);
        if (rc == 0) {
            /* 200 with "success": false is a refusal too */
            doc = json_loadb(r.body, r.len, 0, NULL);
            res = json_object_get(doc, "result");
            if (!json_is_true(json_object_get(doc, "success"))) {
                snprintf(err, size, "%s: purge refused: %.200s", c->target,
                         r.body);
                rc = SV_EPROTO;
            } else {
                purged(c, paths + i - k, k,
                       json_string_value(json_object_get(res, "id")));
            }
            json_decref(doc);
        }
        sv_http_reply_release(&r);
    }
    return rc;
}

/* ---- Fastly: POST /purge/:cached_url, POST /service/:id/purge_all ---- */

static int
fastly(const struct sv_purge_conf *c, const char *service,
       const char *const *paths, int n, char *err, size_t size)
{
    const char *host = strstr(c->site, "://") + 3;
    const char *base = c->endpoint ? c->endpoint : FASTLY_API;
    char url[2048], key[1100];
    const char *hdrs[3] = { key, "Accept: application/json", NULL };
    struct sv_http_req q;
    struct sv_http_reply r;
    size_t hlen = strlen(host);
    json_t *doc;
    int i, rc = 0;

    while (hlen > 0 && host[hlen - 1] == '/')
        hlen--;
    for (i = 0; i < n; i++)
        if (is_prefix(paths[i]) && strcmp(paths[i], "/") != 0 &&
            strcmp(paths[i], "/*") != 0) {
            snprintf(err, size, "%s: Fastly purges URLs or everything, not "
                     "a prefix: '%s'", c->target, paths[i]);
            return SV_EUSAGE;
        }
    snprintf(key, sizeof(key), "Fastly-Key: %s", c->token);
    for (i = 0; i < n && rc == 0; i++) {
        if (is_prefix(paths[i]))
            snprintf(url, sizeof(url), "%s/service/%s/purge_all", base,
                     service);
        else
            snprintf(url, sizeof(url), "%s/purge/%.*s%s", base, (int)hlen,
                     host, paths[i]);
        memset(&q, 0, sizeof(q));
        q.method = "POST";
        q.url = url;
        q.headers = hdrs;
        rc = send(c, &q, 200, &r, err, size);
        if (rc == 0) {
            doc = json_loadb(r.body, r.len, 0, NULL);
            if (strcmp(json_string_value(json_object_get(doc, "status")) ?
                       json_string_value(json_object_get(doc, "status")) :
                       "", "ok") != 0) {
                snprintf(err, size, "%s: purge refused: %.200s", c->target,
                         r.body);
                rc = SV_EPROTO;
            } else {
                purged(c, paths + i, 1,
                       json_string_value(json_object_get(doc, "id")));
            }
            json_decref(doc);
        }
        sv_http_reply_release(&r);
    }
    return rc;
}

/* ---- CloudFront: POST /2020-05-31/distribution/:id/invalidation ---- */

static void
xml_put(struct sv_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '&')
            sv_buf_printf(b, "&amp;");
        else if (*s == '<')
            sv_buf_printf(b, "&lt;");
        else if (*s == '>')
            sv_buf_printf(b, "&gt;");
        else
            sv_buf_printf(b, "%c", *s);
    }
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static int
cloudfront(const struct sv_purge_conf *c, const char *dist,
           const char *const *paths, int n, char *err, size_t size)
{
    const char *base = c->endpoint ? c->endpoint : CLOUDFRONT_API;
    const char *host = strstr(base, "://");
    char url[1024], path[256], date[17], sha[2 * SV_SHA256_LEN + 1];
    char auth[1024], hauth[1100], hdate[40], hsha[100], htok[4200];
    char hostv[256], *id;
    unsigned char d[SV_SHA256_LEN];
    const char *hdrs[6];
    struct sv_sigv4_hdr sh[4];
    struct sv_sigv4_key k = *c->aws;
    struct sv_http_req q;
    struct sv_http_reply r;
    struct sv_buf b;
    time_t now = time(NULL);
    int i, nh = 0, rc;

    if (host == NULL)
        return SV_EUSAGE;
    host += 3;
    snprintf(hostv, sizeof(hostv), "%.*s", (int)strcspn(host, "/"), host);
    for (i = 0; i < n; i++) {
        const char *star = strchr(paths[i], '*');

        if (paths[i][0] != '/' || (star != NULL && star[1] != '\0')) {
            snprintf(err, size, "%s: '%s': a CloudFront path starts with "
                     "'/' and may end in '*' only", c->target, paths[i]);
            return SV_EUSAGE;
        }
    }
    sv_buf_init(&b, 4 << 20);
    sv_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<InvalidationBatch xmlns=\"http://cloudfront.amazonaws."
                  "com/doc/2020-05-31/\"><Paths><Quantity>%d</Quantity>"
                  "<Items>", n);
    for (i = 0; i < n; i++) {
        sv_buf_printf(&b, "<Path>");
        /* a prefix "/live/" is invalidated as "/live/" and a '*' */
        xml_put(&b, paths[i]);
        if (paths[i][strlen(paths[i]) - 1] == '/')
            sv_buf_printf(&b, "*");
        sv_buf_printf(&b, "</Path>");
    }
    rc = sv_buf_printf(&b, "</Items></Paths><CallerReference>sv-publish-%lld"
                       "-%d</CallerReference></InvalidationBatch>",
                       (long long)now, (int)getpid());
    if (rc < 0) {
        sv_buf_release(&b);
        return SV_ELIMIT;
    }
    sv_sha256(b.data, b.len, d);
    hex(d, sizeof(d), sha);
    sv_sigv4_date(now, date);
    snprintf(path, sizeof(path), "/2020-05-31/distribution/%s/invalidation",
             dist);
    snprintf(url, sizeof(url), "%s%s", base, path);
    sh[nh++] = (struct sv_sigv4_hdr){ "host", hostv };
    sh[nh++] = (struct sv_sigv4_hdr){ "x-amz-content-sha256", sha };
    sh[nh++] = (struct sv_sigv4_hdr){ "x-amz-date", date };
    if (k.token != NULL && k.token[0] != '\0')
        sh[nh++] = (struct sv_sigv4_hdr){ "x-amz-security-token", k.token };
    k.region = "us-east-1";     /* CloudFront is global, signed there */
    k.service = "cloudfront";
    rc = sv_sigv4_sign(&k, "POST", path, "", sh, nh, sha, now, auth,
                       sizeof(auth));
    if (rc < 0) {
        sv_buf_release(&b);
        return rc;
    }
    snprintf(hauth, sizeof(hauth), "Authorization: %s", auth);
    snprintf(hdate, sizeof(hdate), "x-amz-date: %s", date);
    snprintf(hsha, sizeof(hsha), "x-amz-content-sha256: %s", sha);
    i = 0;
    hdrs[i++] = hauth;
    hdrs[i++] = hdate;
    hdrs[i++] = hsha;
    hdrs[i++] = "Content-Type: text/xml";
    if (nh == 4) {
        snprintf(htok, sizeof(htok), "x-amz-security-token: %s", k.token);
        hdrs[i++] = htok;
    }
    hdrs[i] = NULL;
    memset(&q, 0, sizeof(q));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = b.data;
    q.body_len = b.len;
    rc = send(c, &q, 201, &r, err, size);
    sv_buf_release(&b);
    if (rc == 0) {
        /* <Invalidation><Id>I2J0I21PCUYOIK</Id>... */
        char *s = r.body ? strstr(r.body, "<Id>") : NULL;
        char *e = s ? strstr(s, "</Id>") : NULL;

        id = s && e ? strndup(s + 4, (size_t)(e - s - 4)) : NULL;
        purged(c, paths, n, id);
        free(id);
    }
    sv_http_reply_release(&r);
    return rc;
}

int
sv_purge_run(const struct sv_purge_conf *c, const char *const *paths, int n,
             char *err, size_t size)
{
    const char *rest = NULL;
    int k, i;

    err[0] = '\0';
    if (sv_purge_check(c, err, size) < 0)
        return SV_EUSAGE;
    if (n <= 0 || n > SV_PURGE_MAX_PATHS) {
        snprintf(err, size, "%s: 1 to %d paths to purge", c->target,
                 SV_PURGE_MAX_PATHS);
        return SV_EUSAGE;
    }
    for (i = 0; i < n; i++) {
        if (paths[i][0] != '/' || strlen(paths[i]) > 1000 ||
            strpbrk(paths[i], " \t\r\n\"") != NULL) {
            snprintf(err, size, "bad path to purge '%.100s': expected "
                     "/path or a prefix /dir/", paths[i]);
            return SV_EUSAGE;
        }
    }
    k = kind_of(c->target, &rest);
    switch (k) {
    case VARNISH:
        return varnish(c, rest, paths, n, err, size);
    case CLOUDFLARE:
        return cloudflare(c, rest, paths, n, err, size);
    case FASTLY:
        return fastly(c, rest, paths, n, err, size);
    default:
        return cloudfront(c, rest, paths, n, err, size);
    }
}
