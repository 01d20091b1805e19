/* sigv4.c -- AWS Signature Version 4, as S3 verifies it
 *
 * Our own rather than CURLOPT_AWS_SIGV4: libcurl 7.88 signs "?uploads"
 * without its "=" and leaves the query unsorted, and real servers (radosgw,
 * AWS) answer both with 403 SignatureDoesNotMatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/textenc.h"
#include "crypto/digest.h"
#include "crypto/hmac.h"
#include "publish/sigv4.h"

#define SIGV4_MAX_QUERY 64
#define SIGV4_MAX_HDRS 32

int
sv_sigv4_encode(const char *s, int keep_slash, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~' || (keep_slash && c == '/')) {
            if (n + 1 >= size)
                return SV_ELIMIT;
            out[n++] = (char)c;
        } else {
            if (n + 3 >= size)
                return SV_ELIMIT;
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    if (n >= size)
        return SV_ELIMIT;
    out[n] = '\0';
    return (int)n;
}

struct qpair {
    char *name, *value;
};

static int
qpair_cmp(const void *a, const void *b)
{
    const struct qpair *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : strcmp(x->value, y->value);
}

int
sv_sigv4_query(const char *const *q, char *out, size_t size)
{
    struct qpair p[SIGV4_MAX_QUERY];
    size_t len = 0;
    int n = 0, i, rc = 0, l;
    char tmp[2048];

    for (i = 0; q != NULL && q[i] != NULL; i += 2) {
        if (n == SIGV4_MAX_QUERY) {
            rc = SV_ELIMIT;
            goto out;
        }
        p[n].name = p[n].value = NULL;
        l = sv_sigv4_encode(q[i], 0, tmp, sizeof(tmp));
        if (l < 0 || (p[n].name = strdup(tmp)) == NULL) {
            rc = l < 0 ? l : SV_ELIMIT;
            n++;
            goto out;
        }
        l = sv_sigv4_encode(q[i + 1] != NULL ? q[i + 1] : "", 0, tmp,
                            sizeof(tmp));
        if (l < 0 || (p[n].value = strdup(tmp)) == NULL) {
            rc = l < 0 ? l : SV_ELIMIT;
            n++;
            goto out;
        }
        n++;
    }
    qsort(p, n, sizeof(p[0]), qpair_cmp);
    if (size == 0)
        return SV_ELIMIT;
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        l = snprintf(out + len, size - len, "%s%s=%s", i > 0 ? "&" : "",
                     p[i].name, p[i].value);
        if (l < 0 || (size_t)l >= size - len) {
            rc = SV_ELIMIT;
            goto out;
        }
        len += l;
    }
    rc = (int)len;
out:
    for (i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    return rc;
}

void
sv_sigv4_date(time_t when, char out[17])
{
    struct tm tm;

    gmtime_r(&when, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static int
hdr_cmp(const void *a, const void *b)
{
    const struct sv_sigv4_hdr *x = a, *y = b;

    return strcmp(x->name, y->name);
}

static int
hmac(const unsigned char *key, size_t klen, const char *msg,
     unsigned char out[SV_HMAC_SHA256_LEN])
{
    return sv_hmac_sha256(key, klen, msg, strlen(msg), out);
}

int
sv_sigv4_sign(const struct sv_sigv4_key *k, const char *method,
              const char *path, const char *query,
              const struct sv_sigv4_hdr *h, int n, const char *payload_sha,
              time_t when, char *auth, size_t size)
{
    struct sv_sigv4_hdr hs[SIGV4_MAX_HDRS];
    unsigned char d[SV_SHA256_LEN], kk[SV_HMAC_SHA256_LEN];
    char date[17], day[9], scope[128], sts[512], hexd[2 * SV_SHA256_LEN + 1];
    char *secret = NULL;
    struct sv_buf cr, sh;
    size_t slen;
    int i, rc;

    if (n > SIGV4_MAX_HDRS)
        return SV_ELIMIT;
    memcpy(hs, h, n * sizeof(*h));
    qsort(hs, n, sizeof(hs[0]), hdr_cmp);
    sv_sigv4_date(when, date);
    memcpy(day, date, 8);
    day[8] = '\0';
    if (snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", day,
                 k->region, k->service) >= (int)sizeof(scope))
        return SV_ELIMIT;

    sv_buf_init(&cr, 64 * 1024);
    sv_buf_init(&sh, 4096);
    rc = sv_buf_printf(&cr, "%s\n%s\n%s\n", method, path, query);
    for (i = 0; rc == 0 && i < n; i++)
        rc = sv_buf_printf(&cr, "%s:%s\n", hs[i].name, hs[i].value);
    for (i = 0; rc == 0 && i < n; i++)
        rc = sv_buf_printf(&sh, "%s%s", i > 0 ? ";" : "", hs[i].name);
    if (rc == 0)
        rc = sv_buf_u8(&sh, 0);
    if (rc == 0)
        rc = sv_buf_printf(&cr, "\n%s\n%s", (char *)sh.data, payload_sha);
    if (rc < 0)
        goto out;
    rc = sv_sha256(cr.data, cr.len, d);
    if (rc < 0)
        goto out;
    sv_hex_encode(d, sizeof(d), hexd);
    if (snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", date,
                 scope, hexd) >= (int)sizeof(sts)) {
        rc = SV_ELIMIT;
        goto out;
    }
    slen = strlen(k->secret) + 5;
    secret = malloc(slen);
    if (secret == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    snprintf(secret, slen, "AWS4%s", k->secret);
    rc = hmac((unsigned char *)secret, slen - 1, day, kk);
    if (rc == 0)
        rc = hmac(kk, sizeof(kk), k->region, kk);
    if (rc == 0)
        rc = hmac(kk, sizeof(kk), k->service, kk);
    if (rc == 0)
        rc = hmac(kk, sizeof(kk), "aws4_request", kk);
    if (rc == 0)
        rc = hmac(kk, sizeof(kk), sts, d);
    if (rc < 0)
        goto out;
    sv_hex_encode(d, sizeof(d), hexd);
    if (snprintf(auth, size, "AWS4-HMAC-SHA256 Credential=%s/%s, "
                 "SignedHeaders=%s, Signature=%s", k->access, scope,
                 (char *)sh.data, hexd) >= (int)size)
        rc = SV_ELIMIT;
out:
    if (secret != NULL) {
        explicit_bzero(secret, slen);
        free(secret);
    }
    explicit_bzero(kk, sizeof(kk));
    sv_buf_release(&cr);
    sv_buf_release(&sh);
    return rc;
}
