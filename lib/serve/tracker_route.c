/* tracker_route.c -- sv-serve's WebSocket tracker route (--tracker PATH)
 *
 * The swarms live on the one worker's loop (sv-serve --tracker needs
 * --workers 1): a relay to another peer is a send on that peer's socket,
 * which only its own loop may touch.  Sockets sit in a list by last
 * message, oldest first; a timer closes those silent for --tracker-idle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/endpoint.h"
#include "http/ws.h"
#include "serve/http_internal.h"
#include "serve/tracker.h"

#define SWARMS_PER_CONN 128     /* peers one socket may announce */
#define CLOSE_GRACE_MS 5000     /* a close handshake's bound */

struct tconn {
    struct sv__tracker *tr;
    struct sv_ws *ws;
    struct sv_tracker_conn *tc;     /* NULL once closing */
    struct sockaddr_storage ss;
    uint64_t last;                  /* loop time of the last message */
    struct tconn *prev, *next;
};

struct sv__tracker {
    struct sv__server *srv;
    uv_loop_t *loop;
    struct sv_ws_hub *hub;
    struct sv_tracker *t;
    struct sv_limit *limit;         /* sockets per address */
    uv_timer_t timer;
    struct tconn *head, *tail;      /* by last message, oldest first */
    uint64_t accepted, refused, closed_idle, closed_bad;
};

static const struct sv_ws_cb ws_cb;

static void
lru_unlink(struct sv__tracker *tr, struct tconn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        tr->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        tr->tail = c->prev;
    c->prev = c->next = NULL;
}

static void
lru_append(struct sv__tracker *tr, struct tconn *c)
{
    c->prev = tr->tail;
    c->next = NULL;
    if (tr->tail != NULL)
        tr->tail->next = c;
    else
        tr->head = c;
    tr->tail = c;
}

static void
send_text(void *ud, const char *msg, size_t len)
{
    struct tconn *c = ud;

    if (sv_ws_send_text(c->ws, msg, len) == -ENOMEM)
        sv_ws_drop(c->ws);
}

/* leaves the swarms at once, then closes with code */
static void
tconn_close(struct tconn *c, unsigned code, const char *reason)
{
    sv_tracker_conn_free(c->tc);
    c->tc = NULL;
    c->last = uv_now(c->tr->loop);  /* the grace starts now */
    lru_unlink(c->tr, c);
    lru_append(c->tr, c);
    sv_ws_close(c->ws, code, reason);
}

static void
on_text(void *ud, struct sv_ws *ws, const char *data, size_t len)
{
    struct tconn *c = ud;
    struct sv__tracker *tr = c->tr;

    if (c->tc == NULL)
        return;
    c->last = uv_now(tr->loop);
    lru_unlink(tr, c);
    lru_append(tr, c);
    if (sv_tracker_conn_msg(c->tc, data, len) < 0) {
        tr->closed_bad++;
        tconn_close(c, 1008, "not a tracker message");
    }
}

static void
on_close(void *ud, struct sv_ws *ws)
{
    struct tconn *c = ud;
    struct sv__tracker *tr = c->tr;

    sv_tracker_conn_free(c->tc);
    lru_unlink(tr, c);
    sv_limit_conn_close(tr->limit, (struct sockaddr *)&c->ss);
    free(c);
}

static const struct sv_ws_cb ws_cb = { on_text, on_close };

static void
on_timer(uv_timer_t *h)
{
    struct sv__tracker *tr = h->data;
    const struct sv_serve_conf *conf = tr->srv->conf;
    uint64_t now = uv_now(tr->loop);
    struct tconn *c, *next;

    for (c = tr->head; c != NULL; c = next) {
        next = c->next;
        if (c->tc == NULL) {
            if (now - c->last >= CLOSE_GRACE_MS)
                sv_ws_drop(c->ws);
            continue;
        }
        if (now - c->last < conf->tracker_idle_ms)
            break;      /* the rest spoke later */
        tr->closed_idle++;
        tconn_close(c, 1001, "idle");
    }
}

static void
on_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

int
sv__tracker_open(struct sv__server *srv, struct sv_http_worker *w)
{
    const struct sv_serve_conf *conf = srv->conf;
    struct sv_tracker_conf tc;
    struct sv__tracker *tr;
    uint64_t every;
    int rc;

    tr = calloc(1, sizeof(*tr));
    if (tr == NULL)
        return -ENOMEM;
    tr->srv = srv;
    tr->loop = &w->loop;
    memset(&tc, 0, sizeof(tc));
    tc.interval_s = (unsigned)(conf->tracker_interval_ms / 1000);
    if (tc.interval_s == 0)
        tc.interval_s = 1;
    tc.max_offers = conf->tracker_max_offers;
    tc.max_swarms_per_conn = SWARMS_PER_CONN;
    rc = sv_tracker_new(&tc, send_text, &tr->t);
    if (rc == 0)
        rc = sv_limit_new(conf->tracker_max_conns, 0, 1, &tr->limit);
    if (rc == 0)
        rc = sv_ws_hub_new(&w->loop, &tr->hub);
    if (rc < 0) {
        sv_limit_free(tr->limit);
        sv_tracker_free(tr->t);
        free(tr);
        return rc;
    }
    uv_timer_init(&w->loop, &tr->timer);
    tr->timer.data = tr;
    every = conf->tracker_idle_ms / 4;
    if (every < 250)
        every = 250;
    if (every > 5000)
        every = 5000;
    uv_timer_start(&tr->timer, on_timer, every, every);
    srv->tracker = tr;
    return 0;
}

void
sv__tracker_stop(struct sv__server *srv)
{
    struct sv__tracker *tr = srv->tracker;
    struct tconn *c;

    if (tr == NULL)
        return;
    for (c = tr->head; c != NULL; c = c->next)
        sv_ws_drop(c->ws);
}

void
sv__tracker_close(struct sv__server *srv)
{
    struct sv__tracker *tr = srv->tracker;

    if (tr == NULL)
        return;
    /* the loop runs once more to close handles: tr goes with its timer */
    sv_ws_hub_free(tr->hub);
    sv_tracker_free(tr->t);
    sv_limit_free(tr->limit);
    srv->tracker = NULL;
    uv_close((uv_handle_t *)&tr->timer, on_timer_closed);
}

static int
origin_ok(const struct sv_serve_conf *conf, h2o_req_t *req)
{
    const char *o;
    size_t i, len;

    if (conf->ntracker_origins == 0)
        return 1;
    o = sv_http_req_header(req, "origin", &len);
    if (o == NULL)
        return 0;
    for (i = 0; i < conf->ntracker_origins; i++)
        if (strcmp(conf->tracker_origins[i], "*") == 0 ||
            (strlen(conf->tracker_origins[i]) == len &&
             memcmp(conf->tracker_origins[i], o, len) == 0))
            return 1;
    return 0;
}

void
sv__tracker_serve(struct sv__server *srv, h2o_req_t *req)
{
    struct sv__tracker *tr = srv->tracker;
    const char *key;
    char addr[64];
    struct tconn *c;
    int up;

    sv_http_res_header(req, "cache-control", "no-store");
    up = sv_ws_is_upgrade(req, &key);
    if (up < 0) {
        sv__serve_fail(req, 400, "Bad Request");
        return;
    }
    if (up == 0 || tr == NULL) {
        sv_http_res_header(req, "upgrade", "websocket");
        sv__serve_fail(req, 426, "Upgrade Required");
        return;
    }
    if (!origin_ok(srv->conf, req)) {
        tr->refused++;
        sv__serve_fail(req, 403, "Forbidden");
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        sv__serve_fail(req, 503, "Service Unavailable");
        return;
    }
    c->tr = tr;
    sv_http_req_peer(req, &c->ss, addr, sizeof(addr));
    if (sv_limit_conn_open(tr->limit, (struct sockaddr *)&c->ss) < 0) {
        free(c);
        tr->refused++;
        sv_http_res_header(req, "retry-after", "10");
        sv__serve_fail(req, 429, "Too Many Requests");
        return;
    }
    c->tc = sv_tracker_conn_new(tr->t, c);
    if (c->tc == NULL ||
        sv_ws_accept(tr->hub, req, key, srv->conf->tracker_max_msg, &ws_cb,
                     c, &c->ws) < 0) {
        sv_tracker_conn_free(c->tc);
        sv_limit_conn_close(tr->limit, (struct sockaddr *)&c->ss);
        free(c);
        sv__serve_fail(req, 503, "Service Unavailable");
        return;
    }
    c->last = uv_now(tr->loop);
    lru_append(tr, c);
    tr->accepted++;
}

size_t
sv__tracker_metrics(struct sv__server *srv, char *buf, size_t size)
{
    struct sv__tracker *tr = srv->tracker;
    struct sv_tracker_stats s;
    int n;

    if (tr == NULL || size == 0)
        return 0;
    sv_tracker_stats(tr->t, &s);
    n = snprintf(buf, size,
                 "# HELP sv_serve_tracker_sockets Open tracker WebSockets.\n"
                 "# TYPE sv_serve_tracker_sockets gauge\n"
                 "sv_serve_tracker_sockets %llu\n"
                 "# HELP sv_serve_tracker_swarms Swarms with peers.\n"
                 "# TYPE sv_serve_tracker_swarms gauge\n"
                 "sv_serve_tracker_swarms %llu\n"
                 "# HELP sv_serve_tracker_peers Peers in all swarms.\n"
                 "# TYPE sv_serve_tracker_peers gauge\n"
                 "sv_serve_tracker_peers %llu\n"
                 "# HELP sv_serve_tracker_announces_total Announces.\n"
                 "# TYPE sv_serve_tracker_announces_total counter\n"
                 "sv_serve_tracker_announces_total %llu\n"
                 "# HELP sv_serve_tracker_offers_total Offers relayed.\n"
                 "# TYPE sv_serve_tracker_offers_total counter\n"
                 "sv_serve_tracker_offers_total %llu\n"
                 "# HELP sv_serve_tracker_answers_total Answers relayed.\n"
                 "# TYPE sv_serve_tracker_answers_total counter\n"
                 "sv_serve_tracker_answers_total %llu\n"
                 "# HELP sv_serve_tracker_refused_total Sockets refused "
                 "(Origin, limit).\n"
                 "# TYPE sv_serve_tracker_refused_total counter\n"
                 "sv_serve_tracker_refused_total %llu\n"
                 "# HELP sv_serve_tracker_idle_closed_total Sockets closed "
                 "for silence.\n"
                 "# TYPE sv_serve_tracker_idle_closed_total counter\n"
                 "sv_serve_tracker_idle_closed_total %llu\n",
                 (unsigned long long)s.conns, (unsigned long long)s.swarms,
                 (unsigned long long)s.peers,
                 (unsigned long long)s.announces,
                 (unsigned long long)s.offers, (unsigned long long)s.answers,
                 (unsigned long long)tr->refused,
                 (unsigned long long)tr->closed_idle);
    return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}
