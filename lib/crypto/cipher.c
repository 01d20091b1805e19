/* cipher.c -- AES, SHA-256, random and ECDSA P-256 through OpenSSL */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/err.h"
#include "crypto/cipher.h"

struct sv_drm_aes {
    EVP_CIPHER_CTX *ctx;
    enum sv_drm_mode mode;
    uint8_t key[16];
    int ready;          /* key schedule set up; later resets change the IV */
};

struct sv_drm_pkey {
    EVP_PKEY *pkey;
    int priv;
};

int
sv_drm_random(void *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1)
        return SV_EINTERNAL;
    return 0;
}

static int
gcm(int enc, const uint8_t key[32], const uint8_t nonce[12],
    const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
    uint8_t tag[16])
{
    EVP_CIPHER_CTX *c;
    int n, rc = SV_EINTERNAL;

    c = EVP_CIPHER_CTX_new();
    if (c == NULL)
        return -ENOMEM;
    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) != 1)
        goto done;
    if (aadlen > 0 && EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) != 1)
        goto done;
    if (len > 0 && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
        goto done;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(c, out + len, &n) != 1) {
        rc = enc ? SV_EINTERNAL : SV_EAUTH;
        if (!enc)
            OPENSSL_cleanse(out, len);
        goto done;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
        goto done;
    rc = 0;
done:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int
sv_drm_gcm_seal(const uint8_t key[32], const uint8_t nonce[12],
                const void *aad, size_t aadlen, const void *in, size_t len,
                uint8_t *out, uint8_t tag[16])
{
    return gcm(1, key, nonce, aad, aadlen, in, len, out, tag);
}

int
sv_drm_gcm_open(const uint8_t key[32], const uint8_t nonce[12],
                const void *aad, size_t aadlen, const void *in, size_t len,
                uint8_t *out, const uint8_t tag[16])
{
    uint8_t t[16];

    memcpy(t, tag, 16);
    return gcm(0, key, nonce, aad, aadlen, in, len, out, t);
}

struct sv_drm_aes *
sv_drm_aes_new(enum sv_drm_mode mode, const uint8_t key[16])
{
    struct sv_drm_aes *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->ctx = EVP_CIPHER_CTX_new();
    if (a->ctx == NULL) {
        free(a);
        return NULL;
    }
    a->mode = mode;
    memcpy(a->key, key, 16);
    return a;
}

int
sv_drm_aes_reset(struct sv_drm_aes *a, const uint8_t iv[16])
{
    const EVP_CIPHER *c;
    int enc = a->mode != SV_DRM_CBC_DEC;

    if (a->ready)
        return EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, iv, enc) == 1
               ? 0 : SV_EINTERNAL;
    c = a->mode == SV_DRM_CTR ? EVP_aes_128_ctr() : EVP_aes_128_cbc();
    if (EVP_CipherInit_ex(a->ctx, c, NULL, a->key, iv, enc) != 1)
        return SV_EINTERNAL;
    EVP_CIPHER_CTX_set_padding(a->ctx, 0);
    a->ready = 1;
    return 0;
}

int
sv_drm_aes_update(struct sv_drm_aes *a, const uint8_t *in, uint8_t *out,
                  size_t len)
{
    int n;

    if (a->mode != SV_DRM_CTR && len % 16 != 0)
        return SV_EINTERNAL;
    while (len > 0) {
        /* EVP takes an int length: feed large buffers in slices */
        int chunk = len > (1u << 30) ? 1 << 30 : (int)len;

        if (EVP_CipherUpdate(a->ctx, out, &n, in, chunk) != 1 || n != chunk)
            return SV_EINTERNAL;
        in += chunk;
        out += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

void
sv_drm_aes_free(struct sv_drm_aes *a)
{
    if (a == NULL)
        return;
    EVP_CIPHER_CTX_free(a->ctx);
    OPENSSL_cleanse(a->key, sizeof(a->key));
    free(a);
}

int
sv_drm_cbc_pad(int enc, const uint8_t key[16], const uint8_t iv[16],
               const uint8_t *in, size_t len, uint8_t *out, size_t *outlen)
{
    EVP_CIPHER_CTX *c;
    int n, m, rc = SV_EINTERNAL;

    if (len > (1u << 30))
        return SV_ELIMIT;
    c = EVP_CIPHER_CTX_new();
    if (c == NULL)
        return -ENOMEM;
    if (EVP_CipherInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv, enc) != 1)
        goto done;
    if (EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
        goto done;
    if (EVP_CipherFinal_ex(c, out + n, &m) != 1) {
        rc = enc ? SV_EINTERNAL : SV_EAUTH;
        goto done;
    }
    *outlen = (size_t)n + (size_t)m;
    rc = 0;
done:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int
sv_drm_sha256(const void *msg, size_t len, uint8_t out[32])
{
    unsigned n = 32;

    if (EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL) != 1)
        return SV_EINTERNAL;
    return 0;
}

static int
is_p256(EVP_PKEY *pk)
{
    char name[64];
    size_t n = 0;

    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
        return 0;
    if (EVP_PKEY_get_utf8_string_param(pk, "group", name, sizeof(name),
                                       &n) != 1)
        return 0;
    return strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0;
}

int
sv_drm_pkey_load(const char *path, struct sv_drm_pkey **out, char *err,
                 size_t errsize)
{
    struct sv_drm_pkey *k;
    EVP_PKEY *pk;
    BIO *b;
    int priv = 1;

    b = BIO_new_file(path, "r");
    if (b == NULL) {
        snprintf(err, errsize, "cannot open '%s': %s", path,
                 strerror(errno ? errno : ENOENT));
        ERR_clear_error();
        return errno ? -errno : -ENOENT;
    }
    pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    if (pk == NULL) {
        priv = 0;
        (void)BIO_reset(b);
        pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    }
    BIO_free(b);
    ERR_clear_error();
    if (pk == NULL) {
        snprintf(err, errsize, "cannot read '%s': not a PEM key", path);
        return SV_EFORMAT;
    }
    if (!is_p256(pk)) {
        snprintf(err, errsize, "cannot use '%s': not an EC P-256 key",
                 path);
        EVP_PKEY_free(pk);
        return SV_EFORMAT;
    }
    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pk);
        return -ENOMEM;
    }
    k->pkey = pk;
    k->priv = priv;
    *out = k;
    return 0;
}

void
sv_drm_pkey_free(struct sv_drm_pkey *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

int
sv_drm_es256_sign(struct sv_drm_pkey *k, const void *msg, size_t len,
                  uint8_t sig[64])
{
    EVP_MD_CTX *md;
    unsigned char der[80];
    const unsigned char *p = der;
    size_t dlen = sizeof(der);
    ECDSA_SIG *s = NULL;
    const BIGNUM *r, *sv;
    int rc = SV_EINTERNAL;

    if (!k->priv)
        return SV_EUSAGE;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        return -ENOMEM;
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
        EVP_DigestSign(md, der, &dlen, msg, len) != 1)
        goto done;
    s = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    if (s == NULL)
        goto done;
    ECDSA_SIG_get0(s, &r, &sv);
    if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(sv, sig + 32, 32) != 32)
        goto done;
    rc = 0;
done:
    ECDSA_SIG_free(s);
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return rc;
}

int
sv_drm_es256_verify(struct sv_drm_pkey *k, const void *msg, size_t len,
                    const uint8_t sig[64])
{
    EVP_MD_CTX *md = NULL;
    ECDSA_SIG *s;
    BIGNUM *r, *sv;
    unsigned char *der = NULL;
    int dlen, rc = SV_EAUTH;

    s = ECDSA_SIG_new();
    r = BN_bin2bn(sig, 32, NULL);
    sv = BN_bin2bn(sig + 32, 32, NULL);
    if (s == NULL || r == NULL || sv == NULL ||
        ECDSA_SIG_set0(s, r, sv) != 1) {
        BN_free(r);
        BN_free(sv);
        rc = -ENOMEM;
        goto done;
    }
    dlen = i2d_ECDSA_SIG(s, &der);
    if (dlen <= 0)
        goto done;
    md = EVP_MD_CTX_new();
    if (md == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
        EVP_DigestVerify(md, der, (size_t)dlen, msg, len) == 1)
        rc = 0;
done:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
    ERR_clear_error();
    return rc;
}
