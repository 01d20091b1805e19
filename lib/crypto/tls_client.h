/* tls_client.h -- TLS client connections over a socket (RTMPS pushes) */
#ifndef SV_TLS_CLIENT_H
#define SV_TLS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct sv_tls_sock;

/*
 * Runs a TLS client handshake on the connected socket fd (made
 * non-blocking here; the handle does not own it) with host as SNI and, when
 * verify is nonzero, as the name the certificate must carry.  ca_file
 * (NULL: the system's store) holds the trusted roots.  Waits at most
 * timeout_ms.  Returns 0 with *out, or a negative code (SV_EPROTO for a
 * failed handshake or certificate, -ETIMEDOUT) with a message in err.
 */
int sv_tls_sock_connect(struct sv_tls_sock **out, int fd, const char *host,
                        const char *ca_file, int verify, int timeout_ms,
                        char *err, size_t size);

/*
 * Writes all of p, waiting at most timeout_ms for the socket.  Returns 0,
 * -EAGAIN when the time ran out (some bytes may be gone), -EPIPE when the
 * peer closed, or -EIO.
 */
int sv_tls_sock_write(struct sv_tls_sock *t, const uint8_t *p, size_t len,
                      int timeout_ms);

/*
 * Reads what is there without waiting: bytes, -EAGAIN when nothing is, 0
 * when the peer closed, or -EIO.
 */
int sv_tls_sock_read(struct sv_tls_sock *t, uint8_t *p, size_t len);

/* Sends close_notify (best effort) and frees; the socket stays open. */
void sv_tls_sock_free(struct sv_tls_sock *t);

#endif
