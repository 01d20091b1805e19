/* publish_int.h -- what sync.c lends live.c: one target, pushes in batches */
#ifndef SV_PUBLISH_INT_H
#define SV_PUBLISH_INT_H

#include <stddef.h>
#include <sys/stat.h>

#include "publish/publish.h"

struct pub;

/* Sets a target up (credentials, endpoint); NULL with err on failure. */
struct pub *sv__pub_open(const struct sv_publish_conf *c, const char *target,
                         struct sv_publish_stats *st, char *err, size_t size);
void sv__pub_close(struct pub *p);
const char *sv__pub_url(const struct pub *p);

/* One file for sv__pub_put_many(): rel from the file at path, or from
 * body (len bytes) when set, with sb its stat (of what the body was read
 * from).  rc, err and sb (of what was sent) come back. */
struct sv__pub_item {
    const char *rel, *path;
    const void *body;
    size_t len;
    struct stat sb;
    int rc;                     /* 0: the target has it; or negative */
    char err[1024];
};

/* Puts every item, the conf's jobs in flight, each request retried on 5xx,
 * 429 or a lost connection up to the conf's retries (on_retry, when set,
 * hears of each); returns when all are confirmed or have failed. */
void sv__pub_put_many(struct pub *p, struct sv__pub_item *it, int n,
                      void (*on_retry)(void *ud, const char *rel,
                                       const char *err), void *ud);

/* Removes rel; one that is gone already counts as removed. */
int sv__pub_delete(struct pub *p, const char *rel, char *err, size_t size);

#endif
