/* amf0.h -- AMF0 values (RTMP commands and metadata) to and from JSON */
#ifndef SV_AMF0_H
#define SV_AMF0_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"

/* nesting deeper than this is refused (objects in objects in arrays...) */
#define SV_AMF0_MAX_DEPTH 16

/*
 * Decodes one AMF0 value at p (len bytes).  Numbers and dates become JSON
 * reals, strings strings, booleans booleans, null and undefined null,
 * objects and ECMA arrays objects, strict arrays arrays.  On success stores
 * a new reference in *out and the bytes read in *used.  Returns 0,
 * SV_ETRUNC when the value runs past len, or SV_EFORMAT for an unknown
 * marker or too deep a nesting.
 */
int sv_amf0_decode(const uint8_t *p, size_t len, size_t *used, json_t **out);

/*
 * Decodes every value of a command or data message into a new JSON array.
 * Returns 0 or the error of the first value that does not decode.
 */
int sv_amf0_decode_all(const uint8_t *p, size_t len, json_t **out);

/*
 * Appends v in AMF0: integers and reals as numbers, strings (long strings
 * past 65535 bytes), booleans, null, objects, arrays as strict arrays.
 * Returns 0 or a negative code (the buffer's cap; it is then released).
 */
int sv_amf0_encode(struct sv_buf *b, const json_t *v);

#endif
