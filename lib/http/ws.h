/* ws.h -- WebSocket connections upgraded from h2o requests (wslay framing) */
#ifndef SV_WS_H
#define SV_WS_H

#include <stddef.h>

#include "http/http_server.h"

struct sv_ws;           /* one accepted WebSocket */
struct sv_ws_hub;       /* the WebSockets of one worker loop */

struct sv_ws_cb {
    /* a whole text message (UTF-8 not checked) */
    void (*on_text)(void *ud, struct sv_ws *ws, const char *data, size_t len);
    /* the connection is gone; ws is freed after this returns */
    void (*on_close)(void *ud, struct sv_ws *ws);
};

/* One hub per worker loop: sends queued from anywhere go out from it. */
int sv_ws_hub_new(uv_loop_t *loop, struct sv_ws_hub **out);
/* Drops every connection still open (their on_close is called); NULL-safe. */
void sv_ws_hub_free(struct sv_ws_hub *hub);

/*
 * Whether req asks for a WebSocket: 1 (*key set to its 24-byte
 * Sec-WebSocket-Key), 0 when it does not, -1 for a malformed key.
 */
int sv_ws_is_upgrade(h2o_req_t *req, const char **key);

/*
 * Answers req with 101 and takes the connection over (HTTP/1.1 only).
 * Messages longer than max_msg bytes close it with 1009; binary messages
 * with 1003.  cb and ud stay the caller's.  Returns 0 or -ENOMEM.
 */
int sv_ws_accept(struct sv_ws_hub *hub, h2o_req_t *req, const char *key,
                 size_t max_msg, const struct sv_ws_cb *cb, void *ud,
                 struct sv_ws **out);

/* Queues a text message; 0, SV_EPROTO when closing, or -ENOMEM. */
int sv_ws_send_text(struct sv_ws *ws, const char *data, size_t len);

/* Starts the close handshake with code and reason (no more sends). */
void sv_ws_close(struct sv_ws *ws, unsigned code, const char *reason);

/* Closes the socket now, without a handshake; on_close is called. */
void sv_ws_drop(struct sv_ws *ws);

#endif
