/* s3xml.c -- a bounded reader for the XML bodies the S3 API answers with */
#include <string.h>

#include "core/err.h"
#include "publish/s3xml.h"

struct rd {
    const char *p, *end;
    char path[SV_S3XML_MAX_PATH + 1];
    size_t plen[SV_S3XML_MAX_DEPTH + 1];  /* path length before each level */
    int depth;
    char text[SV_S3XML_MAX_TEXT + 1];
    size_t tlen;
    int kids;                             /* the open element had children */
};

static int
is_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
           c == ':';
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips past the string s; SV_EFORMAT when it never comes. */
static int
skip_past(struct rd *r, const char *s)
{
    size_t n = strlen(s);

    while ((size_t)(r->end - r->p) >= n) {
        if (memcmp(r->p, s, n) == 0) {
            r->p += n;
            return 0;
        }
        r->p++;
    }
    return SV_EFORMAT;
}

static int
text_put(struct rd *r, char c)
{
    if (r->tlen >= SV_S3XML_MAX_TEXT)
        return SV_EFORMAT;
    r->text[r->tlen++] = c;
    return 0;
}

/* Appends a UTF-8 encoding of code point u. */
static int
put_utf8(struct rd *r, unsigned long u)
{
    int rc = 0;

    if (u == 0 || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
        return SV_EFORMAT;
    if (u < 0x80)
        return text_put(r, (char)u);
    if (u < 0x800) {
        rc = text_put(r, (char)(0xc0 | (u >> 6)));
    } else if (u < 0x10000) {
        rc = text_put(r, (char)(0xe0 | (u >> 12)));
        if (rc == 0)
            rc = text_put(r, (char)(0x80 | ((u >> 6) & 0x3f)));
    } else {
        rc = text_put(r, (char)(0xf0 | (u >> 18)));
        if (rc == 0)
            rc = text_put(r, (char)(0x80 | ((u >> 12) & 0x3f)));
        if (rc == 0)
            rc = text_put(r, (char)(0x80 | ((u >> 6) & 0x3f)));
    }
    if (rc == 0)
        rc = text_put(r, (char)(0x80 | (u & 0x3f)));
    return rc;
}

/* At '&': decodes one entity into the text. */
static int
entity(struct rd *r)
{
    static const struct { const char *name; char c; } named[] = {
        { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
        { "apos;", '\'' },
    };
    unsigned long u = 0;
    size_t i;
    int digits = 0, hex;

    r->p++;
    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        size_t n = strlen(named[i].name);

        if ((size_t)(r->end - r->p) >= n &&
            memcmp(r->p, named[i].name, n) == 0) {
            r->p += n;
            return text_put(r, named[i].c);
        }
    }
    if (r->p >= r->end || *r->p != '#')
        return SV_EFORMAT;
    r->p++;
    hex = r->p < r->end && *r->p == 'x';
    if (hex)
        r->p++;
    for (; r->p < r->end && *r->p != ';'; r->p++) {
        char c = *r->p;
        int v;

        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            return SV_EFORMAT;
        if (++digits > 7)
            return SV_EFORMAT;
        u = u * (hex ? 16 : 10) + v;
    }
    if (r->p >= r->end || digits == 0)
        return SV_EFORMAT;
    r->p++;
    return put_utf8(r, u);
}

/* At '<' of a start or end tag (not a comment or declaration). */
static int
tag(struct rd *r, sv_s3xml_cb cb, void *ud)
{
    const char *name, *local;
    size_t n, base;
    int closing, empty = 0, rc;

    r->p++;
    closing = r->p < r->end && *r->p == '/';
    if (closing)
        r->p++;
    name = r->p;
    while (r->p < r->end && is_name(*r->p))
        r->p++;
    n = r->p - name;
    if (n == 0)
        return SV_EFORMAT;
    local = memchr(name, ':', n);
    if (local != NULL) {
        local++;
        n -= local - name;
        name = local;
        if (n == 0)
            return SV_EFORMAT;
    }
    /* attributes: skipped, quotes respected */
    while (r->p < r->end && *r->p != '>') {
        if (*r->p == '"' || *r->p == '\'') {
            char q = *r->p++;

            while (r->p < r->end && *r->p != q && *r->p != '<')
                r->p++;
            if (r->p >= r->end || *r->p != q)
                return SV_EFORMAT;
        } else if (*r->p == '/' && r->p + 1 < r->end && r->p[1] == '>') {
            empty = 1;
        } else if (*r->p == '<' || (closing && !is_space(*r->p))) {
            return SV_EFORMAT;
        }
        r->p++;
    }
    if (r->p >= r->end)
        return SV_EFORMAT;
    r->p++;
    if (closing) {
        if (r->depth == 0)
            return SV_EFORMAT;
        base = r->plen[r->depth - 1] + (r->depth > 1);
        if (strlen(r->path + base) != n ||
            memcmp(r->path + base, name, n) != 0)
            return SV_EFORMAT;
        if (!r->kids) {
            r->text[r->tlen] = '\0';
            rc = cb(ud, r->path, r->text, r->tlen);
            if (rc != 0)
                return rc;
        } else if (r->depth == 2) {
            rc = cb(ud, r->path, NULL, 0);
            if (rc != 0)
                return rc;
        }
        r->depth--;
        r->path[r->plen[r->depth]] = '\0';
        r->kids = 1;
        r->tlen = 0;
        return 0;
    }
    if (r->depth >= SV_S3XML_MAX_DEPTH)
        return SV_EFORMAT;
    base = strlen(r->path);
    if (base + (base > 0) + n > SV_S3XML_MAX_PATH)
        return SV_EFORMAT;
    r->plen[r->depth] = base;
    if (base > 0)
        r->path[base++] = '/';
    memcpy(r->path + base, name, n);
    r->path[base + n] = '\0';
    r->depth++;
    r->kids = 0;
    r->tlen = 0;
    if (empty) {
        rc = cb(ud, r->path, "", 0);
        if (rc != 0)
            return rc;
        r->depth--;
        r->path[r->plen[r->depth]] = '\0';
        r->kids = 1;
    }
    return 0;
}

int
sv_s3xml_parse(const char *buf, size_t len, sv_s3xml_cb cb, void *ud)
{
    struct rd r;
    int rc, seen_root = 0;

    if (len > SV_S3XML_MAX_INPUT)
        return SV_EFORMAT;
    memset(&r, 0, sizeof(r));
    r.p = buf;
    r.end = buf + len;
    r.kids = 1;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        r.p += 3;
    while (r.p < r.end) {
        if (*r.p == '<') {
            if (r.end - r.p >= 4 && memcmp(r.p, "<!--", 4) == 0) {
                rc = skip_past(&r, "-->");
            } else if (r.end - r.p >= 2 && r.p[1] == '?') {
                if (seen_root)
                    return SV_EFORMAT;
                rc = skip_past(&r, "?>");
            } else if (r.end - r.p >= 2 && r.p[1] == '!') {
                return SV_EFORMAT;      /* DTDs, CDATA */
            } else {
                if (r.depth == 0 && seen_root && r.p[1] != '/')
                    return SV_EFORMAT;  /* a second root */
                rc = tag(&r, cb, ud);
                seen_root = 1;
            }
        } else if (*r.p == '&') {
            if (r.depth == 0)
                return SV_EFORMAT;
            rc = entity(&r);
        } else {
            if (r.depth == 0) {
                if (!is_space(*r.p))
                    return SV_EFORMAT;
                r.p++;
                continue;
            }
            rc = text_put(&r, *r.p++);
        }
        if (rc != 0)
            return rc;
    }
    return seen_root && r.depth == 0 ? 0 : SV_EFORMAT;
}
