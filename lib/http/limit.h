/* limit.h -- per-address connection counts and request token buckets */
#ifndef SV_LIMIT_H
#define SV_LIMIT_H

#include <stdint.h>
#include <sys/socket.h>

struct sv_limit;

/*
 * Creates a table shared by every worker (locked): at most max_conns open
 * connections per address (0: no limit) and a token bucket of burst
 * requests refilled at rate per second (rate 0: no limit).  Returns 0 or
 * -ENOMEM.
 */
int sv_limit_new(unsigned max_conns, double rate, double burst,
                 struct sv_limit **out);
void sv_limit_free(struct sv_limit *l);

/*
 * Counts a new connection from sa.  Returns 0, or SV_ELIMIT when the
 * address has max_conns open already (nothing is counted then).  Other
 * addresses never cause a refusal: when the table has no room the
 * connection goes uncounted.
 */
int sv_limit_conn_open(struct sv_limit *l, const struct sockaddr *sa);
void sv_limit_conn_close(struct sv_limit *l, const struct sockaddr *sa);

/* Takes one request token for sa at now_ms; SV_ELIMIT when none is left. */
int sv_limit_request(struct sv_limit *l, const struct sockaddr *sa,
                     uint64_t now_ms);

#endif
