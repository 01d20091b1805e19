/* srt_sock.h -- SRT sockets (the one file with libsrt): the listener of
 * live ingest and the caller of live simulcast */
#ifndef SV_SRT_SOCK_H
#define SV_SRT_SOCK_H

#include <stddef.h>
#include <stdint.h>

struct sv_srt_listener;
struct sv_srt_conn;

/*
 * Decides on a caller from its stream id and address, inside libsrt's
 * handshake: returns 0 to accept (with the stream's passphrase written to
 * pass, size bytes, "" for none) or a negative code to refuse
 * (SV_EAUTH: forbidden, SV_EFORMAT: bad stream id, -EEXIST: conflict).
 * Runs on libsrt's thread.
 */
typedef int (*sv_srt_accept_fn)(void *ud, const char *streamid,
                                const char *peer, char *pass, size_t size);

struct sv_srt_stats {
    double rtt_ms;
    double recv_mbps;
    int64_t lost;           /* packets lost on the way (receiver side) */
    int64_t retransmitted;  /* retransmitted packets received */
    int64_t dropped;        /* too late to play */
    /* the sending side (a caller pushing) */
    double send_mbps;
    int64_t sent;           /* packets sent */
    int64_t send_lost;      /* reported lost by the receiver */
    int64_t send_dropped;   /* too late to send */
};

/*
 * Listens on host:port with latency_ms of receiver latency.  Returns 0 or
 * a negative code (err gets a message).
 */
int sv_srt_listen(struct sv_srt_listener **out, const char *host, int port,
                  int latency_ms, sv_srt_accept_fn fn, void *ud, char *err,
                  size_t size);

/*
 * Waits for the next accepted caller (blocking).  Returns 0 with *out, or
 * a negative code once the listener is closed.
 */
int sv_srt_accept(struct sv_srt_listener *l, struct sv_srt_conn **out);

/* Unblocks sv_srt_accept() for good; sv_srt_listener_free() after. */
void sv_srt_listener_close(struct sv_srt_listener *l);
void sv_srt_listener_free(struct sv_srt_listener *l);

/* The caller's stream id and address (valid while the conn lives). */
const char *sv_srt_conn_streamid(const struct sv_srt_conn *c);
const char *sv_srt_conn_peer(const struct sv_srt_conn *c);

/*
 * Receives one message (up to len bytes), waiting at most timeout_ms.
 * Returns bytes, 0 when the caller closed, -EAGAIN on timeout, or a
 * negative code.
 */
int sv_srt_recv(struct sv_srt_conn *c, uint8_t *p, size_t len, int timeout_ms);

/*
 * Calls srt://host:port as a live sender with streamid (may be NULL or
 * ""), passphrase (NULL: none) and latency_ms, waiting at most
 * timeout_ms for the handshake.  Returns 0 with *out, or a negative code
 * (-ECONNREFUSED, -ETIMEDOUT, SV_EUSAGE for a name that does not resolve)
 * with a message in err.
 */
int sv_srt_connect(struct sv_srt_conn **out, const char *host, int port,
                   const char *streamid, const char *passphrase,
                   int latency_ms, int timeout_ms, char *err, size_t size);

/*
 * Sends one message of at most SV_SRT_PAYLOAD bytes (7 TS packets),
 * waiting at most timeout_ms for room in the send buffer.  Returns 0,
 * -EAGAIN on timeout, -EPIPE once the connection is gone, or -EIO.
 */
#define SV_SRT_PAYLOAD 1316
int sv_srt_send(struct sv_srt_conn *c, const uint8_t *p, size_t len,
                int timeout_ms);

/*
 * Waits (at most timeout_ms) until the receiver acknowledged everything
 * sent, before a sender closes.  Returns 0 or -ETIMEDOUT.
 */
int sv_srt_drain(struct sv_srt_conn *c, int timeout_ms);

int sv_srt_conn_stats(struct sv_srt_conn *c, struct sv_srt_stats *st);

void sv_srt_conn_free(struct sv_srt_conn *c);

/*
 * Stops libsrt's own threads once every socket is closed.  Call it before
 * exiting: libsrt's threads racing the exit handlers crash the process.
 */
void sv_srt_cleanup(void);

/* Nonzero once libsrt was started in this process. */
int sv_srt_used(void);

#endif
