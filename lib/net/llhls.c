/* llhls.c -- LL-HLS over plain files: playlist tails, deltas, held requests */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "net/llhls.h"

#define MAX_WATCHES 1024

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
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = sv_llhls_read_fd(fd, buf, len);
    close(fd);
    return rc;
}

int
sv_llhls_read_fd(int fd, char **buf, size_t *len)
{
    struct stat st;
    char *b = NULL;
    size_t n = 0;
    ssize_t r;
    int rc;

    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EISDIR;
        goto fail;
    }
    if (st.st_size > SV_LLHLS_MAX_PLAYLIST) {
        rc = SV_ELIMIT;
        goto fail;
    }
    b = malloc((size_t)st.st_size + 1);
    if (b == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    while (n < (size_t)st.st_size) {
        r = read(fd, b + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
fail:
    free(b);
    return rc;
}

/* ---- held requests ---- */

struct sv_llhls_watch {
    uv_fs_event_t ev;
    uv_timer_t timer;
    struct sv_llhls *reg;
    struct sv_llhls_watch *next;
    struct sv_llhls_hold head;  /* circular list of holds */
    uint64_t due;               /* when the timer fires, 0: not armed */
    int open_handles;           /* freed when both handles have closed */
    char dir[];
};

struct sv_llhls {
    uv_loop_t *loop;
    struct sv_llhls_watch *watches;
    size_t nwatches;
    size_t held;
};

int
sv_llhls_new(uv_loop_t *loop, struct sv_llhls **out)
{
    struct sv_llhls *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return -ENOMEM;
    r->loop = loop;
    *out = r;
    return 0;
}

static void
unlink_hold(struct sv_llhls_hold *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->watch->reg->held--;
    h->watch = NULL;
    h->next = h->prev = NULL;
}

void
sv_llhls_hold_cancel(struct sv_llhls_hold *h)
{
    if (h != NULL && h->watch != NULL)
        unlink_hold(h);
}

size_t
sv_llhls_held(const struct sv_llhls *r)
{
    return r == NULL ? 0 : r->held;
}

static void
arm(struct sv_llhls_watch *w, uint64_t deadline);

/*
 * Moves the holds of w that pass test into a private list, then calls them
 * back: a callback may finish its request, which cancels its own hold.
 */
static void
fire(struct sv_llhls_watch *w, const char *name, int everything,
     uint64_t now)
{
    struct sv_llhls_hold ready = { 0 }, late = { 0 }, *h, *nx;
    char path[4096], *data = NULL, last[256] = "";
    size_t len = 0;
    struct sv_llhls_info info;
    int have = 0, ok, file_ok = -1;
    uint64_t next = 0, t0 = uv_hrtime();
    size_t nready = 0;

    ready.next = ready.prev = &ready;
    late.next = late.prev = &late;
    for (h = w->head.next; h != &w->head; h = nx) {
        nx = h->next;
        ok = 0;
        if (everything || name == NULL || strcmp(name, h->name) == 0) {
            if (h->msn >= 0) {
                if (strcmp(last, h->name) != 0) {
                    free(data);
                    data = NULL;
                    have = 0;
                    snprintf(last, sizeof(last), "%s", h->name);
                    snprintf(path, sizeof(path), "%s/%s", w->dir, h->name);
                    if (sv_llhls_read(path, &data, &len) == 0 &&
                        sv_llhls_parse(data, len, &info) == 0)
                        have = 1;
                }
                ok = have && sv_llhls_ready(&info, h->msn, h->part) == 1;
            } else {
                struct stat st;

                snprintf(path, sizeof(path), "%s/%s", w->dir, h->name);
                file_ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
                ok = file_ok;
            }
        }
        if (ok) {
            /* onto the private list, still counted: a callback may cancel
             * a hold of the same request that is there too */
            h->prev->next = h->next;
            h->next->prev = h->prev;
            h->prev = ready.prev;
            h->next = &ready;
            ready.prev->next = h;
            ready.prev = h;
        } else if (now != 0 && h->deadline <= now) {
            h->prev->next = h->next;
            h->next->prev = h->prev;
            h->prev = late.prev;
            h->next = &late;
            late.prev->next = h;
            late.prev = h;
        } else if (next == 0 || h->deadline < next) {
            next = h->deadline;
        }
    }
    if (next != 0)
        arm(w, next);
    /* playlist holds in ready were satisfied by data for their own name */
    while (ready.next != &ready) {
        h = ready.next;
        ready.next = h->next;
        h->next->prev = &ready;
        w->reg->held--;
        h->watch = NULL;
        h->next = h->prev = NULL;
        if (h->msn >= 0 && have && strcmp(last, h->name) == 0)
            h->cb(h, 1, data, len);
        else if (h->msn >= 0) {
            char *d2 = NULL;
            size_t l2 = 0;

            snprintf(path, sizeof(path), "%s/%s", w->dir, h->name);
            if (sv_llhls_read(path, &d2, &l2) == 0)
                h->cb(h, 1, d2, l2);
            else
                h->cb(h, 0, NULL, 0);
            free(d2);
        } else {
            h->cb(h, 1, NULL, 0);
        }
        nready++;
    }
    if (nready > 0)
        sv_log_debug("released %zu held request%s on '%s/%s' in %.3f ms",
                     nready, nready == 1 ? "" : "s", w->dir,
                     name != NULL ? name : "*",
                     (double)(uv_hrtime() - t0) / 1e6);
    while (late.next != &late) {
        h = late.next;
        late.next = h->next;
        h->next->prev = &late;
        w->reg->held--;
        h->watch = NULL;
        h->next = h->prev = NULL;
        h->cb(h, 0, NULL, 0);
    }
    free(data);
}

static void
on_timer(uv_timer_t *t)
{
    struct sv_llhls_watch *w = t->data;

    w->due = 0;
    /* a zero deadline check also re-tests every hold (see hold_add) */
    fire(w, NULL, 1, uv_now(w->reg->loop));
}

static void
arm(struct sv_llhls_watch *w, uint64_t deadline)
{
    uint64_t now = uv_now(w->reg->loop);

    if (w->due != 0 && w->due <= deadline)
        return;
    w->due = deadline;
    uv_timer_start(&w->timer, on_timer, deadline > now ? deadline - now : 0,
                   0);
}

static void
on_fs_event(uv_fs_event_t *ev, const char *filename, int events, int status)
{
    struct sv_llhls_watch *w = ev->data;

    if (status < 0)
        return;
    if (w->head.next == &w->head)
        return;
    fire(w, filename, filename == NULL, 0);
}

static struct sv_llhls_watch *
find_watch(struct sv_llhls *r, const char *dir)
{
    struct sv_llhls_watch *w;

    for (w = r->watches; w != NULL; w = w->next)
        if (strcmp(w->dir, dir) == 0)
            return w;
    return NULL;
}

int
sv_llhls_hold_add(struct sv_llhls *r, struct sv_llhls_hold *h,
                  const char *dir, uint64_t timeout_ms)
{
    struct sv_llhls_watch *w;
    uint64_t now = uv_now(r->loop);
    int rc, fresh = 0;

    w = find_watch(r, dir);
    if (w == NULL) {
        if (r->nwatches >= MAX_WATCHES)
            return SV_ELIMIT;
        w = calloc(1, sizeof(*w) + strlen(dir) + 1);
        if (w == NULL)
            return -ENOMEM;
        strcpy(w->dir, dir);
        w->reg = r;
        w->head.next = w->head.prev = &w->head;
        uv_fs_event_init(r->loop, &w->ev);
        w->ev.data = w;
        rc = uv_fs_event_start(&w->ev, on_fs_event, dir, 0);
        if (rc < 0) {
            uv_close((uv_handle_t *)&w->ev, (uv_close_cb)free);
            return rc;
        }
        uv_timer_init(r->loop, &w->timer);
        w->timer.data = w;
        w->next = r->watches;
        r->watches = w;
        r->nwatches++;
        fresh = 1;
    }
    h->watch = w;
    h->deadline = now + timeout_ms;
    h->prev = w->head.prev;
    h->next = &w->head;
    w->head.prev->next = h;
    w->head.prev = h;
    r->held++;
    /*
     * A new watch may have missed a rename between the caller's check and
     * uv_fs_event_start(): test again on the next loop turn.
     */
    arm(w, fresh ? now : h->deadline);
    return 0;
}

void
sv_llhls_release_all(struct sv_llhls *r)
{
    struct sv_llhls_watch *w;
    struct sv_llhls_hold *h;

    for (w = r->watches; w != NULL; w = w->next) {
        while (w->head.next != &w->head) {
            h = w->head.next;
            unlink_hold(h);
            h->cb(h, 0, NULL, 0);
        }
    }
}

static void
on_watch_closed(uv_handle_t *hd)
{
    struct sv_llhls_watch *w = hd->data;

    if (--w->open_handles == 0)
        free(w);
}

void
sv_llhls_free(struct sv_llhls *r)
{
    struct sv_llhls_watch *w, *nx;

    if (r == NULL)
        return;
    sv_llhls_release_all(r);
    for (w = r->watches; w != NULL; w = nx) {
        nx = w->next;
        w->open_handles = 2;
        uv_close((uv_handle_t *)&w->ev, on_watch_closed);
        uv_close((uv_handle_t *)&w->timer, on_watch_closed);
    }
    free(r);
}
