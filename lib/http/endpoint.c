/* endpoint.c -- in-memory endpoints: request accessors, one reply call */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/endpoint.h"

struct endpoint {
    h2o_handler_t super;
    sv_http_endpoint_fn fn;
    void *ud;
};

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct endpoint *e = (struct endpoint *)self;

    return e->fn(e->ud, req);
}

void
sv_http_endpoint_add(h2o_pathconf_t *pc, sv_http_endpoint_fn fn, void *ud)
{
    struct endpoint *e;

    e = (struct endpoint *)h2o_create_handler(pc, sizeof(*e));
    e->super.on_req = on_req;
    e->fn = fn;
    e->ud = ud;
}

int
sv_http_req_method_is(h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

const char *
sv_http_req_path(h2o_req_t *req, size_t *len)
{
    *len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    return req->path.base;
}

const char *
sv_http_req_path_normalized(h2o_req_t *req, size_t *len)
{
    *len = req->path_normalized.len;
    return req->path_normalized.base;
}

const char *
sv_http_req_query(h2o_req_t *req, size_t *len)
{
    if (req->query_at == SIZE_MAX) {
        *len = 0;
        return NULL;
    }
    *len = req->path.len - req->query_at - 1;
    return req->path.base + req->query_at + 1;
}

const char *
sv_http_req_header_next(h2o_req_t *req, const char *name, ssize_t *cursor,
                        size_t *len)
{
    ssize_t i;

    i = h2o_find_header_by_str(&req->headers, name, strlen(name), *cursor);
    if (i < 0)
        return NULL;
    *cursor = i;
    *len = req->headers.entries[i].value.len;
    return req->headers.entries[i].value.base;
}

const char *
sv_http_req_header(h2o_req_t *req, const char *name, size_t *len)
{
    ssize_t cursor = -1;

    return sv_http_req_header_next(req, name, &cursor, len);
}

size_t
sv_http_req_header_bytes(h2o_req_t *req)
{
    size_t i, n = 0;

    for (i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len +
             req->headers.entries[i].value.len + 4;
    return n;
}

const char *
sv_http_req_body(h2o_req_t *req, size_t *len)
{
    *len = req->entity.base != NULL ? req->entity.len : 0;
    return req->entity.base;
}

void
sv_http_req_peer(h2o_req_t *req, struct sockaddr_storage *ss, char *text,
                 size_t size)
{
    socklen_t len;

    memset(ss, 0, sizeof(*ss));
    text[0] = '\0';
    len = req->conn->callbacks->get_peername(req->conn,
                                             (struct sockaddr *)ss);
    if (len == 0)
        return;
    if (ss->ss_family == AF_INET)
        uv_ip4_name((struct sockaddr_in *)ss, text, size);
    else if (ss->ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)ss, text, size);
}

uint64_t
sv_http_req_now(h2o_req_t *req)
{
    return h2o_now(req->conn->ctx->loop);
}

void
sv_http_res_header(h2o_req_t *req, const char *name, const char *value)
{
    h2o_iovec_t v = h2o_strdup(&req->pool, value, strlen(value));

    h2o_set_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
                          1, v.base, v.len, 1);
}

void
sv_http_res_headerf(h2o_req_t *req, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return;
    sv_http_res_header(req, name, buf);
}

int
sv_http_reply(h2o_req_t *req, int status, const char *reason,
              const char *ctype, const char *const *hdrs, const void *body,
              size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = len;
    if (ctype != NULL)
        sv_http_res_header(req, "content-type", ctype);
    for (; hdrs != NULL && hdrs[0] != NULL && hdrs[1] != NULL; hdrs += 2)
        sv_http_res_header(req, hdrs[0], hdrs[1]);
    h2o_send_inline(req, body != NULL ? body : "", len);
    return 0;
}
