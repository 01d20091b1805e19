/* publish.h -- sv-publish's engine: put a package on storage and origins */
#ifndef SV_PUBLISH_H
#define SV_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum sv_publish_kind { SV_PUBLISH_S3, SV_PUBLISH_FILE, SV_PUBLISH_HTTP };

/* What the command line said, for every target. */
struct sv_publish_conf {
    const char *endpoint;       /* S3 endpoint URL, or NULL: from the
                                   profile, AWS_ENDPOINT_URL(_S3), AWS */
    const char *region;         /* NULL: looked up (awsconf.h) */
    const char *profile;        /* NULL: AWS_PROFILE or default */
    int virtual_host;           /* bucket.host/key addressing */
    int64_t part_size;          /* multipart above this, parts this big */
    int jobs;                   /* transfers in flight */
    int retries;                /* more tries of a request that failed
                                   retryably (5xx, 429, a lost connection) */
    int delete_extra;           /* --delete */
    int dry_run;
    int64_t timeout_us;         /* one request; 0: 300 s */
};

/* One local file to publish. */
struct sv_publish_file {
    char *path;                 /* to open */
    char *rel;                  /* its name under the target ("v0/seg1.m4s") */
    int64_t size;
    int rank;                   /* sv_filekind_rank(): 0 media, 1 manifests */
};

struct sv_publish_files {
    struct sv_publish_file *f;
    int n;
};

/* What one target came to. */
struct sv_publish_stats {
    int uploaded, skipped, deleted, failed;
    int64_t bytes;              /* body bytes sent */
};

/*
 * Collects the files of paths (directories walked, names starting with '.'
 * skipped; a plain file is published under its base name), sorted by rel.
 * Returns 0, or a negative code with a message in err (a missing path, two
 * files of one name).  Free with sv_publish_files_free.
 */
int sv_publish_scan(char *const *paths, int n, struct sv_publish_files *out,
                    char *err, size_t size);
void sv_publish_files_free(struct sv_publish_files *fl);

/*
 * Tells a target from a path: nonzero for s3://, file://, http:// and
 * https:// operands.
 */
int sv_publish_is_target(const char *arg);

/*
 * Checks a target operand and the options that apply to it before any
 * work; returns 0 or SV_EUSAGE with a message in err.
 */
int sv_publish_check(const struct sv_publish_conf *c, const char *target,
                     char *err, size_t size);

/*
 * Syncs the files to target: only new and changed files, media before the
 * manifests that name them, then --delete.  Each failure is told on stderr
 * and as an "error" event as it happens; events publish.progress per file
 * and publish.complete at the end.  Returns 0 when every file made it, or a
 * negative code (err says what failed first; st counts the rest).
 */
int sv_publish_sync(const struct sv_publish_conf *c, const char *target,
                    const struct sv_publish_files *fl,
                    struct sv_publish_stats *st, char *err, size_t size);

#endif
