/* access_log.c -- sv-serve's metrics and access log, per request */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "http/endpoint.h"
#include "http/metrics.h"
#include "http/query.h"
#include "serve/http_internal.h"

struct logger {
    h2o_logger_t super;
    struct sv__server *srv;
};

static json_t *
cmcd_of(h2o_req_t *req)
{
    static const char *const hdrs[] = {
        "cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session", NULL,
    };
    char buf[2048];
    json_t *o = json_object();
    const char *q, *v;
    size_t qlen, vlen;
    int n, i;

    q = sv_http_req_query(req, &qlen);
    if (q != NULL) {
        n = sv_query_get(q, qlen, "CMCD", buf, sizeof(buf));
        if (n > 0)
            sv_cmcd_parse(buf, (size_t)n, o);
    }
    for (i = 0; hdrs[i] != NULL; i++) {
        v = sv_http_req_header(req, hdrs[i], &vlen);
        if (v != NULL)
            sv_cmcd_parse(v, vlen, o);
    }
    if (json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void
log_access(h2o_logger_t *self, h2o_req_t *req)
{
    struct sv__server *srv = ((struct logger *)self)->srv;
    struct sockaddr_storage ss;
    struct timeval now;
    char addr[64], query[2048], tok[SV_TOKEN_MAX + 1];
    char path[PATH_MAX];
    uint64_t us = 0;
    json_t *d, *cmcd;
    const char *raw, *q, *ua, *ref;
    struct sv_token t;
    size_t plen, qlen, ualen, reflen;
    int n, fq;

    gettimeofday(&now, NULL);
    if (req->timestamps.request_begin_at.tv_sec != 0)
        us = (uint64_t)((now.tv_sec - req->timestamps.request_begin_at.tv_sec)
                        * 1000000 + (now.tv_usec -
                        req->timestamps.request_begin_at.tv_usec));
    sv_metrics_request(req->res.status, req->bytes_sent, us);
    if (srv->access == NULL)
        return;
    sv_http_req_peer(req, &ss, addr, sizeof(addr));
    raw = sv_http_req_path(req, &plen);
    d = json_object();
    json_object_set_new(d, "addr", json_string(addr));
    json_object_set_new(d, "method", json_stringn(req->method.base,
                                                  req->method.len));
    json_object_set_new(d, "path", json_stringn(raw, plen));
    q = sv_http_req_query(req, &qlen);
    if (q != NULL) {
        n = sv_query_strip(q, qlen, "token", query, sizeof(query));
        if (n > 0)
            json_object_set_new(d, "query", json_stringn(query, (size_t)n));
    }
    json_object_set_new(d, "proto", json_string(req->version >= 0x200 ?
                                                "HTTP/2" : "HTTP/1.1"));
    json_object_set_new(d, "status", json_integer(req->res.status));
    json_object_set_new(d, "bytes", json_integer((json_int_t)req->bytes_sent));
    json_object_set_new(d, "duration_ms", json_real((double)us / 1000.0));
    ua = sv_http_req_header(req, "user-agent", &ualen);
    json_object_set_new(d, "ua", ua != NULL ? json_stringn(ua, ualen) :
                        json_null());
    ref = sv_http_req_header(req, "referer", &reflen);
    json_object_set_new(d, "referrer", ref != NULL ?
                        json_stringn(ref, reflen) : json_null());
    /* the subject of a valid token (checked again: requests keep no state) */
    if (srv->key != NULL &&
        sv__serve_check_path(raw, plen, path, sizeof(path)) == 0 &&
        sv__serve_check_token(srv, req, path, addr, &t, &fq, tok,
                              sizeof(tok)) == SV_TOKEN_OK &&
        t.subject[0] != '\0')
        json_object_set_new(d, "subject", json_string(t.subject));
    cmcd = cmcd_of(req);
    if (cmcd != NULL)
        json_object_set_new(d, "cmcd", cmcd);
    sv_jsonlog_emit(srv->access, "serve.request", d);
}

void
sv__access_register(struct sv__server *srv, h2o_pathconf_t *pc)
{
    struct logger *lg;

    lg = (struct logger *)h2o_create_logger(pc, sizeof(*lg));
    lg->super.log_access = log_access;
    lg->srv = srv;
}
