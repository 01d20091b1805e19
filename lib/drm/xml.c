/* xml.c -- a small, bounded XML reader for CPIX documents */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "drm/xml.h"

struct sv_xml {
    struct sv_xml_node *root;
    struct sv_xml_node **all;   /* every node, to free */
    size_t n, cap;
};

struct parser {
    const char *p, *end, *start;
    struct sv_xml *x;
    char *err;
    size_t errsize;
    int rc;
};

static int
fail(struct parser *ps, int rc, const char *what)
{
    int line = 1;
    const char *q;

    if (ps->rc != 0)
        return ps->rc;
    for (q = ps->start; q < ps->p && q < ps->end; q++)
        line += *q == '\n';
    snprintf(ps->err, ps->errsize, "line %d: %s", line, what);
    ps->rc = rc;
    return rc;
}

static int
is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
           c == ':' || c >= 0x80;
}

static void
skip_space(struct parser *ps)
{
    while (ps->p < ps->end && is_space((unsigned char)*ps->p))
        ps->p++;
}

static int
starts(struct parser *ps, const char *s)
{
    size_t n = strlen(s);

    return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

/* Skips past the next occurrence of s; fails when there is none. */
static int
skip_past(struct parser *ps, const char *s, const char *what)
{
    size_t n = strlen(s);

    while ((size_t)(ps->end - ps->p) >= n) {
        if (memcmp(ps->p, s, n) == 0) {
            ps->p += n;
            return 0;
        }
        ps->p++;
    }
    return fail(ps, SV_EFORMAT, what);
}

static char *
read_name(struct parser *ps)
{
    const char *s = ps->p;
    char *n;

    if (ps->p >= ps->end || !is_name_char((unsigned char)*ps->p) ||
        (*ps->p >= '0' && *ps->p <= '9') || *ps->p == '-' || *ps->p == '.') {
        fail(ps, SV_EFORMAT, "expected a name");
        return NULL;
    }
    while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
        ps->p++;
    n = strndup(s, (size_t)(ps->p - s));
    if (n == NULL)
        fail(ps, -ENOMEM, "out of memory");
    return n;
}

static int
put_utf8(struct sv_buf *b, unsigned long c)
{
    uint8_t u[4];
    size_t n;

    if (c < 0x80) {
        u[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (uint8_t)(0xc0 | c >> 6);
        u[1] = (uint8_t)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (uint8_t)(0xe0 | c >> 12);
        u[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
        u[2] = (uint8_t)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | c >> 18);
        u[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
        u[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
        u[3] = (uint8_t)(0x80 | (c & 0x3f));
        n = 4;
    }
    return sv_buf_append(b, u, n);
}

/* Decodes one reference after '&' into b. */
static int
reference(struct parser *ps, struct sv_buf *b)
{
    static const struct { const char *name; char c; } ents[] = {
        { "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' },
        { "apos;", '\'' },
    };
    unsigned long c = 0;
    size_t i;
    int digits = 0, hex;

    for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
        if (starts(ps, ents[i].name)) {
            ps->p += strlen(ents[i].name);
            return sv_buf_append(b, &ents[i].c, 1);
        }
    }
    if (ps->p >= ps->end || *ps->p != '#')
        return fail(ps, SV_EFORMAT, "unknown entity");
    ps->p++;
    hex = ps->p < ps->end && *ps->p == 'x';
    ps->p += hex;
    while (ps->p < ps->end && *ps->p != ';') {
        int ch = (unsigned char)*ps->p, v;

        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if (hex && ch >= 'a' && ch <= 'f')
            v = ch - 'a' + 10;
        else if (hex && ch >= 'A' && ch <= 'F')
            v = ch - 'A' + 10;
        else
            return fail(ps, SV_EFORMAT, "bad character reference");
        c = c * (hex ? 16 : 10) + (unsigned long)v;
        if (c > 0x10ffff || ++digits > 8)
            return fail(ps, SV_EFORMAT, "bad character reference");
        ps->p++;
    }
    if (ps->p >= ps->end || digits == 0 || c == 0 ||
        (c >= 0xd800 && c <= 0xdfff))
        return fail(ps, SV_EFORMAT, "bad character reference");
    ps->p++;
    return put_utf8(b, c);
}

static char *
attr_value(struct parser *ps)
{
    struct sv_buf b = SV_BUF_INIT(SV_XML_MAX_INPUT);
    char q, *s;
    size_t n;

    if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) {
        fail(ps, SV_EFORMAT, "expected a quoted attribute value");
        return NULL;
    }
    q = *ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            fail(ps, SV_EFORMAT, "unterminated attribute value");
            goto bad;
        }
        if (*ps->p == q)
            break;
        if (*ps->p == '<') {
            fail(ps, SV_EFORMAT, "'<' in an attribute value");
            goto bad;
        }
        if (*ps->p == '&') {
            ps->p++;
            if (reference(ps, &b) < 0)
                goto bad;
            continue;
        }
        if (sv_buf_append(&b, ps->p, 1) < 0) {
            fail(ps, -ENOMEM, "out of memory");
            goto bad;
        }
        ps->p++;
    }
    ps->p++;
    if (sv_buf_u8(&b, 0) < 0) {
        fail(ps, -ENOMEM, "out of memory");
        return NULL;
    }
    s = (char *)sv_buf_take(&b, &n);
    return s;
bad:
    sv_buf_release(&b);
    return NULL;
}

static const char *
local_of(char *qname)
{
    char *c = strchr(qname, ':');

    return c != NULL ? c + 1 : qname;
}

static const char *
resolve_ns(const struct sv_xml_node *n, const char *qname)
{
    const char *c = strchr(qname, ':');
    size_t plen = c != NULL ? (size_t)(c - qname) : 0;
    int i;

    if (c != NULL && plen == 3 && memcmp(qname, "xml", 3) == 0)
        return "http://www.w3.org/XML/1998/namespace";
    for (; n != NULL; n = n->parent) {
        for (i = 0; i < n->nattrs; i++) {
            const char *a = n->attrs[i].name;

            if (c == NULL && strcmp(a, "xmlns") == 0)
                return n->attrs[i].value;
            if (c != NULL && strncmp(a, "xmlns:", 6) == 0 &&
                strlen(a + 6) == plen && memcmp(a + 6, qname, plen) == 0)
                return n->attrs[i].value;
        }
    }
    return c == NULL ? "" : NULL;
}

static struct sv_xml_node *
new_node(struct parser *ps, struct sv_xml_node *parent)
{
    struct sv_xml *x = ps->x;
    struct sv_xml_node *n;

    if (x->n >= SV_XML_MAX_NODES) {
        fail(ps, SV_ELIMIT, "too many elements");
        return NULL;
    }
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 64;
        struct sv_xml_node **a = realloc(x->all, nc * sizeof(*a));

        if (a == NULL) {
            fail(ps, -ENOMEM, "out of memory");
            return NULL;
        }
        x->all = a;
        x->cap = nc;
    }
    n = calloc(1, sizeof(*n));
    if (n == NULL) {
        fail(ps, -ENOMEM, "out of memory");
        return NULL;
    }
    x->all[x->n++] = n;
    n->parent = parent;
    if (parent != NULL) {
        if (parent->last != NULL)
            parent->last->next = n;
        else
            parent->child = n;
        parent->last = n;
    }
    return n;
}

/* Skips a comment, PI or CDATA-less misc item at ps->p; 1 if one was. */
static int
misc(struct parser *ps)
{
    if (starts(ps, "<!--")) {
        ps->p += 4;
        return skip_past(ps, "-->", "unterminated comment") < 0 ? -1 : 1;
    }
    if (starts(ps, "<?")) {
        ps->p += 2;
        return skip_past(ps, "?>", "unterminated processing instruction")
               < 0 ? -1 : 1;
    }
    if (starts(ps, "<!DOCTYPE") || starts(ps, "<!ENTITY")) {
        fail(ps, SV_EFORMAT, "document type declarations are not accepted");
        return -1;
    }
    return 0;
}

static int element(struct parser *ps, struct sv_xml_node *parent, int depth);

static int
content(struct parser *ps, struct sv_xml_node *n, int depth)
{
    struct sv_buf text = SV_BUF_INIT(SV_XML_MAX_INPUT);
    size_t len;
    int rc = 0, k;

    for (;;) {
        if (ps->p >= ps->end) {
            rc = fail(ps, SV_EFORMAT, "unexpected end of document");
            break;
        }
        if (starts(ps, "</"))
            break;
        if (starts(ps, "<![CDATA[")) {
            const char *s = ps->p + 9;

            ps->p = s;
            if (skip_past(ps, "]]>", "unterminated CDATA section") < 0) {
                rc = ps->rc;
                break;
            }
            if (sv_buf_append(&text, s, (size_t)(ps->p - 3 - s)) < 0) {
                rc = fail(ps, SV_ELIMIT, "text too long");
                break;
            }
            continue;
        }
        k = misc(ps);
        if (k < 0) {
            rc = ps->rc;
            break;
        }
        if (k > 0)
            continue;
        if (*ps->p == '<') {
            rc = element(ps, n, depth + 1);
            if (rc < 0)
                break;
            continue;
        }
        if (*ps->p == '&') {
            ps->p++;
            rc = reference(ps, &text);
            if (rc < 0)
                break;
            continue;
        }
        if (starts(ps, "]]>")) {
            rc = fail(ps, SV_EFORMAT, "']]>' in text");
            break;
        }
        if (sv_buf_append(&text, ps->p, 1) < 0) {
            rc = fail(ps, SV_ELIMIT, "text too long");
            break;
        }
        ps->p++;
    }
    if (rc < 0) {
        sv_buf_release(&text);
        return rc;
    }
    if (sv_buf_u8(&text, 0) < 0)
        return fail(ps, -ENOMEM, "out of memory");
    n->text = (char *)sv_buf_take(&text, &len);
    n->textlen = len - 1;
    return 0;
}

static int
element(struct parser *ps, struct sv_xml_node *parent, int depth)
{
    struct sv_xml_node *n;
    char *close;
    int i;

    if (depth > SV_XML_MAX_DEPTH)
        return fail(ps, SV_ELIMIT, "elements nested too deep");
    ps->p++;                                    /* '<' */
    n = new_node(ps, parent);
    if (n == NULL)
        return ps->rc;
    n->name = read_name(ps);
    if (n->name == NULL)
        return ps->rc;
    n->local = (char *)local_of(n->name);
    for (;;) {
        int had_space = ps->p < ps->end && is_space((unsigned char)*ps->p);
        struct sv_xml_attr *a;

        skip_space(ps);
        if (ps->p >= ps->end)
            return fail(ps, SV_EFORMAT, "unexpected end in a tag");
        if (*ps->p == '>' || starts(ps, "/>"))
            break;
        if (!had_space)
            return fail(ps, SV_EFORMAT, "expected a space between attributes");
        if (n->nattrs == SV_XML_MAX_ATTRS)
            return fail(ps, SV_ELIMIT, "too many attributes");
        if (n->attrs == NULL) {
            n->attrs = calloc(SV_XML_MAX_ATTRS, sizeof(*n->attrs));
            if (n->attrs == NULL)
                return fail(ps, -ENOMEM, "out of memory");
        }
        a = &n->attrs[n->nattrs];
        a->name = read_name(ps);
        if (a->name == NULL)
            return ps->rc;
        n->nattrs++;
        a->local = (char *)local_of(a->name);
        skip_space(ps);
        if (ps->p >= ps->end || *ps->p != '=')
            return fail(ps, SV_EFORMAT, "expected '=' after an attribute");
        ps->p++;
        skip_space(ps);
        a->value = attr_value(ps);
        if (a->value == NULL)
            return ps->rc;
        for (i = 0; i < n->nattrs - 1; i++)
            if (strcmp(n->attrs[i].name, a->name) == 0)
                return fail(ps, SV_EFORMAT, "repeated attribute");
    }
    n->ns = resolve_ns(n, n->name);
    if (n->ns == NULL)
        return fail(ps, SV_EFORMAT, "undeclared namespace prefix");
    if (*ps->p == '/') {
        ps->p += 2;
        n->text = strdup("");
        return n->text != NULL ? 0 : fail(ps, -ENOMEM, "out of memory");
    }
    ps->p++;
    if (content(ps, n, depth) < 0)
        return ps->rc;
    ps->p += 2;                                 /* "</" */
    close = read_name(ps);
    if (close == NULL)
        return ps->rc;
    i = strcmp(close, n->name);
    free(close);
    if (i != 0)
        return fail(ps, SV_EFORMAT, "end tag does not match start tag");
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != '>')
        return fail(ps, SV_EFORMAT, "expected '>'");
    ps->p++;
    return 0;
}

int
sv_xml_parse(const char *buf, size_t len, struct sv_xml **out, char *err,
             size_t size)
{
    struct parser ps;
    struct sv_xml *x;
    int k;

    if (len > SV_XML_MAX_INPUT) {
        snprintf(err, size, "document larger than %d bytes",
                 SV_XML_MAX_INPUT);
        return SV_ELIMIT;
    }
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    memset(&ps, 0, sizeof(ps));
    ps.p = ps.start = buf;
    ps.end = buf + len;
    ps.x = x;
    ps.err = err;
    ps.errsize = size;
    if (starts(&ps, "\xef\xbb\xbf"))            /* UTF-8 byte order mark */
        ps.p += 3;
    for (;;) {
        skip_space(&ps);
        k = misc(&ps);
        if (k < 0)
            goto bad;
        if (k == 0)
            break;
    }
    if (ps.p >= ps.end || *ps.p != '<') {
        fail(&ps, SV_EFORMAT, "no root element");
        goto bad;
    }
    if (element(&ps, NULL, 1) < 0)
        goto bad;
    x->root = x->all[0];
    for (;;) {
        skip_space(&ps);
        if (ps.p >= ps.end)
            break;
        k = misc(&ps);
        if (k < 0)
            goto bad;
        if (k == 0) {
            fail(&ps, SV_EFORMAT, "content after the root element");
            goto bad;
        }
    }
    *out = x;
    return 0;
bad:
    sv_xml_free(x);
    return ps.rc != 0 ? ps.rc : SV_EFORMAT;
}

struct sv_xml_node *
sv_xml_root(const struct sv_xml *x)
{
    return x->root;
}

static int
is(const struct sv_xml_node *n, const char *ns, const char *local)
{
    return strcmp(n->local, local) == 0 && (ns == NULL ||
                                            strcmp(n->ns, ns) == 0);
}

struct sv_xml_node *
sv_xml_child(const struct sv_xml_node *n, const char *ns, const char *local)
{
    struct sv_xml_node *c;

    for (c = n->child; c != NULL; c = c->next)
        if (is(c, ns, local))
            return c;
    return NULL;
}

struct sv_xml_node *
sv_xml_next(const struct sv_xml_node *n, const char *ns, const char *local)
{
    struct sv_xml_node *c;

    for (c = n->next; c != NULL; c = c->next)
        if (is(c, ns, local))
            return c;
    return NULL;
}

const char *
sv_xml_attr(const struct sv_xml_node *n, const char *name)
{
    int i;

    for (i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return n->attrs[i].value;
    return NULL;
}

void
sv_xml_free(struct sv_xml *x)
{
    size_t i;
    int j;

    if (x == NULL)
        return;
    for (i = 0; i < x->n; i++) {
        struct sv_xml_node *n = x->all[i];

        for (j = 0; j < n->nattrs; j++) {
            free(n->attrs[j].name);
            free(n->attrs[j].value);
        }
        free(n->attrs);
        free(n->name);
        if (n->text != NULL) {
            /* CPIX text carries content keys */
            explicit_bzero(n->text, n->textlen);
            free(n->text);
        }
        free(n);
    }
    free(x->all);
    free(x);
}

int
sv_xml_escape(struct sv_buf *b, const char *s)
{
    int rc = 0;

    for (; *s != '\0' && rc == 0; s++) {
        switch (*s) {
        case '&': rc = sv_buf_printf(b, "&amp;"); break;
        case '<': rc = sv_buf_printf(b, "&lt;"); break;
        case '>': rc = sv_buf_printf(b, "&gt;"); break;
        case '"': rc = sv_buf_printf(b, "&quot;"); break;
        default: rc = sv_buf_append(b, s, 1); break;
        }
    }
    return rc;
}
