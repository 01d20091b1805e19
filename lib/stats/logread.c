/* logread.c -- rotation order, line reading, and following a log */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/archive.h"
#include "core/err.h"
#include "stats/logline.h"
#include "stats/logread.h"

#define CHUNK 65536

/* ---- order ---- */

struct named {
    char *path;
    size_t blen;                /* the base name's length */
    long rot;                   /* rotation number; 0: the current file */
    int first;                  /* index of the base's first appearance */
    int at;
};

static void
split(struct named *n)
{
    static const char *const zext[] = {
        ".gz", ".xz", ".zst", ".bz2", ".lz4", NULL,
    };
    const char *p = n->path;
    size_t len = strlen(p), k, e;
    long rot = 0;
    int i;

    for (i = 0; zext[i] != NULL; i++) {
        e = strlen(zext[i]);
        if (len > e && strcmp(p + len - e, zext[i]) == 0) {
            len -= e;
            break;
        }
    }
    for (k = len; k > 0 && p[k - 1] >= '0' && p[k - 1] <= '9'; k--)
        ;
    if (k < len && k > 1 && p[k - 1] == '.' && len - k <= 6) {
        rot = strtol(p + k, NULL, 10);
        len = k - 1;
        if (rot == 0)
            rot = 1;            /* name.0 is older than name */
    }
    n->blen = len;
    n->rot = rot;
}

static int
by_rotation(const void *a, const void *b)
{
    const struct named *x = a, *y = b;

    if (x->first != y->first)
        return x->first - y->first;
    if (x->rot != y->rot)
        return x->rot > y->rot ? -1 : 1;
    return x->at - y->at;
}

void
sv_logread_order(char **paths, int n)
{
    struct named *v;
    int i, j;

    v = calloc((size_t)n + 1, sizeof(*v));
    if (v == NULL)
        return;                 /* as given */
    for (i = 0; i < n; i++) {
        v[i].path = paths[i];
        v[i].at = i;
        split(&v[i]);
        v[i].first = i;
        for (j = 0; j < i; j++)
            if (v[j].blen == v[i].blen &&
                strncmp(v[j].path, v[i].path, v[i].blen) == 0) {
                v[i].first = v[j].first;
                break;
            }
    }
    qsort(v, (size_t)n, sizeof(*v), by_rotation);
    for (i = 0; i < n; i++)
        paths[i] = v[i].path;
    free(v);
}

/* ---- reading ---- */

struct sv_logread {
    struct sv_unzip *z;
    char *buf;
    size_t start, end, cap;
    int eof;
};

int
sv_logread_open(struct sv_logread **out, const char *path)
{
    struct sv_logread *r;
    int rc;

    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->cap = SV_LOGLINE_MAX + CHUNK;
    r->buf = malloc(r->cap);
    if (r->buf == NULL) {
        free(r);
        return -ENOMEM;
    }
    rc = sv_unzip_open(&r->z, path);
    if (rc < 0) {
        free(r->buf);
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int
sv_logread_line(struct sv_logread *r, const char **line, size_t *len)
{
    char *nl;
    ssize_t n;
    int skipping = 0;

    for (;;) {
        nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl != NULL) {
            *line = r->buf + r->start;
            *len = (size_t)(nl - *line);
            r->start = (size_t)(nl - r->buf) + 1;
            if (skipping)
                return SV_ELIMIT;
            return 1;
        }
        if (r->eof) {
            if (r->start == r->end)
                return skipping ? SV_ELIMIT : 0;
            *line = r->buf + r->start;      /* a last line without \n */
            *len = r->end - r->start;
            r->start = r->end;
            return skipping ? SV_ELIMIT : 1;
        }
        if (r->end - r->start > SV_LOGLINE_MAX) {
            skipping = 1;               /* drop it, up to its newline */
            r->start = r->end = 0;
        }
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        n = sv_unzip_read(r->z, r->buf + r->end, r->cap - r->end);
        if (n < 0)
            return (int)n;
        if (n == 0)
            r->eof = 1;
        r->end += (size_t)n;
    }
}

void
sv_logread_close(struct sv_logread *r)
{
    if (r == NULL)
        return;
    sv_unzip_close(r->z);
    free(r->buf);
    free(r);
}

/* ---- following ---- */

struct sv_logtail {
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    off_t off;
    int from_start;
    int skipping;
    char *buf;
    size_t len;
};

static int
tail_reopen(struct sv_logtail *t, int at_end)
{
    struct stat st;
    int fd;

    fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -errno;
    }
    if (t->fd >= 0)
        close(t->fd);
    t->fd = fd;
    t->dev = st.st_dev;
    t->ino = st.st_ino;
    t->off = at_end ? st.st_size : 0;
    t->len = 0;
    t->skipping = 0;
    return 1;
}

int
sv_logtail_open(struct sv_logtail **out, const char *path, int from_start)
{
    struct sv_logtail *t;
    int rc;

    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->fd = -1;
    t->path = strdup(path);
    t->buf = malloc(SV_LOGLINE_MAX + 1);
    if (t->path == NULL || t->buf == NULL) {
        sv_logtail_close(t);
        return -ENOMEM;
    }
    rc = tail_reopen(t, !from_start);
    if (rc < 0) {
        sv_logtail_close(t);
        return rc;
    }
    t->from_start = 1;          /* a file made later is read whole */
    *out = t;
    return 0;
}

/* reads what fd has from t->off on, line by line */
static int
drain(struct sv_logtail *t, sv_logtail_fn fn, void *ud, size_t max,
      int *lines)
{
    char chunk[CHUNK], *p, *nl;
    size_t total = 0, n, take;
    ssize_t got;
    int rc;

    while (total < max) {
        got = pread(t->fd, chunk, sizeof(chunk), t->off);
        if (got < 0)
            return errno == EINTR ? 0 : -errno;
        if (got == 0)
            break;
        t->off += got;
        total += (size_t)got;
        p = chunk;
        n = (size_t)got;
        while (n > 0) {
            nl = memchr(p, '\n', n);
            take = nl != NULL ? (size_t)(nl - p) : n;
            if (!t->skipping && t->len + take <= SV_LOGLINE_MAX) {
                memcpy(t->buf + t->len, p, take);
                t->len += take;
            } else {
                t->skipping = 1;
            }
            if (nl == NULL)
                break;
            rc = fn(ud, t->buf, t->skipping ? SIZE_MAX : t->len);
            if (rc < 0)
                return rc;
            (*lines)++;
            t->len = 0;
            t->skipping = 0;
            p = nl + 1;
            n -= take + 1;
        }
    }
    return 0;
}

int
sv_logtail_poll(struct sv_logtail *t, sv_logtail_fn fn, void *ud,
                size_t max_bytes)
{
    struct stat st, cur;
    int lines = 0, rc;

    if (t->fd < 0) {
        rc = tail_reopen(t, 0);
        if (rc <= 0)
            return rc;
    }
    if (fstat(t->fd, &st) < 0)
        return -errno;
    if (st.st_size < t->off) {  /* truncated in place */
        t->off = 0;
        t->len = 0;
    }
    rc = drain(t, fn, ud, max_bytes, &lines);
    if (rc < 0)
        return rc;
    /* rotated: the path names another file now; the old one is done */
    if (stat(t->path, &cur) == 0 &&
        (cur.st_ino != t->ino || cur.st_dev != t->dev)) {
        rc = drain(t, fn, ud, SIZE_MAX, &lines);
        if (rc < 0)
            return rc;
        rc = tail_reopen(t, 0);
        if (rc < 0)
            return rc;
        rc = drain(t, fn, ud, max_bytes, &lines);
        if (rc < 0)
            return rc;
    }
    return lines;
}

void
sv_logtail_close(struct sv_logtail *t)
{
    if (t == NULL)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t->path);
    free(t->buf);
    free(t);
}
