/* archive.h -- the one libarchive wrapper: a gunzip reader */
#ifndef SV_CONTAINER_ARCHIVE_H
#define SV_CONTAINER_ARCHIVE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* ---- reading: one file, decompressed when it is compressed ---- */

struct sv_unzip;

/*
 * Opens path ("-": standard input) for reading as a byte stream: gzip,
 * xz, zstd, bzip2 and lz4 are undone whatever the file's name says
 * (detected by content), anything else is read as it is.  An empty file is
 * an empty stream.  Returns 0, -ENOENT and the like, or SV_EFORMAT.
 */
int sv_unzip_open(struct sv_unzip **out, const char *path);

/*
 * Reads up to size bytes into buf.  Returns the count (0 at the end), or a
 * negative code (SV_ECORRUPT for damaged compressed data).
 */
ssize_t sv_unzip_read(struct sv_unzip *z, void *buf, size_t size);

/* Whether the stream is compressed (after open). */
int sv_unzip_compressed(const struct sv_unzip *z);

/* Closes and frees z.  NULL-safe. */
void sv_unzip_close(struct sv_unzip *z);

#endif
