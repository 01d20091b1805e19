/* slurp.h -- a whole regular file, capped, read into memory */
#ifndef SV_SLURP_H
#define SV_SLURP_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Reads the regular file open on fd, from where it stands, into a malloc'd
 * buffer with a NUL after the data (*out, free it; *len without the NUL).
 * Returns 0, SV_ELIMIT when the file is larger than max bytes, -EISDIR for
 * a directory, SV_EFORMAT for another file that is not regular (a FIFO, a
 * device), SV_ETRUNC when it shrank while read, or -errno.  out and len are
 * written only on success.
 */
int sv_slurp_fd(int fd, size_t max, char **out, size_t *len);

/* The same for a descriptor whose fstat() the caller has already (st). */
int sv_slurp_fd_stat(int fd, const struct stat *st, size_t max, char **out,
                     size_t *len);

/* As sv_slurp_fd(), for path, which it opens and closes. */
int sv_slurp(const char *path, size_t max, char **out, size_t *len);

#endif
