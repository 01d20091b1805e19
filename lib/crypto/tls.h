/* tls.h -- TLS server contexts, and TLS over memory buffers (OpenSSL) */
#ifndef SV_TLS_H
#define SV_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct sv_tls_ctx;
struct sv_tls;

/* receives decrypted bytes; returns 0 or a negative code to stop */
typedef int (*sv_tls_plain_fn)(void *ud, const uint8_t *p, size_t len);

/*
 * Loads a PEM certificate chain and key for a server.  Returns 0 or a
 * negative code with a message in err.
 */
int sv_tls_ctx_new(struct sv_tls_ctx **out, const char *cert,
                   const char *key, char *err, size_t size);
void sv_tls_ctx_free(struct sv_tls_ctx *c);

/*
 * The OpenSSL context inside c, borrowed (c owns it), for a server library
 * that takes one (h2o's accept context).
 */
struct ssl_ctx_st *sv_tls_ctx_ssl(struct sv_tls_ctx *c);

/* One server-side connection.  Returns 0 or -ENOMEM. */
int sv_tls_new(struct sv_tls **out, struct sv_tls_ctx *c);
void sv_tls_free(struct sv_tls *t);

/*
 * Takes bytes from the peer: handshake records go on, application data is
 * handed to fn.  What must go back to the peer is appended to cipher.
 * Returns 0 or a negative code (SV_EPROTO for a failed handshake).
 */
int sv_tls_feed(struct sv_tls *t, const uint8_t *p, size_t len,
                sv_tls_plain_fn fn, void *ud, struct sv_buf *cipher);

/* Encrypts p into cipher.  Returns 0 or a negative code. */
int sv_tls_write(struct sv_tls *t, const uint8_t *p, size_t len,
                 struct sv_buf *cipher);

#endif
