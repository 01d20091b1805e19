/* endpoint.h -- in-memory endpoints: request accessors, one reply call */
#ifndef SV_HTTP_ENDPOINT_H
#define SV_HTTP_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http/http_server.h"

/*
 * A handler: answers req (sv_http_reply) and returns 0, or returns -1 to
 * pass it to the next handler registered on the path.
 */
typedef int (*sv_http_endpoint_fn)(void *ud, h2o_req_t *req);

/* Registers fn (with ud) as the next handler of pc. */
void sv_http_endpoint_add(h2o_pathconf_t *pc, sv_http_endpoint_fn fn,
                          void *ud);

/* ---- the request: pointers into it, valid while it lives, not NUL-
 * terminated unless said ---- */

/* Whether the method is m ("GET", "POST", ...). */
int sv_http_req_method_is(h2o_req_t *req, const char *m);

/* The path as sent, up to the '?' (still percent-encoded). */
const char *sv_http_req_path(h2o_req_t *req, size_t *len);

/* The path decoded, with dot segments resolved (h2o's normalised form). */
const char *sv_http_req_path_normalized(h2o_req_t *req, size_t *len);

/* What follows the '?', or NULL (and *len 0) when there is no query. */
const char *sv_http_req_query(h2o_req_t *req, size_t *len);

/*
 * The value of the next header named name (any case) after *cursor (-1 to
 * start; updated), or NULL when there is no other.
 */
const char *sv_http_req_header_next(h2o_req_t *req, const char *name,
                                    ssize_t *cursor, size_t *len);

/* The value of the first header named name, or NULL. */
const char *sv_http_req_header(h2o_req_t *req, const char *name,
                               size_t *len);

/* Names and values of all headers, 4 bytes each for ": " and CRLF. */
size_t sv_http_req_header_bytes(h2o_req_t *req);

/* The body, or NULL (and *len 0) when there is none. */
const char *sv_http_req_body(h2o_req_t *req, size_t *len);

/*
 * The peer's address into ss (zeroed when unknown) and as text into text
 * (size bytes; "" when unknown).
 */
void sv_http_req_peer(h2o_req_t *req, struct sockaddr_storage *ss,
                      char *text, size_t size);

/* The worker loop's clock (ms): one value per loop turn. */
uint64_t sv_http_req_now(h2o_req_t *req);

/* ---- the reply ---- */

/* Sets (replaces) a response header; value is copied. */
void sv_http_res_header(h2o_req_t *req, const char *name, const char *value);

/* Same, with a value from a format (at most 511 bytes; longer: not set). */
void sv_http_res_headerf(h2o_req_t *req, const char *name, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

/*
 * Answers req: status and reason, Content-Type ctype (NULL: none), the
 * headers set before plus hdrs ("name", "value", ..., NULL; or NULL), and
 * len bytes of body, copied.  Returns 0 (a handler's return).
 */
int sv_http_reply(h2o_req_t *req, int status, const char *reason,
                  const char *ctype, const char *const *hdrs,
                  const void *body, size_t len);

#endif
