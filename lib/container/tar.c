/* tar.c -- a package as a ustar stream on a descriptor, for
 * `sv-package -o -`: 512-byte headers, the data, padding, two zero blocks
 *
 * Our own rather than libarchive's: the format is a page of code, and
 * linking libarchive (with the compressors it needs) costs the packager
 * about 3.4 MiB resident in every run, more than a fifth of what it holds
 * on a 600 s 1080p input (issue 19).  Names longer than ustar's 100 + 155
 * bytes are refused; sizes past its 8 GiB field use the base-256 form GNU
 * tar and libarchive read.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "container/tar.h"
#include "core/log.h"

#define BLOCK 512

struct sv_tar {
    int fd;
    time_t now;
};

int
sv_tar_open(struct sv_tar **out, int fd)
{
    struct sv_tar *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return -ENOMEM;
    t->fd = fd;
    t->now = time(NULL);
    *out = t;
    return 0;
}

/* Writes all of iov[0..n) (consumed), through short writes and EINTR. */
static int
put(struct sv_tar *t, struct iovec *iov, int n, const char *what)
{
    ssize_t w;

    while (n > 0) {
        if (iov->iov_len == 0) {
            iov++;
            n--;
            continue;
        }
        w = writev(t->fd, iov, n > IOV_MAX ? IOV_MAX : n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            if (e != EPIPE)     /* the reader went away: no message */
                sv_log_error("cannot write the tar stream (%s): %s", what,
                             strerror(e));
            return -e;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* v in width - 1 octal digits and a NUL (v fits: the callers check) */
static void
octal(char *f, size_t width, uint64_t v)
{
    size_t i;

    f[width - 1] = '\0';
    for (i = width - 1; i > 0; i--, v >>= 3)
        f[i - 1] = (char)('0' + (v & 7));
}

/* The header block of one entry; 0 or -ENAMETOOLONG. */
static int
header(const struct sv_tar *t, uint8_t *h, const char *name, char type,
       int mode, uint64_t size)
{
    size_t len = strlen(name), cut;
    unsigned sum = 0;
    int i;

    memset(h, 0, BLOCK);
    if (len <= 100) {
        memcpy(h, name, len);
    } else {
        /* ustar: prefix '/' name, cut at a slash */
        for (cut = len - 1; cut > 0 && (name[cut] != '/' || cut > 155 ||
                                        len - cut - 1 > 100); cut--)
            ;
        if (cut == 0)
            return -ENAMETOOLONG;
        memcpy(h + 345, name, cut);
        memcpy(h, name + cut + 1, len - cut - 1);
    }
    octal((char *)h + 100, 8, (uint64_t)mode);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    if (size < (1ull << 33)) {
        octal((char *)h + 124, 12, size);
    } else {
        h[124] = 0x80;          /* base-256 */
        for (i = 11; i > 3; i--, size >>= 8)
            h[124 + i] = (uint8_t)size;
    }
    octal((char *)h + 136, 12, (uint64_t)(t->now > 0 ? t->now : 0));
    memset(h + 148, ' ', 8);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    for (i = 0; i < BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
    h[155] = ' ';
    return 0;
}

int
sv_tar_add(struct sv_tar *t, const char *name, const struct iovec *iov,
           int n)
{
    static const uint8_t zero[BLOCK];
    uint8_t h[BLOCK];
    struct iovec *v;
    uint64_t total = 0;
    int i, rc;

    for (i = 0; i < n; i++)
        total += iov[i].iov_len;
    rc = header(t, h, name, '0', 0644, total);
    if (rc < 0) {
        sv_log_error("cannot write the tar stream (%s): the name is too "
                     "long", name);
        return rc;
    }
    v = malloc((size_t)(n + 2) * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    v[0].iov_base = h;
    v[0].iov_len = BLOCK;
    for (i = 0; i < n; i++)
        v[1 + i] = iov[i];
    v[n + 1].iov_base = (void *)zero;
    v[n + 1].iov_len = (BLOCK - total % BLOCK) % BLOCK;
    rc = put(t, v, n + 2, name);
    free(v);
    return rc;
}

int
sv_tar_dir(struct sv_tar *t, const char *name)
{
    uint8_t h[BLOCK];
    char dir[256 + 2];
    struct iovec v = { h, BLOCK };
    int rc;

    /* a directory's name ends in a slash, as tar lists it */
    snprintf(dir, sizeof(dir), "%s%s", name,
             name[0] != '\0' && name[strlen(name) - 1] == '/' ? "" : "/");
    rc = header(t, h, dir, '5', 0755, 0);
    if (rc < 0) {
        sv_log_error("cannot write the tar stream (%s): the name is too "
                     "long", name);
        return rc;
    }
    return put(t, &v, 1, name);
}

int
sv_tar_close(struct sv_tar *t)
{
    static const uint8_t zero[2 * BLOCK];
    struct iovec v = { (void *)zero, sizeof(zero) };
    int rc;

    if (t == NULL)
        return 0;
    rc = put(t, &v, 1, "close");
    free(t);
    return rc;
}
