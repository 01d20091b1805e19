/* ws.c -- WebSocket connections on h2o's upgrade, wslay for the framing
 *
 * h2o's websocket layer runs wslay from the socket's callbacks.  Sending
 * from elsewhere (a tracker relaying to another peer) must not re-enter
 * that connection's wslay loop, and a callback must not free the
 * connection it runs for: every send, close and drop only queues and marks
 * the connection pending; a uv_idle handle of the worker's hub flushes the
 * pending ones on the next loop turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <h2o/websocket.h>

#include "core/err.h"
#include "http/ws.h"

struct sv_ws {
    struct sv_ws_hub *hub;
    h2o_websocket_conn_t *conn;
    const struct sv_ws_cb *cb;
    void *ud;
    struct sv_ws *prev, *next;          /* the hub's connections */
    struct sv_ws *pprev, *pnext;        /* the hub's pending list */
    int pending, closing, dropping, gone;
};

struct sv_ws_hub {
    uv_idle_t idle;
    struct sv_ws *all;
    struct sv_ws *pend;
    int idle_on;
};

static void
pend_unlink(struct sv_ws *ws)
{
    struct sv_ws_hub *hub = ws->hub;

    if (!ws->pending)
        return;
    if (ws->pprev != NULL)
        ws->pprev->pnext = ws->pnext;
    else
        hub->pend = ws->pnext;
    if (ws->pnext != NULL)
        ws->pnext->pprev = ws->pprev;
    ws->pprev = ws->pnext = NULL;
    ws->pending = 0;
}

/* The connection ends: the owner is told, then everything is freed. */
static void
finish(struct sv_ws *ws)
{
    struct sv_ws_hub *hub = ws->hub;

    if (ws->gone)
        return;
    ws->gone = 1;
    pend_unlink(ws);
    if (ws->prev != NULL)
        ws->prev->next = ws->next;
    else
        hub->all = ws->next;
    if (ws->next != NULL)
        ws->next->prev = ws->prev;
    ws->cb->on_close(ws->ud, ws);
    h2o_websocket_close(ws->conn);
    free(ws);
}

static void on_idle(uv_idle_t *h);

static void
mark_pending(struct sv_ws *ws)
{
    struct sv_ws_hub *hub = ws->hub;

    if (!ws->pending) {
        ws->pending = 1;
        ws->pprev = NULL;
        ws->pnext = hub->pend;
        if (hub->pend != NULL)
            hub->pend->pprev = ws;
        hub->pend = ws;
    }
    if (!hub->idle_on) {
        uv_idle_start(&hub->idle, on_idle);
        hub->idle_on = 1;
    }
}

static void
on_idle(uv_idle_t *h)
{
    struct sv_ws_hub *hub = h->data;
    struct sv_ws *ws, *wait = NULL;

    while ((ws = hub->pend) != NULL) {
        pend_unlink(ws);
        if (ws->conn->sock == NULL) {
            /* the 101 is still being written; its completion proceeds */
            if (ws->dropping) {
                ws->pnext = wait;
                wait = ws;
            }
            continue;
        }
        if (ws->dropping) {
            finish(ws);
            continue;
        }
        /* may end in finish() through h2o's close callback */
        h2o_websocket_proceed(ws->conn);
    }
    /* drops that wait for their upgrade stay pending */
    while (wait != NULL) {
        ws = wait;
        wait = ws->pnext;
        ws->pnext = NULL;
        mark_pending(ws);
    }
    if (hub->pend == NULL) {
        uv_idle_stop(&hub->idle);
        hub->idle_on = 0;
    }
}

int
sv_ws_hub_new(uv_loop_t *loop, struct sv_ws_hub **out)
{
    struct sv_ws_hub *hub = calloc(1, sizeof(*hub));

    if (hub == NULL)
        return -ENOMEM;
    uv_idle_init(loop, &hub->idle);
    hub->idle.data = hub;
    *out = hub;
    return 0;
}

static void
on_hub_closed(uv_handle_t *h)
{
    free(h->data);
}

void
sv_ws_hub_free(struct sv_ws_hub *hub)
{
    if (hub == NULL)
        return;
    while (hub->all != NULL)
        finish(hub->all);
    uv_close((uv_handle_t *)&hub->idle, on_hub_closed);
}

int
sv_ws_is_upgrade(h2o_req_t *req, const char **key)
{
    if (req->version >= 0x200) {
        *key = NULL;
        return 0;
    }
    if (h2o_is_websocket_handshake(req, key) < 0)
        return -1;
    return *key != NULL;
}

static void
on_msg(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
    struct sv_ws *ws = conn->data;

    if (arg == NULL) {
        finish(ws);
        return;
    }
    if (ws->closing || ws->dropping)
        return;
    if (arg->opcode == WSLAY_TEXT_FRAME)
        ws->cb->on_text(ws->ud, ws, (const char *)arg->msg, arg->msg_length);
    else if (arg->opcode == WSLAY_BINARY_FRAME)
        sv_ws_close(ws, WSLAY_CODE_UNSUPPORTED_DATA, "text only");
}

int
sv_ws_accept(struct sv_ws_hub *hub, h2o_req_t *req, const char *key,
             size_t max_msg, const struct sv_ws_cb *cb, void *ud,
             struct sv_ws **out)
{
    struct sv_ws *ws = calloc(1, sizeof(*ws));

    if (ws == NULL)
        return -ENOMEM;
    ws->hub = hub;
    ws->cb = cb;
    ws->ud = ud;
    ws->conn = h2o_upgrade_to_websocket(req, key, ws, on_msg);
    wslay_event_config_set_max_recv_msg_length(ws->conn->ws_ctx, max_msg);
    ws->next = hub->all;
    if (hub->all != NULL)
        hub->all->prev = ws;
    hub->all = ws;
    *out = ws;
    return 0;
}

int
sv_ws_send_text(struct sv_ws *ws, const char *data, size_t len)
{
    struct wslay_event_msg m;
    int rc;

    if (ws->closing || ws->dropping)
        return SV_EPROTO;
    m.opcode = WSLAY_TEXT_FRAME;
    m.msg = (const uint8_t *)data;
    m.msg_length = len;
    rc = wslay_event_queue_msg(ws->conn->ws_ctx, &m);
    if (rc != 0)
        return rc == WSLAY_ERR_NOMEM ? -ENOMEM : SV_EPROTO;
    mark_pending(ws);
    return 0;
}

void
sv_ws_close(struct sv_ws *ws, unsigned code, const char *reason)
{
    if (ws->closing || ws->dropping)
        return;
    ws->closing = 1;
    wslay_event_queue_close(ws->conn->ws_ctx, (uint16_t)code,
                            (const uint8_t *)reason,
                            reason != NULL ? strlen(reason) : 0);
    mark_pending(ws);
}

void
sv_ws_drop(struct sv_ws *ws)
{
    if (ws->dropping)
        return;
    ws->dropping = 1;
    mark_pending(ws);
}
