/* clickhouse.c -- batched JSONEachRow INSERTs through lib/http's client */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "http/client.h"
#include "stats/agg.h"
#include "stats/clickhouse.h"

#define TRIES 6

struct sv_clickhouse {
    char *url;                  /* with the INSERT query */
    size_t batch, rows;
    char *buf;
    size_t len, cap;
    uint64_t sent;
};

static int
append(struct sv_clickhouse *c, const char *s, size_t n)
{
    char *b;
    size_t cap;

    if (c->len + n + 1 > c->cap) {
        cap = c->cap ? c->cap * 2 : 65536;
        while (cap < c->len + n + 1)
            cap *= 2;
        b = realloc(c->buf, cap);
        if (b == NULL)
            return -ENOMEM;
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, s, n);
    c->len += n;
    return 0;
}

int
sv_clickhouse_new(struct sv_clickhouse **out, const char *url,
                  const char *table, size_t batch)
{
    struct sv_clickhouse *c;
    const char *p;
    size_t i, n;

    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return SV_EUSAGE;
    for (p = table; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return SV_EUSAGE;
    if (table[0] == '\0' || batch == 0)
        return SV_EUSAGE;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    n = strlen(url) + strlen(table) + 64;
    c->url = malloc(n);
    if (c->url == NULL) {
        free(c);
        return -ENOMEM;
    }
    i = (size_t)snprintf(c->url, n, "%s%squery=INSERT%%20INTO%%20%s"
                         "%%20FORMAT%%20JSONEachRow", url,
                         strchr(url, '?') != NULL ? "&" :
                         (url[strlen(url) - 1] == '/' ? "?" : "/?"), table);
    (void)i;
    c->batch = batch;
    *out = c;
    return 0;
}

int
sv_clickhouse_add(struct sv_clickhouse *c, const struct sv_logrec *r)
{
    char title[256], rend[128];
    json_t *row;
    char *s;
    int rc, kind;

    kind = sv_agg_classify(r->path, r->cid, r->br, title, sizeof(title),
                           rend, sizeof(rend));
    row = json_pack("{s:I, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:s,"
                    " s:i, s:I, s:I, s:I, s:i, s:i, s:i}",
                    "ts_ms", (json_int_t)r->ts_ms, "addr", r->addr,
                    "method", r->method, "path", r->path,
                    "status", r->status, "bytes", (json_int_t)r->bytes,
                    "ua", r->ua, "sid", r->sid, "title", title,
                    "rendition", rend, "media", kind == SV_AGG_MEDIA,
                    "br", (json_int_t)(r->br >= 0 ? r->br : 0),
                    "bl", (json_int_t)(r->bl >= 0 ? r->bl : 0),
                    "mtp", (json_int_t)(r->mtp >= 0 ? r->mtp : 0),
                    "su", r->su, "bs", r->bs, "cache", r->cache);
    if (row == NULL)
        return -ENOMEM;
    s = json_dumps(row, JSON_COMPACT);
    json_decref(row);
    if (s == NULL)
        return -ENOMEM;
    rc = append(c, s, strlen(s));
    if (rc == 0)
        rc = append(c, "\n", 1);
    free(s);
    if (rc < 0)
        return rc;
    if (++c->rows >= c->batch)
        return sv_clickhouse_flush(c);
    return 0;
}

int
sv_clickhouse_flush(struct sv_clickhouse *c)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    struct timespec ts;
    char err[512];
    long wait_ms = 250;
    int rc = 0, i;

    if (c->rows == 0)
        return 0;
    q.method = "POST";
    q.url = c->url;
    q.body = c->buf;
    q.body_len = c->len;
    q.timeout_us = 30 * 1000000LL;
    q.max_reply = 4096;
    q.user_agent = "sv-stats";
    for (i = 0; i < TRIES; i++) {
        rc = sv_http_send(&q, &r, err, sizeof(err));
        if (rc == 0 && r.status >= 200 && r.status < 300) {
            sv_http_reply_release(&r);
            c->sent += c->rows;
            c->rows = 0;
            c->len = 0;
            return 0;
        }
        if (rc == 0) {
            snprintf(err, sizeof(err), "clickhouse answered %ld: %.200s",
                     r.status, r.body != NULL ? r.body : "");
            if (err[strlen(err) - 1] == '\n')
                err[strlen(err) - 1] = '\0';
            if (r.status < 500) {
                sv_http_reply_release(&r);
                break;          /* a bad row or table: trying again is no use */
            }
        }
        sv_http_reply_release(&r);
        if (i + 1 < TRIES) {
            sv_log_warn("%s; trying again in %ld ms", err, wait_ms);
            ts.tv_sec = wait_ms / 1000;
            ts.tv_nsec = (wait_ms % 1000) * 1000000L;
            nanosleep(&ts, NULL);
            wait_ms *= 2;
        }
    }
    sv_log_error("%s", err);
    return SV_EPROTO;
}

uint64_t
sv_clickhouse_sent(const struct sv_clickhouse *c)
{
    return c->sent;
}

void
sv_clickhouse_free(struct sv_clickhouse *c)
{
    if (c == NULL)
        return;
    free(c->url);
    free(c->buf);
    free(c);
}
