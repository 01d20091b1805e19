/* s3xml.h -- a bounded reader for the XML bodies the S3 API answers with */
#ifndef SV_S3XML_H
#define SV_S3XML_H

#include <stddef.h>

#define SV_S3XML_MAX_INPUT (16 * 1024 * 1024)
#define SV_S3XML_MAX_DEPTH 8
#define SV_S3XML_MAX_PATH 256
#define SV_S3XML_MAX_TEXT 4096

/*
 * Called for each element that holds text (no child elements), with its
 * path from the root ("ListPartsResult/Part/ETag", namespace prefixes
 * dropped) and its text, entities decoded (len bytes, NUL-terminated).
 * Called with text NULL when an element at depth 2 ("Root/Part") closes,
 * so a caller can end a record.  A nonzero return stops the parse and is
 * returned.
 */
typedef int (*sv_s3xml_cb)(void *ud, const char *path, const char *text,
                           size_t len);

/*
 * Reads buf (len bytes, not necessarily NUL-terminated): an XML
 * declaration, comments, and elements with attributes (ignored) and text.
 * No DTDs, no CDATA, no processing instructions after the prolog.  Returns
 * 0, the callback's nonzero value, or SV_EFORMAT for anything malformed or
 * beyond the bounds above (input size, depth, path or text length).
 */
int sv_s3xml_parse(const char *buf, size_t len, sv_s3xml_cb cb, void *ud);

#endif
