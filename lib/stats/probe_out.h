/* probe_out.h -- writing probe's and quality's documents */
#ifndef SV_STATS_PROBE_OUT_H
#define SV_STATS_PROBE_OUT_H

#include <stddef.h>

#include "core/json.h"

/*
 * Writes text to path (NULL or "-": stdout), a file being replaced
 * atomically.  Logs a message naming the place on failure (none for a
 * closed pipe, -EPIPE).  Returns 0 or a negative code.
 */
int sv_probe_out_write(const char *path, const char *text, size_t len);

/* doc as indented JSON with a final newline, the same way. */
int sv_probe_out_json(const char *path, const json_t *doc);

#endif
