/* streamid.c -- SRT access-control stream ids and RTMP names, validated */
#include <string.h>

#include "core/err.h"
#include "ingest/streamid.h"

#define SRT_STREAMID_MAX 512

int
sv_streamid_name_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int
copy(char *dst, size_t size, const char *src, size_t n)
{
    if (n >= size)
        return SV_EFORMAT;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

/* "app/name?query" or "name?query" */
static int
split_resource(const char *r, size_t n, struct sv_streamid *out)
{
    const char *q = memchr(r, '?', n), *slash;
    size_t path = q != NULL ? (size_t)(q - r) : n;

    while (path > 0 && *r == '/') {
        r++;
        path--;
        n--;
    }
    slash = memchr(r, '/', path);
    if (slash != NULL) {
        if (copy(out->app, sizeof(out->app), r, (size_t)(slash - r)) < 0 ||
            copy(out->name, sizeof(out->name), slash + 1,
                 path - (size_t)(slash - r) - 1) < 0)
            return SV_EFORMAT;
    } else {
        strcpy(out->app, "live");
        if (copy(out->name, sizeof(out->name), r, path) < 0)
            return SV_EFORMAT;
    }
    out->query[0] = '\0';
    if (path < n && copy(out->query, sizeof(out->query), r + path + 1,
                         n - path - 1) < 0)
        return SV_EFORMAT;
    if (!sv_streamid_name_ok(out->app) || !sv_streamid_name_ok(out->name))
        return SV_EFORMAT;
    return 0;
}

int
sv_streamid_parse(const char *s, struct sv_streamid *out)
{
    const char *p, *end, *comma, *eq;
    const char *r = NULL;
    size_t rlen = 0;

    memset(out, 0, sizeof(*out));
    if (strlen(s) > SRT_STREAMID_MAX)
        return SV_EFORMAT;
    if (strncmp(s, "#!::", 4) != 0)
        return split_resource(s, strlen(s), out);
    p = s + 4;
    end = p + strlen(p);
    while (p < end) {
        size_t klen, vlen;

        comma = memchr(p, ',', (size_t)(end - p));
        if (comma == NULL)
            comma = end;
        eq = memchr(p, '=', (size_t)(comma - p));
        if (eq == NULL)
            return SV_EFORMAT;
        klen = (size_t)(eq - p);
        vlen = (size_t)(comma - eq - 1);
        if (klen == 1 && p[0] == 'r') {
            r = eq + 1;
            rlen = vlen;
        } else if (klen == 1 && p[0] == 'm') {
            if (vlen == 7 && strncmp(eq + 1, "publish", 7) == 0)
                out->mode = SV_SID_PUBLISH;
            else if (vlen == 7 && strncmp(eq + 1, "request", 7) == 0)
                out->mode = SV_SID_REQUEST;
            else
                return SV_EFORMAT;  /* bidirectional is not a live ingest */
        } else if (klen == 1 && p[0] == 'u') {
            if (copy(out->user, sizeof(out->user), eq + 1, vlen) < 0)
                return SV_EFORMAT;
        } else if (klen == 1 && p[0] == 't') {
            if (vlen != 6 || strncmp(eq + 1, "stream", 6) != 0)
                return SV_EFORMAT;
        }
        /* h (host), s (session) and custom keys are not ours to judge */
        p = comma + 1;
    }
    if (r == NULL || rlen == 0)
        return SV_EFORMAT;
    return split_resource(r, rlen, out);
}

int
sv_streamid_from_rtmp(const char *app, const char *name,
                      struct sv_streamid *out)
{
    char buf[SRT_STREAMID_MAX + 2];
    size_t a = strlen(app), n = strlen(name);

    memset(out, 0, sizeof(*out));
    if (a == 0 || a + n + 1 > SRT_STREAMID_MAX)
        return SV_EFORMAT;
    memcpy(buf, app, a);
    buf[a] = '/';
    memcpy(buf + a + 1, name, n + 1);
    /* the app itself may not hold a slash: "live/sub" is refused */
    if (memchr(app, '/', a) != NULL)
        return SV_EFORMAT;
    return split_resource(buf, a + n + 1, out);
}
