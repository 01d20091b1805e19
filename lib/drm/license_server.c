/* license_server.c -- the licence and key server of `sv-drm serve`, on the
 * HTTP server layer */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/textenc.h"
#include "drm/key.h"
#include "drm/license.h"
#include "drm/license_server.h"
#include "http/http_server.h"
#include "http/limit.h"

struct lserver {
    const struct sv_license_conf *c;
    struct sv_limit *limit;
    pthread_rwlock_t lock;
    json_t *keys;                   /* under lock */
};

struct lhandler {
    h2o_handler_t super;
    struct lserver *srv;
};

/* ---- responses -------------------------------------------------------- */

static void
hdr(h2o_req_t *req, const char *name, const char *value)
{
    h2o_set_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
                          1, value, strlen(value), 1);
}

static void
cors(struct lserver *s, h2o_req_t *req)
{
    if (s->c->cors == NULL)
        return;
    hdr(req, "access-control-allow-origin", s->c->cors);
    if (strcmp(s->c->cors, "*") != 0)
        hdr(req, "vary", "Origin");
}

static int
send_body(h2o_req_t *req, int status, const char *reason, const char *ctype,
          const char *body, size_t len)
{
    struct lserver *s = ((struct lhandler *)req->pathconf->handlers.entries[0])
                        ->srv;

    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = len;
    hdr(req, "content-type", ctype);
    hdr(req, "cache-control", "no-store");
    cors(s, req);
    h2o_send_inline(req, body, len);
    return 0;
}

/* Errors as {"error":"..."}; the reason names the problem, not a key. */
static int
send_error(h2o_req_t *req, int status, const char *reason, const char *msg)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char *t = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    h2o_iovec_t v;

    json_decref(j);
    if (status == 401)
        hdr(req, "www-authenticate", "Bearer");
    if (t == NULL)
        return send_body(req, status, reason, "text/plain", "", 0);
    v = h2o_strdup(&req->pool, t, strlen(t));
    free(t);
    return send_body(req, status, reason, "application/json", v.base, v.len);
}

/* ---- request pieces --------------------------------------------------- */

static void
peer(h2o_req_t *req, uint8_t addr[16], char *text, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len;

    memset(&ss, 0, sizeof(ss));
    memset(addr, 0, 16);
    text[0] = '\0';
    len = req->conn->callbacks->get_peername(req->conn,
                                             (struct sockaddr *)&ss);
    if (len == 0)
        return;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, text, size);
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, text, size);
        memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    }
}

/* The token from "Authorization: Bearer X" or the query's token=X. */
static h2o_iovec_t
token_of(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    h2o_iovec_t none = { NULL, 0 };

    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;

        if (v.len > 7 && strncasecmp(v.base, "Bearer ", 7) == 0)
            return h2o_iovec_init(v.base + 7, v.len - 7);
        return none;
    }
    if (req->query_at != SIZE_MAX) {
        const char *q = req->path.base + req->query_at + 1;
        const char *end = req->path.base + req->path.len;

        while (q < end) {
            const char *amp = memchr(q, '&', (size_t)(end - q));
            const char *e = amp != NULL ? amp : end;

            if (e - q > 6 && memcmp(q, "token=", 6) == 0)
                return h2o_iovec_init(q + 6, (size_t)(e - q - 6));
            q = e + 1;
        }
    }
    return none;
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
refuse(h2o_req_t *req, int rc, const char *why)
{
    if (rc == SV_EAUTH)
        return send_error(req, 401, "Unauthorized", why);
    if (rc == -EACCES)
        return send_error(req, 403, "Forbidden", why);
    if (rc == -ENOENT)
        return send_error(req, 404, "Not Found", why);
    return send_error(req, 500, "Internal Server Error", "internal error");
}

/* ---- routes ----------------------------------------------------------- */

static int
clearkey(struct lserver *s, h2o_req_t *req, const uint8_t addr[16],
         const char *client)
{
    struct sv_drm_license_req lr;
    h2o_iovec_t tok = token_of(req);
    json_t *claims = NULL;
    char err[256], *body = NULL;
    size_t len, i;
    int rc;

    if (sv_drm_license_parse(req->entity.base != NULL ? req->entity.base : "",
                             req->entity.len, &lr, err, sizeof(err)) < 0)
        return send_error(req, 400, "Bad Request", err);
    pthread_rwlock_rdlock(&s->lock);
    rc = sv_drm_license_authorize(s->keys, s->c->jwt, s->c->geo, tok.base,
                                  tok.len, addr,
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
        return refuse(req, rc, err);
    {
        h2o_iovec_t v = h2o_strdup(&req->pool, body, len);

        explicit_bzero(body, len);
        free(body);
        return send_body(req, 200, "OK", "application/json", v.base, v.len);
    }
}

static int
hls_key(struct lserver *s, h2o_req_t *req, const char *kidtext,
        const uint8_t addr[16], const char *client)
{
    h2o_iovec_t tok = token_of(req);
    struct sv_drm_key k;
    json_t *claims = NULL;
    uint8_t kid[1][16];
    char err[256], *raw;
    int rc;

    if (sv_drm_uuid_parse(kidtext, kid[0]) < 0)
        return send_error(req, 400, "Bad Request", "bad key id");
    pthread_rwlock_rdlock(&s->lock);
    rc = sv_drm_license_authorize(s->keys, s->c->jwt, s->c->geo, tok.base,
                                  tok.len, addr,
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
        return refuse(req, rc, err);
    raw = h2o_mem_alloc_pool(&req->pool, 16);
    memcpy(raw, k.key, 16);
    explicit_bzero(&k, sizeof(k));
    return send_body(req, 200, "OK", "application/octet-stream", raw, 16);
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct lserver *s = ((struct lhandler *)self)->srv;
    h2o_iovec_t p = req->path_normalized;
    char client[64], kid[40];
    uint8_t addr[16];
    struct sockaddr_storage ss;

    peer(req, addr, client, sizeof(client));
    if (s->limit != NULL) {
        memset(&ss, 0, sizeof(ss));
        req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
        if (sv_limit_request(s->limit, (struct sockaddr *)&ss,
                             h2o_now(req->conn->ctx->loop)) < 0) {
            hdr(req, "retry-after", "1");
            return send_error(req, 429, "Too Many Requests",
                              "request rate exceeded");
        }
    }
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS"))) {
        hdr(req, "access-control-allow-methods", "GET, POST, OPTIONS");
        hdr(req, "access-control-allow-headers",
            "Authorization, Content-Type");
        hdr(req, "access-control-max-age", "600");
        return send_body(req, 204, "No Content", "text/plain", "", 0);
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/license"))) {
        if (!h2o_memis(req->method.base, req->method.len,
                       H2O_STRLIT("POST")))
            return send_error(req, 405, "Method Not Allowed",
                              "use POST");
        return clearkey(s, req, addr, client);
    }
    if (p.len > 9 && memcmp(p.base, "/hls/key/", 9) == 0) {
        if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")))
            return send_error(req, 405, "Method Not Allowed", "use GET");
        if (p.len - 9 >= sizeof(kid))
            return send_error(req, 400, "Bad Request", "bad key id");
        memcpy(kid, p.base + 9, p.len - 9);
        kid[p.len - 9] = '\0';
        return hls_key(s, req, kid, addr, client);
    }
    return send_error(req, 404, "Not Found", "no such route");
}

/* ---- on the server layer -------------------------------------------- */

static int
setup(void *ud, h2o_pathconf_t *pc)
{
    struct lhandler *h;

    h = (struct lhandler *)h2o_create_handler(pc, sizeof(*h));
    h->super.on_req = on_req;
    h->srv = ud;
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
