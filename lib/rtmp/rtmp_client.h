/* rtmp_client.h -- the publishing side of RTMP: a protocol engine that
 * works on bytes (testable against lib/rtmp's server session) and a
 * connection that drives it over TCP or TLS (RTMPS) */
#ifndef SV_RTMP_CLIENT_H
#define SV_RTMP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"

/* rtmp[s]://host[:port]/app[/instance]/key: the last segment is the key */
struct sv_rtmp_url {
    char host[256];
    int port;               /* 1935, 443 for rtmps, unless given */
    int tls;
    char app[512];
    char key[1024];         /* stream name, with its query */
    char tcurl[1024];       /* rtmp[s]://host[:port]/app */
};

/*
 * Parses url into *u.  Returns 0, or SV_EUSAGE (a scheme other than rtmp
 * and rtmps, no host, no app or no key).
 */
int sv_rtmp_url_parse(const char *url, struct sv_rtmp_url *u);

/* ---- the engine ---- */

enum {
    SV_RTMP_CL_HANDSHAKE = 0,   /* C0+C1 sent, waiting for S0+S1+S2 */
    SV_RTMP_CL_CONNECT,         /* connect sent */
    SV_RTMP_CL_CREATE,          /* releaseStream, FCPublish, createStream */
    SV_RTMP_CL_PUBLISH,         /* publish sent */
    SV_RTMP_CL_LIVE,            /* NetStream.Publish.Start: send media */
};

struct sv_rtmp_client;

/*
 * Creates a client for u (copied) and appends C0+C1 to out.  Returns 0 or
 * -ENOMEM.
 */
int sv_rtmp_client_new(struct sv_rtmp_client **out, const struct sv_rtmp_url *u,
                       struct sv_buf *wire);
void sv_rtmp_client_free(struct sv_rtmp_client *c);

/*
 * Takes bytes from the server: S0+S1+S2, then chunks.  Appends C2, the
 * commands of each step and control replies (acks, pongs) to wire.
 * Returns 0, SV_EPROTO for a broken server, or SV_EAUTH when the server
 * refused connect or publish (sv_rtmp_client_error() says why).
 */
int sv_rtmp_client_feed(struct sv_rtmp_client *c, const uint8_t *p,
                        size_t len, struct sv_buf *wire);

int sv_rtmp_client_state(const struct sv_rtmp_client *c);

/* The message stream createStream gave (meaningful from PUBLISH on). */
uint32_t sv_rtmp_client_msid(const struct sv_rtmp_client *c);

/* Why the server refused ("NetStream.Publish.BadName: ..."), or "". */
const char *sv_rtmp_client_error(const struct sv_rtmp_client *c);

/* @setDataFrame onMetaData with the fields of meta (borrowed). */
int sv_rtmp_client_meta(struct sv_rtmp_client *c, const json_t *meta,
                        struct sv_buf *wire);

/*
 * One AVC video tag: config nonzero sends an AVCDecoderConfigurationRecord
 * (a sequence header), otherwise an access unit of 4-byte-length NAL
 * units with its composition offset cts (ms).  ts in ms, 32 bits.
 */
int sv_rtmp_client_video(struct sv_rtmp_client *c, uint32_t ts, int32_t cts,
                         int key, int config, const uint8_t *p, size_t len,
                         struct sv_buf *wire);

/* One AAC audio tag: config nonzero sends an AudioSpecificConfig. */
int sv_rtmp_client_audio(struct sv_rtmp_client *c, uint32_t ts, int config,
                         const uint8_t *p, size_t len, struct sv_buf *wire);

/* FCUnpublish and deleteStream: the end of the broadcast. */
int sv_rtmp_client_unpublish(struct sv_rtmp_client *c, struct sv_buf *wire);

/* ---- a connection over TCP or TLS ---- */

struct sv_rtmp_conn;

/*
 * Connects to u, runs the handshake and the commands until the server
 * lets it publish, waiting at most timeout_ms in all.  ca_file (NULL: the
 * system's) and verify apply to rtmps.  Returns 0 with *out, or a negative
 * code with a message in err (SV_EAUTH: the server refused the key).
 */
int sv_rtmp_conn_open(struct sv_rtmp_conn **out, const struct sv_rtmp_url *u,
                      const char *ca_file, int verify, int timeout_ms,
                      char *err, size_t size);

/* The engine of an open connection, to append messages to its wire. */
struct sv_rtmp_client *sv_rtmp_conn_client(struct sv_rtmp_conn *n);
struct sv_buf *sv_rtmp_conn_wire(struct sv_rtmp_conn *n);

/*
 * Sends what the wire holds, reading and answering the server meanwhile,
 * waiting at most timeout_ms for the socket.  Returns 0, -EAGAIN when the
 * time ran out (the rest stays in the wire), -EPIPE when the server closed
 * or a negative code.
 */
int sv_rtmp_conn_flush(struct sv_rtmp_conn *n, int timeout_ms);

/* Unpublishes (best effort, within timeout_ms) when graceful, closes. */
void sv_rtmp_conn_close(struct sv_rtmp_conn *n, int graceful, int timeout_ms);

#endif
