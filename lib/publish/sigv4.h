/* sigv4.h -- AWS Signature Version 4 for S3 requests, signed by us */
#ifndef SV_SIGV4_H
#define SV_SIGV4_H

#include <stddef.h>
#include <time.h>

/* Who signs: the secret is only read, and wiped by the caller. */
struct sv_sigv4_key {
    const char *access;         /* AWS_ACCESS_KEY_ID */
    const char *secret;
    const char *token;          /* session token, or NULL */
    const char *region;         /* "us-east-1" */
    const char *service;        /* "s3" */
};

/* One header to sign: lower-case name, value trimmed. */
struct sv_sigv4_hdr {
    const char *name;
    const char *value;
};

/*
 * Percent-encodes s into out (size bytes) the way SigV4 wants it: every
 * byte but A-Z a-z 0-9 - . _ ~ as %XX (upper case); '/' is kept when
 * keep_slash.  Returns the length, or SV_ELIMIT when out is too small.
 */
int sv_sigv4_encode(const char *s, int keep_slash, char *out, size_t size);

/*
 * Writes the canonical query of the name/value pairs q (NULL-terminated
 * list of name, value, name, value; a NULL value counts as ""), each part
 * encoded and the pairs sorted by name then value, "uploads=" for an empty
 * value, into out.  Returns its length or SV_ELIMIT.
 */
int sv_sigv4_query(const char *const *q, char *out, size_t size);

/*
 * Signs a request: method, the encoded path (canonical URI), the canonical
 * query (from sv_sigv4_query), the headers to sign (n of them, any order;
 * host, x-amz-date and x-amz-content-sha256 among them, and
 * x-amz-security-token when the key has a token), the payload's hex
 * SHA-256 (or "UNSIGNED-PAYLOAD") and the time of x-amz-date.  Writes the
 * Authorization header's value into auth.  Returns 0, SV_ELIMIT or
 * SV_EINTERNAL.
 */
int sv_sigv4_sign(const struct sv_sigv4_key *k, const char *method,
                  const char *path, const char *query,
                  const struct sv_sigv4_hdr *h, int n,
                  const char *payload_sha, time_t when,
                  char *auth, size_t size);

/* Formats when as x-amz-date wants it (20261121T120000Z) into out[17]. */
void sv_sigv4_date(time_t when, char out[17]);

#endif
