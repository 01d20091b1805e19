/* publish_int.h -- what sync.c lends live.c: one target, one push at a time */
#ifndef SV_PUBLISH_INT_H
#define SV_PUBLISH_INT_H

#include <stddef.h>

#include "publish/publish.h"

struct pub;

/* Sets a target up (credentials, endpoint); NULL with err on failure. */
struct pub *sv__pub_open(const struct sv_publish_conf *c, const char *target,
                         struct sv_publish_stats *st, char *err, size_t size);
void sv__pub_close(struct pub *p);
const char *sv__pub_url(const struct pub *p);

/* One PUT of rel: body (len bytes) when not NULL, else the file at path. */
int sv__pub_put(struct pub *p, const char *rel, const char *path,
                const void *body, size_t len, char *err, size_t size);

/* Removes rel; one that is gone already counts as removed. */
int sv__pub_delete(struct pub *p, const char *rel, char *err, size_t size);

#endif
