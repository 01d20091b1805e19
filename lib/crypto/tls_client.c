/* tls_client.c -- TLS client connections straight on a non-blocking socket
 * (OpenSSL), for the RTMPS publishing client */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/err.h"
#include "core/time.h"
#include "crypto/tls_client.h"

struct sv_tls_sock {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

/* waits for what OpenSSL asked for; 0, or -ETIMEDOUT */
static int
wait_for(struct sv_tls_sock *t, int ssl_err, int64_t deadline)
{
    struct pollfd pfd;
    int64_t left = deadline - sv_time_now_ms();
    int n;

    if (left <= 0)
        return -ETIMEDOUT;
    pfd.fd = t->fd;
    pfd.events = ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
    pfd.revents = 0;
    n = poll(&pfd, 1, (int)left);
    if (n == 0)
        return -ETIMEDOUT;
    return n < 0 && errno != EINTR ? -errno : 0;
}

static void
free_sock(struct sv_tls_sock *t)
{
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    free(t);
}

int
sv_tls_sock_connect(struct sv_tls_sock **out, int fd, const char *host,
                    const char *ca_file, int verify, int timeout_ms,
                    char *err, size_t size)
{
    struct sv_tls_sock *t;
    int64_t deadline = sv_time_now_ms() + timeout_ms;
    int rc, e;

    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->fd = fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (t->ctx == NULL)
        goto ssl_fail;
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    if (verify) {
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
        rc = ca_file != NULL
                 ? SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL)
                 : SSL_CTX_set_default_verify_paths(t->ctx);
        if (rc != 1) {
            snprintf(err, size, "cannot load trusted certificates%s%s",
                     ca_file != NULL ? " from " : "",
                     ca_file != NULL ? ca_file : "");
            free_sock(t);
            return SV_EUSAGE;
        }
    }
    t->ssl = SSL_new(t->ctx);
    if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1 ||
        SSL_set_tlsext_host_name(t->ssl, host) != 1)
        goto ssl_fail;
    if (verify && SSL_set1_host(t->ssl, host) != 1)
        goto ssl_fail;
    for (;;) {
        ERR_clear_error();
        rc = SSL_connect(t->ssl);
        if (rc == 1)
            break;
        e = SSL_get_error(t->ssl, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            goto handshake_fail;
        rc = wait_for(t, e, deadline);
        if (rc < 0) {
            snprintf(err, size, "TLS handshake with %s timed out", host);
            free_sock(t);
            return rc;
        }
    }
    *out = t;
    return 0;
handshake_fail:
    {
        long v = SSL_get_verify_result(t->ssl);

        if (verify && v != X509_V_OK)
            snprintf(err, size, "certificate of %s not trusted: %s", host,
                     X509_verify_cert_error_string(v));
        else
            snprintf(err, size, "TLS handshake with %s failed: %s", host,
                     ERR_reason_error_string(ERR_peek_last_error())
                         ? ERR_reason_error_string(ERR_peek_last_error())
                         : "connection closed");
    }
    free_sock(t);
    return SV_EPROTO;
ssl_fail:
    snprintf(err, size, "cannot set up TLS for %s", host);
    free_sock(t);
    return -ENOMEM;
}

int
sv_tls_sock_write(struct sv_tls_sock *t, const uint8_t *p, size_t len,
                  int timeout_ms)
{
    int64_t deadline = sv_time_now_ms() + timeout_ms;
    size_t off = 0;
    int n, e, rc;

    while (off < len) {
        ERR_clear_error();
        n = SSL_write(t->ssl, p + off, (int)(len - off));
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        e = SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN)
            return -EPIPE;
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return e == SSL_ERROR_SYSCALL ? -EPIPE : -EIO;
        rc = wait_for(t, e, deadline);
        if (rc < 0)
            return rc == -ETIMEDOUT ? -EAGAIN : rc;
    }
    return 0;
}

int
sv_tls_sock_read(struct sv_tls_sock *t, uint8_t *p, size_t len)
{
    int n, e;

    ERR_clear_error();
    n = SSL_read(t->ssl, p, (int)len);
    if (n > 0)
        return n;
    e = SSL_get_error(t->ssl, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return -EAGAIN;
    if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL)
        return 0;
    return -EIO;
}

void
sv_tls_sock_free(struct sv_tls_sock *t)
{
    if (t == NULL)
        return;
    SSL_shutdown(t->ssl);
    free_sock(t);
}
