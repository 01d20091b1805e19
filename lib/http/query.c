/* query.c -- query string parameters and percent-decoding for requests */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/hex.h"
#include "http/query.h"

int
sv_pct_decode(const char *s, size_t len, char *out, size_t outsz)
{
    size_t i, n = 0;
    int hi, lo, c, rc = 0;

    if (outsz == 0)
        return SV_ELIMIT;
    for (i = 0; i < len; i++) {
        c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len) {
                rc = SV_EFORMAT;
                break;
            }
            hi = sv_hex_digit((unsigned char)s[i + 1]);
            lo = sv_hex_digit((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0) {
                rc = SV_EFORMAT;
                break;
            }
            c = hi << 4 | lo;
            i += 2;
        } else if (c == 0) {
            rc = SV_EFORMAT;
            break;
        }
        if (n + 1 >= outsz) {
            rc = SV_ELIMIT;
            break;
        }
        out[n++] = (char)c;
    }
    /* on an error out holds the empty string, never part of the value */
    out[rc < 0 ? 0 : n] = '\0';
    return rc < 0 ? rc : (int)n;
}

/* Calls back for each "name[=value]" item; stops when fn returns nonzero. */
static int
each_param(const char *q, size_t len,
           int (*fn)(void *ud, const char *k, size_t klen, const char *v,
                     size_t vlen, int has_v),
           void *ud)
{
    size_t i = 0, start, eq;
    int rc;

    while (i <= len) {
        start = i;
        while (i < len && q[i] != '&')
            i++;
        if (i > start) {
            eq = start;
            while (eq < i && q[eq] != '=')
                eq++;
            if (eq < i)
                rc = fn(ud, q + start, eq - start, q + eq + 1, i - eq - 1,
                        1);
            else
                rc = fn(ud, q + start, i - start, q + i, 0, 0);
            if (rc != 0)
                return rc;
        }
        i++;
    }
    return 0;
}

struct get_ctx {
    const char *name;
    char *out;
    size_t outsz;
    int rc;
};

static int
get_cb(void *ud, const char *k, size_t klen, const char *v, size_t vlen,
       int has_v)
{
    struct get_ctx *g = ud;

    if (klen != strlen(g->name) || memcmp(k, g->name, klen) != 0)
        return 0;
    g->rc = sv_pct_decode(v, vlen, g->out, g->outsz);
    return 1;
}

int
sv_query_get(const char *q, size_t len, const char *name, char *out,
             size_t outsz)
{
    struct get_ctx g = { name, out, outsz, -ENOENT };

    if (q == NULL)
        return -ENOENT;
    each_param(q, len, get_cb, &g);
    return g.rc;
}

struct strip_ctx {
    const char *name;
    char *out;
    size_t outsz, n;
};

static int
strip_cb(void *ud, const char *k, size_t klen, const char *v, size_t vlen,
         int has_v)
{
    struct strip_ctx *s = ud;
    size_t need = klen + (has_v ? vlen + 1 : 0) + (s->n > 0);

    if (klen == strlen(s->name) && memcmp(k, s->name, klen) == 0)
        return 0;
    if (s->n + need + 1 > s->outsz)
        return SV_ELIMIT;
    if (s->n > 0)
        s->out[s->n++] = '&';
    memcpy(s->out + s->n, k, klen + (has_v ? vlen + 1 : 0));
    s->n += klen + (has_v ? vlen + 1 : 0);
    return 0;
}

int
sv_query_strip(const char *q, size_t len, const char *name, char *out,
               size_t outsz)
{
    struct strip_ctx s = { name, out, outsz, 0 };
    int rc;

    if (outsz == 0)
        return SV_ELIMIT;
    rc = each_param(q, len, strip_cb, &s);
    if (rc < 0)
        return rc;
    out[s.n] = '\0';
    return (int)s.n;
}
