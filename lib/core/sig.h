/* sig.h -- the signal contract of DESIGN.md for tools without an event loop */
#ifndef SV_SIG_H
#define SV_SIG_H

#include <signal.h>

/* Set by the first SIGINT/SIGTERM: finish cleanly and stop. */
extern volatile sig_atomic_t sv_sig_stop;

/* Set by SIGHUP; the tool clears it after reopening logs/reloading. */
extern volatile sig_atomic_t sv_sig_hup;

/*
 * Installs the handlers: the first SIGINT/SIGTERM sets sv_sig_stop, a second
 * one calls sv_sig_exit_now(); SIGHUP sets sv_sig_hup; SIGPIPE is ignored so
 * writes fail with EPIPE.
 */
int sv_sig_install(void);

/*
 * The second SIGINT/SIGTERM of every tool (this handler's, and the event
 * loops' of sv-serve, sv-drm serve and sv-ingest): exits at once, without
 * cleanup, with status 1 (SV_EXIT_FAIL: the work did not finish), as the
 * man pages say.  Async-signal-safe.
 */
_Noreturn void sv_sig_exit_now(void);

/* Which signal asked us to stop (0 if none). */
int sv_sig_which(void);

#endif
