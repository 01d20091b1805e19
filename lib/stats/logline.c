/* logline.c -- sv-serve JSON lines, combined log lines and beacons */
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "http/query.h"
#include "stats/logline.h"

static void
rec_init(struct sv_logrec *r)
{
    memset(r, 0, sizeof(*r));
    r->bytes = -1;
    r->cache = -1;
    r->br = r->bl = r->mtp = r->d = r->tb = -1;
    r->startup_ms = r->stall_ms = r->played_ms = r->bitrate = -1;
}

static void
copy(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void
copy_str(char *dst, size_t size, const json_t *v)
{
    if (json_is_string(v))
        copy(dst, size, json_string_value(v), json_string_length(v));
}

/* ---- times ---- */

static int
digits(const char *s, size_t len, size_t at, size_t n, int *out)
{
    int x = 0;
    size_t i;

    if (at + n > len)
        return -1;
    for (i = at; i < at + n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *out = x;
    return 0;
}

static int
compose(int y, int mo, int d, int h, int mi, int se, int ms, int off_min,
        int64_t *out)
{
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        se > 60 || y < 1970 || y > 9999)
        return SV_EFORMAT;
    *out = ((sv_time_days_from_civil(y, mo, d) * 86400 +
             h * 3600 + mi * 60 + se - (int64_t)off_min * 60) * 1000) + ms;
    return 0;
}

/* +hh:mm, +hhmm or Z at s[i..len) */
static int
zone(const char *s, size_t len, size_t i, int *off_min)
{
    int hh, mm, sign;

    if (i < len && s[i] == 'Z' && i + 1 == len) {
        *off_min = 0;
        return 0;
    }
    if (i >= len || (s[i] != '+' && s[i] != '-'))
        return -1;
    sign = s[i] == '-' ? -1 : 1;
    if (digits(s, len, i + 1, 2, &hh) < 0)
        return -1;
    i += 3;
    if (i < len && s[i] == ':')
        i++;
    if (digits(s, len, i, 2, &mm) < 0 || i + 2 != len)
        return -1;
    *off_min = sign * (hh * 60 + mm);
    return 0;
}

int
sv_logline_time_iso(const char *s, size_t len, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0, off, k;
    size_t i = 19;

    if (len < 20 || digits(s, len, 0, 4, &y) < 0 || s[4] != '-' ||
        digits(s, len, 5, 2, &mo) < 0 || s[7] != '-' ||
        digits(s, len, 8, 2, &d) < 0 || (s[10] != 'T' && s[10] != ' ') ||
        digits(s, len, 11, 2, &h) < 0 || s[13] != ':' ||
        digits(s, len, 14, 2, &mi) < 0 || s[16] != ':' ||
        digits(s, len, 17, 2, &se) < 0)
        return SV_EFORMAT;
    if (s[i] == '.') {
        for (i++, k = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++)
            if (k < 3)
                frac = frac * 10 + (s[i] - '0');
        if (k == 0)
            return SV_EFORMAT;
        for (; k < 3; k++)
            frac *= 10;
    }
    if (zone(s, len, i, &off) < 0)
        return SV_EFORMAT;
    return compose(y, mo, d, h, mi, se, frac, off, ms);
}

int
sv_logline_time_clf(const char *s, size_t len, int64_t *ms)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo, d, h, mi, se, off, i;

    if (len != 26 || digits(s, len, 0, 2, &d) < 0 || s[2] != '/' ||
        s[6] != '/' || digits(s, len, 7, 4, &y) < 0 || s[11] != ':' ||
        digits(s, len, 12, 2, &h) < 0 || s[14] != ':' ||
        digits(s, len, 15, 2, &mi) < 0 || s[17] != ':' ||
        digits(s, len, 18, 2, &se) < 0 || s[20] != ' ')
        return SV_EFORMAT;
    for (i = 0, mo = 0; i < 12; i++)
        if (memcmp(s + 3, months + 3 * i, 3) == 0)
            mo = i + 1;
    if (mo == 0 || zone(s, len, 21, &off) < 0)
        return SV_EFORMAT;
    return compose(y, mo, d, h, mi, se, 0, off, ms);
}

/* ---- CMCD and beacons ---- */

static int64_t
num(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) < 0 ? -1 : json_integer_value(v);
    if (json_is_real(v))
        return json_real_value(v) < 0 || json_real_value(v) > 9e15 ? -1 :
               (int64_t)json_real_value(v);
    return -1;
}

void
sv_logline_cmcd(const json_t *o, struct sv_logrec *r)
{
    int64_t x;

    if (!json_is_object(o))
        return;
    copy_str(r->sid, sizeof(r->sid), json_object_get(o, "sid"));
    copy_str(r->cid, sizeof(r->cid), json_object_get(o, "cid"));
    copy_str(r->ot, sizeof(r->ot), json_object_get(o, "ot"));
    if ((x = num(json_object_get(o, "br"))) >= 0)
        r->br = x;
    if ((x = num(json_object_get(o, "bl"))) >= 0)
        r->bl = x;
    if ((x = num(json_object_get(o, "mtp"))) >= 0)
        r->mtp = x;
    if ((x = num(json_object_get(o, "d"))) >= 0)
        r->d = x;
    if ((x = num(json_object_get(o, "tb"))) >= 0)
        r->tb = x;
    if (json_is_true(json_object_get(o, "su")))
        r->su = 1;
    if (json_is_true(json_object_get(o, "bs")))
        r->bs = 1;
}

int
sv_logline_beacon(const json_t *b, struct sv_logrec *r)
{
    const json_t *v;
    int64_t x;

    if (!json_is_object(b))
        return SV_EFORMAT;
    v = json_object_get(b, "sid");
    if (v == NULL)
        v = json_object_get(b, "session_id");
    copy_str(r->sid, sizeof(r->sid), v);
    copy_str(r->cid, sizeof(r->cid), json_object_get(b, "cid"));
    copy_str(r->event, sizeof(r->event), json_object_get(b, "event"));
    r->startup_ms = num(json_object_get(b, "startup_ms"));
    r->stall_ms = num(json_object_get(b, "stall_ms"));
    r->played_ms = num(json_object_get(b, "played_ms"));
    r->bitrate = num(json_object_get(b, "bitrate"));
    x = num(json_object_get(b, "ms"));
    if (x >= 0) {
        if (strcmp(r->event, "stall") == 0 ||
            strcmp(r->event, "rebuffer") == 0) {
            if (r->stall_ms < 0)
                r->stall_ms = x;
        } else if (strcmp(r->event, "startup") == 0 ||
                   strcmp(r->event, "start") == 0) {
            if (r->startup_ms < 0)
                r->startup_ms = x;
        }
    }
    v = json_object_get(b, "error");
    if (strcmp(r->event, "error") == 0 || json_is_true(v) ||
        (json_is_string(v) && json_string_length(v) > 0))
        r->error = 1;
    return 0;
}

/* ---- sv-serve's JSON lines ---- */

int
sv_logline_parse_json(const char *line, size_t len, struct sv_logrec *r)
{
    json_t *root, *d, *v;
    json_error_t err;
    const char *ev;
    int kind = SV_EFORMAT;

    rec_init(r);
    if (len > SV_LOGLINE_MAX)
        return SV_EFORMAT;
    root = json_loadb(line, len, 0, &err);
    if (!json_is_object(root))
        goto out;
    ev = json_string_value(json_object_get(root, "event"));
    d = json_object_get(root, "data");
    v = json_object_get(root, "ts");
    if (ev == NULL || !json_is_object(d) || !json_is_string(v) ||
        sv_logline_time_iso(json_string_value(v), json_string_length(v),
                            &r->ts_ms) < 0)
        goto out;
    copy_str(r->addr, sizeof(r->addr), json_object_get(d, "addr"));
    copy_str(r->ua, sizeof(r->ua), json_object_get(d, "ua"));
    copy_str(r->country, sizeof(r->country), json_object_get(d, "country"));
    if (strcmp(ev, "serve.request") == 0) {
        copy_str(r->method, sizeof(r->method), json_object_get(d, "method"));
        v = json_object_get(d, "path");
        if (!json_is_string(v) || r->method[0] == '\0')
            goto out;
        copy_str(r->path, sizeof(r->path), v);
        v = json_object_get(d, "status");
        if (!json_is_integer(v) || json_integer_value(v) < 100 ||
            json_integer_value(v) > 999)
            goto out;
        r->status = (int)json_integer_value(v);
        r->bytes = num(json_object_get(d, "bytes"));
        if (r->bytes < 0)
            r->bytes = 0;
        v = json_object_get(d, "cache");
        if (json_is_string(v))
            r->cache = strcasecmp(json_string_value(v), "hit") == 0;
        sv_logline_cmcd(json_object_get(d, "cmcd"), r);
        kind = r->kind = SV_LOGLINE_REQUEST;
    } else if (strcmp(ev, "serve.beacon") == 0) {
        if (sv_logline_beacon(json_object_get(d, "beacon"), r) < 0)
            goto out;
        kind = r->kind = SV_LOGLINE_BEACON;
    } else {
        kind = r->kind = SV_LOGLINE_SKIP;
    }
out:
    json_decref(root);
    return kind;
}

/* ---- combined log format ---- */

/* a "..." field at s[*i] with \" and \\ escapes; bounds into *a, *n */
static int
quoted(const char *s, size_t len, size_t *i, const char **a, size_t *n)
{
    size_t j = *i;

    if (j >= len || s[j] != '"')
        return -1;
    for (j++; j < len && s[j] != '"'; j++)
        if (s[j] == '\\' && j + 1 < len)
            j++;
    if (j >= len)
        return -1;
    *a = s + *i + 1;
    *n = j - *i - 1;
    *i = j + 1;
    return 0;
}

/* a blank-free token at s[*i] */
static void
token(const char *s, size_t len, size_t *i, const char **a, size_t *n)
{
    size_t j = *i;

    while (j < len && s[j] != ' ')
        j++;
    *a = s + *i;
    *n = j - *i;
    *i = j;
}

static int
blank(const char *s, size_t len, size_t *i)
{
    if (*i >= len || s[*i] != ' ')
        return -1;
    while (*i < len && s[*i] == ' ')
        (*i)++;
    return 0;
}

static int
is_word(const char *a, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(a, w, n) == 0;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* undoes nginx's escapes (\xHH, and \" \\ of escape=json); size > n */
static size_t
unescape(const char *a, size_t n, char *out)
{
    size_t i, m = 0;

    for (i = 0; i < n; i++) {
        if (a[i] == '\\' && i + 3 < n && a[i + 1] == 'x' &&
            hexval(a[i + 2]) >= 0 && hexval(a[i + 3]) >= 0) {
            out[m++] = (char)(hexval(a[i + 2]) * 16 + hexval(a[i + 3]));
            i += 3;
        } else if (a[i] == '\\' && i + 1 < n &&
                   (a[i + 1] == '"' || a[i + 1] == '\\')) {
            out[m++] = a[++i];
        } else {
            out[m++] = a[i];
        }
    }
    out[m] = '\0';
    return m;
}

/* what an extra quoted field after the user agent says */
static void
extra(const char *a, size_t n, struct sv_logrec *r)
{
    char buf[2048];
    json_t *o;

    if (n == 0 || (n == 1 && a[0] == '-'))
        return;
    if (is_word(a, n, "HIT") || is_word(a, n, "STALE") ||
        is_word(a, n, "UPDATING") || is_word(a, n, "REVALIDATED")) {
        r->cache = 1;
        return;
    }
    if (is_word(a, n, "MISS") || is_word(a, n, "EXPIRED") ||
        is_word(a, n, "BYPASS")) {
        r->cache = 0;
        return;
    }
    if (n == 2 && a[0] >= 'A' && a[0] <= 'Z' && a[1] >= 'A' && a[1] <= 'Z') {
        copy(r->country, sizeof(r->country), a, 2);
        return;
    }
    if (n >= sizeof(buf))
        return;
    n = unescape(a, n, buf);
    o = json_object();
    if (o != NULL && sv_cmcd_parse(buf, n, o) > 0)
        sv_logline_cmcd(o, r);
    json_decref(o);
}

int
sv_logline_parse_combined(const char *line, size_t len, struct sv_logrec *r)
{
    char cmcd[2048];
    const char *a, *req, *q;
    size_t n, i = 0, rn, k, sp1, sp2;
    int64_t x;
    json_t *o;
    int c;

    rec_init(r);
    if (len > SV_LOGLINE_MAX)
        return SV_EFORMAT;
    token(line, len, &i, &a, &n);                       /* address */
    if (n == 0)
        return SV_EFORMAT;
    copy(r->addr, sizeof(r->addr), a, n);
    if (blank(line, len, &i) < 0)
        return SV_EFORMAT;
    token(line, len, &i, &a, &n);                       /* ident */
    if (blank(line, len, &i) < 0)
        return SV_EFORMAT;
    token(line, len, &i, &a, &n);                       /* user */
    if (blank(line, len, &i) < 0 || i >= len || line[i] != '[' ||
        i + 28 > len || line[i + 27] != ']' ||
        sv_logline_time_clf(line + i + 1, 26, &r->ts_ms) < 0)
        return SV_EFORMAT;
    i += 28;
    if (blank(line, len, &i) < 0 || quoted(line, len, &i, &req, &rn) < 0)
        return SV_EFORMAT;
    /* "GET /path?q HTTP/1.1" */
    for (sp1 = 0; sp1 < rn && req[sp1] != ' '; sp1++)
        ;
    for (sp2 = sp1 + 1; sp2 < rn && req[sp2] != ' '; sp2++)
        ;
    if (sp1 == 0 || sp1 >= rn || sp2 <= sp1 + 1)
        return SV_EFORMAT;
    copy(r->method, sizeof(r->method), req, sp1);
    a = req + sp1 + 1;
    n = sp2 - sp1 - 1;
    q = memchr(a, '?', n);
    copy(r->path, sizeof(r->path), a, q != NULL ? (size_t)(q - a) : n);
    if (blank(line, len, &i) < 0)
        return SV_EFORMAT;
    token(line, len, &i, &a, &n);                       /* status */
    if (n != 3 || a[0] < '1' || a[0] > '9')
        return SV_EFORMAT;
    for (k = 0, c = 0; k < 3; k++) {
        if (a[k] < '0' || a[k] > '9')
            return SV_EFORMAT;
        c = c * 10 + (a[k] - '0');
    }
    r->status = c;
    if (blank(line, len, &i) < 0)
        return SV_EFORMAT;
    token(line, len, &i, &a, &n);                       /* bytes */
    if (n == 0 || n > 15)
        return SV_EFORMAT;
    if (!(n == 1 && a[0] == '-')) {
        for (k = 0, x = 0; k < n; k++) {
            if (a[k] < '0' || a[k] > '9')
                return SV_EFORMAT;
            x = x * 10 + (a[k] - '0');
        }
        r->bytes = x;
    } else {
        r->bytes = 0;
    }
    /* common log format ends here; combined adds referrer and agent */
    if (i < len) {
        if (blank(line, len, &i) < 0 || quoted(line, len, &i, &a, &n) < 0 ||
            blank(line, len, &i) < 0 || quoted(line, len, &i, &a, &n) < 0)
            return SV_EFORMAT;
        if (!(n == 1 && a[0] == '-'))
            copy(r->ua, sizeof(r->ua), a, n);
        while (i < len) {
            if (blank(line, len, &i) < 0)
                return SV_EFORMAT;
            if (i >= len)
                break;
            if (line[i] == '"') {
                if (quoted(line, len, &i, &a, &n) < 0)
                    return SV_EFORMAT;
            } else {
                token(line, len, &i, &a, &n);
            }
            extra(a, n, r);
        }
    }
    /* CMCD in the query string (as the players send it) */
    if (q != NULL) {
        k = (size_t)(req + sp2 - q - 1);
        if (sv_query_get(q + 1, k, "CMCD", cmcd, sizeof(cmcd)) > 0) {
            o = json_object();
            if (o != NULL && sv_cmcd_parse(cmcd, strlen(cmcd), o) > 0)
                sv_logline_cmcd(o, r);
            json_decref(o);
        }
    }
    r->kind = SV_LOGLINE_REQUEST;
    return SV_LOGLINE_REQUEST;
}

int
sv_logline_parse(const char *line, size_t len, struct sv_logrec *r)
{
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len > 0 && line[0] == '{')
        return sv_logline_parse_json(line, len, r);
    return sv_logline_parse_combined(line, len, r);
}
