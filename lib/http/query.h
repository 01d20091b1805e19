/* query.h -- URL query strings: parameters, percent-decoding, CMCD */
#ifndef SV_QUERY_H
#define SV_QUERY_H

#include <stddef.h>

#include "core/json.h"

/*
 * Percent-decodes s (len bytes) into out (outsz bytes, NUL-terminated).
 * '+' is kept as is.  Returns the decoded length, SV_EFORMAT for a bad or
 * NUL escape, or SV_ELIMIT when out is too small; out then holds the
 * empty string (it is always terminated).
 */
int sv_pct_decode(const char *s, size_t len, char *out, size_t outsz);

/*
 * Finds the first parameter called name in q (len bytes, without the '?')
 * and decodes its value into out as sv_pct_decode() does.  A parameter
 * without '=' has the empty value.  Returns the length, -ENOENT when absent,
 * or an error of sv_pct_decode().
 */
int sv_query_get(const char *q, size_t len, const char *name, char *out,
                 size_t outsz);

/*
 * Copies q into out without the parameters called name (for logs that must
 * not keep tokens).  Returns the length or SV_ELIMIT.
 */
int sv_query_strip(const char *q, size_t len, const char *name, char *out,
                   size_t outsz);

/*
 * Parses Common Media Client Data (CTA-5004) "key=value,key,..." text into
 * obj (existing keys are replaced): quoted strings become strings, numbers
 * integers, bare keys true, other tokens strings.  At most 32 keys, keys of
 * lower-case letters and '-' up to 32 bytes.  Returns the number of keys
 * added or SV_EFORMAT (obj may hold the keys before the bad one).
 */
int sv_cmcd_parse(const char *s, size_t len, json_t *obj);

#endif
