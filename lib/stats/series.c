/* series.c -- read the audience series: JSON, JSON lines, CSV (bounded) */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/slurp.h"
#include "core/time.h"
#include "stats/series.h"

static const char *const field_names[SV_STATS_NFIELDS] = {
    "requests", "bytes", "viewers", "bitrate", "rebuffer", "value",
};

static const char *const metric_names[] = {
    "viewers", "bandwidth", "qoe", "bitrate", "share",
};

int
sv_stats_metric_parse(const char *word)
{
    size_t i;

    for (i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++)
        if (strcmp(word, metric_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *
sv_stats_metric_name(enum sv_stats_metric m)
{
    return (unsigned)m < sizeof(metric_names) / sizeof(metric_names[0])
           ? metric_names[m] : "?";
}

static int
fail(char *err, size_t size, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && size > 0) {
        va_start(ap, fmt);
        vsnprintf(err, size, fmt, ap);
        va_end(ap);
    }
    return rc;
}

void
sv_stats_series_init(struct sv_stats_series *s, size_t max)
{
    memset(s, 0, sizeof(*s));
    s->max = max == 0 || max > SV_STATS_MAX_POINTS ? SV_STATS_MAX_POINTS
                                                   : max;
}

void
sv_stats_series_free(struct sv_stats_series *s)
{
    free(s->p);
    free(s->pshare);
    sv_stats_series_init(s, s->max);
}

/* ---- time ------------------------------------------------------------ */

/* n digits at *p into *v */
static int
digits(const char **p, const char *end, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (*p >= end || !isdigit((unsigned char)**p))
            return -1;
        *v = *v * 10 + (**p - '0');
        (*p)++;
    }
    return 0;
}

int
sv_stats_time_parse(const char *s, size_t len, int64_t *ms)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };
    const char *p = s, *end = s + len;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    int64_t frac = 0, scale = 1000, v;

    if (len == 0 || len > 40)
        return SV_EFORMAT;
    if (memchr(s, '-', len) == NULL || len < 10) {
        /* seconds since the epoch */
        char buf[48], *e;
        double x;
        memcpy(buf, s, len);
        buf[len] = '\0';
        errno = 0;
        x = strtod(buf, &e);
        if (e == buf || *e != '\0' || errno != 0 || !isfinite(x) ||
            x < 0 || x > 1e11)
            return SV_EFORMAT;
        *ms = (int64_t)llround(x * 1000);
        return 0;
    }
    if (digits(&p, end, 4, &y) < 0 || p >= end || *p++ != '-' ||
        digits(&p, end, 2, &mo) < 0 || p >= end || *p++ != '-' ||
        digits(&p, end, 2, &d) < 0)
        return SV_EFORMAT;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 &&
                                               y % 400 != 0))))
        return SV_EFORMAT;
    h = mi = sec = 0;
    if (p < end) {
        if (*p != 'T' && *p != ' ')
            return SV_EFORMAT;
        p++;
        if (digits(&p, end, 2, &h) < 0 || p >= end || *p++ != ':' ||
            digits(&p, end, 2, &mi) < 0)
            return SV_EFORMAT;
        if (p < end && *p == ':') {
            p++;
            if (digits(&p, end, 2, &sec) < 0)
                return SV_EFORMAT;
            if (p < end && (*p == '.' || *p == ',')) {
                p++;
                if (p >= end || !isdigit((unsigned char)*p))
                    return SV_EFORMAT;
                while (p < end && isdigit((unsigned char)*p)) {
                    if (scale > 1) {
                        scale /= 10;
                        frac += (*p - '0') * scale;
                    }
                    p++;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return SV_EFORMAT;
        if (p < end && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p < end && (*p == '+' || *p == '-')) {
            sign = *p++ == '-' ? -1 : 1;
            if (digits(&p, end, 2, &oh) < 0)
                return SV_EFORMAT;
            if (p < end && *p == ':')
                p++;
            if (digits(&p, end, 2, &om) < 0 || oh > 23 || om > 59)
                return SV_EFORMAT;
        }
    }
    if (p != end || y < 1970)
        return SV_EFORMAT;
    v = sv_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    v -= sign * (oh * 3600 + om * 60);
    *ms = v * 1000 + frac;
    return 0;
}

/* ---- points ---------------------------------------------------------- */

static int
rendition_index(struct sv_stats_series *s, const char *id)
{
    int i;

    for (i = 0; i < s->nr; i++)
        if (strcmp(s->id[i], id) == 0)
            return i;
    if (s->nr >= SV_STATS_MAX_RENDITIONS)
        return SV_ELIMIT;
    snprintf(s->id[s->nr], sizeof(s->id[0]), "%s", id);
    s->share[s->nr] = NAN;
    return s->nr++;
}

/* a free point at the end (dropping the oldest at max), NANs */
static struct sv_stats_point *
add_point(struct sv_stats_series *s, size_t *at)
{
    size_t i;
    int k;

    if (s->n >= s->max) {
        memmove(s->p, s->p + 1, (s->n - 1) * sizeof(*s->p));
        if (s->pshare != NULL)
            memmove(s->pshare, s->pshare + SV_STATS_MAX_RENDITIONS,
                    (s->n - 1) * SV_STATS_MAX_RENDITIONS *
                    sizeof(*s->pshare));
        s->n--;
    }
    if (s->n == s->alloc) {
        size_t na = s->alloc ? s->alloc * 2 : 256;
        struct sv_stats_point *np;
        if (na > s->max)
            na = s->max;
        np = realloc(s->p, na * sizeof(*np));
        if (np == NULL)
            return NULL;
        s->p = np;
        if (s->pshare != NULL) {
            float *ps = realloc(s->pshare, na * SV_STATS_MAX_RENDITIONS *
                                sizeof(*ps));
            if (ps == NULL)
                return NULL;
            s->pshare = ps;
        }
        s->alloc = na;
    }
    i = s->n++;
    memset(&s->p[i], 0, sizeof(s->p[i]));
    for (k = 0; k < SV_STATS_NFIELDS; k++)
        s->p[i].v[k] = NAN;
    if (s->pshare != NULL)
        for (k = 0; k < SV_STATS_MAX_RENDITIONS; k++)
            s->pshare[i * SV_STATS_MAX_RENDITIONS + k] = NAN;
    *at = i;
    return &s->p[i];
}

static int
need_pshare(struct sv_stats_series *s)
{
    size_t i;

    if (s->pshare != NULL)
        return 0;
    s->pshare = malloc((s->alloc ? s->alloc : 1) *
                       SV_STATS_MAX_RENDITIONS * sizeof(*s->pshare));
    if (s->pshare == NULL)
        return -ENOMEM;
    for (i = 0; i < s->alloc * SV_STATS_MAX_RENDITIONS; i++)
        s->pshare[i] = NAN;
    s->has_pshare = 1;
    return 0;
}

double
sv_stats_series_pshare(const struct sv_stats_series *s, size_t i, int r)
{
    if (s->pshare == NULL || i >= s->n || r < 0 || r >= s->nr)
        return NAN;
    return s->pshare[i * SV_STATS_MAX_RENDITIONS + r];
}

/* renditions [{"id":..,"share":..}] into share (overall) or point i */
static int
json_renditions(struct sv_stats_series *s, json_t *a, long point,
                char *err, size_t size)
{
    size_t k;
    json_t *r;
    int rc;

    if (!json_is_array(a))
        return fail(err, size, SV_EFORMAT, "\"renditions\" is not an array");
    json_array_foreach(a, k, r) {
        json_t *id = json_object_get(r, "id"), *sh;
        char num[32];
        const char *ids;
        double v;
        if (!json_is_object(r))
            return fail(err, size, SV_EFORMAT, "rendition %zu is not an "
                        "object", k);
        sh = json_object_get(r, "share");
        if (json_is_string(id)) {
            ids = json_string_value(id);
        } else if (json_is_integer(id)) {
            snprintf(num, sizeof(num), "%lld",
                     (long long)json_integer_value(id));
            ids = num;
        } else {
            return fail(err, size, SV_EFORMAT, "rendition %zu has no \"id\"",
                        k);
        }
        if (*ids == '\0' || strlen(ids) > SV_STATS_MAX_ID)
            return fail(err, size, SV_EFORMAT, "rendition %zu: \"id\" is "
                        "empty or longer than %d bytes", k, SV_STATS_MAX_ID);
        if (!json_is_number(sh))
            return fail(err, size, SV_EFORMAT, "rendition '%s' has no "
                        "\"share\" number", ids);
        v = json_number_value(sh);
        if (!isfinite(v) || v < 0 || v > 1)
            return fail(err, size, SV_EFORMAT, "rendition '%s': \"share\" "
                        "is not in [0, 1]", ids);
        rc = rendition_index(s, ids);
        if (rc < 0)
            return fail(err, size, rc, "more than %d renditions",
                        SV_STATS_MAX_RENDITIONS);
        if (point < 0) {
            s->share[rc] = v;
        } else {
            if (need_pshare(s) < 0)
                return fail(err, size, -ENOMEM, "out of memory");
            s->pshare[(size_t)point * SV_STATS_MAX_RENDITIONS + rc] =
                (float)v;
        }
    }
    return 0;
}

/* one object with "t" and fields */
static int
json_point(struct sv_stats_series *s, json_t *o, char *err, size_t size)
{
    struct sv_stats_point *p;
    json_t *t = json_object_get(o, "t"), *r;
    int64_t ms;
    size_t at;
    int k;

    if (!json_is_object(o))
        return fail(err, size, SV_EFORMAT, "a point is not an object");
    if (json_is_string(t)) {
        if (sv_stats_time_parse(json_string_value(t),
                                json_string_length(t), &ms) < 0)
            return fail(err, size, SV_EFORMAT, "bad \"t\" '%.40s': expected "
                        "ISO 8601 or seconds since the epoch",
                        json_string_value(t));
    } else if (json_is_number(t)) {
        double x = json_number_value(t);
        if (!isfinite(x) || x < 0 || x > 1e11)
            return fail(err, size, SV_EFORMAT, "bad \"t\": out of range");
        ms = (int64_t)llround(x * 1000);
    } else {
        return fail(err, size, SV_EFORMAT, "a point has no \"t\"");
    }
    p = add_point(s, &at);
    if (p == NULL)
        return fail(err, size, -ENOMEM, "out of memory");
    p->t_ms = ms;
    for (k = 0; k < SV_STATS_NFIELDS; k++) {
        json_t *v = json_object_get(o, field_names[k]);
        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return fail(err, size, SV_EFORMAT, "\"%s\" is not a number",
                        field_names[k]);
        p->v[k] = json_number_value(v);
    }
    r = json_object_get(o, "renditions");
    if (r != NULL)
        return json_renditions(s, r, (long)at, err, size);
    return 0;
}

/* a document or a JSON line: {"series":[...],"renditions":[...]} or flat */
static int
json_doc(struct sv_stats_series *s, json_t *doc, int window, char *err,
         size_t size)
{
    json_t *a, *v, *r;
    size_t i, first = s->n;
    int rc;

    if (!json_is_object(doc))
        return fail(err, size, SV_EFORMAT, "not a JSON object");
    a = json_object_get(doc, "series");
    if (a == NULL)
        return json_point(s, doc, err, size);
    if (!json_is_array(a))
        return fail(err, size, SV_EFORMAT, "\"series\" is not an array");
    json_array_foreach(a, i, v) {
        rc = json_point(s, v, err, size);
        if (rc < 0)
            return rc;
    }
    r = json_object_get(doc, "renditions");
    if (r == NULL)
        return 0;
    /* a window's renditions are its points' shares */
    rc = json_renditions(s, r, -1, err, size);
    if (rc < 0 || !window)
        return rc;
    if (need_pshare(s) < 0)
        return fail(err, size, -ENOMEM, "out of memory");
    for (i = s->n > first ? first : s->n; i < s->n; i++) {
        int k;
        for (k = 0; k < s->nr; k++)
            if (isnan(s->pshare[i * SV_STATS_MAX_RENDITIONS + k]))
                s->pshare[i * SV_STATS_MAX_RENDITIONS + k] =
                    (float)s->share[k];
    }
    return 0;
}

int
sv_stats_series_line(struct sv_stats_series *s, const char *line,
                     size_t len, char *err, size_t size)
{
    json_error_t je;
    json_t *doc;
    size_t i;
    int rc;

    for (i = 0; i < len && isspace((unsigned char)line[i]); i++)
        ;
    if (i == len)
        return 0;
    if (len > SV_STATS_MAX_LINE)
        return fail(err, size, SV_ELIMIT, "line longer than %d bytes",
                    SV_STATS_MAX_LINE);
    doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return fail(err, size, SV_EFORMAT, "%s", je.text);
    rc = json_doc(s, doc, 1, err, size);
    json_decref(doc);
    return rc;
}

/* ---- CSV ------------------------------------------------------------- */

static int
csv(struct sv_stats_series *s, const char *buf, size_t len, char *err,
    size_t size)
{
    int col[SV_STATS_NFIELDS + 1], ncol = 0, k;
    const char *p = buf, *end = buf + len;
    size_t lineno = 0;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *q, *le = eol ? eol : end;
        const char *f[SV_STATS_NFIELDS + 2];
        size_t fl[SV_STATS_NFIELDS + 2];
        int nf = 0;

        lineno++;
        s->lines++;
        if (le > p && le[-1] == '\r')
            le--;
        if ((size_t)(le - p) > SV_STATS_MAX_LINE)
            return fail(err, size, SV_ELIMIT, "line %zu: longer than %d "
                        "bytes", lineno, SV_STATS_MAX_LINE);
        for (q = p; q < le && isspace((unsigned char)*q); q++)
            ;
        if (q == le || *q == '#')
            goto next;
        /* fields, trimmed */
        q = p;
        for (;;) {
            const char *c = memchr(q, ',', (size_t)(le - q)), *fe;
            fe = c ? c : le;
            if (nf >= SV_STATS_NFIELDS + 1)
                return fail(err, size, SV_EFORMAT, "line %zu: more than %d "
                            "columns", lineno, SV_STATS_NFIELDS + 1);
            while (q < fe && isspace((unsigned char)*q))
                q++;
            f[nf] = q;
            while (fe > q && isspace((unsigned char)fe[-1]))
                fe--;
            if (fe - q >= 2 && *q == '"' && fe[-1] == '"') {
                f[nf]++;
                fe--;
            }
            fl[nf] = (size_t)(fe - f[nf]);
            nf++;
            if (c == NULL)
                break;
            q = c + 1;
        }
        if (ncol == 0) {
            int64_t ms;
            if (sv_stats_time_parse(f[0], fl[0], &ms) < 0) {
                /* a header: t and field names */
                for (k = 0; k < nf; k++) {
                    int j;
                    if (k == 0) {
                        if (!((fl[0] == 1 && f[0][0] == 't') ||
                              (fl[0] == 4 && memcmp(f[0], "time", 4) == 0) ||
                              (fl[0] == 9 &&
                               memcmp(f[0], "timestamp", 9) == 0)))
                            return fail(err, size, SV_EFORMAT, "line %zu: "
                                        "the first column is not t or a "
                                        "time", lineno);
                        col[0] = -1;
                        continue;
                    }
                    for (j = 0; j < SV_STATS_NFIELDS; j++)
                        if (fl[k] == strlen(field_names[j]) &&
                            memcmp(f[k], field_names[j], fl[k]) == 0)
                            break;
                    if (j == SV_STATS_NFIELDS)
                        return fail(err, size, SV_EFORMAT, "line %zu: "
                                    "unknown column '%.*s'", lineno,
                                    (int)(fl[k] > 32 ? 32 : fl[k]), f[k]);
                    col[k] = j;
                }
                ncol = nf;
                goto next;
            }
            if (nf != 2)
                return fail(err, size, SV_EFORMAT, "line %zu: expected "
                            "t,value (or a header naming the columns)",
                            lineno);
            col[0] = -1;
            col[1] = SV_STATS_VALUE;
            ncol = 2;
        }
        if (nf != ncol)
            return fail(err, size, SV_EFORMAT, "line %zu: %d columns, "
                        "expected %d", lineno, nf, ncol);
        {
            struct sv_stats_point *pt;
            size_t at;
            int64_t ms;
            if (sv_stats_time_parse(f[0], fl[0], &ms) < 0)
                return fail(err, size, SV_EFORMAT, "line %zu: bad time "
                            "'%.*s'", lineno, (int)(fl[0] > 40 ? 40 : fl[0]),
                            f[0]);
            pt = add_point(s, &at);
            if (pt == NULL)
                return fail(err, size, -ENOMEM, "out of memory");
            pt->t_ms = ms;
            for (k = 1; k < nf; k++) {
                char num[64], *ne;
                double v;
                if (fl[k] == 0)
                    continue;
                if (fl[k] >= sizeof(num))
                    return fail(err, size, SV_EFORMAT, "line %zu: column %d "
                                "is not a number", lineno, k + 1);
                memcpy(num, f[k], fl[k]);
                num[fl[k]] = '\0';
                errno = 0;
                v = strtod(num, &ne);
                if (*ne != '\0' || errno != 0 || !isfinite(v))
                    return fail(err, size, SV_EFORMAT, "line %zu: column %d "
                                "is not a number", lineno, k + 1);
                pt->v[col[k]] = v;
            }
        }
next:
        if (eol == NULL)
            break;
        p = eol + 1;
    }
    return 0;
}

/* ---- whole inputs ---------------------------------------------------- */

int
sv_stats_series_parse(struct sv_stats_series *s, const char *buf,
                      size_t len, char *err, size_t size)
{
    const char *p = buf, *end = buf + len;
    json_error_t je;
    json_t *doc;
    int rc;

    if (len > SV_STATS_MAX_INPUT)
        return fail(err, size, SV_ELIMIT, "larger than %d bytes",
                    SV_STATS_MAX_INPUT);
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p == end)
        return fail(err, size, SV_EFORMAT, "no data");
    if (*p != '{') {
        rc = csv(s, p, (size_t)(end - p), err, size);
        goto out;
    }
    doc = json_loadb(p, (size_t)(end - p), JSON_REJECT_DUPLICATES, &je);
    if (doc != NULL) {
        rc = json_doc(s, doc, 0, err, size);
        json_decref(doc);
        goto out;
    }
    if (strstr(je.text, "end of file expected") == NULL) {
        return fail(err, size, SV_EFORMAT, "line %d: %s", je.line, je.text);
    }
    /* JSON lines */
    {
        size_t lineno = 0;
        while (p < end) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            const char *le = eol ? eol : end;
            char e[256];
            lineno++;
            s->lines++;
            rc = sv_stats_series_line(s, p, (size_t)(le - p), e, sizeof(e));
            if (rc < 0)
                return fail(err, size, rc, "line %zu: %s", lineno, e);
            if (eol == NULL)
                break;
            p = eol + 1;
        }
        rc = 0;
    }
out:
    if (rc == 0 && s->n == 0)
        rc = fail(err, size, SV_EFORMAT, "no points");
    if (rc == 0)
        sv_stats_series_finish(s);
    return rc;
}

int
sv_stats_series_load(struct sv_stats_series *s, const char *path, char *err,
                     size_t size)
{
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    char e[256];
    char *buf;
    size_t len;
    int rc;

    if (strcmp(path, "-") == 0) {
        /* a pipe is not a regular file: read it here, capped */
        size_t alloc = 1 << 16;
        ssize_t r;
        len = 0;
        buf = malloc(alloc + 1);
        while (buf != NULL) {
            if (len == alloc) {
                char *nb;
                if (alloc >= SV_STATS_MAX_INPUT) {
                    free(buf);
                    return fail(err, size, SV_ELIMIT, "%s: larger than %d "
                                "bytes", name, SV_STATS_MAX_INPUT);
                }
                alloc *= 2;
                nb = realloc(buf, alloc + 1);
                if (nb == NULL) {
                    free(buf);
                    buf = NULL;
                    break;
                }
                buf = nb;
            }
            r = read(0, buf + len, alloc - len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                rc = -errno;
                free(buf);
                return fail(err, size, rc, "%s: %s", name, strerror(-rc));
            }
            if (r == 0)
                break;
            len += (size_t)r;
        }
        if (buf == NULL)
            return fail(err, size, -ENOMEM, "%s: out of memory", name);
        buf[len] = '\0';
    } else {
        rc = sv_slurp(path, SV_STATS_MAX_INPUT, &buf, &len);
        if (rc < 0)
            return fail(err, size, rc, "%s: %s", name,
                        rc == SV_ELIMIT ? "file too large"
                                        : sv_strerror(rc));
    }
    rc = sv_stats_series_parse(s, buf, len, e, sizeof(e));
    free(buf);
    if (rc < 0)
        return fail(err, size, rc, "%s: %s", name, e);
    return 0;
}

/* ---- after reading ---------------------------------------------------- */

static int
cmp_idx(const void *a, const void *b, void *arg)
{
    const struct sv_stats_point *p = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    if (p[i].t_ms != p[j].t_ms)
        return p[i].t_ms < p[j].t_ms ? -1 : 1;
    return i < j ? -1 : i > j;
}

void
sv_stats_series_finish(struct sv_stats_series *s)
{
    struct sv_stats_point *np;
    float *ns = NULL;
    size_t *idx, i, o = 0;

    if (s->n < 2)
        return;
    for (i = 1; i < s->n; i++)
        if (s->p[i].t_ms <= s->p[i - 1].t_ms)
            break;
    if (i == s->n)
        return;
    idx = malloc(s->n * sizeof(*idx));
    np = malloc(s->alloc * sizeof(*np));
    if (s->pshare != NULL)
        ns = malloc(s->alloc * SV_STATS_MAX_RENDITIONS * sizeof(*ns));
    if (idx == NULL || np == NULL || (s->pshare != NULL && ns == NULL)) {
        free(idx);
        free(np);
        free(ns);
        return;     /* left unsorted: plots are still drawn in order */
    }
    for (i = 0; i < s->n; i++)
        idx[i] = i;
    qsort_r(idx, s->n, sizeof(*idx), cmp_idx, s->p);
    for (i = 0; i < s->n; i++) {
        /* of equal times, the last one read (sorted last) wins */
        if (i + 1 < s->n && s->p[idx[i + 1]].t_ms == s->p[idx[i]].t_ms)
            continue;
        np[o] = s->p[idx[i]];
        if (ns != NULL)
            memcpy(ns + o * SV_STATS_MAX_RENDITIONS,
                   s->pshare + idx[i] * SV_STATS_MAX_RENDITIONS,
                   SV_STATS_MAX_RENDITIONS * sizeof(*ns));
        o++;
    }
    free(idx);
    free(s->p);
    s->p = np;
    if (ns != NULL) {
        free(s->pshare);
        s->pshare = ns;
    }
    s->n = o;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

int64_t
sv_stats_series_step(const struct sv_stats_series *s)
{
    int64_t *d, step;
    size_t i, n = 0;

    if (s->n < 2)
        return 0;
    d = malloc((s->n - 1) * sizeof(*d));
    if (d == NULL)
        return s->p[1].t_ms - s->p[0].t_ms;
    for (i = 1; i < s->n; i++)
        if (s->p[i].t_ms > s->p[i - 1].t_ms)
            d[n++] = s->p[i].t_ms - s->p[i - 1].t_ms;
    if (n == 0) {
        free(d);
        return 0;
    }
    qsort(d, n, sizeof(*d), cmp_i64);
    step = d[n / 2];
    free(d);
    return step;
}

size_t
sv_stats_series_metric(const struct sv_stats_series *s,
                       enum sv_stats_metric m, double *out)
{
    int64_t step = sv_stats_series_step(s);
    size_t i, known = 0;

    for (i = 0; i < s->n; i++) {
        const double *v = s->p[i].v;
        double x = NAN;
        switch (m) {
        case SV_STATS_M_VIEWERS:
            x = v[SV_STATS_VIEWERS];
            break;
        case SV_STATS_M_BANDWIDTH:
            /* the interval of a point: to the next one, else the step */
            if (!isnan(v[SV_STATS_BYTES])) {
                int64_t dt = i + 1 < s->n ? s->p[i + 1].t_ms - s->p[i].t_ms
                                          : step;
                if (dt <= 0 || (step > 0 && dt > step))
                    dt = step;
                if (dt > 0)
                    x = v[SV_STATS_BYTES] * 8 * 1000.0 / (double)dt;
            }
            break;
        case SV_STATS_M_QOE:
            x = v[SV_STATS_REBUFFER];
            break;
        case SV_STATS_M_BITRATE:
            x = v[SV_STATS_BITRATE];
            break;
        default:
            break;
        }
        if (isnan(x))
            x = v[SV_STATS_VALUE];
        out[i] = x;
        if (!isnan(x))
            known++;
    }
    return known;
}

int
sv_stats_series_grid(const struct sv_stats_series *s, enum sv_stats_metric m,
                     int64_t step, double **x, size_t *n)
{
    double *v, *g;
    size_t i, len;

    *x = NULL;
    *n = 0;
    if (s->n == 0 || step <= 0)
        return SV_ELIMIT;
    len = (size_t)((s->p[s->n - 1].t_ms - s->p[0].t_ms + step / 2) / step)
          + 1;
    if (len > 4 * s->n + 16 || len > SV_STATS_MAX_POINTS)
        return SV_ELIMIT;
    v = malloc(s->n * sizeof(*v));
    g = malloc(len * sizeof(*g));
    if (v == NULL || g == NULL) {
        free(v);
        free(g);
        return -ENOMEM;
    }
    sv_stats_series_metric(s, m, v);
    for (i = 0; i < len; i++)
        g[i] = NAN;
    for (i = 0; i < s->n; i++) {
        size_t k = (size_t)((s->p[i].t_ms - s->p[0].t_ms + step / 2) / step);
        if (k < len)
            g[k] = v[i];
    }
    free(v);
    *x = g;
    *n = len;
    return 0;
}
