/* license_server.c -- `sv-drm serve`: licence and key endpoints */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/textenc.h"
#include "drm/key.h"
#include "drm/license.h"
#include "drm/license_server.h"
#include "http/endpoint.h"
#include "http/http_server.h"
#include "http/limit.h"

struct lserver {
    const struct sv_license_conf *c;
    struct sv_limit *limit;
    pthread_rwlock_t lock;
    json_t *keys;                   /* under lock */
};

/* ---- responses -------------------------------------------------------- */

/* Every answer: never cached, with the CORS origin when one is set. */
static int
send_body(struct lserver *s, h2o_req_t *req, int status, const char *reason,
          const char *ctype, const char *body, size_t len)
{
    const char *hdrs[7] = { "cache-control", "no-store" };
    int n = 2;

    if (s->c->cors != NULL) {
        hdrs[n++] = "access-control-allow-origin";
        hdrs[n++] = s->c->cors;
        if (strcmp(s->c->cors, "*") != 0) {
            hdrs[n++] = "vary";
            hdrs[n++] = "Origin";
        }
    }
    hdrs[n] = NULL;
    return sv_http_reply(req, status, reason, ctype, hdrs, body, len);
}

/* Errors as {"error":"..."}; the reason names the problem, not a key. */
static int
send_error(struct lserver *s, h2o_req_t *req, int status, const char *reason,
           const char *msg)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char *t = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    int rc;

    json_decref(j);
    if (status == 401)
        sv_http_res_header(req, "www-authenticate", "Bearer");
    if (t == NULL)
        return send_body(s, req, status, reason, "text/plain", "", 0);
    rc = send_body(s, req, status, reason, "application/json", t, strlen(t));
    free(t);
    return rc;
}

/* ---- request pieces --------------------------------------------------- */

/* The peer as 16 bytes (IPv4 mapped into IPv6), for the country table. */
static void
addr16(const struct sockaddr_storage *ss, uint8_t addr[16])
{
    memset(addr, 0, 16);
    if (ss->ss_family == AF_INET) {
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        memcpy(addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
    }
}

/* The token from "Authorization: Bearer X" or the query's token=X. */
static const char *
token_of(h2o_req_t *req, size_t *len)
{
    const char *v = sv_http_req_header(req, "authorization", len);
    const char *q, *end, *amp, *e;
    size_t qlen;

    if (v != NULL) {
        if (*len > 7 && strncasecmp(v, "Bearer ", 7) == 0) {
            *len -= 7;
            return v + 7;
        }
        *len = 0;
        return NULL;
    }
    q = sv_http_req_query(req, &qlen);
    end = q + qlen;
    while (q != NULL && q < end) {
        amp = memchr(q, '&', (size_t)(end - q));
        e = amp != NULL ? amp : end;
        if (e - q > 6 && memcmp(q, "token=", 6) == 0) {
            *len = (size_t)(e - q - 6);
            return q + 6;
        }
        q = e + 1;
    }
    *len = 0;
    return NULL;
}

static void
issued(json_t *claims, const json_t *keys, const uint8_t kid[16],
       const char *client, const char *route)
{
    const json_t *k = sv_drm_keydoc_find(keys, kid);
    const char *cid = json_string_value(json_object_get(k, "content_id"));
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    char hex[33];
    json_t *d;

    sv_drm_hex_encode(kid, 16, hex);
    d = json_pack("{s:s,s:s,s:s}", "kid", hex, "client", client, "route",
                  route);
    if (d != NULL && cid != NULL)
        json_object_set_new(d, "content_id", json_string(cid));
    if (d != NULL && sub != NULL)
        json_object_set_new(d, "sub", json_string(sub));
    sv_event_emit("drm.key.issued", d);
}

static int
refuse(struct lserver *s, h2o_req_t *req, int rc, const char *why)
{
    if (rc == SV_EAUTH)
        return send_error(s, req, 401, "Unauthorized", why);
    if (rc == -EACCES)
        return send_error(s, req, 403, "Forbidden", why);
    if (rc == -ENOENT)
        return send_error(s, req, 404, "Not Found", why);
    return send_error(s, req, 500, "Internal Server Error",
                      "internal error");
}

/* ---- routes ----------------------------------------------------------- */

static int
clearkey(struct lserver *s, h2o_req_t *req, const uint8_t addr[16],
         const char *client)
{
    struct sv_drm_license_req lr;
    json_t *claims = NULL;
    char err[256], *body = NULL;
    const char *tok, *in;
    size_t toklen, inlen, len, i;
    int rc;

    tok = token_of(req, &toklen);
    in = sv_http_req_body(req, &inlen);
    if (sv_drm_license_parse(in != NULL ? in : "", inlen, &lr, err,
                             sizeof(err)) < 0)
        return send_error(s, req, 400, "Bad Request", err);
    pthread_rwlock_rdlock(&s->lock);
    rc = sv_drm_license_authorize(s->keys, s->c->jwt, s->c->geo, tok,
                                  toklen, addr,
                                  (const uint8_t (*)[16])lr.kids, lr.nkids,
                                  (int64_t)time(NULL), &claims, err,
                                  sizeof(err));
    if (rc == 0)
        rc = sv_drm_license_response(s->keys,
                                     (const uint8_t (*)[16])lr.kids,
                                     lr.nkids, lr.type, &body, &len);
    if (rc == 0)
        for (i = 0; i < lr.nkids; i++)
            issued(claims, s->keys, lr.kids[i], client, "clearkey");
    pthread_rwlock_unlock(&s->lock);
    json_decref(claims);
    if (rc < 0)
        return refuse(s, req, rc, err);
    rc = send_body(s, req, 200, "OK", "application/json", body, len);
    explicit_bzero(body, len);
    free(body);
    return rc;
}

static int
hls_key(struct lserver *s, h2o_req_t *req, const char *kidtext,
        const uint8_t addr[16], const char *client)
{
    struct sv_drm_key k;
    json_t *claims = NULL;
    uint8_t kid[1][16];
    const char *tok;
    size_t toklen;
    char err[256];
    int rc;

    tok = token_of(req, &toklen);
    if (sv_drm_uuid_parse(kidtext, kid[0]) < 0)
        return send_error(s, req, 400, "Bad Request", "bad key id");
    pthread_rwlock_rdlock(&s->lock);
    rc = sv_drm_license_authorize(s->keys, s->c->jwt, s->c->geo, tok,
                                  toklen, addr,
                                  (const uint8_t (*)[16])kid, 1,
                                  (int64_t)time(NULL), &claims, err,
                                  sizeof(err));
    if (rc == 0 && sv_drm_key_from_json(sv_drm_keydoc_find(s->keys, kid[0]),
                                        &k, err, sizeof(err)) < 0)
        rc = -ENOENT;
    if (rc == 0)
        issued(claims, s->keys, kid[0], client, "hls");
    pthread_rwlock_unlock(&s->lock);
    json_decref(claims);
    if (rc < 0)
        return refuse(s, req, rc, err);
    rc = send_body(s, req, 200, "OK", "application/octet-stream",
                   (const char *)k.key, 16);
    explicit_bzero(&k, sizeof(k));
    return rc;
}

static int
on_req(void *ud, h2o_req_t *req)
{
    struct lserver *s = ud;
    char client[64], kid[40];
    uint8_t addr[16];
    struct sockaddr_storage ss;
    const char *p;
    size_t plen;

    sv_http_req_peer(req, &ss, client, sizeof(client));
    addr16(&ss, addr);
    if (s->limit != NULL &&
        sv_limit_request(s->limit, (struct sockaddr *)&ss,
                         sv_http_req_now(req)) < 0) {
        sv_http_res_header(req, "retry-after", "1");
        return send_error(s, req, 429, "Too Many Requests",
                          "request rate exceeded");
    }
    if (sv_http_req_method_is(req, "OPTIONS")) {
        sv_http_res_header(req, "access-control-allow-methods",
                           "GET, POST, OPTIONS");
        sv_http_res_header(req, "access-control-allow-headers",
                           "Authorization, Content-Type");
        sv_http_res_header(req, "access-control-max-age", "600");
        return send_body(s, req, 204, "No Content", "text/plain", "", 0);
    }
    p = sv_http_req_path_normalized(req, &plen);
    if (plen == 8 && memcmp(p, "/license", 8) == 0) {
        if (!sv_http_req_method_is(req, "POST"))
            return send_error(s, req, 405, "Method Not Allowed",
                              "use POST");
        return clearkey(s, req, addr, client);
    }
    if (plen > 9 && memcmp(p, "/hls/key/", 9) == 0) {
        if (!sv_http_req_method_is(req, "GET"))
            return send_error(s, req, 405, "Method Not Allowed", "use GET");
        if (plen - 9 >= sizeof(kid))
            return send_error(s, req, 400, "Bad Request", "bad key id");
        memcpy(kid, p + 9, plen - 9);
        kid[plen - 9] = '\0';
        return hls_key(s, req, kid, addr, client);
    }
    return send_error(s, req, 404, "Not Found", "no such route");
}

/* ---- on the server layer -------------------------------------------- */

static int
setup(void *ud, h2o_pathconf_t *pc)
{
    sv_http_endpoint_add(pc, on_req, ud);
    return 0;
}

static void
reload(void *ud)
{
    struct lserver *s = ud;
    json_t *doc = NULL, *old;

    if (s->c->load(s->c->ud, &doc) < 0) {
        sv_log_warn("keys not reloaded; keeping the old ones");
        return;
    }
    pthread_rwlock_wrlock(&s->lock);
    old = s->keys;
    s->keys = doc;
    pthread_rwlock_unlock(&s->lock);
    sv_drm_keydoc_wipe(old);
    json_decref(old);
    sv_event_reopen();
    sv_log_info("keys reloaded");
}

static void
started(void *ud, const char *listen, unsigned nworkers)
{
    sv_log_info("serving licenses on %s", listen);
}

int
sv_license_serve(const struct sv_license_conf *c)
{
    struct sv_http_server_conf hc;
    struct lserver s;
    int rc;

    memset(&s, 0, sizeof(s));
    s.c = c;
    pthread_rwlock_init(&s.lock, NULL);
    rc = c->load(c->ud, &s.keys);
    if (rc < 0)
        goto out;
    if (c->rate > 0) {
        rc = sv_limit_new(0, c->rate, c->rate, &s.limit);
        if (rc < 0)
            goto out;
    }
    memset(&hc, 0, sizeof(hc));
    hc.name = "sv-drm";
    hc.listen = c->listen;
    hc.nlisten = c->nlisten;
    hc.workers = c->workers;
    hc.tls_cert = c->tls_cert;
    hc.tls_key = c->tls_key;
    hc.stop_timeout_ms = c->stop_timeout_ms;
    hc.max_body = SV_DRM_LICENSE_MAX_BODY;
    hc.ud = &s;
    hc.setup = setup;
    hc.reload = reload;
    hc.started = started;
    rc = sv_http_server_run(&hc);
out:
    sv_limit_free(s.limit);
    sv_drm_keydoc_wipe(s.keys);
    json_decref(s.keys);
    pthread_rwlock_destroy(&s.lock);
    return rc;
}
