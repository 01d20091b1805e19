/* out.h -- where a package's files go: a directory (atomic files) or a tar
 * stream */
#ifndef SV_PACK_OUT_H
#define SV_PACK_OUT_H

#include <stdint.h>
#include <sys/uio.h>

struct sv_out;

/* Writes into dir (created with its parents). */
int sv_out_dir(struct sv_out **o, const char *dir);

/* Writes a tar stream on fd. */
int sv_out_tar(struct sv_out **o, int fd);

/*
 * Publishes the file rel (relative to the package root) made of iov[0..n):
 * in a directory under a temporary name renamed into place, so it appears
 * whole.  Returns 0 or a negative code (the message is logged).
 */
int sv_out_put(struct sv_out *o, const char *rel, const struct iovec *iov,
               int n);

/* Removes rel (a directory output only; tar streams ignore it). */
void sv_out_remove(struct sv_out *o, const char *rel);

/* Bytes published so far. */
uint64_t sv_out_bytes(const struct sv_out *o);

/* Finishes (tar: the end of the archive) and frees o.  NULL-safe. */
int sv_out_close(struct sv_out *o);

#endif
