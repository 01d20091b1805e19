/* limit.c -- per-address connection counts and request token buckets */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/err.h"
#include "http/limit.h"

/*
 * Open addressing over a fixed table: an entry is reused once the address
 * has no connection open and its bucket has refilled, so the table does not
 * grow with the number of clients ever seen.  The hash is keyed with a
 * random key drawn at start, so addresses that collide cannot be chosen
 * offline; and an address is never refused because others filled its probe
 * window: the least recently used entry with no connection open is taken
 * over, and when every entry holds connections the address goes uncounted.
 */
#define SLOTS 65536
#define PROBES 64

struct slot {
    unsigned char addr[16];
    int used;
    unsigned conns;
    double tokens;
    uint64_t at_ms;
};

struct sv_limit {
    pthread_mutex_t lock;
    unsigned max_conns;
    double rate, burst;
    uint64_t key[2];
    struct slot *slots;
};

int
sv_limit_new(unsigned max_conns, double rate, double burst,
             struct sv_limit **out)
{
    struct sv_limit *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return -ENOMEM;
    l->slots = calloc(SLOTS, sizeof(*l->slots));
    if (l->slots == NULL) {
        free(l);
        return -ENOMEM;
    }
    if (getrandom(l->key, sizeof(l->key), 0) != sizeof(l->key)) {
        struct timespec ts;

        /* no entropy: a key that still differs per process and start */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        l->key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
                    (uint64_t)(uintptr_t)l;
        l->key[1] = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)l->slots;
    }
    pthread_mutex_init(&l->lock, NULL);
    l->max_conns = max_conns;
    l->rate = rate;
    l->burst = burst < 1 ? 1 : burst;
    *out = l;
    return 0;
}

void
sv_limit_free(struct sv_limit *l)
{
    if (l == NULL)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->slots);
    free(l);
}

static void
key_of(const struct sockaddr *sa, unsigned char k[16])
{
    memset(k, 0, 16);
    if (sa->sa_family == AF_INET) {
        k[10] = k[11] = 0xff;
        memcpy(k + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(k, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
}

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* a keyed 64-bit mix of the address (not a MAC, but not chosen offline) */
static uint32_t
hash(const struct sv_limit *l, const unsigned char k[16])
{
    uint64_t w0, w1, h;

    memcpy(&w0, k, 8);
    memcpy(&w1, k + 8, 8);
    h = mix64(w0 ^ l->key[0]);
    h = mix64(h ^ w1 ^ l->key[1]);
    h = mix64(h ^ l->key[0]);
    return (uint32_t)(h >> 32);
}

static void
refill(struct sv_limit *l, struct slot *s, uint64_t now)
{
    if (now > s->at_ms) {
        s->tokens += (double)(now - s->at_ms) * l->rate / 1000.0;
        if (s->tokens > l->burst)
            s->tokens = l->burst;
    }
    s->at_ms = now;
}

/*
 * Finds or makes the slot of k, taking over the least recently used idle
 * slot of the window when it must; NULL only when every slot of the window
 * has connections open (the caller then lets k through uncounted).
 */
static struct slot *
lookup(struct sv_limit *l, const unsigned char k[16], uint64_t now)
{
    uint32_t h = hash(l, k);
    struct slot *s, *spare = NULL, *idle = NULL;
    int i;

    for (i = 0; i < PROBES; i++) {
        s = &l->slots[(h + (uint32_t)i) % SLOTS];
        if (s->used && memcmp(s->addr, k, 16) == 0)
            return s;
        if (spare == NULL && !s->used)
            spare = s;
        if (spare == NULL && s->conns == 0) {
            refill(l, s, now);
            if (s->tokens >= l->burst)
                spare = s;
        }
        if (s->used && s->conns == 0 &&
            (idle == NULL || s->at_ms < idle->at_ms))
            idle = s;
    }
    if (spare == NULL)
        spare = idle;
    if (spare == NULL)
        return NULL;
    memcpy(spare->addr, k, 16);
    spare->used = 1;
    spare->conns = 0;
    spare->tokens = l->burst;
    spare->at_ms = now;
    return spare;
}

int
sv_limit_conn_open(struct sv_limit *l, const struct sockaddr *sa)
{
    unsigned char k[16];
    struct timespec ts;
    struct slot *s;
    int rc = 0;

    if (l->max_conns == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    key_of(sa, k);
    pthread_mutex_lock(&l->lock);
    s = lookup(l, k, (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    if (s != NULL && s->conns >= l->max_conns)
        rc = SV_ELIMIT;
    else if (s != NULL)
        s->conns++;
    pthread_mutex_unlock(&l->lock);
    return rc;
}

void
sv_limit_conn_close(struct sv_limit *l, const struct sockaddr *sa)
{
    unsigned char k[16];
    uint32_t h;
    struct slot *s;
    int i;

    if (l->max_conns == 0)
        return;
    key_of(sa, k);
    h = hash(l, k);
    pthread_mutex_lock(&l->lock);
    for (i = 0; i < PROBES; i++) {
        s = &l->slots[(h + (uint32_t)i) % SLOTS];
        if (s->used && memcmp(s->addr, k, 16) == 0) {
            if (s->conns > 0)
                s->conns--;
            break;
        }
    }
    pthread_mutex_unlock(&l->lock);
}

int
sv_limit_request(struct sv_limit *l, const struct sockaddr *sa,
                 uint64_t now_ms)
{
    unsigned char k[16];
    struct slot *s;
    int rc = 0;

    if (l->rate <= 0)
        return 0;
    key_of(sa, k);
    pthread_mutex_lock(&l->lock);
    s = lookup(l, k, now_ms);
    if (s != NULL) {
        refill(l, s, now_ms);
        if (s->tokens >= 1)
            s->tokens -= 1;
        else
            rc = SV_ELIMIT;
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}
