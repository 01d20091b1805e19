/* tracker.h -- a WebTorrent tracker (the protocol p2p-media-loader speaks):
 * messages (tracker_msg.c) and swarm state (tracker.c), transport-free */
#ifndef SV_TRACKER_H
#define SV_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* 20 code points from 0 to 255, UTF-8 encoded: at most 40 bytes */
#define SV_TRK_ID_MAX 40
#define SV_TRK_OFFERS_MAX 64    /* the most --tracker-max-offers allows */

struct sv_trk_id {
    unsigned char len;          /* bytes of b */
    char b[SV_TRK_ID_MAX];
};

enum sv_trk_event {
    SV_TRK_UPDATE = 0,          /* no event */
    SV_TRK_STARTED,
    SV_TRK_STOPPED,
    SV_TRK_COMPLETED,
};

struct sv_trk_offer {
    struct sv_trk_id id;
    json_t *offer;              /* borrowed from the message's root */
};

/* a parsed announce; json values are borrowed from root */
struct sv_trk_msg {
    json_t *root;
    struct sv_trk_id info_hash, peer_id, to_peer_id, offer_id;
    int has_to;                 /* an answer: to_peer_id, offer_id, answer */
    json_t *answer;
    enum sv_trk_event event;
    int64_t numwant;            /* -1: not given */
    int complete;               /* left == 0, or event completed */
    struct sv_trk_offer offers[SV_TRK_OFFERS_MAX];
    size_t noffers;             /* kept: at most max_offers */
};

/*
 * Parses one text message of len bytes: the announce action only.  Keeps
 * at most max_offers offers (more are ignored, as numwant caps them).
 * Returns 0 (m filled), SV_EFORMAT when it is not
 * a JSON object (the connection should close), or SV_EPROTO with *why set
 * to a failure reason the client is told (m->info_hash kept when valid).
 * After 0 or SV_EPROTO, sv_trk_msg_release(m).
 */
int sv_trk_msg_parse(const char *data, size_t len, size_t max_offers,
                     struct sv_trk_msg *m, const char **why);
void sv_trk_msg_release(struct sv_trk_msg *m);

/* ---- tracker.c ---- */

struct sv_tracker;
struct sv_tracker_conn;         /* one client connection */

struct sv_tracker_conf {
    unsigned interval_s;        /* told to clients */
    size_t max_offers;          /* relayed per announce, <= OFFERS_MAX */
    size_t max_swarms_per_conn; /* peers one connection may hold */
    uint64_t seed;              /* peer choice; 0: random */
};

/* sends text to the connection's client; conn_ud from conn_new */
typedef void (*sv_tracker_send_fn)(void *conn_ud, const char *msg,
                                   size_t len);

struct sv_tracker_stats {
    uint64_t conns, swarms, peers;          /* now */
    uint64_t announces, offers, answers;    /* relayed, since start */
    uint64_t failures;                      /* failure replies */
};

int sv_tracker_new(const struct sv_tracker_conf *conf,
                   sv_tracker_send_fn send, struct sv_tracker **out);
/* Frees the tracker; its connections must be freed first.  NULL-safe. */
void sv_tracker_free(struct sv_tracker *t);

/* A new client connection; NULL when out of memory. */
struct sv_tracker_conn *sv_tracker_conn_new(struct sv_tracker *t, void *ud);
/* The connection ended: its peers leave their swarms.  NULL-safe. */
void sv_tracker_conn_free(struct sv_tracker_conn *c);

/*
 * Handles one message from c: replies and relays go out through send.
 * Returns 0, or SV_EFORMAT when the message is not JSON (close c).
 */
int sv_tracker_conn_msg(struct sv_tracker_conn *c, const char *data,
                        size_t len);

void sv_tracker_stats(const struct sv_tracker *t, struct sv_tracker_stats *s);

#endif
