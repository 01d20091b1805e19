/* slurp.c -- reads a whole regular file, at most a given size, into memory */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/slurp.h"

int
sv_slurp_fd(int fd, size_t max, char **out, size_t *len)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return -errno;
    return sv_slurp_fd_stat(fd, &st, max, out, len);
}

int
sv_slurp_fd_stat(int fd, const struct stat *st, size_t max, char **out,
                 size_t *len)
{
    size_t size, n = 0;
    ssize_t r;
    char *p;

    if (S_ISDIR(st->st_mode))
        return -EISDIR;
    if (!S_ISREG(st->st_mode))
        return SV_EFORMAT;
    if (st->st_size < 0 || (uintmax_t)st->st_size > max)
        return SV_ELIMIT;
    size = (size_t)st->st_size;
    p = malloc(size + 1);
    if (p == NULL)
        return -ENOMEM;
    while (n < size) {
        r = read(fd, p + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(p);
            return r < 0 ? -errno : SV_ETRUNC;
        }
        n += (size_t)r;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return 0;
}

int
sv_slurp(const char *path, size_t max, char **out, size_t *len)
{
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = sv_slurp_fd(fd, max, out, len);
    close(fd);
    return rc;
}
