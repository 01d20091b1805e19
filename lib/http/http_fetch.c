/* http_fetch.c -- one HTTP POST for the CPIX client, through libcurl */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/http_fetch.h"

struct sink {
    struct sv_buf body;
    struct sv_drm_http_reply *r;
    int over;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct sink *s = ud;

    if (sv_buf_append(&s->body, p, sz * n) < 0) {
        s->over = 1;
        return 0;       /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return sz * n;
}

static void
header_value(const char *line, size_t len, const char *name, char *out,
             size_t size)
{
    size_t n = strlen(name), v;

    if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return;
    line += n + 1;
    len -= n + 1;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
                       line[len - 1] == ' '))
        len--;
    v = len < size - 1 ? len : size - 1;
    memcpy(out, line, v);
    out[v] = '\0';
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct sink *s = ud;

    header_value(p, sz * n, "Content-Type", s->r->content_type,
                 sizeof(s->r->content_type));
    header_value(p, sz * n, "X-Speke-Version", s->r->speke_version,
                 sizeof(s->r->speke_version));
    return sz * n;
}

int
sv_drm_http_post(const char *url, const char *const *headers,
                 const char *body, size_t len, int64_t timeout_us,
                 size_t max, struct sv_drm_http_reply *r, char *err,
                 size_t size)
{
    struct curl_slist *hl = NULL, *t;
    struct sink s;
    char cerr[CURL_ERROR_SIZE] = "";
    CURLcode cc;
    CURL *c;
    int rc = SV_EPROTO;

    memset(r, 0, sizeof(*r));
    memset(&s, 0, sizeof(s));
    sv_buf_init(&s.body, max);
    s.r = r;
    c = curl_easy_init();
    if (c == NULL)
        return -ENOMEM;
    for (; headers != NULL && *headers != NULL; headers++) {
        t = curl_slist_append(hl, *headers);
        if (t == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        hl = t;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_us / 1000));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sv-drm/" SV_VERSION);
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        if (s.over) {
            snprintf(err, size, "reply from '%s' is larger than %zu bytes",
                     url, max);
            rc = SV_ELIMIT;
        } else {
            snprintf(err, size, "cannot reach '%s': %s", url,
                     cerr[0] ? cerr : curl_easy_strerror(cc));
        }
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (sv_buf_u8(&s.body, 0) < 0) {
        rc = SV_ELIMIT;
        snprintf(err, size, "reply from '%s' is larger than %zu bytes", url,
                 max);
        goto done;
    }
    r->body = (char *)sv_buf_take(&s.body, &r->len);
    r->len--;
    rc = 0;
done:
    sv_buf_release(&s.body);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return rc;
}

void
sv_drm_http_reply_release(struct sv_drm_http_reply *r)
{
    if (r->body != NULL) {
        explicit_bzero(r->body, r->len);
        free(r->body);
    }
    r->body = NULL;
}
