/* afile.h -- files that appear whole: write to a temp name, rename */
#ifndef SV_AFILE_H
#define SV_AFILE_H

#include <stddef.h>

struct sv_afile {
    int fd;          /* open on the temporary file; -1 when closed */
    char *tmp;       /* ".<name>.tmp.<pid>.<n>" in the final directory */
    char *path;      /* final name */
};

#define SV_AFILE_INIT { -1, NULL, NULL }

/*
 * Creates a temporary file beside path, mode (before umask).  Temporary
 * names start with a dot so servers (which hide dotfiles) never expose them.
 * Returns 0 or a negative code; on failure f is left released.
 */
int sv_afile_open(struct sv_afile *f, const char *path, int mode);

/* Writes all of buf to the temporary file.  Returns 0 or a negative code. */
int sv_afile_write(struct sv_afile *f, const void *buf, size_t len);

/*
 * Closes the temporary file and renames it onto the final name; with sync
 * set, fsyncs the file first.  Releases f either way.  Returns 0 or a
 * negative code (the temporary file is removed on failure).
 */
int sv_afile_commit(struct sv_afile *f, int sync);

/* Removes the temporary file and releases f.  NULL-safe and idempotent. */
void sv_afile_abort(struct sv_afile *f);

/* Writes buf to path atomically in one call. */
int sv_afile_put(const char *path, const void *buf, size_t len, int mode);

/*
 * Creates dir and its parents (like mkdir -p), mode 0755.  Returns 0 or a
 * negative code.
 */
int sv_mkdir_p(const char *dir);

#endif
