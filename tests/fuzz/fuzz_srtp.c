/* fuzz_srtp.c -- SRTP/SRTCP unprotect on any bytes (both profiles), and
 * protect then unprotect of any packet that parses: the plain packet back */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dtls.h"
#include "rtc/srtp.h"

#define MAXP 2048

static void
one(int profile, size_t salt_len, const uint8_t *data, size_t size)
{
    static const uint8_t key[16] = "fuzzfuzzfuzzfuzz";
    static const uint8_t salt[14] = "saltsaltsalts";
    static uint8_t buf[MAXP + SV_SRTP_TRAILER], plain[MAXP];
    struct sv_srtp *tx = NULL, *rx = NULL;
    size_t len, n;
    int rc, rtcp = size > 1 && data[1] >= 192 && data[1] <= 223;

    if (sv_srtp_new(&tx, profile, key, 16, salt, salt_len, 0) < 0 ||
        sv_srtp_new(&rx, profile, key, 16, salt, salt_len, 1) < 0)
        goto out;
    /* the bytes as if they came protected from a peer */
    memcpy(buf, data, size);
    len = size;
    rc = rtcp ? sv_srtp_unprotect_rtcp(rx, buf, &len)
              : sv_srtp_unprotect(rx, buf, &len);
    if (rc == 0 && len > size)
        abort();
    sv_srtp_free(rx);
    rx = NULL;
    if (sv_srtp_new(&rx, profile, key, 16, salt, salt_len, 1) < 0)
        goto out;
    /* the bytes as our plain packet: what protect makes, unprotect undoes */
    memcpy(buf, data, size);
    memcpy(plain, data, size);
    len = size;
    rc = rtcp ? sv_srtp_protect_rtcp(tx, buf, &len)
              : sv_srtp_protect(tx, buf, &len);
    if (rc < 0)
        goto out;
    if (len < size || len > size + SV_SRTP_TRAILER)
        abort();
    n = len;
    rc = rtcp ? sv_srtp_unprotect_rtcp(rx, buf, &n)
              : sv_srtp_unprotect(rx, buf, &n);
    if (rc != 0 || n != size || memcmp(buf, plain, size) != 0)
        abort();
out:
    sv_srtp_free(tx);
    sv_srtp_free(rx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAXP)
        return 0;
    one(SV_SRTP_AES128_CM_SHA1_80, 14, data, size);
    one(SV_SRTP_AEAD_AES_128_GCM, 12, data, size);
    return 0;
}
