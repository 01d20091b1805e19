/* steering.h -- content steering policy: parsed from JSON, pathways
 * ordered per client (HLS Content Steering, DASH ContentSteering) */
#ifndef SV_SERVE_STEERING_H
#define SV_SERVE_STEERING_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

#define SV_STEER_MAX 16             /* pathways (and clones) in a policy */
#define SV_STEER_ID_MAX 32          /* bytes of a pathway id */
#define SV_STEER_TEXT_MAX 65536     /* bytes of a policy file */

struct sv_steer_pathway {
    char id[SV_STEER_ID_MAX + 1];
    unsigned weight;                /* 0..1000; 0: only as a fallback */
    int down;                       /* marked down by hand */
    char *health;                   /* URL probed, or NULL */
    int base;                       /* a clone: index of the pathway it
                                       copies, else -1 */
    char *host;                     /* a clone's URI-REPLACEMENT HOST */
};

struct sv_steer_country {
    char cc[3];                     /* ISO 3166 alpha-2, upper case */
    int order[SV_STEER_MAX];        /* pathway indexes, preferred first */
    int n;
};

struct sv_steer_policy {
    unsigned ttl;                   /* seconds, 1..86400 */
    unsigned health_ms;             /* between health probes */
    int forwarded;                  /* trust the last X-Forwarded-For hop */
    char *geo;                      /* country table path, or NULL */
    struct sv_steer_pathway pw[SV_STEER_MAX];   /* pathways, then clones */
    int npw;
    struct sv_steer_country *cc;
    int ncc;
};

/*
 * Parses a policy document (len bytes, at most SV_STEER_TEXT_MAX):
 *   {"ttl":10, "pathways":[{"id":"a","weight":2,"down":false,
 *    "health":"http://..."}], "countries":{"DE":["b","a"]},
 *    "geo":"countries.txt", "health_interval":2, "forwarded":false,
 *    "clones":[{"id":"c","base":"a","host":"h","weight":1}]}
 * A clone is a pathway the player makes from its base by replacing the
 * host of its URIs (HLS PATHWAY-CLONES); it takes weight, down and health
 * as a pathway does (a clone still works when its base's host is down).
 * Unknown keys are refused.  On success *out is a new policy (free it with
 * sv_steer_free); on failure err (size bytes) says what, naming name, and
 * SV_EFORMAT or -ENOMEM comes back.
 */
int sv_steer_parse(const char *text, size_t len, const char *name,
                   struct sv_steer_policy **out, char *err, size_t size);

void sv_steer_free(struct sv_steer_policy *p);

/*
 * The pathways of p in the order a client should try them: those of its
 * country's list first (country may be NULL), then by weight, drawn for
 * this client (client: a hash of who asks, so one viewer keeps its order
 * and viewers spread by weight).  Pathways marked down, by hand or in
 * down_mask (bit i: p->pw[i] failed its health check), are left out
 * unless every pathway is down.  Writes indexes into order (at least
 * SV_STEER_MAX) and returns how many.
 */
int sv_steer_order(const struct sv_steer_policy *p, const char *country,
                   uint64_t client, uint32_t down_mask, int *order);

/*
 * The steering manifest for that order: VERSION, TTL, PATHWAY-PRIORITY
 * (HLS) and SERVICE-LOCATION-PRIORITY (DASH) with the same list, and
 * PATHWAY-CLONES when p has clones.  Returns a new reference or NULL.
 */
json_t *sv_steer_manifest(const struct sv_steer_policy *p, const int *order,
                          int n);

/* A 64-bit FNV-1a hash of n bytes: the client key of sv_steer_order. */
uint64_t sv_steer_hash(const char *s, size_t n);

#endif
