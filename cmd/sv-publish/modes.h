/* modes.h -- sv-publish's modes, one file and one entry point each */
#ifndef SV_PUBLISH_MODES_H
#define SV_PUBLISH_MODES_H

#include <stdint.h>

#include "core/opt.h"

#define SV_PUBLISH_MAX_REPEAT 64

/* Everything the command line can say; the option table fills it. */
struct sv_publish_opts {
    char **args;                /* operands */
    int nargs;
    const char *events;         /* --events */

    /* ---- storage and live push (store.c) ---- */
    const char *endpoint;       /* --endpoint */
    const char *region;         /* --region */
    const char *profile;        /* --profile */
    int addressing;             /* --addressing: 0 path, 1 virtual */
    int64_t part_size;          /* --part-size */
    int jobs;                   /* --jobs */
    int retries;                /* --retries */
    int64_t timeout_us;         /* --timeout */
    int delete_extra;           /* --delete */
    int dry_run;                /* --dry-run */
    int live;                   /* --live */
    int64_t poll_us;            /* --poll */
    const char *acl;            /* --acl */
    const char *cors;           /* --cors */

    /* ---- simulcast (simulcast.c) ---- */
    const char *simulcast[SV_PUBLISH_MAX_REPEAT + 1];
    int nsimulcast;
    int64_t slate_after;        /* --slate-after (us), 0: no slate */
    const char *slate;          /* --slate IMAGE */
    int64_t cast_queue;         /* --simulcast-queue (us) */
    int64_t cast_timeout;       /* --simulcast-timeout (us) */
    int64_t cast_retry_max;     /* --simulcast-retry-max (us) */
    int64_t cast_stats;         /* --simulcast-stats (us), 0: none */
    const char *rtmps_ca;       /* --rtmps-ca FILE */
    int rtmps_insecure;         /* --rtmps-insecure */
    int srt_latency;            /* --srt-latency (ms) */

    /* ---- cache purge (purge.c) ---- */
    const char *purge[SV_PUBLISH_MAX_REPEAT + 1];
    int npurge;
    const char *purge_site;     /* --purge-site */

    /* ---- webhooks ---- */
    const char *webhooks[SV_PUBLISH_MAX_REPEAT + 1];
    int nwebhooks;
};

/* the table's rows point into this */
extern struct sv_publish_opts sv_publish_opts;
extern const struct sv_tool sv_publish_tool;

/*
 * The modes: each checks its operands and options, runs, and returns an
 * exit status (core/exit.h) after printing any message.
 */
int sv_publish_cmd_store(struct sv_publish_opts *o);      /* targets, --live */
int sv_publish_cmd_simulcast(struct sv_publish_opts *o);  /* --simulcast */
int sv_publish_cmd_purge(struct sv_publish_opts *o);      /* --purge */

#endif
