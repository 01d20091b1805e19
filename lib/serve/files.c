/* files.c -- sv-serve's static files: under the root, listings, caching */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/endpoint.h"
#include "http/filesend.h"
#include "model/filekind.h"
#include "serve/http_internal.h"

const char *
sv__cache_policy(const char *ext, const char *fspath)
{
    return sv_filekind_cache(ext, fspath);
}

/* ---- directory listings (--index) ---- */

static int
visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Appends s to the listing, HTML-escaped. */
static void
html_put(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* An HTML list of dir without dotfiles (at most 10000 names). */
static void
send_listing(h2o_req_t *req, const char *dir, const char *path)
{
    struct dirent **names = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    int n, i;

    n = scandir(dir, &names, visible, alphasort);
    if (n < 0) {
        sv__serve_fail(req, 403, "Forbidden");
        return;
    }
    f = open_memstream(&buf, &len);
    if (f == NULL)
        goto out;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    html_put(f, path);
    fputs("</title></head><body><h1>", f);
    html_put(f, path);
    fputs("</h1><ul>\n", f);
    for (i = 0; i < n && i < 10000; i++) {
        int isdir = names[i]->d_type == DT_DIR;

        fputs("<li><a href=\"", f);
        html_put(f, names[i]->d_name);
        fputs(isdir ? "/\">" : "\">", f);
        html_put(f, names[i]->d_name);
        fputs(isdir ? "/</a></li>\n" : "</a></li>\n", f);
    }
    fputs("</ul></body></html>\n", f);
    if (fclose(f) == 0) {
        sv_http_res_header(req, "cache-control", "no-cache");
        sv_http_reply(req, 200, "OK", "text/html; charset=utf-8", NULL, buf,
                      len);
    } else {
        sv__serve_fail(req, 500, "Internal Server Error");
    }
out:
    if (f == NULL)
        sv__serve_fail(req, 500, "Internal Server Error");
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(buf);
}

static h2o_mimemap_t *
mimemap_new(void)
{
    h2o_mimemap_t *m = h2o_mimemap_create();
    const char *ext, *type;
    int i;

    for (i = 0; sv_filekind_pair(i, &ext, &type); i++)
        h2o_mimemap_define_mimetype(m, ext, type, NULL);
    return m;
}

int
sv__files_serve(struct sv__handler *hd, h2o_req_t *req, const char *path,
                const char *raw, size_t rawlen)
{
    struct sv__server *srv = hd->srv;
    char fspath[PATH_MAX], dir[PATH_MAX];
    const char *ext;
    h2o_mimemap_type_t *mt;
    struct stat sb;
    int fd;

    if (snprintf(fspath, sizeof(fspath), "%s%s", srv->root, path) >=
        (int)sizeof(fspath)) {
        sv__serve_fail(req, 414, "URI Too Long");
        return 0;
    }
    ext = sv_filekind_ext(path);
    fd = sv__serve_open(srv, path);
    if (fd < 0) {
        if (sv__llreq_missing(hd, req, path, fspath, ext, fd) == 0)
            return 0;
        sv__serve_fail(req, 404, "Not Found");
        return 0;
    }
    if (fstat(fd, &sb) < 0 || !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))) {
        close(fd);
        sv__serve_fail(req, 404, "Not Found");
        return 0;
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        if (srv->conf->index && rawlen > 0 && raw[rawlen - 1] == '/' &&
            snprintf(dir, sizeof(dir), "%s/index.html", fspath) <
                (int)sizeof(dir) && access(dir, R_OK) != 0) {
            send_listing(req, fspath, path);
            return 0;
        }
        return -1;  /* h2o: a redirect to "dir/", index.html, or 403 */
    }
    if (strcmp(ext, "m3u8") == 0) {
        sv__llreq_playlist(hd, req, fd, &sb, fspath);
        close(fd);
        return 0;
    }
    sv_http_res_header(req, "cache-control", sv__cache_policy(ext, fspath));
    /* a plain GET on HTTP/1.1 without TLS: sendfile from this descriptor,
     * typed from the map h2o's file handler uses (html, js, css ...) */
    mt = h2o_mimemap_get_type_by_extension(srv->mimemap,
                                           h2o_iovec_init(ext, strlen(ext)));
    if (sv_http_send_file(req, fd, &sb, mt->data.mimetype.base) == 0)
        return 0;
    close(fd);
    return -1;  /* h2o's file handler: ranges, HEAD, ETag and 304 */
}

void
sv__files_register(struct sv__server *srv, h2o_pathconf_t *pc)
{
    static const char *no_index[] = { NULL };
    static const char *index_html[] = { "index.html", NULL };

    /* h2o's handler takes its own reference; ours goes in sv_serve_run */
    srv->mimemap = mimemap_new();
    h2o_file_register(pc, srv->root,
                      srv->conf->index ? index_html : no_index, srv->mimemap,
                      0);
}
