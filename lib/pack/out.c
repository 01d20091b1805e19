/* out.c -- package files into a directory (temp name + rename) or a tar */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/log.h"
#include "pack/out.h"
#include "container/tar.h"

#define MAX_DIRS 64

struct sv_out {
    char *dir;
    struct sv_tar *tar;
    char *made[MAX_DIRS];       /* subdirectories already created */
    int nmade;
    uint64_t bytes;
};

int
sv_out_dir(struct sv_out **out, const char *dir)
{
    struct sv_out *o;
    int rc;

    rc = sv_mkdir_p(dir);
    if (rc < 0) {
        sv_log_error("cannot create '%s': %s", dir, sv_strerror(rc));
        return rc;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL || (o->dir = strdup(dir)) == NULL) {
        free(o);
        return -ENOMEM;
    }
    *out = o;
    return 0;
}

int
sv_out_tar(struct sv_out **out, int fd)
{
    struct sv_out *o = calloc(1, sizeof(*o));
    int rc;

    if (o == NULL)
        return -ENOMEM;
    rc = sv_tar_open(&o->tar, fd);
    if (rc < 0) {
        free(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Makes the directory part of rel once (a directory or a tar entry). */
static int
parent(struct sv_out *o, const char *rel)
{
    char sub[PATH_MAX / 2], path[PATH_MAX];
    const char *slash = strrchr(rel, '/');
    int i, rc;

    if (slash == NULL)
        return 0;
    snprintf(sub, sizeof(sub), "%.*s", (int)(slash - rel), rel);
    for (i = 0; i < o->nmade; i++)
        if (strcmp(o->made[i], sub) == 0)
            return 0;
    if (o->tar != NULL) {
        snprintf(path, sizeof(path), "%s/", sub);
        rc = sv_tar_dir(o->tar, path);
    } else {
        snprintf(path, sizeof(path), "%s/%s", o->dir, sub);
        rc = sv_mkdir_p(path);
        if (rc < 0)
            sv_log_error("cannot create '%s': %s", path, sv_strerror(rc));
    }
    if (rc == 0 && o->nmade < MAX_DIRS)
        o->made[o->nmade++] = strdup(sub);
    return rc;
}

/* Writes all of iov[0..n) to fd with as few writev calls as it takes. */
static int
writev_all(int fd, const struct iovec *iov, int n)
{
    struct iovec v[IOV_MAX];
    int i = 0, k, m;
    ssize_t w;
    size_t off = 0;

    while (i < n) {
        /* the next batch, the first piece less what was written of it */
        for (m = 0, k = i; k < n && m < IOV_MAX; k++, m++)
            v[m] = iov[k];
        v[0].iov_base = (uint8_t *)v[0].iov_base + off;
        v[0].iov_len -= off;
        w = writev(fd, v, m);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        /* advance past what went out */
        for (k = 0; k < m && (size_t)w >= v[k].iov_len; k++)
            w -= (ssize_t)v[k].iov_len;
        i += k;
        off = k == 0 ? off + (size_t)w : (size_t)w;
        if (k == m)
            off = 0;
    }
    return 0;
}

int
sv_out_put(struct sv_out *o, const char *rel, const struct iovec *iov, int n)
{
    struct sv_afile f = SV_AFILE_INIT;
    char path[PATH_MAX];
    int i, rc;

    rc = parent(o, rel);
    if (rc < 0)
        return rc;
    for (i = 0; i < n; i++)
        o->bytes += iov[i].iov_len;
    if (o->tar != NULL)
        return sv_tar_add(o->tar, rel, iov, n);
    snprintf(path, sizeof(path), "%s/%s", o->dir, rel);
    rc = sv_afile_open(&f, path, 0644);
    if (rc == 0)
        rc = writev_all(f.fd, iov, n);
    if (rc == 0)
        rc = sv_afile_commit(&f, 0);
    else
        sv_afile_abort(&f);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", path, sv_strerror(rc));
    return rc;
}

void
sv_out_remove(struct sv_out *o, const char *rel)
{
    char path[PATH_MAX];

    if (o->tar != NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s", o->dir, rel);
    if (unlink(path) < 0 && errno != ENOENT)
        sv_log_warn("cannot remove '%s': %s", path, strerror(errno));
}

uint64_t
sv_out_bytes(const struct sv_out *o)
{
    return o->bytes;
}

int
sv_out_close(struct sv_out *o)
{
    int i, rc = 0;

    if (o == NULL)
        return 0;
    if (o->tar != NULL)
        rc = sv_tar_close(o->tar);
    for (i = 0; i < o->nmade; i++)
        free(o->made[i]);
    free(o->dir);
    free(o);
    return rc;
}
