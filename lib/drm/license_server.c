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
#include "drm/ledger.h"
#include "drm/license.h"
#include "drm/license_server.h"
#include "http/endpoint.h"
#include "http/http_server.h"
#include "http/limit.h"

struct lworker;

struct lserver {
    const struct sv_license_conf *c;
    struct sv_limit *limit;
    pthread_rwlock_t lock;
    json_t *keys;                   /* under lock */
    struct sv_drm_keytab tab;       /* under lock: keys decoded */
    struct lworker *workers;        /* with a ledger: one per worker */
    unsigned nworkers;
};

/*
 * With a ledger an answer waits for its record: the ledger's thread hands
 * it back (done list, async wake-up) to the worker loop that owns the
 * request, which sends it unless the client has gone meanwhile.
 */
struct pend {
    struct lserver *s;
    struct lworker *w;
    h2o_req_t *req;                 /* NULL once the request is disposed */
    struct pend **slot;             /* in the request's pool: points here */
    const char *ctype;
    char *body;                     /* key material: wiped when freed */
    size_t len;
    int rc;                         /* the ledger's verdict */
    struct pend *next;
};

struct lworker {
    uv_async_t wake;
    pthread_mutex_t mu;
    struct pend *done;              /* under mu */
    int closed;                     /* under mu: the loop has ended */
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
issued(json_t *claims, const struct sv_drm_keytab *keys,
       const uint8_t kid[16], const char *client, const char *route)
{
    const struct sv_drm_key *k;
    const char *cid, *sub;
    char hex[33];
    json_t *d;

    if (!sv_event_enabled())
        return;
    k = sv_drm_keytab_find(keys, kid);
    cid = k != NULL ? k->content_id : NULL;
    sub = json_string_value(json_object_get(claims, "sub"));
    sv_hex_encode(kid, 16, hex);
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

/* ---- answers that wait for the ledger --------------------------------- */

static void
pend_free(struct pend *p)
{
    if (p->body != NULL)
        explicit_bzero(p->body, p->len);
    free(p->body);
    free(p);
}

/* the request's pool is going: nothing to answer any more */
static void
slot_dispose(void *ptr)
{
    struct pend **slot = ptr;

    if (*slot != NULL)
        (*slot)->req = NULL;
}

/* the ledger's thread: the record is on disk (rc 0) or is not */
static void
on_recorded(void *ud, int rc)
{
    struct pend *p = ud;
    struct lworker *w = p->w;

    p->rc = rc;
    pthread_mutex_lock(&w->mu);
    if (w->closed) {
        pthread_mutex_unlock(&w->mu);
        pend_free(p);
        return;
    }
    p->next = w->done;
    w->done = p;
    pthread_mutex_unlock(&w->mu);
    uv_async_send(&w->wake);
}

static int send_error(struct lserver *s, h2o_req_t *req, int status,
                      const char *reason, const char *msg);

/* the worker loop: answer what the ledger has recorded */
static void
on_wake(uv_async_t *a)
{
    struct lworker *w = a->data;
    struct pend *p, *next;

    pthread_mutex_lock(&w->mu);
    p = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    for (; p != NULL; p = next) {
        next = p->next;
        if (p->req != NULL) {
            *p->slot = NULL;
            if (p->rc == 0)
                send_body(p->s, p->req, 200, "OK", p->ctype, p->body,
                          p->len);
            else
                send_error(p->s, p->req, 500, "Internal Server Error",
                           "cannot record the license");
        }
        pend_free(p);
    }
}

/*
 * Records what req was given in the ledger and answers once it is on disk.
 * Takes body (the answer, key material) in every case.
 */
static int
record(struct lserver *s, h2o_req_t *req, const char *route,
       const uint8_t (*kids)[16], size_t nkids, const json_t *claims,
       const char *tok, size_t toklen, const char *client,
       const char *ctype, char *body, size_t len)
{
    struct sv_http_worker *hw = sv_http_worker_of(req);
    struct sv_ledger_issue li;
    const struct sv_drm_key *k;
    struct pend *p;
    int rc;

    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        explicit_bzero(body, len);
        free(body);
        return send_error(s, req, 500, "Internal Server Error",
                          "out of memory");
    }
    p->s = s;
    p->w = hw->data;
    p->req = req;
    p->ctype = ctype;
    p->body = body;
    p->len = len;
    p->slot = h2o_mem_alloc_shared(&req->pool, sizeof(*p->slot),
                                   slot_dispose);
    *p->slot = p;
    memset(&li, 0, sizeof(li));
    li.route = route;
    li.kids = kids;
    li.nkids = nkids;
    pthread_rwlock_rdlock(&s->lock);
    k = sv_drm_keytab_find(&s->tab, kids[0]);
    li.content_id = k != NULL ? k->content_id : NULL;
    li.sub = json_string_value(json_object_get(claims, "sub"));
    li.jti = json_string_value(json_object_get(claims, "jti"));
    li.token = tok;
    li.toklen = toklen;
    li.client = client;
    rc = sv_ledger_issue(s->c->ledger, &li, on_recorded, p);
    pthread_rwlock_unlock(&s->lock);
    if (rc < 0) {
        *p->slot = NULL;
        pend_free(p);
        return send_error(s, req, 500, "Internal Server Error",
                          "cannot record the license");
    }
    return 0;
}

static int
worker_init(void *ud, struct sv_http_worker *hw)
{
    struct lserver *s = ud;
    struct lworker *w;

    if (s->workers == NULL)
        return 0;
    if (hw->id >= s->nworkers)
        return SV_EINTERNAL;
    w = &s->workers[hw->id];
    pthread_mutex_init(&w->mu, NULL);
    if (uv_async_init(&hw->loop, &w->wake, on_wake) < 0)
        return SV_EINTERNAL;
    w->wake.data = w;
    hw->data = w;
    return 0;
}

static void
worker_release(void *ud, struct sv_http_worker *hw)
{
    struct lworker *w = hw->data;
    struct pend *p, *next;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->closed = 1;
    p = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    for (; p != NULL; p = next) {
        next = p->next;
        pend_free(p);
    }
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
    rc = sv_drm_license_authorize(&s->tab, s->c->jwt, s->c->geo, tok,
                                  toklen, addr,
                                  (const uint8_t (*)[16])lr.kids, lr.nkids,
                                  (int64_t)time(NULL), &claims, err,
                                  sizeof(err));
    if (rc == 0)
        rc = sv_drm_license_response(&s->tab,
                                     (const uint8_t (*)[16])lr.kids,
                                     lr.nkids, lr.type, &body, &len);
    if (rc == 0)
        for (i = 0; i < lr.nkids; i++)
            issued(claims, &s->tab, lr.kids[i], client, "clearkey");
    pthread_rwlock_unlock(&s->lock);
    if (rc == 0 && s->c->ledger != NULL) {
        rc = record(s, req, "clearkey", (const uint8_t (*)[16])lr.kids,
                    lr.nkids, claims, tok, toklen, client,
                    "application/json", body, len);
        json_decref(claims);
        return rc;
    }
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
    if (sv_uuid_parse(kidtext, kid[0]) < 0)
        return send_error(s, req, 400, "Bad Request", "bad key id");
    pthread_rwlock_rdlock(&s->lock);
    rc = sv_drm_license_authorize(&s->tab, s->c->jwt, s->c->geo, tok,
                                  toklen, addr,
                                  (const uint8_t (*)[16])kid, 1,
                                  (int64_t)time(NULL), &claims, err,
                                  sizeof(err));
    if (rc == 0) {
        const struct sv_drm_key *kp = sv_drm_keytab_find(&s->tab, kid[0]);

        if (kp != NULL)
            k = *kp;
        else
            rc = -ENOENT;
    }
    if (rc == 0)
        issued(claims, &s->tab, kid[0], client, "hls");
    pthread_rwlock_unlock(&s->lock);
    if (rc == 0 && s->c->ledger != NULL) {
        char *body = malloc(16);

        if (body != NULL)
            memcpy(body, k.key, 16);
        explicit_bzero(&k, sizeof(k));
        if (body == NULL) {
            json_decref(claims);
            return send_error(s, req, 500, "Internal Server Error",
                              "out of memory");
        }
        rc = record(s, req, "hls", (const uint8_t (*)[16])kid, 1, claims,
                    tok, toklen, client, "application/octet-stream", body,
                    16);
        json_decref(claims);
        return rc;
    }
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
    struct sv_drm_keytab tab, oldtab;
    json_t *doc = NULL, *old;

    if (s->c->load(s->c->ud, &doc) < 0) {
        sv_log_warn("keys not reloaded; keeping the old ones");
        return;
    }
    if (sv_drm_keytab_build(doc, &tab) < 0) {
        sv_drm_keydoc_wipe(doc);
        json_decref(doc);
        sv_log_warn("keys not reloaded (out of memory); keeping the old "
                    "ones");
        return;
    }
    pthread_rwlock_wrlock(&s->lock);
    old = s->keys;
    oldtab = s->tab;
    s->keys = doc;
    s->tab = tab;
    pthread_rwlock_unlock(&s->lock);
    sv_drm_keytab_free(&oldtab);
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
    rc = sv_drm_keytab_build(s.keys, &s.tab);
    if (rc < 0)
        goto out;
    if (c->rate > 0) {
        rc = sv_limit_new(0, c->rate, c->rate, &s.limit);
        if (rc < 0)
            goto out;
    }
    if (c->ledger != NULL) {
        s.nworkers = c->workers > 0 ? c->workers : 1;
        s.workers = calloc(s.nworkers, sizeof(*s.workers));
        if (s.workers == NULL) {
            rc = -ENOMEM;
            goto out;
        }
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
    hc.worker_init = worker_init;
    hc.worker_release = worker_release;
    rc = sv_http_server_run(&hc);
out:
    if (c->ledger != NULL) {
        /* after the writer thread ends: it calls back into the workers */
        int lrc = sv_ledger_close(c->ledger);

        if (lrc < 0) {
            sv_log_error("cannot write the ledger: %s", sv_strerror(lrc));
            if (rc == 0)
                rc = lrc;
        }
    }
    if (s.workers != NULL) {
        unsigned i;

        for (i = 0; i < s.nworkers; i++)
            pthread_mutex_destroy(&s.workers[i].mu);
        free(s.workers);
    }
    sv_limit_free(s.limit);
    sv_drm_keytab_free(&s.tab);
    sv_drm_keydoc_wipe(s.keys);
    json_decref(s.keys);
    pthread_rwlock_destroy(&s.lock);
    return rc;
}
