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
    /* ---- platforms (platform.c) ---- */
    const char *platform;       /* --platform LIST */
    const char *credentials;    /* --credentials FILE */
    const char *apis[SV_PUBLISH_MAX_REPEAT + 1];   /* --api NAME=URL */
    int napis;
    const char *sets[SV_PUBLISH_MAX_REPEAT + 1];   /* --set P.FIELD=V */
    int nsets;
    const char *title, *description, *tags, *privacy, *publish_at;
    const char *for_kids;       /* --for-kids yes|no */
    const char *thumbnail;
    int64_t chunk_size;         /* --chunk-size, 0: the platform's */
    int64_t proc_wait;          /* --processing-wait (us) */
    int64_t proc_poll;          /* --processing-poll (us) */
    int device;                 /* --device */

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
/* --platform, auth PLATFORM, status PLATFORM:ID... */
int sv_publish_cmd_platform(struct sv_publish_opts *o);
/* --simulcast NAME: replaces o->simulcast[i] by the platform's live URL;
 * 0 or an exit status */
int sv_publish_platform_live(struct sv_publish_opts *o, int i);
/* nonzero when the operands or options ask for platform mode */
int sv_publish_is_platform(const struct sv_publish_opts *o);

#endif
