/* logread.h -- log files as lines: rotations in order, compressed or not */
#ifndef SV_STATS_LOGREAD_H
#define SV_STATS_LOGREAD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sorts paths so that each log's rotations come oldest first:
 * name.3.gz, name.2.xz, name.1, name (a trailing .gz, .xz, .zst, .bz2 or
 * .lz4, then a trailing .N, make the rotation number).  Logs of different
 * names keep their order of first appearance.
 */
void sv_logread_order(char **paths, int n);

struct sv_logread;

/* Opens a log, decompressing it when it is compressed. */
int sv_logread_open(struct sv_logread **out, const char *path);

/*
 * The next line, without its newline, in *line (valid until the next
 * call) and *len.  Returns 1, 0 at the end, SV_ELIMIT for a line longer
 * than SV_LOGLINE_MAX (skipped; the next call goes on after it), or
 * another negative code.
 */
int sv_logread_line(struct sv_logread *r, const char **line, size_t *len);

void sv_logread_close(struct sv_logread *r);

/* ---- following a growing log (tail -F) ---- */

struct sv_logtail;

/*
 * Follows path from its end (from_start: its beginning).  A file that is
 * not there yet is waited for.
 */
int sv_logtail_open(struct sv_logtail **out, const char *path,
                    int from_start);

typedef int (*sv_logtail_fn)(void *ud, const char *line, size_t len);

/*
 * Reads what was added since the last call and calls fn for each whole
 * line (overlong ones are dropped, fn is told with len SIZE_MAX).  When
 * the path now names another file (rotated), the old one is read to its
 * end first; when the file shrank (truncated), it is read from the start.
 * At most max_bytes per call.  Returns the count of lines, or a negative
 * code (fn's, or a read error).
 */
int sv_logtail_poll(struct sv_logtail *t, sv_logtail_fn fn, void *ud,
                    size_t max_bytes);

void sv_logtail_close(struct sv_logtail *t);

#endif
