/* archive.c -- libarchive, wrapped once: decompression (the tar writer is
 * tar.c) */
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
