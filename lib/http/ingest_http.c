/* ingest_http.c -- POST JSON with libcurl (the --auth-url hook) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "core/err.h"
#include "http/ingest_http.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* the answer's body is not ours to read: an allow is a 2xx, nothing more */
static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
    return size * n;
}

int
sv_ingest_http_post_json(const char *url, const char *body, long timeout_ms,
                         long *status, char *err, size_t size)
{
    struct curl_slist *hdrs = NULL;
    CURL *c;
    CURLcode cc;

    pthread_once(&once, init);
    c = curl_easy_init();
    if (c == NULL) {
        snprintf(err, size, "curl_easy_init() failed");
        return -ENOMEM;
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    else
        snprintf(err, size, "%s", curl_easy_strerror(cc));
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return cc == CURLE_OK ? 0 : -EIO;
}
