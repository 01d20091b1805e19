/* afile.c -- atomic file output: readers never see half a file */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/afile.h"

static atomic_uint counter;

static char *
tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash != NULL ? (size_t)(slash - path + 1) : 0;
    const char *base = path + dirlen;
    size_t len = strlen(path) + 48;
    char *tmp = malloc(len);

    if (tmp == NULL)
        return NULL;
    snprintf(tmp, len, "%.*s.%s.tmp.%ld.%u", (int)dirlen, path, base,
             (long)getpid(), atomic_fetch_add(&counter, 1));
    return tmp;
}

int
sv_afile_open(struct sv_afile *f, const char *path, int mode)
{
    int rc;

    f->fd = -1;
    f->path = strdup(path);
    f->tmp = tmp_name(path);
    if (f->path == NULL || f->tmp == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (f->fd < 0) {
        rc = -errno;
        goto fail;
    }
    return 0;
fail:
    free(f->tmp);
    free(f->path);
    f->tmp = f->path = NULL;
    return rc;
}

int
sv_afile_write(struct sv_afile *f, const void *buf, size_t len)
{
    const char *p = buf;
    ssize_t n;

    while (len > 0) {
        n = write(f->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void
release(struct sv_afile *f)
{
    free(f->tmp);
    free(f->path);
    f->tmp = f->path = NULL;
    f->fd = -1;
}

int
sv_afile_commit(struct sv_afile *f, int sync)
{
    int rc = 0;

    if (sync && fsync(f->fd) < 0)
        rc = -errno;
    if (close(f->fd) < 0 && rc == 0)
        rc = -errno;
    f->fd = -1;
    if (rc == 0 && rename(f->tmp, f->path) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(f->tmp);
    release(f);
    return rc;
}

void
sv_afile_abort(struct sv_afile *f)
{
    if (f == NULL || f->tmp == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    unlink(f->tmp);
    release(f);
}

int
sv_afile_put(const char *path, const void *buf, size_t len, int mode)
{
    struct sv_afile f;
    int rc;

    rc = sv_afile_open(&f, path, mode);
    if (rc < 0)
        return rc;
    rc = sv_afile_write(&f, buf, len);
    if (rc < 0) {
        sv_afile_abort(&f);
        return rc;
    }
    return sv_afile_commit(&f, 0);
}

int
sv_mkdir_p(const char *dir)
{
    char buf[4096];
    size_t len = strlen(dir), i;

    if (len == 0 || len >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, dir, len + 1);
    for (i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        buf[i] = dir[i];
    }
    return 0;
}
