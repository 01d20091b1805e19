/* endpoints.c -- /beacon, /healthz, /metrics, /steering, /time: one sorted
 * table */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "core/time.h"
#include "http/endpoint.h"
#include "http/metrics.h"
#include "serve/http_internal.h"

enum {
    M_GET = 1,
    M_HEAD = 2,
    M_POST = 4,
};

typedef void (*endpoint_fn)(struct sv__server *srv, h2o_req_t *req,
                            const char *addr);

struct endpoint {
    const char *path;
    unsigned methods;           /* M_*: others get 405 */
    const char *allow;          /* the Allow header of that 405 */
    endpoint_fn fn;
};

static void
serve_beacon(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    json_t *b, *data;
    json_error_t err;
    const char *body, *ua;
    size_t len, ualen = 0;

    if (srv->beacon == NULL) {
        sv__serve_fail(req, 404, "Not Found");
        return;
    }
    body = sv_http_req_body(req, &len);
    if (body == NULL || len == 0) {
        sv__serve_fail(req, 400, "Bad Request");
        return;
    }
    if (len > srv->conf->beacon_max) {
        sv__serve_fail(req, 413, "Payload Too Large");
        return;
    }
    b = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (b == NULL || !json_is_object(b) || json_object_size(b) > 256) {
        json_decref(b);
        sv__serve_fail(req, 400, "Bad Request");
        return;
    }
    ua = sv_http_req_header(req, "user-agent", &ualen);
    data = json_pack("{s:s, s:s#, s:o}", "addr", addr, "ua",
                     ua != NULL ? ua : "", (int)ualen, "beacon", b);
    if (data == NULL || sv_jsonlog_emit(srv->beacon, "serve.beacon", data) <
        0) {
        sv__serve_fail(req, 500, "Internal Server Error");
        return;
    }
    sv_http_res_header(req, "cache-control", "no-store");
    sv_http_reply(req, 204, "No Content", "text/plain", NULL, "", 0);
}

static void
serve_healthz(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    sv_http_res_header(req, "cache-control", "no-store");
    sv_http_reply(req, 200, "OK", "text/plain", NULL, "ok\n", 3);
}

static void
serve_metrics(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    size_t len = 0, tlen;
    char *text = sv_metrics_render(&len), *all;

    if (text == NULL) {
        sv__serve_fail(req, 500, "Internal Server Error");
        return;
    }
    /* the tracker's counters: read on its own (the one) worker */
    all = realloc(text, len + 2048);
    if (all != NULL) {
        text = all;
        tlen = sv__tracker_metrics(srv, text + len, 2048);
        len += tlen;
    }
    sv_http_res_header(req, "cache-control", "no-store");
    sv_http_reply(req, 200, "OK", "text/plain; version=0.0.4", NULL, text,
                  len);
    free(text);
}

/* The clock, for players' UTCTiming (urn:mpeg:dash:utc:http-iso:2014). */
static void
serve_time(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    char buf[SV_TIME_ISO_MAX];
    size_t n;

    n = sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, buf, sizeof(buf));
    sv_http_res_header(req, "cache-control", "no-store");
    sv_http_reply(req, 200, "OK", "text/plain", NULL, buf, n);
}

static void
serve_steering(struct sv__server *srv, h2o_req_t *req, const char *addr)
{
    sv__steer_answer(srv, req, addr);
}

/* keep sorted by path (bsearch) */
static const struct endpoint endpoints[] = {
    { "/beacon", M_POST, "POST, OPTIONS", serve_beacon },
    { "/healthz", M_GET | M_HEAD, "GET, HEAD, OPTIONS", serve_healthz },
    { "/metrics", M_GET | M_HEAD, "GET, HEAD, OPTIONS", serve_metrics },
    { "/steering", M_GET | M_HEAD, "GET, HEAD, OPTIONS", serve_steering },
    { "/time", M_GET | M_HEAD, "GET, HEAD, OPTIONS", serve_time },
};

static int
by_path(const void *key, const void *e)
{
    return strcmp(key, ((const struct endpoint *)e)->path);
}

static unsigned
method_of(h2o_req_t *req)
{
    if (sv_http_req_method_is(req, "GET"))
        return M_GET;
    if (sv_http_req_method_is(req, "HEAD"))
        return M_HEAD;
    if (sv_http_req_method_is(req, "POST"))
        return M_POST;
    return 0;
}

int
sv__endpoint_serve(struct sv__server *srv, h2o_req_t *req, const char *path,
                   const char *addr)
{
    const struct endpoint *e;

    e = bsearch(path, endpoints, sizeof(endpoints) / sizeof(endpoints[0]),
                sizeof(endpoints[0]), by_path);
    if (e == NULL)
        return 0;
    sv__serve_cors(srv, req);
    if ((method_of(req) & e->methods) == 0) {
        sv_http_res_header(req, "allow", e->allow);
        sv__serve_fail(req, 405, "Method Not Allowed");
        return 1;
    }
    e->fn(srv, req, addr);
    return 1;
}
