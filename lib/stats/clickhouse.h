/* clickhouse.h -- request rows into ClickHouse over its HTTP interface */
#ifndef SV_STATS_CLICKHOUSE_H
#define SV_STATS_CLICKHOUSE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/logline.h"

struct sv_clickhouse;

/*
 * url: the HTTP interface (http://host:8123/, optionally with
 * ?database=...&user=...), table: where rows go, batch: rows per INSERT.
 */
int sv_clickhouse_new(struct sv_clickhouse **out, const char *url,
                      const char *table, size_t batch);

/* Queues one request record; sends a batch when it is full. */
int sv_clickhouse_add(struct sv_clickhouse *c, const struct sv_logrec *r);

/*
 * Sends what is queued: INSERT INTO table FORMAT JSONEachRow, retried on
 * transport errors and 5xx with backoff (0.25 s doubling, 6 tries).
 * Returns 0, or SV_EPROTO after the last try (message logged).
 */
int sv_clickhouse_flush(struct sv_clickhouse *c);

/* Rows sent so far. */
uint64_t sv_clickhouse_sent(const struct sv_clickhouse *c);

void sv_clickhouse_free(struct sv_clickhouse *c);

#endif
