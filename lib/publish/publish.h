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
    const char *acl;            /* S3 canned ACL sent with every object,
                                   NULL: the bucket's default */
    const char *cors;           /* an origin (or "*") the S3 bucket's CORS
                                   rule lets GET and HEAD, NULL: unchanged */
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

/*
 * --live: follows dir as a live packager writes it and pushes to every
 * target, round after round (a round every poll_us): new and changed media
 * first, then each playlist or manifest, as read once into memory, only
 * when every local file it names is on the target; then removes from the
 * target what left the directory (the live window).  A failed push stays
 * pending and is retried with backoff (250 ms doubling to 8 s) until the
 * target answers.  Emits publish.progress per push, publish.lag once per
 * round that pushed, publish.complete per target at the end.  Ends when
 * every .m3u8 has #EXT-X-ENDLIST (or an MPD turned static) and nothing is
 * pending (or 30 s after that, for targets still behind), or on SIGINT or
 * SIGTERM (sv_sig_stop) after the round.  Returns 0 when every target has
 * everything, 1 when some do and others are behind, or a negative code
 * with err (all are behind, or nothing could be set up).
 */
int sv_publish_live(const struct sv_publish_conf *c,
                    const char *const *targets, int ntargets,
                    const char *dir, int64_t poll_us, char *err,
                    size_t size);

#endif
