/* tracker.c -- WebTorrent tracker state: swarms, peers, offer relay
 *
 * A swarm is keyed by info_hash and holds its peers in an array (random
 * choice by index); one hash table finds a peer by swarm and peer_id (the
 * answer's to_peer_id).  A connection holds a list of its peers: one per
 * swarm it announced in, all of them leave when it ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/err.h"
#include "serve/tracker.h"

#define NUMWANT_DEFAULT 50

struct swarm {
    struct sv_trk_id ih;
    struct peer **peers;
    size_t npeers, cap;
    size_t ncomplete;
    struct swarm *hnext;
};

struct peer {
    struct swarm *s;
    struct sv_tracker_conn *c;
    struct sv_trk_id id;
    size_t idx;                 /* in s->peers */
    int complete;
    struct peer *cnext;         /* the connection's peers */
    struct peer *hnext;         /* hash chain */
};

struct sv_tracker_conn {
    struct sv_tracker *t;
    void *ud;
    struct peer *peers;
    size_t npeers;
};

struct table {
    void **b;                   /* buckets, a power of two */
    size_t nb, n;
};

struct sv_tracker {
    struct sv_tracker_conf conf;
    sv_tracker_send_fn send;
    struct table swarms, peers;
    uint64_t rng;
    struct sv_tracker_stats st;
};

/* FNV-1a over the id bytes, mixed with a swarm pointer for peers */
static uint64_t
hash_id(const struct sv_trk_id *id, uint64_t h)
{
    size_t i;

    h ^= 0xcbf29ce484222325ull;
    for (i = 0; i < id->len; i++) {
        h ^= (unsigned char)id->b[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

static int
id_eq(const struct sv_trk_id *a, const struct sv_trk_id *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static uint64_t
rnd(struct sv_tracker *t)
{
    /* xorshift64* */
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 2685821657736338717ull;
}

/* ---- tables: chained, next pointer at a known offset ---- */

static uint64_t
swarm_hash(const struct sv_trk_id *ih)
{
    return hash_id(ih, 0);
}

static uint64_t
peer_hash(const struct swarm *s, const struct sv_trk_id *id)
{
    return hash_id(id, (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull);
}

static int
table_grow(struct table *tb, int is_peers)
{
    size_t nb = tb->nb ? tb->nb * 2 : 64, i;
    void **b = calloc(nb, sizeof(*b));

    if (b == NULL)
        return -ENOMEM;
    for (i = 0; i < tb->nb; i++) {
        void *e = tb->b[i], *next;

        while (e != NULL) {
            uint64_t h;

            if (is_peers) {
                struct peer *p = e;

                next = p->hnext;
                h = peer_hash(p->s, &p->id);
                p->hnext = b[h & (nb - 1)];
            } else {
                struct swarm *s = e;

                next = s->hnext;
                h = swarm_hash(&s->ih);
                s->hnext = b[h & (nb - 1)];
            }
            b[h & (nb - 1)] = e;
            e = next;
        }
    }
    free(tb->b);
    tb->b = b;
    tb->nb = nb;
    return 0;
}

static struct swarm *
swarm_find(struct sv_tracker *t, const struct sv_trk_id *ih)
{
    struct swarm *s;

    if (t->swarms.nb == 0)
        return NULL;
    for (s = t->swarms.b[swarm_hash(ih) & (t->swarms.nb - 1)]; s != NULL;
         s = s->hnext)
        if (id_eq(&s->ih, ih))
            return s;
    return NULL;
}

static struct swarm *
swarm_get(struct sv_tracker *t, const struct sv_trk_id *ih)
{
    struct swarm *s = swarm_find(t, ih);
    void **slot;

    if (s != NULL)
        return s;
    if (t->swarms.n >= t->swarms.nb && table_grow(&t->swarms, 0) < 0)
        return NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->ih = *ih;
    slot = &t->swarms.b[swarm_hash(ih) & (t->swarms.nb - 1)];
    s->hnext = *slot;
    *slot = s;
    t->swarms.n++;
    t->st.swarms++;
    return s;
}

static void
swarm_drop_if_empty(struct sv_tracker *t, struct swarm *s)
{
    struct swarm **pp;

    if (s->npeers > 0)
        return;
    for (pp = (struct swarm **)&t->swarms.b[swarm_hash(&s->ih) &
                                            (t->swarms.nb - 1)];
         *pp != s; pp = &(*pp)->hnext)
        ;
    *pp = s->hnext;
    t->swarms.n--;
    t->st.swarms--;
    free(s->peers);
    free(s);
}

static struct peer *
peer_find(struct sv_tracker *t, const struct swarm *s,
          const struct sv_trk_id *id)
{
    struct peer *p;

    if (t->peers.nb == 0)
        return NULL;
    for (p = t->peers.b[peer_hash(s, id) & (t->peers.nb - 1)]; p != NULL;
         p = p->hnext)
        if (p->s == s && id_eq(&p->id, id))
            return p;
    return NULL;
}

static struct peer *
peer_add(struct sv_tracker *t, struct swarm *s, struct sv_tracker_conn *c,
         const struct sv_trk_id *id)
{
    struct peer *p;
    void **slot;

    if (t->peers.n >= t->peers.nb && table_grow(&t->peers, 1) < 0)
        return NULL;
    if (s->npeers == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct peer **np = realloc(s->peers, cap * sizeof(*np));

        if (np == NULL)
            return NULL;
        s->peers = np;
        s->cap = cap;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->s = s;
    p->c = c;
    p->id = *id;
    p->idx = s->npeers;
    s->peers[s->npeers++] = p;
    slot = &t->peers.b[peer_hash(s, id) & (t->peers.nb - 1)];
    p->hnext = *slot;
    *slot = p;
    t->peers.n++;
    t->st.peers++;
    p->cnext = c->peers;
    c->peers = p;
    c->npeers++;
    return p;
}

static void
conn_unlink(struct peer *p)
{
    struct peer **pp;

    for (pp = &p->c->peers; *pp != p; pp = &(*pp)->cnext)
        ;
    *pp = p->cnext;
    p->c->npeers--;
}

/* Removes p from its swarm, the table and its connection's list. */
static void
peer_remove(struct sv_tracker *t, struct peer *p, int unlink_conn)
{
    struct swarm *s = p->s;
    struct peer **pp;

    if (unlink_conn)
        conn_unlink(p);
    for (pp = (struct peer **)&t->peers.b[peer_hash(s, &p->id) &
                                          (t->peers.nb - 1)];
         *pp != p; pp = &(*pp)->hnext)
        ;
    *pp = p->hnext;
    t->peers.n--;
    t->st.peers--;
    s->peers[p->idx] = s->peers[--s->npeers];
    s->peers[p->idx]->idx = p->idx;
    if (p->complete)
        s->ncomplete--;
    free(p);
    swarm_drop_if_empty(t, s);
}

int
sv_tracker_new(const struct sv_tracker_conf *conf, sv_tracker_send_fn send,
               struct sv_tracker **out)
{
    struct sv_tracker *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return -ENOMEM;
    t->conf = *conf;
    if (t->conf.max_offers > SV_TRK_OFFERS_MAX)
        t->conf.max_offers = SV_TRK_OFFERS_MAX;
    t->send = send;
    t->rng = conf->seed;
    if (t->rng == 0 &&
        getrandom(&t->rng, sizeof(t->rng), 0) != (ssize_t)sizeof(t->rng))
        t->rng = (uint64_t)(uintptr_t)t;
    if (t->rng == 0)
        t->rng = 1;
    *out = t;
    return 0;
}

void
sv_tracker_free(struct sv_tracker *t)
{
    if (t == NULL)
        return;
    free(t->swarms.b);
    free(t->peers.b);
    free(t);
}

struct sv_tracker_conn *
sv_tracker_conn_new(struct sv_tracker *t, void *ud)
{
    struct sv_tracker_conn *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->t = t;
    c->ud = ud;
    t->st.conns++;
    return c;
}

void
sv_tracker_conn_free(struct sv_tracker_conn *c)
{
    struct peer *p;

    if (c == NULL)
        return;
    while ((p = c->peers) != NULL) {
        c->peers = p->cnext;
        peer_remove(c->t, p, 0);
    }
    c->t->st.conns--;
    free(c);
}

/* ---- replies ---- */

static void
send_json(struct sv_tracker *t, struct sv_tracker_conn *c, json_t *j)
{
    char *text;

    if (j == NULL)
        return;
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (text == NULL)
        return;
    t->send(c->ud, text, strlen(text));
    free(text);
}

static void
send_failure(struct sv_tracker *t, struct sv_tracker_conn *c,
             const struct sv_trk_id *ih, const char *why)
{
    json_t *j = json_pack("{s:s, s:s}", "action", "announce",
                          "failure reason", why);

    if (j != NULL && ih != NULL && ih->len > 0)
        json_object_set_new(j, "info_hash",
                            json_stringn(ih->b, ih->len));
    t->st.failures++;
    send_json(t, c, j);
}

/* up to k other peers of s, at random, none twice, never self */
static size_t
choose(struct sv_tracker *t, struct swarm *s, struct peer *self, size_t k,
       struct peer **out)
{
    size_t n = 0, i, j, tries;

    if (s->npeers <= 1)
        return 0;
    if (k >= s->npeers - 1) {
        for (i = 0; i < s->npeers; i++)
            if (s->peers[i] != self)
                out[n++] = s->peers[i];
        return n;
    }
    for (tries = 0; n < k && tries < 8 * k; tries++) {
        struct peer *p = s->peers[rnd(t) % s->npeers];

        if (p == self)
            continue;
        for (j = 0; j < n && out[j] != p; j++)
            ;
        if (j == n)
            out[n++] = p;
    }
    return n;
}

static void
relay_offers(struct sv_tracker *t, struct peer *self,
             const struct sv_trk_msg *m)
{
    struct peer *to[SV_TRK_OFFERS_MAX];
    size_t want = m->noffers, n, i;

    if (m->numwant >= 0 && (uint64_t)m->numwant < want)
        want = (size_t)m->numwant;
    if (m->numwant < 0 && want > NUMWANT_DEFAULT)
        want = NUMWANT_DEFAULT;
    n = choose(t, self->s, self, want, to);
    for (i = 0; i < n; i++) {
        json_t *j = json_pack("{s:s, s:s#, s:s#, s:s#, s:O}",
                              "action", "announce",
                              "info_hash", m->info_hash.b,
                              (int)m->info_hash.len,
                              "peer_id", m->peer_id.b, (int)m->peer_id.len,
                              "offer_id", m->offers[i].id.b,
                              (int)m->offers[i].id.len,
                              "offer", m->offers[i].offer);

        t->st.offers++;
        send_json(t, to[i]->c, j);
    }
}

static void
relay_answer(struct sv_tracker *t, struct swarm *s, const struct sv_trk_msg *m)
{
    struct peer *to = peer_find(t, s, &m->to_peer_id);
    json_t *j;

    if (to == NULL)
        return;     /* gone meanwhile: the offerer's offer times out */
    j = json_pack("{s:s, s:s#, s:s#, s:s#, s:O}", "action", "announce",
                  "info_hash", m->info_hash.b, (int)m->info_hash.len,
                  "peer_id", m->peer_id.b, (int)m->peer_id.len,
                  "offer_id", m->offer_id.b, (int)m->offer_id.len,
                  "answer", m->answer);
    t->st.answers++;
    send_json(t, to->c, j);
}

static void
reply(struct sv_tracker *t, struct sv_tracker_conn *c,
      const struct sv_trk_msg *m, const struct swarm *s)
{
    size_t complete = s != NULL ? s->ncomplete : 0;
    size_t all = s != NULL ? s->npeers : 0;

    send_json(t, c, json_pack("{s:s, s:I, s:s#, s:I, s:I}",
                              "action", "announce",
                              "interval", (json_int_t)t->conf.interval_s,
                              "info_hash", m->info_hash.b,
                              (int)m->info_hash.len,
                              "complete", (json_int_t)complete,
                              "incomplete", (json_int_t)(all - complete)));
}

static void
announce(struct sv_tracker *t, struct sv_tracker_conn *c,
         const struct sv_trk_msg *m)
{
    struct swarm *s;
    struct peer *p;

    t->st.announces++;
    if (m->event == SV_TRK_STOPPED) {
        s = swarm_find(t, &m->info_hash);
        p = s != NULL ? peer_find(t, s, &m->peer_id) : NULL;
        if (p != NULL && p->c == c) {
            peer_remove(t, p, 1);
            s = swarm_find(t, &m->info_hash);
        }
        reply(t, c, m, s);
        return;
    }
    s = swarm_get(t, &m->info_hash);
    if (s == NULL) {
        send_failure(t, c, &m->info_hash, "out of memory");
        return;
    }
    p = peer_find(t, s, &m->peer_id);
    if (p != NULL && p->c != c) {
        /* the peer came back on another connection: it moves there */
        if (c->npeers >= t->conf.max_swarms_per_conn) {
            send_failure(t, c, &m->info_hash, "too many swarms");
            return;
        }
        conn_unlink(p);
        p->c = c;
        p->cnext = c->peers;
        c->peers = p;
        c->npeers++;
    } else if (p == NULL) {
        if (c->npeers >= t->conf.max_swarms_per_conn) {
            send_failure(t, c, &m->info_hash, "too many swarms");
            swarm_drop_if_empty(t, s);
            return;
        }
        p = peer_add(t, s, c, &m->peer_id);
        if (p == NULL) {
            send_failure(t, c, &m->info_hash, "out of memory");
            swarm_drop_if_empty(t, s);
            return;
        }
    }
    if (m->complete && !p->complete) {
        p->complete = 1;
        s->ncomplete++;
    }
    /* an answer gets no reply of its own (as bittorrent-tracker) */
    if (!m->has_to)
        reply(t, c, m, s);
    if (m->noffers > 0)
        relay_offers(t, p, m);
    if (m->has_to)
        relay_answer(t, s, m);
}

int
sv_tracker_conn_msg(struct sv_tracker_conn *c, const char *data, size_t len)
{
    struct sv_tracker *t = c->t;
    struct sv_trk_msg m;
    const char *why;
    int rc;

    rc = sv_trk_msg_parse(data, len, t->conf.max_offers, &m, &why);
    if (rc == SV_EFORMAT)
        return rc;
    if (rc < 0)
        send_failure(t, c, &m.info_hash, why);
    else
        announce(t, c, &m);
    sv_trk_msg_release(&m);
    return 0;
}

void
sv_tracker_stats(const struct sv_tracker *t, struct sv_tracker_stats *s)
{
    *s = t->st;
}
