/* svg.c -- inline SVG for the HTML report: ids made unique per chart */
#include <string.h>

#include "core/err.h"
#include "stats/svg.h"

int
sv_stats_html_escape(struct sv_buf *out, const char *s)
{
    const char *p;
    int rc = 0;

    for (p = s; *p != '\0' && rc == 0; p++) {
        switch (*p) {
        case '&':
            rc = sv_buf_append(out, "&amp;", 5);
            break;
        case '<':
            rc = sv_buf_append(out, "&lt;", 4);
            break;
        case '>':
            rc = sv_buf_append(out, "&gt;", 4);
            break;
        case '"':
            rc = sv_buf_append(out, "&quot;", 6);
            break;
        case '\'':
            rc = sv_buf_append(out, "&#39;", 5);
            break;
        default:
            rc = sv_buf_append(out, p, 1);
        }
    }
    return rc;
}

/* does s (end e) start with w? */
static int
at(const char *s, const char *e, const char *w)
{
    size_t n = strlen(w);

    return (size_t)(e - s) >= n && memcmp(s, w, n) == 0;
}

int
sv_stats_svg_inline(const char *svg, size_t len, const char *prefix,
                    const char *label, struct sv_buf *out)
{
    const char *p, *e = svg + len, *root = NULL;
    size_t plen = strlen(prefix);
    int rc = 0;

    for (p = svg; p + 4 <= e; p++)
        if (memcmp(p, "<svg", 4) == 0) {
            root = p;
            break;
        }
    if (root == NULL)
        return SV_EFORMAT;
    /* the root element: our own attributes, the viewBox kept */
    {
        const char *gt = memchr(root, '>', (size_t)(e - root)), *vb;
        if (gt == NULL)
            return SV_EFORMAT;
        vb = memmem(root, (size_t)(gt - root), "viewBox=\"", 9);
        rc = sv_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                           "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
                           "role=\"img\" aria-label=\"");
        if (rc == 0)
            rc = sv_stats_html_escape(out, label);
        if (rc == 0)
            rc = sv_buf_printf(out, "\" width=\"100%%\"");
        if (rc == 0 && vb != NULL) {
            const char *q = memchr(vb + 9, '"', (size_t)(gt - vb - 9));
            if (q != NULL)
                rc = sv_buf_printf(out, " %.*s", (int)(q + 1 - vb), vb);
        }
        if (rc == 0)
            rc = sv_buf_append(out, ">", 1);
        p = gt + 1;
    }
    while (rc == 0 && p < e) {
        const char *start = p;
        /* copy up to the next id or reference */
        while (p < e && !at(p, e, "id=\"") && !at(p, e, "href=\"#") &&
               !at(p, e, "url(#"))
            p++;
        rc = sv_buf_append(out, start, (size_t)(p - start));
        if (rc < 0 || p >= e)
            break;
        if (p > svg && (p[-1] != ' ' && p[-1] != ':' && p[-1] != '(' &&
                        p[-1] != ';' && p[-1] != '"') && *p == 'i') {
            /* "xid=" or such: not an id attribute */
            rc = sv_buf_append(out, p, 1);
            p++;
            continue;
        }
        if (*p == 'i') {
            rc = sv_buf_append(out, "id=\"", 4);
            p += 4;
        } else if (*p == 'h') {
            rc = sv_buf_append(out, "href=\"#", 7);
            p += 7;
        } else {
            rc = sv_buf_append(out, "url(#", 5);
            p += 5;
        }
        if (rc == 0)
            rc = sv_buf_append(out, prefix, plen);
    }
    return rc;
}
