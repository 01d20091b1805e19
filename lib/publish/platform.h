/* platform.h -- sv-publish to video platforms through their documented APIs */
#ifndef SV_PLATFORM_H
#define SV_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* What the command line says about the item, for every platform. */
struct sv_plat_meta {
    const char *title;          /* NULL: the file's base name */
    const char *description;
    const char *tags;           /* comma-separated */
    const char *privacy;        /* public | unlisted | private */
    const char *publish_at;     /* ISO 8601, scheduled (needs private) */
    const char *category;
    int for_kids;               /* -1 unsaid, 0 no, 1 yes */
    const char *thumbnail;      /* image file, or NULL */
};

struct sv_plat_conf {
    const char *creds;          /* credentials file (creds.h) */
    const char *const *apis;    /* "name=URL": the platform's API host(s)
                                   are that URL (tests, regional hosts) */
    int napis;
    const char *const *sets;    /* "name.field=value": one platform's own
                                   metadata (tiktok.privacy=SELF_ONLY) */
    int nsets;
    struct sv_plat_meta meta;
    int64_t chunk_size;         /* upload chunk; 0: the platform's default */
    int retries;                /* more tries after a 5xx, 429 or a cut */
    int64_t timeout_us;         /* one request */
    int64_t backoff_us;         /* first wait between tries, doubling */
    int64_t wait_us;            /* poll processing this long (0: do not) */
    int64_t poll_us;            /* between processing polls */
    int device;                 /* auth: the device flow, not loopback */
    const char *user_agent;
};

/* Nonzero when name is a platform this build has an adapter for. */
int sv_platform_known(const char *name);

/* The names of every adapter, space-separated (for messages, completion). */
const char *sv_platform_names(void);

/*
 * Splits one --simulcast value, a comma list of platform names and
 * rtmp://, rtmps:// and srt:// URLs, into list (pointers into buf, at most
 * max, appended at *n).  A comma splits only where a platform name (up to
 * the next comma or the end) or a URL scheme follows, so a comma inside a
 * URL (SRT's streamid "#!::r=live,m=publish") stays in it.  Returns 0 or
 * SV_EUSAGE with a message in err (an empty item, too many).
 */
int sv_platform_cast_split(const char *arg, char *buf, size_t bufsize,
                           const char **list, int max, int *n, char *err,
                           size_t size);

/*
 * Checks a comma-separated platform list and the metadata against each
 * platform's documented rules before any request; returns 0 or SV_EUSAGE
 * with a message in err.  names receives pointers into buf (the list split,
 * at most max names), *n their count.
 */
int sv_platform_check(const struct sv_plat_conf *c, const char *list,
                      char *buf, size_t bufsize, const char **names,
                      int max, int *n, char *err, size_t size);

/*
 * Uploads file to every named platform at once, one thread each: auth
 * (refreshing and saving tokens), a resumable upload where the platform has
 * one, metadata, thumbnail, processing polls.  Each platform's outcome is
 * one event: publish.complete {platform,id,url,state,bytes,resumes} or
 * error {platform,...}; publish.progress events go along.  One failing
 * never stops the others.  *nok is the count that succeeded.  Returns 0,
 * or a negative code with err when nothing could be started.
 */
int sv_platform_publish(const struct sv_plat_conf *c,
                        const char *const *names, int n, const char *file,
                        int *nok, char *err, size_t size);

/*
 * Reads back what each platform says about items "name:id" (processing
 * state, views, comments where the API has them): one publish.status event
 * per item, or an error event.  *nok as above.
 */
int sv_platform_status(const struct sv_plat_conf *c,
                       const char *const *items, int n, int *nok,
                       char *err, size_t size);

/*
 * Runs name's OAuth flow (loopback redirect, or the device flow with
 * c->device where the platform has one) and stores the tokens in the
 * credentials file.  Talk goes to stderr.  Returns 0 or a negative code
 * with err.
 */
int sv_platform_auth(const struct sv_plat_conf *c, const char *name,
                     char *err, size_t size);

/*
 * Live: makes name ready to receive a stream (a broadcast created and
 * bound where the API has one, else the account's stream key) and writes
 * the rtmp(s):// URL to push to into url.  Returns 0, -ENOTSUP for a
 * platform without live, or a negative code with err.
 */
int sv_platform_live_url(const struct sv_plat_conf *c, const char *name,
                         char *url, size_t usize, char *err, size_t size);

#endif
