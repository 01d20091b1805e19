/* token.c -- signed URL tokens shared by sv-serve (checks) and sv-drm */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/hmac.h"
#include "drm/token.h"
#include "http/query.h"

/* Encodes as base64url without padding; returns the length or SV_ELIMIT. */
static int
b64_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
    size_t len = sv_b64_len(n, 1);

    if (len + 1 > outsz)
        return SV_ELIMIT;
    sv_b64_encode(in, n, out, 1);
    return (int)len;
}

/* Decodes base64url; a token has no padding.  Returns the length or < 0. */
static int
b64_decode(const char *in, size_t n, unsigned char *out, size_t outsz)
{
    if (memchr(in, '=', n) != NULL)
        return SV_EFORMAT;
    return (int)sv_b64_decode(in, n, out, outsz, 1);
}

/* Appends "&k=<value percent-encoded>" to out at *n. */
static int
put_field(char *out, size_t outsz, size_t *n, const char *k, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    size_t need = strlen(k) + 2;

    if (*n + need >= outsz)
        return SV_ELIMIT;
    *n += (size_t)sprintf(out + *n, "%s%s=", *n > 0 ? "&" : "", k);
    for (p = (const unsigned char *)v; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return SV_EUSAGE;
        if (*n + 4 >= outsz)
            return SV_ELIMIT;
        if (*p == '%' || *p == '&' || *p == '=' || *p == '+' || *p == ' ' ||
            *p >= 0x80) {
            out[(*n)++] = '%';
            out[(*n)++] = hex[*p >> 4];
            out[(*n)++] = hex[*p & 15];
        } else {
            out[(*n)++] = (char)*p;
        }
    }
    out[*n] = '\0';
    return 0;
}

int
sv_token_sign(const void *key, size_t keylen, const struct sv_token *t,
              char *out, size_t outsz)
{
    char payload[SV_TOKEN_MAX], exp[32];
    unsigned char mac[SV_HMAC_SHA256_LEN];
    size_t n = 0;
    int rc, plen, mlen;

    if (t->prefix[0] != '/')
        return SV_EUSAGE;
    snprintf(exp, sizeof(exp), "%" PRId64, t->expires);
    rc = put_field(payload, sizeof(payload), &n, "v", "1");
    if (rc == 0)
        rc = put_field(payload, sizeof(payload), &n, "p", t->prefix);
    if (rc == 0)
        rc = put_field(payload, sizeof(payload), &n, "e", exp);
    if (rc == 0 && t->addr[0] != '\0')
        rc = put_field(payload, sizeof(payload), &n, "a", t->addr);
    if (rc == 0 && t->subject[0] != '\0')
        rc = put_field(payload, sizeof(payload), &n, "s", t->subject);
    if (rc < 0)
        return rc;
    plen = b64_encode((const unsigned char *)payload, n, out, outsz);
    if (plen < 0)
        return plen;
    rc = sv_hmac_sha256(key, keylen, out, (size_t)plen, mac);
    if (rc < 0)
        return rc;
    if ((size_t)plen + 1 >= outsz)
        return SV_ELIMIT;
    out[plen] = '.';
    mlen = b64_encode(mac, sizeof(mac), out + plen + 1, outsz - plen - 1);
    if (mlen < 0)
        return mlen;
    return plen + 1 + mlen;
}

/* Fills t from the decoded payload; returns 0 or SV_EFORMAT. */
static int
parse_payload(const char *p, size_t n, struct sv_token *t)
{
    char v[32], *end;
    int rc;

    memset(t, 0, sizeof(*t));
    if (sv_query_get(p, n, "v", v, sizeof(v)) < 0 || strcmp(v, "1") != 0)
        return SV_EFORMAT;
    if (sv_query_get(p, n, "p", t->prefix, sizeof(t->prefix)) <= 0 ||
        t->prefix[0] != '/')
        return SV_EFORMAT;
    if (sv_query_get(p, n, "e", v, sizeof(v)) <= 0)
        return SV_EFORMAT;
    errno = 0;
    t->expires = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || v[0] == '-' || v[0] == '+')
        return SV_EFORMAT;
    rc = sv_query_get(p, n, "a", t->addr, sizeof(t->addr));
    if (rc < 0 && rc != -ENOENT)
        return SV_EFORMAT;
    if (rc == -ENOENT)
        t->addr[0] = '\0';
    rc = sv_query_get(p, n, "s", t->subject, sizeof(t->subject));
    if (rc < 0 && rc != -ENOENT)
        return SV_EFORMAT;
    if (rc == -ENOENT)
        t->subject[0] = '\0';
    return 0;
}

enum sv_token_status
sv_token_verify(const void *key, size_t keylen, const char *token, size_t len,
                const char *path, const char *addr, int64_t now,
                struct sv_token *t)
{
    unsigned char mac[SV_HMAC_SHA256_LEN], got[SV_HMAC_SHA256_LEN + 3];
    char payload[SV_TOKEN_MAX];
    struct sv_token tmp;
    const char *dot;
    size_t plen;
    int n;

    if (t == NULL)
        t = &tmp;
    memset(t, 0, sizeof(*t));
    if (len == 0 || len > SV_TOKEN_MAX)
        return SV_TOKEN_MALFORMED;
    dot = memchr(token, '.', len);
    if (dot == NULL)
        return SV_TOKEN_MALFORMED;
    plen = (size_t)(dot - token);
    n = b64_decode(token, plen, (unsigned char *)payload,
                   sizeof(payload) - 1);
    if (n <= 0)
        return SV_TOKEN_MALFORMED;
    payload[n] = '\0';
    if (memchr(payload, '\0', (size_t)n) != NULL)
        return SV_TOKEN_MALFORMED;
    if (parse_payload(payload, (size_t)n, t) < 0)
        return SV_TOKEN_MALFORMED;
    n = b64_decode(dot + 1, len - plen - 1, got, sizeof(got));
    if (n != SV_HMAC_SHA256_LEN)
        return SV_TOKEN_MALFORMED;
    if (sv_hmac_sha256(key, keylen, token, plen, mac) < 0 ||
        !sv_ct_equal(mac, got, sizeof(mac)))
        return SV_TOKEN_BAD_MAC;
    if (now >= t->expires)
        return SV_TOKEN_EXPIRED;
    if (path == NULL || strncmp(path, t->prefix, strlen(t->prefix)) != 0)
        return SV_TOKEN_WRONG_PATH;
    if (t->addr[0] != '\0' && (addr == NULL || strcmp(addr, t->addr) != 0))
        return SV_TOKEN_WRONG_ADDR;
    return SV_TOKEN_OK;
}

const char *
sv_token_status_str(enum sv_token_status st)
{
    switch (st) {
    case SV_TOKEN_OK:
        return "ok";
    case SV_TOKEN_MALFORMED:
        return "malformed";
    case SV_TOKEN_BAD_MAC:
        return "bad signature";
    case SV_TOKEN_EXPIRED:
        return "expired";
    case SV_TOKEN_WRONG_PATH:
        return "wrong path";
    case SV_TOKEN_WRONG_ADDR:
        return "wrong address";
    }
    return "unknown";
}
