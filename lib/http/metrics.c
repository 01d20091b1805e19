/* metrics.c -- process-wide server counters in Prometheus text */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"

/* upper bounds of the latency histogram, in microseconds (keep sorted) */
static const uint64_t bounds[] = {
    1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
    2500000, 5000000, 10000000,
};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static _Atomic uint64_t by_status[600];
static _Atomic uint64_t bytes_sent;
static _Atomic uint64_t lat_buckets[NBOUNDS + 1];
static _Atomic uint64_t lat_sum_us;
static _Atomic int64_t open_conns;
static _Atomic int64_t held;
static _Atomic uint64_t refused;

void
sv_metrics_request(int status, uint64_t bytes, uint64_t usec)
{
    size_t i;

    if (status < 100 || status > 599)
        status = 599;
    atomic_fetch_add_explicit(&by_status[status], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes_sent, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&lat_sum_us, usec, memory_order_relaxed);
    for (i = 0; i < NBOUNDS && usec > bounds[i]; i++)
        ;
    atomic_fetch_add_explicit(&lat_buckets[i], 1, memory_order_relaxed);
}

void
sv_metrics_conns(int delta)
{
    atomic_fetch_add_explicit(&open_conns, delta, memory_order_relaxed);
}

void
sv_metrics_held(int delta)
{
    atomic_fetch_add_explicit(&held, delta, memory_order_relaxed);
}

void
sv_metrics_refused(void)
{
    atomic_fetch_add_explicit(&refused, 1, memory_order_relaxed);
}

static void
metric(FILE *f, const char *name, const char *help, const char *type,
       long long v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name,
            type, name, v);
}

char *
sv_metrics_render(size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f;
    uint64_t v, cum = 0, total = 0;
    size_t i;

    f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    fputs("# HELP sv_serve_requests_total Requests answered, by status.\n"
          "# TYPE sv_serve_requests_total counter\n", f);
    for (i = 100; i < 600; i++) {
        v = atomic_load_explicit(&by_status[i], memory_order_relaxed);
        if (v != 0)
            fprintf(f, "sv_serve_requests_total{status=\"%zu\"} %llu\n", i,
                    (unsigned long long)v);
    }
    metric(f, "sv_serve_sent_bytes_total", "Bytes sent in responses.",
           "counter", (long long)atomic_load(&bytes_sent));
    metric(f, "sv_serve_connections", "Open client connections.", "gauge",
           (long long)atomic_load(&open_conns));
    metric(f, "sv_serve_connections_refused_total",
           "Connections closed at once by a limit.", "counter",
           (long long)atomic_load(&refused));
    metric(f, "sv_serve_llhls_held", "Requests held for LL-HLS.", "gauge",
           (long long)atomic_load(&held));
    fputs("# HELP sv_serve_request_duration_seconds Time to answer.\n"
          "# TYPE sv_serve_request_duration_seconds histogram\n", f);
    for (i = 0; i <= NBOUNDS; i++) {
        cum += atomic_load_explicit(&lat_buckets[i], memory_order_relaxed);
        if (i < NBOUNDS)
            fprintf(f, "sv_serve_request_duration_seconds_bucket"
                    "{le=\"%g\"} %llu\n", (double)bounds[i] / 1e6,
                    (unsigned long long)cum);
        else
            fprintf(f, "sv_serve_request_duration_seconds_bucket"
                    "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    }
    total = cum;
    fprintf(f, "sv_serve_request_duration_seconds_sum %.6f\n"
            "sv_serve_request_duration_seconds_count %llu\n",
            (double)atomic_load(&lat_sum_us) / 1e6,
            (unsigned long long)total);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *len = size;
    return buf;
}
