/* xml.h -- a small, bounded XML reader for CPIX documents */
#ifndef SV_DRM_XML_H
#define SV_DRM_XML_H

#include <stddef.h>

/*
 * Reads well-formed XML 1.0 as CPIX uses it: elements, attributes,
 * character data, the five predefined entities and character references,
 * CDATA sections, comments, processing instructions and an XML
 * declaration.  A DOCTYPE is refused (no entity expansion, ever).  Names
 * are split into prefix and local name and each element's namespace URI is
 * resolved from the xmlns declarations in scope.  Bounded: input, depth,
 * element and attribute counts.
 */
#define SV_XML_MAX_INPUT (1 << 20)
#define SV_XML_MAX_DEPTH 32
#define SV_XML_MAX_NODES 20000
#define SV_XML_MAX_ATTRS 32

struct sv_xml_attr {
    char *name;                 /* qualified name as written */
    char *local;                /* after the colon (points into name) */
    char *value;                /* entities decoded */
};

struct sv_xml_node {
    char *name;                 /* qualified name as written */
    char *local;                /* local name */
    const char *ns;             /* namespace URI, or "" */
    struct sv_xml_attr *attrs;
    int nattrs;
    char *text;                 /* character data directly inside, decoded */
    size_t textlen;
    struct sv_xml_node *parent, *child, *last, *next;
};

struct sv_xml;

/*
 * Parses len bytes.  On success stores the document in *out.  On failure
 * writes "line N: problem" into err and returns SV_EFORMAT or SV_ELIMIT.
 */
int sv_xml_parse(const char *buf, size_t len, struct sv_xml **out, char *err,
                 size_t size);

/* The root element (never NULL for a parsed document). */
struct sv_xml_node *sv_xml_root(const struct sv_xml *x);

/*
 * The first child of n (or the next sibling after n, for _next) with
 * namespace ns (NULL: any) and local name local.
 */
struct sv_xml_node *sv_xml_child(const struct sv_xml_node *n, const char *ns,
                                 const char *local);
struct sv_xml_node *sv_xml_next(const struct sv_xml_node *n, const char *ns,
                                const char *local);

/* The value of an unprefixed attribute, or NULL. */
const char *sv_xml_attr(const struct sv_xml_node *n, const char *name);

void sv_xml_free(struct sv_xml *x);

/* Appends s to b with &, <, >, " escaped (for writing documents). */
struct sv_buf;
int sv_xml_escape(struct sv_buf *b, const char *s);

#endif
