/* llhls.c -- LL-HLS playlist text: tails, readiness, delta updates */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/slurp.h"
#include "model/llhls.h"

/* ---- playlist text ---- */

/* The next line of buf at *pos (without CR/LF); returns 0 at the end. */
static int
next_line(const char *buf, size_t len, size_t *pos, const char **line,
          size_t *n)
{
    size_t p = *pos, e;

    if (p >= len)
        return 0;
    e = p;
    while (e < len && buf[e] != '\n')
        e++;
    *line = buf + p;
    *n = e - p;
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    *pos = e < len ? e + 1 : e;
    return 1;
}

static int
starts(const char *line, size_t n, const char *tag)
{
    size_t t = strlen(tag);

    return n >= t && memcmp(line, tag, t) == 0;
}

/* "6", "2.002", "0.5": milliseconds, or -1. */
static int64_t
parse_ms(const char *s, size_t n)
{
    int64_t whole = 0, frac = 0, scale = 1000;
    size_t i = 0;
    int digits = 0;

    while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 12) {
        whole = whole * 10 + (s[i++] - '0');
        digits++;
    }
    if (digits == 0 || (i < n && s[i] >= '0' && s[i] <= '9'))
        return -1;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (s[i] - '0') * scale;
            }
            i++;
        }
    }
    return whole * 1000 + frac;
}

static int64_t
parse_int(const char *s, size_t n)
{
    int64_t v = 0;
    size_t i;

    if (n == 0 || n > 18)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/*
 * Finds attribute name in an attribute list (a, n bytes); points v and vn
 * at its value without quotes.  Returns 1 when found.
 */
static int
attr(const char *a, size_t n, const char *name, const char **v, size_t *vn)
{
    size_t i = 0, k, nl = strlen(name), s;
    int inq;

    while (i < n) {
        while (i < n && (a[i] == ',' || a[i] == ' '))
            i++;
        k = i;
        while (i < n && a[i] != '=' && a[i] != ',')
            i++;
        if (i >= n || a[i] != '=') {
            continue;
        }
        s = ++i;
        inq = 0;
        while (i < n && (inq || a[i] != ',')) {
            if (a[i] == '"')
                inq = !inq;
            i++;
        }
        if (i - 0 > k && s - 1 - k == nl && memcmp(a + k, name, nl) == 0) {
            *v = a + s;
            *vn = i - s;
            if (*vn >= 2 && (*v)[0] == '"' && (*v)[*vn - 1] == '"') {
                (*v)++;
                *vn -= 2;
            }
            return 1;
        }
    }
    return 0;
}

static int
attr_yes(const char *a, size_t n, const char *name)
{
    const char *v;
    size_t vn;

    return attr(a, n, name, &v, &vn) && vn == 3 && memcmp(v, "YES", 3) == 0;
}

int
sv_llhls_parse(const char *buf, size_t len, struct sv_llhls_info *in)
{
    const char *l, *v, *a;
    size_t pos = 0, n, vn, an;
    int64_t x;

    memset(in, 0, sizeof(*in));
    if (!next_line(buf, len, &pos, &l, &n) || !starts(l, n, "#EXTM3U"))
        return SV_EFORMAT;
    while (next_line(buf, len, &pos, &l, &n)) {
        if (n == 0)
            continue;
        if (l[0] != '#') {
            in->nsegs++;
            in->nparts = 0;
            continue;
        }
        if (starts(l, n, "#EXT-X-PART:")) {
            in->nparts++;
        } else if (starts(l, n, "#EXT-X-TARGETDURATION:")) {
            x = parse_ms(l + 22, n - 22);
            in->target_ms = x > 0 ? x : 0;
            in->media = 1;
        } else if (starts(l, n, "#EXT-X-MEDIA-SEQUENCE:")) {
            x = parse_int(l + 22, n - 22);
            in->first_msn = x > 0 ? x : 0;
        } else if (starts(l, n, "#EXT-X-VERSION:")) {
            x = parse_int(l + 15, n - 15);
            in->version = x > 0 && x < 100 ? (int)x : 0;
        } else if (starts(l, n, "#EXT-X-ENDLIST")) {
            in->endlist = 1;
        } else if (starts(l, n, "#EXT-X-PLAYLIST-TYPE:VOD")) {
            in->vod = 1;
        } else if (starts(l, n, "#EXT-X-PART-INF:")) {
            a = l + 16;
            an = n - 16;
            if (attr(a, an, "PART-TARGET", &v, &vn)) {
                x = parse_ms(v, vn);
                in->part_target_ms = x > 0 ? x : 0;
            }
        } else if (starts(l, n, "#EXT-X-SERVER-CONTROL:")) {
            a = l + 22;
            an = n - 22;
            in->can_block = attr_yes(a, an, "CAN-BLOCK-RELOAD");
            in->skip_dateranges = attr_yes(a, an, "CAN-SKIP-DATERANGES");
            if (attr(a, an, "CAN-SKIP-UNTIL", &v, &vn)) {
                x = parse_ms(v, vn);
                in->skip_until_ms = x > 0 ? x : 0;
            }
        } else if (starts(l, n, "#EXT-X-PRELOAD-HINT:")) {
            a = l + 20;
            an = n - 20;
            if (attr(a, an, "TYPE", &v, &vn) && vn == 4 &&
                memcmp(v, "PART", 4) == 0 && attr(a, an, "URI", &v, &vn) &&
                vn < sizeof(in->hint)) {
                memcpy(in->hint, v, vn);
                in->hint[vn] = '\0';
            }
        }
    }
    in->last_msn = in->first_msn + in->nsegs - 1;
    return 0;
}

int
sv_llhls_ready(const struct sv_llhls_info *in, int64_t msn, int64_t part)
{
    if (in->endlist || !in->media)
        return 1;
    if (msn < 0 || msn > in->last_msn + 2)
        return SV_EUSAGE;
    if (msn <= in->last_msn)
        return 1;
    if (part >= 0 && msn == in->last_msn + 1)
        return part < in->nparts;
    return 0;
}

/* a growable output buffer for the delta writer */
struct obuf {
    char *p;
    size_t n, cap;
};

static int
oput(struct obuf *o, const char *s, size_t n)
{
    char *np;
    size_t cap;

    if (o->n + n + 1 > o->cap) {
        cap = (o->n + n + 1) * 2;
        np = realloc(o->p, cap);
        if (np == NULL)
            return -ENOMEM;
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
    return 0;
}

static int
oline(struct obuf *o, const char *s, size_t n)
{
    return oput(o, s, n) < 0 ? -ENOMEM : oput(o, "\n", 1);
}

/* tags that belong to the segment after them rather than the header */
static int
segment_tag(const char *l, size_t n)
{
    static const char *const tags[] = {
        "#EXTINF:", "#EXT-X-PART:", "#EXT-X-BYTERANGE:",
        "#EXT-X-DISCONTINUITY", "#EXT-X-PROGRAM-DATE-TIME:",
        "#EXT-X-DATERANGE:", "#EXT-X-GAP", "#EXT-X-BITRATE:", "#EXT-X-KEY:",
        "#EXT-X-MAP:", "#EXT-X-CUE", NULL,
    };
    int i;

    if (n == 0 || l[0] != '#')
        return 1;
    for (i = 0; tags[i] != NULL; i++)
        if (starts(l, n, tags[i]))
            return 1;
    return 0;
}

#define MAX_KEYFORMATS 8

struct keyline {
    const char *l, *fmt;
    size_t n, fmtn;
};

/*
 * Records an EXT-X-KEY line as the current key of its KEYFORMAT (RFC 8216
 * 4.4.4.4: a key applies until the next one of the same format).  Returns
 * the new count; formats past MAX_KEYFORMATS are not tracked.
 */
static size_t
keep_key(struct keyline *k, size_t nk, const char *l, size_t n)
{
    static const char attr[] = "KEYFORMAT=\"";
    const char *fmt = "identity", *p, *q;
    size_t fmtn = 8, i;

    p = memmem(l, n, attr, sizeof(attr) - 1);
    if (p != NULL) {
        p += sizeof(attr) - 1;
        q = memchr(p, '"', n - (size_t)(p - l));
        if (q != NULL) {
            fmt = p;
            fmtn = (size_t)(q - p);
        }
    }
    for (i = 0; i < nk; i++)
        if (k[i].fmtn == fmtn && memcmp(k[i].fmt, fmt, fmtn) == 0)
            break;
    if (i == MAX_KEYFORMATS)
        return nk;
    k[i].l = l;
    k[i].n = n;
    k[i].fmt = fmt;
    k[i].fmtn = fmtn;
    return i == nk ? nk + 1 : nk;
}

int
sv_llhls_delta(const char *buf, size_t len, const struct sv_llhls_info *in,
               int v2, char **out, size_t *outlen)
{
    struct obuf o = { NULL, 0, 0 };
    struct keyline keys[MAX_KEYFORMATS];
    const char *l, *map = NULL;
    size_t pos = 0, n, mapn = 0, body = 0, nkeys = 0, i;
    int64_t total = 0, end = 0, x, skip = 0, seen = 0;
    char tmp[64];
    int rc = -ENOMEM, in_body = 0;

    *out = NULL;
    *outlen = 0;
    if (!in->media || in->endlist || in->skip_until_ms <= 0)
        return 0;
    /* first pass: total duration, and where the header ends */
    while (next_line(buf, len, &pos, &l, &n)) {
        if (!in_body && segment_tag(l, n) && n > 0) {
            in_body = 1;
            body = (size_t)(l - buf);
        }
        if (starts(l, n, "#EXTINF:")) {
            x = parse_ms(l + 8, n - 8);
            total += x > 0 ? x : 0;
        }
    }
    if (!in_body)
        return 0;
    /* segments that end before the skip boundary go */
    pos = body;
    while (next_line(buf, len, &pos, &l, &n)) {
        if (starts(l, n, "#EXTINF:")) {
            x = parse_ms(l + 8, n - 8);
            end += x > 0 ? x : 0;
        } else if (n > 0 && l[0] != '#') {
            if (end > total - in->skip_until_ms)
                break;
            skip++;
        }
    }
    if (skip == 0)
        return 0;
    /* header, with EXT-X-VERSION raised to 9 */
    pos = 0;
    while (pos < body && next_line(buf, len, &pos, &l, &n)) {
        if (starts(l, n, "#EXT-X-VERSION:") && in->version < 9)
            rc = oline(&o, "#EXT-X-VERSION:9", 16);
        else
            rc = oline(&o, l, n);
        if (rc < 0)
            goto fail;
    }
    n = (size_t)snprintf(tmp, sizeof(tmp), "#EXT-X-SKIP:SKIPPED-SEGMENTS=%lld",
                         (long long)skip);
    if (oline(&o, tmp, n) < 0)
        goto fail;
    /* skipped region: keep the last map, the last key of each KEYFORMAT
     * (several DRM systems each have theirs), date ranges for YES */
    pos = body;
    while (seen < skip) {
        if (!next_line(buf, len, &pos, &l, &n))
            break;
        if (starts(l, n, "#EXT-X-MAP:")) {
            map = l;
            mapn = n;
        } else if (starts(l, n, "#EXT-X-KEY:")) {
            nkeys = keep_key(keys, nkeys, l, n);
        } else if (!v2 && starts(l, n, "#EXT-X-DATERANGE:")) {
            if (oline(&o, l, n) < 0)
                goto fail;
        } else if (n > 0 && l[0] != '#') {
            seen++;
        }
    }
    for (i = 0; i < nkeys; i++)
        if (oline(&o, keys[i].l, keys[i].n) < 0)
            goto fail;
    if (map != NULL && oline(&o, map, mapn) < 0)
        goto fail;
    if (oput(&o, buf + pos, len - pos) < 0)
        goto fail;
    *out = o.p;
    *outlen = o.n;
    return 0;
fail:
    free(o.p);
    return -ENOMEM;
}

int
sv_llhls_read(const char *path, char **buf, size_t *len)
{
    return sv_slurp(path, SV_LLHLS_MAX_PLAYLIST, buf, len);
}

int
sv_llhls_read_fd(int fd, char **buf, size_t *len)
{
    return sv_slurp_fd(fd, SV_LLHLS_MAX_PLAYLIST, buf, len);
}

/* ---- part and segment names ---- */

struct media_name {
    size_t prefix;          /* length of "seg-" */
    uint64_t seg;           /* 5 */
    int64_t part;           /* 4, or -1 for a segment */
    const char *ext;        /* ".m4s" */
};

/* Digits ending just before end (at most 18), going back no further than
 * start: their value, and *from where they begin; -1 when none. */
static int64_t
digits_before(const char *start, const char *end, const char **from)
{
    const char *d = end;
    int64_t x = 0;

    while (d > start && d[-1] >= '0' && d[-1] <= '9' && end - d < 18)
        d--;
    if (d == end || (d > start && d[-1] >= '0' && d[-1] <= '9'))
        return -1;
    for (*from = d; d < end; d++)
        x = x * 10 + (*d - '0');
    return x;
}

/* "seg-5.4.m4s" (a part) or "seg-5.m4s" (a segment); -1 for neither. */
static int
media_name(const char *name, struct media_name *m)
{
    const char *e = strrchr(name, '.'), *d, *d2;
    int64_t a, b;

    if (e == NULL || e == name || e[1] == '\0' || strchr(name, '/') != NULL)
        return -1;
    a = digits_before(name, e, &d);
    if (a < 0)
        return -1;
    m->ext = e;
    if (d - 1 > name && d[-1] == '.' &&
        (b = digits_before(name, d - 1, &d2)) >= 0) {
        m->prefix = (size_t)(d2 - name);
        m->seg = (uint64_t)b;
        m->part = a;
        /* "1.2.3.m4s": its segment "1.2.m4s" would read as a part */
        if (m->prefix > 0 && name[m->prefix - 1] == '.')
            return -1;
    } else {
        m->prefix = (size_t)(d - name);
        m->seg = (uint64_t)a;
        m->part = -1;
    }
    return 0;
}

int
sv_llhls_part_segment(const char *part, char *out, size_t n)
{
    struct media_name m;
    int w;

    if (media_name(part, &m) < 0 || m.part < 0)
        return -1;
    w = snprintf(out, n, "%.*s%llu%s", (int)m.prefix, part,
                 (unsigned long long)m.seg, m.ext);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int
sv_llhls_part_superseded(const char *part, const char *appeared)
{
    struct media_name p, a;

    if (media_name(part, &p) < 0 || p.part < 0 ||
        media_name(appeared, &a) < 0 || a.prefix != p.prefix ||
        strncmp(part, appeared, p.prefix) != 0 || strcmp(a.ext, p.ext) != 0)
        return 0;
    return a.part < 0 ? a.seg >= p.seg : a.seg > p.seg;
}
