/* tar.h -- a package as a ustar stream, for `sv-package -o -` */
#ifndef SV_CONTAINER_TAR_H
#define SV_CONTAINER_TAR_H

#include <stddef.h>
#include <sys/uio.h>

struct sv_tar;

/* Starts a tar stream on fd (not closed by sv_tar_close).  Returns 0 or
 * -ENOMEM. */
int sv_tar_open(struct sv_tar **out, int fd);

/* Adds a regular file (mode 0644) made of iov[0..n).  Returns 0 or a
 * negative code: -EPIPE, quietly, when the reader went away; others are
 * logged. */
int sv_tar_add(struct sv_tar *t, const char *name, const struct iovec *iov,
               int n);

/* Adds a directory entry (mode 0755). */
int sv_tar_dir(struct sv_tar *t, const char *name);

/* Writes the end of the archive and frees t.  NULL-safe. */
int sv_tar_close(struct sv_tar *t);

#endif
