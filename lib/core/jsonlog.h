/* jsonlog.h -- append-only JSON lines files in the event shape */
#ifndef SV_JSONLOG_H
#define SV_JSONLOG_H

#include "core/json.h"

struct sv_jsonlog;

/*
 * Opens spec for appending: "-" is stdout, "fd:N" an inherited descriptor,
 * anything else a path (created 0644).  Returns 0, SV_EUSAGE (a bad fd:
 * number), -EBADF (fd:N is not open) or another negative code.
 */
int sv_jsonlog_open(const char *spec, struct sv_jsonlog **out);
void sv_jsonlog_close(struct sv_jsonlog *l);

/* Reopens a path (SIGHUP after rotation); a no-op for stdout and fds. */
int sv_jsonlog_reopen(struct sv_jsonlog *l);

/* Nonzero when l writes to /dev/null: every line would be dropped. */
int sv_jsonlog_discards(const struct sv_jsonlog *l);

/*
 * Writes {"v":1,"tool":...,"event":name,"ts":...,"data":data} as one line
 * (the only code that makes this shape; sv_event_emit() comes here too) and
 * steals data (NULL: an empty object).  l may be NULL: data is dropped.
 * Safe from several threads.  Returns 0 or a negative code.
 */
int sv_jsonlog_emit(struct sv_jsonlog *l, const char *name, json_t *data);

/*
 * The event object itself, {"v":1,"tool":...,"event":name,"ts":...,
 * "data":data} (steals data), for a writer that sends it elsewhere too;
 * NULL when out of memory.  sv_jsonlog_write() writes it as one line.
 */
json_t *sv_jsonlog_event(const char *name, json_t *data);
int sv_jsonlog_write(struct sv_jsonlog *l, const json_t *ev);

#endif
