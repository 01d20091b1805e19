/* event.h -- the process's JSON event lines (written by core/jsonlog.c) */
#ifndef SV_EVENT_H
#define SV_EVENT_H

#include "core/json.h"

/*
 * Opens the event sink: "-" is stdout, "fd:N" an inherited descriptor,
 * anything else a path opened for appending (created 0644).  Without a sink
 * events are dropped.  Returns 0 or a negative code.
 */
int sv_event_open(const char *spec);

/* Closes the sink; later events are dropped. */
void sv_event_close(void);

/* Reopens a path sink (SIGHUP); a no-op for stdout and fd sinks. */
int sv_event_reopen(void);

/* Nonzero when a sink or a tap is open. */
int sv_event_enabled(void);

/*
 * A tap sees every event emitted from now on, sink or no sink, as the
 * object a sink writes (borrowed: valid during the call).  It is called on
 * the emitting thread while events are serialised, so it must be quick,
 * must not block and must not emit events itself.  One tap at a time: fn
 * NULL removes it; once this returns no call to the old tap is running.
 */
typedef void (*sv_event_tap_fn)(void *ud, const json_t *event);
void sv_event_tap(sv_event_tap_fn fn, void *ud);

/*
 * Writes {"v":1,"tool":...,"event":name,"ts":...,"data":data} as one line
 * through sv_jsonlog_emit().  Steals data (which may be NULL for an empty
 * object).  Safe from several threads.  Returns 0 or a negative code (the
 * sink failed).
 */
int sv_event_emit(const char *name, json_t *data);

/*
 * Emits an "error" event with "code" (symbolic, from sv_errname) and "msg";
 * extra (stolen, may be NULL) adds fields to data.
 */
int sv_event_error(int code, const char *msg, json_t *extra);

#endif
