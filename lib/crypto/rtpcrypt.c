/* rtpcrypt.c -- AES-128 CTR/GCM and HMAC-SHA1 contexts for SRTP through
 * OpenSSL: the key schedule and the HMAC pads are set up once, each packet
 * only restarts the IV (or the MAC) */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "core/err.h"
#include "crypto/rtpcrypt.h"

struct sv_rtpcrypt {
    enum sv_rtpcrypt_kind kind;
    EVP_CIPHER_CTX *cipher;
    EVP_MAC_CTX *mac;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac;

static void
fetch_hmac(void)
{
    /* fetched once, kept for the process */
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static EVP_MAC *
hmac_alg(void)
{
    pthread_once(&once, fetch_hmac);
    return hmac;
}

int
sv_rtpcrypt_new(struct sv_rtpcrypt **out, enum sv_rtpcrypt_kind kind,
                const uint8_t key[16], const uint8_t *auth, size_t auth_len)
{
    struct sv_rtpcrypt *c;
    OSSL_PARAM params[2];
    const EVP_CIPHER *alg;

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->kind = kind;
    c->cipher = EVP_CIPHER_CTX_new();
    if (c->cipher == NULL)
        goto fail;
    alg = kind == SV_RTPCRYPT_GCM ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
    if (EVP_EncryptInit_ex(c->cipher, alg, NULL, key, NULL) != 1)
        goto fail;
    if (kind == SV_RTPCRYPT_CTR && auth != NULL) {
        EVP_MAC *mac = hmac_alg();

        if (mac == NULL || (c->mac = EVP_MAC_CTX_new(mac)) == NULL)
            goto fail;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *)"SHA1", 0);
        params[1] = OSSL_PARAM_construct_end();
        if (EVP_MAC_init(c->mac, auth, auth_len, params) != 1)
            goto fail;
    }
    *out = c;
    return 0;
fail:
    sv_rtpcrypt_free(c);
    return SV_EINTERNAL;
}

int
sv_rtpcrypt_ctr(struct sv_rtpcrypt *c, const uint8_t iv[16], uint8_t *p,
                size_t len)
{
    int n;

    if (len > 65536)
        return SV_EUSAGE;
    if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1 ||
        EVP_EncryptUpdate(c->cipher, p, &n, p, (int)len) != 1)
        return SV_EINTERNAL;
    return 0;
}

int
sv_rtpcrypt_hmac(struct sv_rtpcrypt *c, const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen, uint8_t out[20])
{
    size_t n = 0;

    if (c->mac == NULL)
        return SV_EUSAGE;
    /* a NULL key restarts from the pads computed at new */
    if (EVP_MAC_init(c->mac, NULL, 0, NULL) != 1 ||
        EVP_MAC_update(c->mac, a, alen) != 1 ||
        (b != NULL && EVP_MAC_update(c->mac, b, blen) != 1) ||
        EVP_MAC_final(c->mac, out, &n, 20) != 1 || n != 20)
        return SV_EINTERNAL;
    return 0;
}

int
sv_rtpcrypt_seal(struct sv_rtpcrypt *c, const uint8_t iv[12],
                 const uint8_t *aad, size_t aad_len, uint8_t *p, size_t len,
                 uint8_t tag[16])
{
    int n;

    if (len > 65536 || aad_len > 65536)
        return SV_EUSAGE;
    if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1 ||
        EVP_EncryptUpdate(c->cipher, NULL, &n, aad, (int)aad_len) != 1 ||
        (len > 0 && EVP_EncryptUpdate(c->cipher, p, &n, p, (int)len) != 1) ||
        EVP_EncryptFinal_ex(c->cipher, p + len, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
        return SV_EINTERNAL;
    return 0;
}

int
sv_rtpcrypt_open(struct sv_rtpcrypt *c, const uint8_t iv[12],
                 const uint8_t *aad, size_t aad_len, uint8_t *p, size_t len,
                 const uint8_t tag[16])
{
    int n;

    if (len > 65536 || aad_len > 65536)
        return SV_EUSAGE;
    /* the key schedule set at new serves both directions */
    if (EVP_DecryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1 ||
        EVP_DecryptUpdate(c->cipher, NULL, &n, aad, (int)aad_len) != 1 ||
        (len > 0 && EVP_DecryptUpdate(c->cipher, p, &n, p, (int)len) != 1) ||
        EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_GCM_SET_TAG, 16,
                            (void *)tag) != 1)
        return SV_EINTERNAL;
    if (EVP_DecryptFinal_ex(c->cipher, p + len, &n) != 1)
        return SV_EAUTH;
    return 0;
}

void
sv_rtpcrypt_free(struct sv_rtpcrypt *c)
{
    if (c == NULL)
        return;
    EVP_CIPHER_CTX_free(c->cipher);
    EVP_MAC_CTX_free(c->mac);
    free(c);
}
