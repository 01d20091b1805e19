/* tls.c -- TLS server contexts (sv-serve, sv-drm serve, RTMPS), and TLS on
 * memory BIOs for RTMPS, so libuv keeps the socket */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/err.h"
#include "crypto/tls.h"

struct sv_tls_ctx {
    SSL_CTX *ctx;
};

struct sv_tls {
    SSL *ssl;
    BIO *rbio, *wbio;   /* owned by ssl */
};

int
sv_tls_ctx_new(struct sv_tls_ctx **out, const char *cert, const char *key,
               char *err, size_t size)
{
    struct sv_tls_ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return -ENOMEM;
    c->ctx = SSL_CTX_new(TLS_server_method());
    if (c->ctx == NULL)
        goto fail;
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1) {
        snprintf(err, size, "cannot load certificate '%s': %s", cert,
                 ERR_reason_error_string(ERR_get_error()));
        goto fail_msg;
    }
    if (SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c->ctx) != 1) {
        snprintf(err, size, "cannot load key '%s': %s", key,
                 ERR_reason_error_string(ERR_get_error()));
        goto fail_msg;
    }
    *out = c;
    return 0;
fail:
    snprintf(err, size, "SSL_CTX_new() failed");
fail_msg:
    SSL_CTX_free(c->ctx);
    free(c);
    return SV_EUSAGE;
}

void
sv_tls_ctx_free(struct sv_tls_ctx *c)
{
    if (c == NULL)
        return;
    SSL_CTX_free(c->ctx);
    free(c);
}

struct ssl_ctx_st *
sv_tls_ctx_ssl(struct sv_tls_ctx *c)
{
    return c->ctx;
}

int
sv_tls_new(struct sv_tls **out, struct sv_tls_ctx *c)
{
    struct sv_tls *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return -ENOMEM;
    t->ssl = SSL_new(c->ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        return -ENOMEM;
    }
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_accept_state(t->ssl);
    *out = t;
    return 0;
}

void
sv_tls_free(struct sv_tls *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    free(t);
}

/* moves what OpenSSL wants to send into cipher */
static int
drain(struct sv_tls *t, struct sv_buf *cipher)
{
    char buf[16384];
    int n, rc;

    while ((n = BIO_read(t->wbio, buf, sizeof(buf))) > 0) {
        rc = sv_buf_append(cipher, buf, (size_t)n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
sv_tls_feed(struct sv_tls *t, const uint8_t *p, size_t len,
            sv_tls_plain_fn fn, void *ud, struct sv_buf *cipher)
{
    uint8_t buf[16384];
    int n, rc;

    if (len > 0 && BIO_write(t->rbio, p, (int)len) != (int)len)
        return -ENOMEM;
    for (;;) {
        n = SSL_read(t->ssl, buf, sizeof(buf));
        if (n > 0) {
            rc = fn(ud, buf, (size_t)n);
            if (rc < 0)
                return rc;
            continue;
        }
        rc = SSL_get_error(t->ssl, n);
        if (rc == SSL_ERROR_WANT_READ || rc == SSL_ERROR_WANT_WRITE)
            break;
        ERR_clear_error();
        drain(t, cipher);   /* an alert, when there is one */
        return rc == SSL_ERROR_ZERO_RETURN ? -ECONNRESET : SV_EPROTO;
    }
    return drain(t, cipher);
}

int
sv_tls_write(struct sv_tls *t, const uint8_t *p, size_t len,
             struct sv_buf *cipher)
{
    size_t off = 0;
    int n;

    while (off < len) {
        n = SSL_write(t->ssl, p + off, (int)(len - off));
        if (n <= 0) {
            ERR_clear_error();
            return SV_EPROTO;
        }
        off += (size_t)n;
    }
    return drain(t, cipher);
}
