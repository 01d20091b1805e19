/* client.h -- the one HTTP client of libsv (libcurl underneath) */
#ifndef SV_HTTP_CLIENT_H
#define SV_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * What to send.  Plain data the caller owns, read during the call only, so
 * a multi-based sender can take the same struct per transfer.
 */
struct sv_http_req {
    const char *method;         /* "GET", "POST", "PUT", ...; NULL: POST
                                   when body is set, else GET */
    const char *url;            /* http:// or https:// only */
    const char *const *headers; /* "Name: value" lines, NULL-terminated;
                                   NULL: none */
    const void *body;           /* sent as is; NULL: no body */
    size_t body_len;
    int64_t timeout_us;         /* the whole exchange; 0: no limit */
    size_t max_reply;           /* body bytes kept; over it: SV_ELIMIT;
                                   0: the body is read and dropped */
    int follow;                 /* follow redirects (at most 10) */
    const char *user_agent;     /* NULL: no User-Agent header */
    int body_from_fd;           /* nonzero (and body NULL): the body_len
                                   bytes are read from body_fd with pread
                                   from body_off, never held whole */
    int body_fd;
    int64_t body_off;
    int64_t *sent;              /* not NULL: body bytes sent so far are
                                   added here as they go (progress) */
    const struct sv_http_part *form;    /* not NULL (and body NULL): a
                                   multipart/form-data POST of nform parts */
    int nform;
};

/*
 * One part of a multipart/form-data body: a value (value, len) or, with
 * fd >= 0, size bytes of a file read with pread from off (never held
 * whole), sent as filename with content type type.
 */
struct sv_http_part {
    const char *name;
    const char *value;
    size_t len;
    int fd;                     /* -1: value */
    int64_t off, size;
    const char *filename;       /* NULL: none */
    const char *type;           /* NULL: curl's default */
};



/* What came back.  sv_http_send() initialises it; release it always. */
struct sv_http_reply {
    long status;                /* HTTP status code of the final response */
    char *body;                 /* NUL-terminated (not counted in len) */
    size_t len;
    char *hdrs;                 /* final response's header fields as
                                   "name\0value\0" pairs; read them with
                                   sv_http_reply_header() */
    size_t hlen;
    char error[256];            /* on failure: the transport's own words,
                                   without the URL ("" otherwise) */
};

/*
 * Sends q and waits for the whole reply.  Any HTTP status counts as
 * success: the caller judges r->status.  On failure returns a negative code
 * and writes a message naming the URL into err (size bytes): SV_EPROTO for
 * transport errors (no connection, timeout, TLS, bad reply), SV_ELIMIT for
 * a body over q->max_reply or headers over 64 KiB, -ENOMEM.  r is always
 * initialised and must be released.  Thread-safe: libcurl's global state
 * is set up once, on first use.
 */
int sv_http_send(const struct sv_http_req *q, struct sv_http_reply *r,
                 char *err, size_t size);

/*
 * Returns the value of the first response header named name (any case,
 * surrounding blanks trimmed), or NULL when there is none.  The string
 * lives as long as r.
 */
const char *sv_http_reply_header(const struct sv_http_reply *r,
                                 const char *name);

/*
 * Many transfers at once on curl's multi interface, at most parallel of them
 * in flight.  next() fills *q (zeroed first) and *tag
 * for the next transfer and returns 1, 2 when none is ready yet (a retry
 * waits for its time: next() is asked again within 50 ms), or 0 when there
 * is none left until a done() adds one; a negative code stops the batch.
 * What q points at must stay valid until done() is called for tag.  done()
 * gets the outcome of sv_http_send() for the transfer: rc, the reply (the
 * batch releases it after done() returns) and err; a negative return stops
 * the batch.  Returns 0 when all transfers are done, or the first negative
 * code of next() or done() (transfers in flight are cancelled without a
 * done()).
 */
struct sv_http_batch_ops {
    int (*next)(void *ud, struct sv_http_req *q, void **tag);
    int (*done)(void *ud, void *tag, int rc, struct sv_http_reply *r,
                const char *err);
};

int sv_http_batch(int parallel, const struct sv_http_batch_ops *ops,
                  void *ud);

/* Frees the body (wiped first: it may hold keys) and the headers. */
void sv_http_reply_release(struct sv_http_reply *r);

#endif
