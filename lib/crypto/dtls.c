/* dtls.c -- DTLS-SRTP through OpenSSL 3 over memory: one datagram per write */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "crypto/dtls.h"

/* handshake records fit a path MTU with room for IP, UDP and TURN */
#define DTLS_MTU 1200

struct sv_dtls_ctx {
    SSL_CTX *ssl;
    char fp[SV_DTLS_FP_LEN];
};

struct sv_dtls {
    SSL *ssl;
    BIO *rbio;                  /* memory: the datagram being fed */
    sv_dtls_send_fn send;
    void *ud;
    int done;
    int failed;
};

static BIO_METHOD *out_method;

static void
fingerprint(const unsigned char *md, unsigned n, char *out)
{
    unsigned i;

    for (i = 0; i < n && i < 32; i++)
        snprintf(out + 3 * i, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

static int
accept_any(int ok, X509_STORE_CTX *x)
{
    /* self-signed on both sides: the SDP fingerprint is the check */
    return 1;
}

/* the write side: every record flight write is one datagram */
static int
out_write(BIO *b, const char *p, int len)
{
    struct sv_dtls *d = BIO_get_data(b);

    if (d == NULL || len <= 0)
        return len;
    if (d->send(d->ud, (const uint8_t *)p, (size_t)len) < 0)
        return -1;
    return len;
}

static long
out_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return DTLS_MTU;
    default:
        return 0;
    }
}

static int
out_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int
make_cert(EVP_PKEY **kout, X509 **xout)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char serial[8];
    BIGNUM *bn = NULL;
    int ok = 0;

    if (key == NULL || x == NULL ||
        RAND_bytes(serial, sizeof(serial)) != 1)
        goto out;
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ==
                          NULL)
        goto out;
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
    X509_set_pubkey(x, key);
    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"streamverse", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    if (X509_sign(x, key, EVP_sha256()) == 0)
        goto out;
    ok = 1;
out:
    BN_free(bn);
    if (!ok) {
        EVP_PKEY_free(key);
        X509_free(x);
        return SV_EINTERNAL;
    }
    *kout = key;
    *xout = x;
    return 0;
}

int
sv_dtls_ctx_new(struct sv_dtls_ctx **out)
{
    struct sv_dtls_ctx *c;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    int rc = SV_EINTERNAL;

    if (out_method == NULL) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() |
                                     BIO_TYPE_SOURCE_SINK, "sv-dtls-out");

        if (m == NULL)
            return -ENOMEM;
        BIO_meth_set_write(m, out_write);
        BIO_meth_set_ctrl(m, out_ctrl);
        BIO_meth_set_create(m, out_create);
        out_method = m;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->ssl = SSL_CTX_new(DTLS_method());
    if (c->ssl == NULL || make_cert(&key, &x) < 0)
        goto fail;
    if (SSL_CTX_use_certificate(c->ssl, x) != 1 ||
        SSL_CTX_use_PrivateKey(c->ssl, key) != 1 ||
        SSL_CTX_check_private_key(c->ssl) != 1)
        goto fail;
    SSL_CTX_set_min_proto_version(c->ssl, DTLS1_2_VERSION);
    SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER |
                       SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    SSL_CTX_set_options(c->ssl, SSL_OP_NO_QUERY_MTU);
    /* returns 0 on success, unlike the rest of OpenSSL */
    if (SSL_CTX_set_tlsext_use_srtp(c->ssl, "SRTP_AEAD_AES_128_GCM:"
                                    "SRTP_AES128_CM_SHA1_80") != 0)
        goto fail;
    if (X509_digest(x, EVP_sha256(), md, &n) != 1)
        goto fail;
    fingerprint(md, n, c->fp);
    EVP_PKEY_free(key);
    X509_free(x);
    *out = c;
    return 0;
fail:
    EVP_PKEY_free(key);
    X509_free(x);
    sv_dtls_ctx_free(c);
    ERR_clear_error();
    return rc;
}

const char *
sv_dtls_ctx_fingerprint(const struct sv_dtls_ctx *ctx)
{
    return ctx->fp;
}

void
sv_dtls_ctx_free(struct sv_dtls_ctx *ctx)
{
    if (ctx == NULL)
        return;
    SSL_CTX_free(ctx->ssl);
    free(ctx);
}

int
sv_dtls_new(struct sv_dtls **out, struct sv_dtls_ctx *ctx, int server,
            sv_dtls_send_fn send, void *ud)
{
    struct sv_dtls *d = calloc(1, sizeof(*d));
    BIO *wbio;

    if (d == NULL)
        return -ENOMEM;
    d->send = send;
    d->ud = ud;
    d->ssl = SSL_new(ctx->ssl);
    d->rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(out_method);
    if (d->ssl == NULL || d->rbio == NULL || wbio == NULL) {
        BIO_free(d->rbio);
        BIO_free(wbio);
        SSL_free(d->ssl);
        free(d);
        return -ENOMEM;
    }
    BIO_set_mem_eof_return(d->rbio, -1);
    BIO_set_data(wbio, d);
    SSL_set_bio(d->ssl, d->rbio, wbio);
    DTLS_set_link_mtu(d->ssl, DTLS_MTU);
    SSL_set_mtu(d->ssl, DTLS_MTU);
    if (server)
        SSL_set_accept_state(d->ssl);
    else
        SSL_set_connect_state(d->ssl);
    *out = d;
    return 0;
}

/* one step of the handshake: 1 done, 0 waiting, SV_EPROTO failed */
static int
step(struct sv_dtls *d)
{
    int r = SSL_do_handshake(d->ssl), e;

    if (r == 1) {
        d->done = 1;
        return 1;
    }
    e = SSL_get_error(d->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    d->failed = 1;
    ERR_clear_error();
    return SV_EPROTO;
}

int
sv_dtls_start(struct sv_dtls *d)
{
    return step(d) < 0 ? SV_EPROTO : 0;
}

int
sv_dtls_feed(struct sv_dtls *d, const uint8_t *p, size_t len)
{
    unsigned char buf[2048];
    int r, e;

    if (d->failed)
        return SV_EPROTO;
    if (len > 0 && BIO_write(d->rbio, p, (int)len) != (int)len)
        return -ENOMEM;
    if (!d->done) {
        r = step(d);
        if (r != 0)
            return r;
        return 0;
    }
    /* after the handshake: alerts, retransmitted Finished, a close */
    for (;;) {
        r = SSL_read(d->ssl, buf, sizeof(buf));
        if (r > 0)
            continue;       /* application data: WebRTC media sends none */
        e = SSL_get_error(d->ssl, r);
        (void)BIO_reset(d->rbio);
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN)
            return -ECONNRESET;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        return SV_EPROTO;
    }
}

int
sv_dtls_timeout_ms(struct sv_dtls *d)
{
    struct timeval tv;

    if (d->done || d->failed || DTLSv1_get_timeout(d->ssl, &tv) != 1)
        return -1;
    return (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

int
sv_dtls_handle_timeout(struct sv_dtls *d)
{
    if (d->done || d->failed)
        return 0;
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        d->failed = 1;
        ERR_clear_error();
        return SV_EPROTO;
    }
    return 0;
}

int
sv_dtls_done(const struct sv_dtls *d)
{
    return d->done;
}

int
sv_dtls_srtp_keys(struct sv_dtls *d, struct sv_dtls_srtp *out)
{
    SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    uint8_t km[2 * (16 + 14)];
    struct sv_dtls_srtp k;
    size_t kl = 16, sl;

    if (!d->done || p == NULL)
        return SV_EPROTO;
    memset(&k, 0, sizeof(k));
    if (p->id == SRTP_AES128_CM_SHA1_80)
        k.profile = SV_SRTP_AES128_CM_SHA1_80;
    else if (p->id == SRTP_AEAD_AES_128_GCM)
        k.profile = SV_SRTP_AEAD_AES_128_GCM;
    else
        return SV_EPROTO;
    sl = k.profile == SV_SRTP_AEAD_AES_128_GCM ? 12 : 14;
    if (SSL_export_keying_material(d->ssl, km, 2 * (kl + sl),
                                   "EXTRACTOR-dtls_srtp", 19, NULL, 0,
                                   0) != 1) {
        ERR_clear_error();
        return SV_EINTERNAL;
    }
    k.key_len = (int)kl;
    k.salt_len = (int)sl;
    memcpy(k.client_key, km, kl);
    memcpy(k.server_key, km + kl, kl);
    memcpy(k.client_salt, km + 2 * kl, sl);
    memcpy(k.server_salt, km + 2 * kl + sl, sl);
    explicit_bzero(km, sizeof(km));
    *out = k;
    explicit_bzero(&k, sizeof(k));
    return 0;
}

int
sv_dtls_peer_fingerprint(struct sv_dtls *d, char *out)
{
    X509 *x = SSL_get1_peer_certificate(d->ssl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    int ok;

    if (x == NULL)
        return SV_EPROTO;
    ok = X509_digest(x, EVP_sha256(), md, &n) == 1;
    X509_free(x);
    if (!ok)
        return SV_EPROTO;
    fingerprint(md, n, out);
    return 0;
}

void
sv_dtls_free(struct sv_dtls *d)
{
    if (d == NULL)
        return;
    SSL_free(d->ssl);       /* frees both BIOs */
    free(d);
}
