/* srtp.c -- libsrtp2 behind four calls: one context per direction */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "core/err.h"
#include "crypto/dtls.h"
#include "rtc/srtp.h"

struct sv_srtp {
    srtp_t ctx;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void
init(void)
{
    init_rc = srtp_init() == srtp_err_status_ok ? 0 : SV_EINTERNAL;
}

int
sv_srtp_new(struct sv_srtp **out, int profile, const uint8_t *key,
            size_t key_len, const uint8_t *salt, size_t salt_len,
            int inbound)
{
    struct sv_srtp *s;
    srtp_policy_t pol;
    uint8_t master[64];

    pthread_once(&once, init);
    if (init_rc < 0)
        return init_rc;
    if (key_len + salt_len > sizeof(master))
        return SV_EUSAGE;
    memset(&pol, 0, sizeof(pol));
    if (profile == SV_SRTP_AES128_CM_SHA1_80 && key_len == 16 &&
        salt_len == 14) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
    } else if (profile == SV_SRTP_AEAD_AES_128_GCM && key_len == 16 &&
               salt_len == 12) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
    } else {
        return SV_EUSAGE;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    memcpy(master, key, key_len);
    memcpy(master + key_len, salt, salt_len);
    pol.key = master;
    pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    pol.window_size = 1024;
    pol.allow_repeat_tx = 1;
    pol.next = NULL;
    if (srtp_create(&s->ctx, &pol) != srtp_err_status_ok) {
        explicit_bzero(master, sizeof(master));
        free(s);
        return SV_EINTERNAL;
    }
    explicit_bzero(master, sizeof(master));
    *out = s;
    return 0;
}

static int
map(srtp_err_status_t e)
{
    switch (e) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_auth_fail:
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return SV_EAUTH;
    default:
        return SV_EFORMAT;
    }
}

int
sv_srtp_unprotect(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    int n = (int)*len, rc;

    if (*len > 65535)
        return SV_EFORMAT;
    rc = map(srtp_unprotect(s->ctx, p, &n));
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

int
sv_srtp_unprotect_rtcp(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    int n = (int)*len, rc;

    if (*len > 65535)
        return SV_EFORMAT;
    rc = map(srtp_unprotect_rtcp(s->ctx, p, &n));
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

int
sv_srtp_protect(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    int n = (int)*len, rc;

    if (*len > 65535)
        return SV_EFORMAT;
    rc = map(srtp_protect(s->ctx, p, &n));
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

int
sv_srtp_protect_rtcp(struct sv_srtp *s, uint8_t *p, size_t *len)
{
    int n = (int)*len, rc;

    if (*len > 65535)
        return SV_EFORMAT;
    rc = map(srtp_protect_rtcp(s->ctx, p, &n));
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

void
sv_srtp_free(struct sv_srtp *s)
{
    if (s == NULL)
        return;
    srtp_dealloc(s->ctx);
    free(s);
}
