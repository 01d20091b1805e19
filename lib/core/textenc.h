/* textenc.h -- hex, base64, base64url and UUID text forms of binary values */
#ifndef SV_DRM_TEXTENC_H
#define SV_DRM_TEXTENC_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*n lower-case hex digits and a NUL to out. */
void sv_hex_encode(const uint8_t *in, size_t n, char *out);

/*
 * Decodes exactly n bytes from hex text s (upper or lower case, nothing
 * else).  Returns 0, or SV_EFORMAT (out untouched).
 */
int sv_hex_decode(const char *s, uint8_t *out, size_t n);

/* Formats 16 bytes as 8-4-4-4-12 (37 bytes with the NUL). */
void sv_uuid_format(const uint8_t in[16], char out[37]);

/* Accepts a UUID with dashes or 32 hex digits.  Returns 0 or SV_EFORMAT. */
int sv_uuid_parse(const char *s, uint8_t out[16]);

/* Length of the base64 text of n bytes, without the NUL. */
size_t sv_b64_len(size_t n, int url);

/*
 * Encodes n bytes as base64 (url: the URL-safe alphabet, no padding) with a
 * final NUL; out needs sv_b64_len(n, url) + 1 bytes.
 */
void sv_b64_encode(const uint8_t *in, size_t n, char *out, int url);

/*
 * Decodes len characters of base64 (url: URL-safe alphabet, padding
 * optional; otherwise the standard alphabet, where whitespace is skipped
 * and padding is optional) into out, which holds at most cap bytes.
 * Returns the byte count, or SV_EFORMAT / SV_ELIMIT.
 */
long sv_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap,
                       int url);

#endif
