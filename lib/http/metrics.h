/* metrics.h -- process-wide server counters in Prometheus text */
#ifndef SV_METRICS_H
#define SV_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Counts a finished request (lock-free, any thread). */
void sv_metrics_request(int status, uint64_t bytes, uint64_t usec);

/* Open connections and held LL-HLS requests go up and down. */
void sv_metrics_conns(int delta);
void sv_metrics_held(int delta);
void sv_metrics_refused(void);      /* connections refused by a limit */

/*
 * Renders every counter as Prometheus text exposition format into a
 * malloc'd string (caller frees).  Returns NULL when out of memory.
 */
char *sv_metrics_render(size_t *len);

#endif
