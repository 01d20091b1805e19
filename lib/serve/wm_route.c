/* wm_route.c -- sv-serve's A/B watermark: each viewer's variant per
 * segment, from the token's subject, with no state kept per viewer */
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "drm/watermark.h"
#include "http/endpoint.h"
#include "serve/http_internal.h"

int
sv__wmark_load(struct sv__server *srv)
{
    const char *path = srv->conf->watermark_key_file;
    char err[512];
    uint8_t *key, *old;
    size_t len, oldlen;
    int rc;

    if (path == NULL)
        return 0;
    rc = sv_wmark_key_read(path, &key, &len, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        return rc;
    }
    /* a reload (SIGHUP) swaps it under the lock the token key has */
    pthread_rwlock_wrlock(&srv->key_lock);
    old = srv->wmkey;
    oldlen = srv->wmkeylen;
    srv->wmkey = key;
    srv->wmkeylen = len;
    pthread_rwlock_unlock(&srv->key_lock);
    if (old != NULL) {
        explicit_bzero(old, oldlen);
        free(old);
    }
    return 0;
}

void
sv__wmark_free(struct sv__server *srv)
{
    if (srv->wmkey != NULL) {
        explicit_bzero(srv->wmkey, srv->wmkeylen);
        free(srv->wmkey);
        srv->wmkey = NULL;
    }
}

/* The segment number in a file name: the last run of digits before its
 * extension ("seg-7.m4s": 7); -1 when it has none (an init segment). */
static long long
number_of(const char *name)
{
    const char *p, *end = NULL, *dot = strrchr(name, '.');

    for (p = name; *p != '\0' && (dot == NULL || p < dot); p++)
        if (isdigit((unsigned char)*p))
            end = p;
    if (end == NULL)
        return -1;
    p = end;
    while (p > name && isdigit((unsigned char)p[-1]))
        p--;
    if (end - p > 15)
        return -1;
    return strtoll(p, NULL, 10);
}

/* The viewer's variant of a file: 'a' or 'b' ('a' for files with no
 * number: the init segment, the same in both). */
static int
variant_of(struct sv__server *srv, const char *subject, const char *name)
{
    long long n = number_of(name);
    int bit;

    if (n < 0)
        return 'a';
    pthread_rwlock_rdlock(&srv->key_lock);
    bit = srv->wmkey == NULL ? -1 :
          sv_wmark_bit(srv->wmkey, srv->wmkeylen, subject, (uint64_t)n);
    pthread_rwlock_unlock(&srv->key_lock);
    return bit < 0 ? -1 : SV_WMARK_VARIANT(bit);
}

static int
exists(struct sv__server *srv, const char *path)
{
    int fd = sv__serve_open(srv, path);

    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

int
sv__wmark_route(struct sv__server *srv, h2o_req_t *req, const char *path,
                const char *subject)
{
    char alt[PATH_MAX], loc[PATH_MAX + 1100];
    const char *slash, *name, *q;
    size_t dirlen, qlen;
    int v, n;

    /* with a key file the key is there from the start (variant_of reads
     * it under the lock: SIGHUP swaps it) */
    if (srv->conf->watermark_key_file == NULL || subject == NULL ||
        *subject == '\0')
        return 0;
    slash = strrchr(path, '/');
    if (slash == NULL)
        return 0;
    name = slash + 1;
    dirlen = (size_t)(slash - path);
    /* a variant asked for by name: only the viewer's own */
    if (dirlen >= 2 && path[dirlen - 2] == '/' &&
        (path[dirlen - 1] == 'a' || path[dirlen - 1] == 'b')) {
        v = variant_of(srv, subject, name);
        if (v < 0 || (number_of(name) >= 0 && v != path[dirlen - 1])) {
            sv__serve_fail(req, 403, "Forbidden");
            return 1;
        }
        return 0;
    }
    n = snprintf(alt, sizeof(alt), "%.*s/a/%s", (int)dirlen, path, name);
    if (n < 0 || (size_t)n >= sizeof(alt) || !exists(srv, alt))
        return 0;
    v = variant_of(srv, subject, name);
    if (v < 0) {
        sv__serve_fail(req, 500, "Internal Server Error");
        return 1;
    }
    /* the variant in the path: the objects behind it are the same for
     * every viewer and cache as any segment does; only this small answer
     * is the viewer's own */
    q = sv_http_req_query(req, &qlen);
    n = snprintf(loc, sizeof(loc), "%.*s/%c/%s%s%.*s", (int)dirlen, path, v,
                 name, qlen > 0 ? "?" : "", (int)qlen, q != NULL ? q : "");
    if (n < 0 || (size_t)n >= sizeof(loc)) {
        sv__serve_fail(req, 414, "URI Too Long");
        return 1;
    }
    sv_http_res_header(req, "location", loc);
    sv_http_res_header(req, "cache-control", "private, no-store");
    sv_http_reply(req, 302, "Found", "text/plain; charset=utf-8", NULL, "",
                  0);
    return 1;
}
