/* request.c -- sv-serve's request phases: limits, method, path, tokens */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "core/err.h"
#include "core/log.h"
#include "drm/token.h"
#include "http/endpoint.h"
#include "http/query.h"
#include "serve/http_internal.h"

#define TOKEN_COOKIE "sv_token"

void
sv__serve_fail(h2o_req_t *req, int status, const char *reason)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);

    /* a cache's grace (Varnish: 10 s) would serve a 404 long after the
     * file appeared: stale-while-revalidate=0 says none */
    sv_http_res_header(req, "cache-control", status == 404 ?
                       "public, max-age=1, stale-while-revalidate=0" :
                       "no-store");
    sv_http_reply(req, status, reason, "text/plain; charset=utf-8", NULL,
                  body, (size_t)n);
}

int
sv__serve_cors(struct sv__server *srv, h2o_req_t *req)
{
    const struct sv_serve_conf *c = srv->conf;
    const char *o;
    size_t i, olen;

    if (c->ncors == 0)
        return 0;
    sv_http_res_header(req, "vary", "Origin");
    o = sv_http_req_header(req, "origin", &olen);
    if (o == NULL)
        return 0;
    for (i = 0; i < c->ncors; i++) {
        if (strcmp(c->cors[i], "*") == 0 ||
            (olen == strlen(c->cors[i]) && memcmp(o, c->cors[i], olen) == 0)) {
            /* an allowed origin is echoed: it equals the entry */
            sv_http_res_header(req, "access-control-allow-origin",
                               c->cors[i]);
            sv_http_res_header(req, "access-control-expose-headers",
                               "Content-Length, Content-Range, ETag, Age, "
                               "Date");
            return 1;
        }
    }
    return 0;
}

/* Only header names made of token characters are echoed back. */
static int
header_list_ok(const char *v, size_t len)
{
    size_t i;

    if (len > 512)
        return 0;
    for (i = 0; i < len; i++) {
        char ch = v[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == ',' ||
              ch == ' ' || ch == '_'))
            return 0;
    }
    return 1;
}

static void
preflight(struct sv__server *srv, h2o_req_t *req)
{
    const char *rh;
    char list[513];
    size_t len;

    sv_http_res_header(req, "allow", "GET, HEAD, POST, OPTIONS");
    if (sv__serve_cors(srv, req) &&
        sv_http_req_header(req, "access-control-request-method", &len)) {
        sv_http_res_header(req, "access-control-allow-methods",
                           "GET, HEAD, POST, OPTIONS");
        rh = sv_http_req_header(req, "access-control-request-headers", &len);
        if (rh != NULL && header_list_ok(rh, len)) {
            memcpy(list, rh, len);
            list[len] = '\0';
            sv_http_res_header(req, "access-control-allow-headers", list);
        }
        sv_http_res_header(req, "access-control-max-age", "86400");
    }
    sv_http_res_header(req, "cache-control", "no-store");
    sv_http_reply(req, 204, "No Content", "text/plain", NULL, "", 0);
}

/* dotfiles are 404: our atomic writers' temporary files start with a dot */
int
sv__serve_check_path(const char *raw, size_t len, char *out, size_t outsz)
{
    size_t i;
    int n;
    char *seg, *p;

    if (len == 0 || raw[0] != '/')
        return 400;
    for (i = 0; i + 2 < len; i++) {
        if (raw[i] == '%' && ((raw[i + 1] == '2' &&
                               (raw[i + 2] == 'f' || raw[i + 2] == 'F')) ||
                              (raw[i + 1] == '5' &&
                               (raw[i + 2] == 'c' || raw[i + 2] == 'C'))))
            return 400;
    }
    n = sv_pct_decode(raw, len, out, outsz);
    if (n < 0)
        return n == SV_ELIMIT ? 414 : 400;
    if (strchr(out, '\\') != NULL)
        return 400;
    for (p = out + 1; ; p = seg + 1) {
        seg = strchr(p, '/');
        n = seg == NULL ? (int)strlen(p) : (int)(seg - p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 400;
        if (n > 0 && p[0] == '.')
            return 404;
        if (seg == NULL)
            break;
    }
    return 0;
}

/* Whether resolved lies under the root (symlinks pointing out do not). */
static int
under_root(struct sv__server *srv, const char *resolved)
{
    return strncmp(resolved, srv->root, srv->rootlen) == 0 &&
           (resolved[srv->rootlen] == '/' || resolved[srv->rootlen] == '\0');
}

/*
 * The kernel refuses a walk that would leave the root, symlinks included
 * (openat2 RESOLVE_BENEATH, one system call); older kernels resolve the
 * path in user space and compare.
 */
int
sv__serve_open(struct sv__server *srv, const char *path)
{
    struct open_how how;
    char full[PATH_MAX], resolved[PATH_MAX];
    long fd;

    memset(&how, 0, sizeof(how));
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    fd = syscall(SYS_openat2, srv->rootfd, path[1] != '\0' ? path + 1 : ".",
                 &how, sizeof(how));
    if (fd >= 0)
        return (int)fd;
    if (errno != ENOSYS)
        return -errno;
    if (snprintf(full, sizeof(full), "%s%s", srv->root, path) >=
        (int)sizeof(full))
        return -ENAMETOOLONG;
    if (realpath(full, resolved) == NULL)
        return -errno;
    if (!under_root(srv, resolved))
        return -EXDEV;
    fd = open(resolved, (int)how.flags);
    return fd < 0 ? -errno : (int)fd;
}

/* ---- tokens ---- */

int
sv__http_load_key(struct sv__server *srv)
{
    const struct sv_serve_conf *c = srv->conf;
    unsigned char *key = NULL;
    size_t len = 0;
    char *data;
    int rc;

    if (c->token_key_file != NULL) {
        rc = sv_llhls_read(c->token_key_file, &data, &len);
        if (rc < 0) {
            sv_log_error("cannot read '%s': %s", c->token_key_file,
                         sv_strerror(rc));
            return rc;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            len--;
        key = (unsigned char *)data;
    } else if (c->token_key != NULL) {
        len = strlen(c->token_key);
        key = (unsigned char *)strdup(c->token_key);
        if (key == NULL)
            return -ENOMEM;
    } else {
        return 0;
    }
    if (len < 16) {
        sv_log_error("token key is too short: %zu bytes, at least 16", len);
        explicit_bzero(key, len);
        free(key);
        return SV_EUSAGE;
    }
    pthread_rwlock_wrlock(&srv->key_lock);
    if (srv->key != NULL) {
        explicit_bzero(srv->key, srv->keylen);
        free(srv->key);
    }
    srv->key = key;
    srv->keylen = len;
    pthread_rwlock_unlock(&srv->key_lock);
    return 0;
}

/* Finds the token in the query or the cookie; *from_query says where. */
static int
find_token(h2o_req_t *req, char *out, size_t outsz, int *from_query)
{
    const char *q, *c, *end, *v;
    size_t qlen, clen;
    ssize_t i = -1;
    int n;

    q = sv_http_req_query(req, &qlen);
    n = sv_query_get(q, qlen, "token", out, outsz);
    if (n > 0) {
        *from_query = 1;
        return n;
    }
    *from_query = 0;
    while ((c = sv_http_req_header_next(req, "cookie", &i, &clen)) != NULL) {
        end = c + clen;
        while (c < end) {
            while (c < end && (*c == ' ' || *c == ';'))
                c++;
            v = c;
            while (c < end && *c != ';')
                c++;
            if ((size_t)(c - v) > sizeof(TOKEN_COOKIE) &&
                memcmp(v, TOKEN_COOKIE "=", sizeof(TOKEN_COOKIE)) == 0) {
                v += sizeof(TOKEN_COOKIE);
                if ((size_t)(c - v) >= outsz)
                    return SV_ELIMIT;
                memcpy(out, v, (size_t)(c - v));
                out[c - v] = '\0';
                return (int)(c - v);
            }
        }
    }
    return -ENOENT;
}

enum sv_token_status
sv__serve_check_token(struct sv__server *srv, h2o_req_t *req,
                      const char *path, const char *addr, struct sv_token *t,
                      int *from_query, char *tok, size_t toksz)
{
    enum sv_token_status st;
    int n;

    n = find_token(req, tok, toksz, from_query);
    if (n <= 0)
        return SV_TOKEN_MALFORMED;
    pthread_rwlock_rdlock(&srv->key_lock);
    st = sv_token_verify(srv->key, srv->keylen, tok, (size_t)n, path, addr,
                         (int64_t)time(NULL), t);
    pthread_rwlock_unlock(&srv->key_lock);
    return st;
}

static int
cookie_path_ok(const char *p)
{
    for (; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == ';' || *p == ',' || *p == '"')
            return 0;
    return 1;
}

/* ---- the phases ---- */

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct sv__handler *hd = (struct sv__handler *)self;
    struct sv__server *srv = hd->srv;
    struct sockaddr_storage ss;
    char addr[64], path[PATH_MAX], tok[SV_TOKEN_MAX + 1];
    const char *raw;
    struct sv_token t;
    size_t plen;
    int st, from_query = 0;

    sv_http_req_peer(req, &ss, addr, sizeof(addr));
    if (sv_limit_request(srv->limit, (struct sockaddr *)&ss,
                         uv_now(&sv_http_worker_of(req)->loop)) < 0) {
        sv_http_res_header(req, "retry-after", "1");
        sv__serve_fail(req, 429, "Too Many Requests");
        return 0;
    }
    if (req->input.path.len > srv->conf->max_uri) {
        sv__serve_fail(req, 414, "URI Too Long");
        return 0;
    }
    if (sv_http_req_header_bytes(req) > srv->conf->max_headers) {
        sv__serve_fail(req, 431, "Request Header Fields Too Large");
        return 0;
    }
    raw = sv_http_req_path(req, &plen);
    st = sv__serve_check_path(raw, plen, path, sizeof(path));
    if (st != 0) {
        sv__serve_fail(req, st, st == 400 ? "Bad Request" :
                       st == 414 ? "URI Too Long" : "Not Found");
        return 0;
    }
    if (srv->conf->tracker != NULL && strcmp(path, srv->conf->tracker) == 0) {
        sv__tracker_serve(srv, req);
        return 0;
    }
    if (sv_http_req_method_is(req, "OPTIONS")) {
        preflight(srv, req);
        return 0;
    }
    if (sv__endpoint_serve(srv, req, path, addr))
        return 0;
    if (!(sv_http_req_method_is(req, "GET") ||
          sv_http_req_method_is(req, "HEAD"))) {
        sv_http_res_header(req, "allow", "GET, HEAD, OPTIONS");
        sv__serve_fail(req, 405, "Method Not Allowed");
        return 0;
    }
    sv__serve_cors(srv, req);
    if (srv->key != NULL) {
        st = sv__serve_check_token(srv, req, path, addr, &t, &from_query, tok,
                                   sizeof(tok));
        if (st != SV_TOKEN_OK) {
            sv_log_debug("%s %s: token refused: %s", addr, path,
                         sv_token_status_str(st));
            sv__serve_fail(req, 403, "Forbidden");
            return 0;
        }
        if (from_query && cookie_path_ok(t.prefix))
            sv_http_res_headerf(req, "set-cookie", TOKEN_COOKIE "=%s; "
                                "Path=%s; Max-Age=%" PRId64 "; HttpOnly; "
                                "SameSite=Lax%s", tok, t.prefix,
                                t.expires - (int64_t)time(NULL),
                                srv->conf->tls_cert != NULL ? "; Secure" :
                                "");
        if (sv__wmark_route(srv, req, path, t.subject))
            return 0;
    }
    return sv__files_serve(hd, req, path, raw, plen);
}

int
sv__http_setup(struct sv__server *srv, h2o_pathconf_t *pc)
{
    struct sv__handler *hd;

    hd = (struct sv__handler *)h2o_create_handler(pc, sizeof(*hd));
    hd->super.on_req = on_req;
    hd->srv = srv;
    sv__files_register(srv, pc);
    sv__access_register(srv, pc);
    return 0;
}
