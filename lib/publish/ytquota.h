/* ytquota.h -- YouTube Data API quota: costs, the Pacific day, and what a
 * project spent today, kept in a state file beside the credentials */
#ifndef SV_YTQUOTA_H
#define SV_YTQUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "publish/platform.h"

/* the calls sv-publish makes, each with its own cost */
enum sv_ytq_call {
    SV_YTQ_INSERT,              /* videos.insert */
    SV_YTQ_LIST,                /* videos.list */
    SV_YTQ_THUMB,               /* thumbnails.set */
    SV_YTQ_BROADCAST,           /* liveBroadcasts.insert */
    SV_YTQ_STREAM,              /* liveStreams.insert */
    SV_YTQ_BIND,                /* liveBroadcasts.bind */
    SV_YTQ_NCALLS
};

/*
 * The project's daily budget and the cost of each call.  The defaults are
 * determine_quota_cost's current table: 10,000 units a day for everything
 * but videos.insert, which has its own bucket of 100 calls (1 each);
 * uploads = 0 puts videos.insert on the units again (the older table:
 * --set youtube.cost.videos.insert=1600).
 */
struct sv_ytq_costs {
    int64_t units;              /* youtube.quota */
    int64_t uploads;            /* youtube.quota_uploads, 0: none */
    int64_t cost[SV_YTQ_NCALLS];    /* youtube.cost.<method> */
    char project[256];          /* youtube.project, else the client_id */
};

/* The API method of call ("videos.insert"). */
const char *sv_ytq_method(enum sv_ytq_call call);

/*
 * Fills k from c's --set youtube.quota, youtube.quota_uploads,
 * youtube.cost.<method> and youtube.project (project "" when not set).
 * Returns 0 or SV_EUSAGE with a message in err.
 */
int sv_ytq_costs(const struct sv_plat_conf *c, struct sv_ytq_costs *k,
                 char *err, size_t size);

/*
 * The Pacific day of t (seconds since the epoch) as YYYY-MM-DD in day
 * (11 bytes), by the US rules since 2007 (PDT from 02:00 on the second
 * Sunday of March to 02:00 on the first Sunday of November), and the
 * seconds from t to its next midnight, when Google resets the quota.
 */
void sv_ytq_day(int64_t t, char *day, int64_t *left_s);

/*
 * What project spent on day in a state file's text (len bytes, not
 * trusted: any damage reads as nothing spent): *units and *uploads.
 * Returns 0, or SV_EFORMAT when the text is not the file's shape.
 */
int sv_ytq_parse(const char *text, size_t len, const char *project,
                 const char *day, int64_t *units, int64_t *uploads);

/*
 * Under the file's lock: with charge 0, checks that units and uploads more
 * still fit in today's budget (SV_EQUOTA with a message in err when not);
 * with charge 1, adds them to what the project spent today.  path is the
 * state file (created 0600); a day that has passed counts as nothing
 * spent.  Returns 0 or a negative code with err.
 */
int sv_ytq_account(const char *path, const struct sv_ytq_costs *k,
                   int64_t units, int64_t uploads, int charge, char *err,
                   size_t size);

#endif
