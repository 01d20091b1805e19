/* jsonlog.h -- an append-only JSON lines file in the event shape */
#ifndef SV_JSONLOG_H
#define SV_JSONLOG_H

#include "core/json.h"

struct sv_jsonlog;

/*
 * Opens spec for appending: "-" is stdout, "fd:N" an inherited descriptor,
 * anything else a path (created 0644).  Returns 0 or a negative code.
 */
int sv_jsonlog_open(const char *spec, struct sv_jsonlog **out);
void sv_jsonlog_close(struct sv_jsonlog *l);

/* Reopens a path (SIGHUP after rotation); a no-op for stdout and fds. */
int sv_jsonlog_reopen(struct sv_jsonlog *l);

/*
 * Writes {"v":1,"tool":...,"event":name,"ts":...,"data":data} as one line,
 * the shape of sv_event_emit(), and steals data.  Safe from several
 * threads.  Returns 0 or a negative code.
 */
int sv_jsonlog_emit(struct sv_jsonlog *l, const char *name, json_t *data);

#endif
