/* purge.h -- telling caches and CDNs to drop what changed: Varnish PURGE
 * and BAN, the Cloudflare, Fastly and CloudFront purge APIs */
#ifndef SV_PURGE_H
#define SV_PURGE_H

#include <stddef.h>
#include <stdint.h>

#include "publish/sigv4.h"

#define SV_PURGE_MAX_PATHS 3000

struct sv_purge_conf {
    /*
     * varnish://HOST:PORT   PURGE each path; a prefix ("/live/", or
     *                       ending in '*') is one BAN (X-Ban-Url: ^/live/), as
     *                       examples/varnish/sv-serve.vcl takes them
     * cloudflare://ZONE_ID  POST zones/ZONE_ID/purge_cache {"files":[..]}
     *                       (30 a request) or {"prefixes":[..]}
     * fastly://SERVICE_ID   POST purge/HOST/PATH per file (no prefixes)
     * cloudfront://DIST_ID  one invalidation batch (SigV4; a prefix ends
     *                       in '*')
     */
    const char *target;
    const char *endpoint;       /* the API's base URL (tests), NULL: the
                                   provider's own */
    const char *site;           /* https://cdn.example.com: where viewers
                                   fetch the paths (Cloudflare, Fastly) */
    const char *token;          /* Cloudflare / Fastly API token */
    const struct sv_sigv4_key *aws;   /* CloudFront */
    int64_t timeout_us;         /* per request */
};

/*
 * Checks the target and what it needs (site, token, keys).  Returns 0, or
 * SV_EUSAGE with the reason in err.
 */
int sv_purge_check(const struct sv_purge_conf *c, char *err, size_t size);

/*
 * Purges n paths ("/live/a.m3u8"; ending in '/' or '*': a prefix) at the
 * target, emitting publish.purged (what was asked, and the provider's id
 * when it gives one).  Returns 0, or a negative code with a message naming
 * the target and the answer in err (SV_EPROTO: refused or unreachable).
 */
int sv_purge_run(const struct sv_purge_conf *c, const char *const *paths,
                 int n, char *err, size_t size);

#endif
