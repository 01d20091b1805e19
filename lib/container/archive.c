/* archive.c -- libarchive, wrapped once: tar writing and decompression */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/err.h"
#include "core/log.h"
#include "container/archive.h"

struct sv_tar {
    struct archive *a;
    struct archive_entry *e;
    time_t now;
};

static int
fail(struct sv_tar *t, const char *what)
{
    int e = archive_errno(t->a);

    if (e == EPIPE)
        return -EPIPE;          /* the reader went away: no message */
    sv_log_error("cannot write the tar stream (%s): %s", what,
                 archive_error_string(t->a) ? archive_error_string(t->a)
                 : "unknown error");
    return e > 0 ? -e : -EIO;
}

int
sv_tar_open(struct sv_tar **out, int fd)
{
    struct sv_tar *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return -ENOMEM;
    t->a = archive_write_new();
    t->e = archive_entry_new();
    if (t->a == NULL || t->e == NULL) {
        sv_tar_close(t);
        return -ENOMEM;
    }
    t->now = time(NULL);
    if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
        archive_write_open_fd(t->a, fd) != ARCHIVE_OK) {
        int rc = fail(t, "open");
        archive_write_free(t->a);
        t->a = NULL;
        sv_tar_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int
header(struct sv_tar *t, const char *name, int type, int mode, size_t size)
{
    archive_entry_clear(t->e);
    archive_entry_set_pathname(t->e, name);
    archive_entry_set_filetype(t->e, (unsigned)type);
    archive_entry_set_perm(t->e, (mode_t)mode);
    archive_entry_set_size(t->e, (la_int64_t)size);
    archive_entry_set_mtime(t->e, t->now, 0);
    if (archive_write_header(t->a, t->e) != ARCHIVE_OK)
        return fail(t, name);
    return 0;
}

int
sv_tar_add(struct sv_tar *t, const char *name, const struct iovec *iov,
           int n)
{
    size_t total = 0;
    int i, rc;

    for (i = 0; i < n; i++)
        total += iov[i].iov_len;
    rc = header(t, name, AE_IFREG, 0644, total);
    for (i = 0; rc == 0 && i < n; i++)
        if (iov[i].iov_len > 0 &&
            archive_write_data(t->a, iov[i].iov_base, iov[i].iov_len) < 0)
            rc = fail(t, name);
    return rc;
}

int
sv_tar_dir(struct sv_tar *t, const char *name)
{
    return header(t, name, AE_IFDIR, 0755, 0);
}

int
sv_tar_close(struct sv_tar *t)
{
    int rc = 0;

    if (t == NULL)
        return 0;
    if (t->a != NULL) {
        if (archive_write_close(t->a) != ARCHIVE_OK)
            rc = fail(t, "close");
        archive_write_free(t->a);
    }
    if (t->e != NULL)
        archive_entry_free(t->e);
    free(t);
    return rc;
}

struct sv_unzip {
    struct archive *a;          /* NULL: the file is empty */
    int compressed;
};

int
sv_unzip_open(struct sv_unzip **out, const char *path)
{
    struct archive_entry *e;
    struct sv_unzip *z;
    struct stat st;
    int fd, rc;

    /* libarchive's own open hides errno behind its messages: try first */
    fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) :
         open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = fstat(fd, &st) < 0 ? -errno : 0;
    close(fd);
    if (rc < 0)
        return rc;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    z = calloc(1, sizeof(*z));
    if (z == NULL)
        return -ENOMEM;
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        *out = z;               /* raw format bids nothing on no bytes */
        return 0;
    }
    z->a = archive_read_new();
    if (z->a == NULL) {
        free(z);
        return -ENOMEM;
    }
    archive_read_support_filter_all(z->a);
    archive_read_support_format_raw(z->a);
    if (strcmp(path, "-") == 0)
        rc = archive_read_open_fd(z->a, STDIN_FILENO, 65536);
    else
        rc = archive_read_open_filename(z->a, path, 65536);
    if (rc == ARCHIVE_OK)
        rc = archive_read_next_header(z->a, &e);
    if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF && !S_ISREG(st.st_mode) &&
        archive_filter_count(z->a) <= 1 && archive_errno(z->a) == EILSEQ) {
        archive_read_free(z->a);   /* an empty pipe: raw bids on no bytes */
        z->a = NULL;
        *out = z;
        return 0;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF) {
        rc = archive_errno(z->a) > 0 ? -archive_errno(z->a) : SV_EFORMAT;
        sv_unzip_close(z);
        return rc;
    }
    z->compressed = archive_filter_count(z->a) > 1;
    *out = z;
    return 0;
}

ssize_t
sv_unzip_read(struct sv_unzip *z, void *buf, size_t size)
{
    la_ssize_t n;

    if (z->a == NULL)
        return 0;
    n = archive_read_data(z->a, buf, size);
    if (n < 0)
        return archive_errno(z->a) > 0 && !z->compressed ?
               -archive_errno(z->a) : SV_ECORRUPT;
    return (ssize_t)n;
}

int
sv_unzip_compressed(const struct sv_unzip *z)
{
    return z->compressed;
}

void
sv_unzip_close(struct sv_unzip *z)
{
    if (z == NULL)
        return;
    if (z->a != NULL)
        archive_read_free(z->a);
    free(z);
}
