/* rtmp_client.c -- RTMP publishing client: the handshake, connect,
 * releaseStream/FCPublish/createStream/publish, FLV tags out, and a TCP or
 * TLS connection that drives it */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/err.h"
#include "core/time.h"
#include "crypto/cipher.h"
#include "crypto/tls_client.h"
#include "rtmp/amf0.h"
#include "rtmp/rtmp_chunk.h"
#include "rtmp/rtmp_client.h"
#include "rtmp/rtmp_handshake.h"

enum {
    MSG_SET_CHUNK_SIZE = 1, MSG_ABORT = 2, MSG_ACK = 3, MSG_USER_CONTROL = 4,
    MSG_WINDOW_ACK = 5, MSG_AUDIO = 8, MSG_VIDEO = 9, MSG_DATA_AMF0 = 18,
    MSG_CMD_AMF0 = 20,
};

/* chunk streams as FFmpeg and OBS use them */
enum { CS_CONTROL = 2, CS_COMMAND = 3, CS_AUDIO = 4, CS_STREAM = 5,
       CS_VIDEO = 6 };

/* transaction ids of the steps */
enum { TX_CONNECT = 1, TX_RELEASE = 2, TX_FCPUBLISH = 3, TX_CREATE = 4 };

#define OUT_CHUNK 4096
#define MAX_INPUT (SV_RTMP_MAX_CHUNK_SIZE + 64)

struct sv_rtmp_client {
    struct sv_rtmp_url url;
    int state;
    struct sv_buf in;            /* server bytes not consumed yet */
    struct sv_rtmp_reader rd;
    uint8_t c1[SV_RTMP_HS_SIZE];
    uint32_t msid;               /* the stream createStream gave us */
    uint64_t bytes, acked;
    uint32_t window;             /* the server's window ack size */
    char error[256];
};

/* ---- URL ---- */

int
sv_rtmp_url_parse(const char *url, struct sv_rtmp_url *u)
{
    const char *p, *host, *hend, *path, *slash;
    size_t n;

    memset(u, 0, sizeof(*u));
    if (strncmp(url, "rtmp://", 7) == 0) {
        p = url + 7;
    } else if (strncmp(url, "rtmps://", 8) == 0) {
        p = url + 8;
        u->tls = 1;
    } else {
        return SV_EUSAGE;
    }
    u->port = u->tls ? 443 : 1935;
    host = p;
    path = strchr(p, '/');
    if (path == NULL)
        return SV_EUSAGE;
    hend = path;
    if (host[0] == '[') {
        const char *rb = memchr(host, ']', (size_t)(path - host));

        if (rb == NULL)
            return SV_EUSAGE;
        host++;
        hend = rb;
        if (rb[1] == ':')
            u->port = atoi(rb + 2);
    } else {
        const char *colon = memchr(host, ':', (size_t)(path - host));

        if (colon != NULL) {
            char *end;
            long v = strtol(colon + 1, &end, 10);

            if (end != path || v < 1 || v > 65535)
                return SV_EUSAGE;
            u->port = (int)v;
            hend = colon;
        }
    }
    n = (size_t)(hend - host);
    if (n == 0 || n >= sizeof(u->host) || u->port < 1 || u->port > 65535)
        return SV_EUSAGE;
    memcpy(u->host, host, n);
    path++;
    /* the key is the last segment; a query before it belongs to the app */
    slash = strrchr(path, '/');
    if (slash == NULL || slash == path || slash[1] == '\0')
        return SV_EUSAGE;
    n = (size_t)(slash - path);
    if (n >= sizeof(u->app) || strlen(slash + 1) >= sizeof(u->key))
        return SV_EUSAGE;
    memcpy(u->app, path, n);
    strcpy(u->key, slash + 1);
    /* tcUrl: the URL without the key */
    if ((size_t)(slash - url) >= sizeof(u->tcurl))
        return SV_EUSAGE;
    memcpy(u->tcurl, url, (size_t)(slash - url));
    return 0;
}

/* ---- the engine ---- */

static int
put_cmd(struct sv_rtmp_client *c, struct sv_buf *wire, uint32_t csid,
        uint8_t type, uint32_t msid, json_t *args)
{
    struct sv_buf b = SV_BUF_INIT(1u << 16);
    json_t *v;
    size_t i;
    int rc = args == NULL ? -ENOMEM : 0;

    json_array_foreach(args, i, v) {
        if (rc == 0)
            rc = sv_amf0_encode(&b, v);
    }
    json_decref(args);
    if (rc == 0)
        rc = sv_rtmp_write_msg(wire, OUT_CHUNK, csid, type, msid, 0, b.data,
                               b.len);
    sv_buf_release(&b);
    return rc;
}

static int
put_ctrl32(struct sv_buf *wire, uint8_t type, uint32_t v, uint32_t chunk)
{
    uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 8), (uint8_t)v };

    return sv_rtmp_write_msg(wire, chunk, CS_CONTROL, type, 0, 0, p, 4);
}

int
sv_rtmp_client_new(struct sv_rtmp_client **out, const struct sv_rtmp_url *u,
                   struct sv_buf *wire)
{
    struct sv_rtmp_client *c = calloc(1, sizeof(*c));
    uint8_t c0 = 3;
    int rc;

    if (c == NULL)
        return -ENOMEM;
    c->url = *u;
    sv_buf_init(&c->in, MAX_INPUT);
    sv_rtmp_reader_init(&c->rd);
    /* plain C1: time, zero, random; servers answer it with an echo */
    memset(c->c1, 0, 8);
    rc = sv_drm_random(c->c1 + 8, sizeof(c->c1) - 8);
    if (rc == 0)
        rc = sv_buf_append(wire, &c0, 1);
    if (rc == 0)
        rc = sv_buf_append(wire, c->c1, sizeof(c->c1));
    if (rc < 0) {
        sv_rtmp_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void
sv_rtmp_client_free(struct sv_rtmp_client *c)
{
    if (c == NULL)
        return;
    sv_buf_release(&c->in);
    sv_rtmp_reader_release(&c->rd);
    free(c);
}

int
sv_rtmp_client_state(const struct sv_rtmp_client *c)
{
    return c->state;
}

uint32_t
sv_rtmp_client_msid(const struct sv_rtmp_client *c)
{
    return c->msid;
}

const char *
sv_rtmp_client_error(const struct sv_rtmp_client *c)
{
    return c->error;
}

static int
send_connect(struct sv_rtmp_client *c, struct sv_buf *wire)
{
    json_t *obj;
    int rc;

    /* our chunk size first, so that media leaves in few chunks */
    rc = put_ctrl32(wire, MSG_SET_CHUNK_SIZE, OUT_CHUNK, 128);
    if (rc < 0)
        return rc;
    obj = json_pack("{s:s,s:s,s:s,s:s}", "app", c->url.app,
                    "type", "nonprivate",
                    "flashVer", "FMLE/3.0 (compatible; sv-publish)",
                    "tcUrl", c->url.tcurl);
    c->state = SV_RTMP_CL_CONNECT;
    return put_cmd(c, wire, CS_COMMAND, MSG_CMD_AMF0, 0,
                   json_pack("[s,i,o]", "connect", TX_CONNECT, obj));
}

static int
send_create(struct sv_rtmp_client *c, struct sv_buf *wire)
{
    int rc;

    rc = put_cmd(c, wire, CS_COMMAND, MSG_CMD_AMF0, 0,
                 json_pack("[s,i,n,s]", "releaseStream", TX_RELEASE,
                           c->url.key));
    if (rc == 0)
        rc = put_cmd(c, wire, CS_COMMAND, MSG_CMD_AMF0, 0,
                     json_pack("[s,i,n,s]", "FCPublish", TX_FCPUBLISH,
                               c->url.key));
    if (rc == 0)
        rc = put_cmd(c, wire, CS_COMMAND, MSG_CMD_AMF0, 0,
                     json_pack("[s,i,n]", "createStream", TX_CREATE));
    c->state = SV_RTMP_CL_CREATE;
    return rc;
}

static void
set_error(struct sv_rtmp_client *c, const char *what, json_t *info)
{
    const char *code = json_string_value(json_object_get(info, "code"));
    const char *desc = json_string_value(json_object_get(info,
                                                         "description"));

    snprintf(c->error, sizeof(c->error), "%s%s%s%s%s", what,
             code != NULL ? ": " : "", code != NULL ? code : "",
             desc != NULL && desc[0] != '\0' ? ": " : "",
             desc != NULL ? desc : "");
}

static int
on_command(struct sv_rtmp_client *c, const uint8_t *p, size_t len,
           struct sv_buf *wire)
{
    json_t *args = NULL;
    const char *name, *code, *level;
    json_t *info;
    double tid;
    int rc = 0;

    if (sv_amf0_decode_all(p, len, &args) < 0)
        return SV_EPROTO;
    name = json_string_value(json_array_get(args, 0));
    tid = json_number_value(json_array_get(args, 1));
    if (name == NULL) {
        rc = SV_EPROTO;
    } else if (strcmp(name, "_result") == 0) {
        if (tid == TX_CONNECT && c->state == SV_RTMP_CL_CONNECT) {
            rc = send_create(c, wire);
        } else if (tid == TX_CREATE && c->state == SV_RTMP_CL_CREATE) {
            json_t *id = json_array_get(args, 3);

            c->msid = json_is_number(id) ? (uint32_t)json_number_value(id)
                                         : 1;
            c->state = SV_RTMP_CL_PUBLISH;
            rc = put_cmd(c, wire, CS_STREAM, MSG_CMD_AMF0, c->msid,
                         json_pack("[s,i,n,s,s]", "publish", 0, c->url.key,
                                   "live"));
        }
    } else if (strcmp(name, "_error") == 0) {
        if (tid == TX_CONNECT || tid == TX_CREATE) {
            set_error(c, tid == TX_CONNECT ? "connect refused"
                                           : "createStream refused",
                      json_array_get(args, 3));
            rc = SV_EAUTH;
        }
    } else if (strcmp(name, "onStatus") == 0) {
        info = json_array_get(args, 3);
        code = json_string_value(json_object_get(info, "code"));
        level = json_string_value(json_object_get(info, "level"));
        if (code != NULL && strcmp(code, "NetStream.Publish.Start") == 0) {
            c->state = SV_RTMP_CL_LIVE;
        } else if (level != NULL && strcmp(level, "error") == 0) {
            set_error(c, "publish refused", info);
            rc = SV_EAUTH;
        }
    }
    /* onBWDone, onFCPublish and the rest need nothing from a publisher */
    json_decref(args);
    return rc;
}

static int
on_message(struct sv_rtmp_client *c, const struct sv_rtmp_msg *m,
           struct sv_buf *wire)
{
    uint32_t v;

    switch (m->type) {
    case MSG_SET_CHUNK_SIZE:
        if (m->len < 4)
            return SV_EPROTO;
        v = sv_be32(m->data) & 0x7fffffff;
        if (v < 1 || v > SV_RTMP_MAX_CHUNK_SIZE)
            return SV_EPROTO;
        c->rd.chunk_size = v;
        return 0;
    case MSG_ABORT:
        if (m->len >= 4)
            sv_rtmp_reader_abort(&c->rd, sv_be32(m->data));
        return 0;
    case MSG_WINDOW_ACK:
        if (m->len >= 4)
            c->window = sv_be32(m->data);
        return 0;
    case MSG_USER_CONTROL:
        if (m->len >= 6 && m->data[0] == 0 && m->data[1] == 6) {
            uint8_t pong[6] = { 0, 7, m->data[2], m->data[3], m->data[4],
                                m->data[5] };

            return sv_rtmp_write_msg(wire, OUT_CHUNK, CS_CONTROL,
                                     MSG_USER_CONTROL, 0, 0, pong, 6);
        }
        return 0;
    case MSG_CMD_AMF0:
        return on_command(c, m->data, m->len, wire);
    default:
        return 0;
    }
}

int
sv_rtmp_client_feed(struct sv_rtmp_client *c, const uint8_t *p, size_t len,
                    struct sv_buf *wire)
{
    struct sv_rtmp_msg m;
    size_t off = 0, used;
    int rc;

    rc = sv_buf_append(&c->in, p, len);
    if (rc < 0)
        return rc;
    c->bytes += len;
    p = c->in.data;
    len = c->in.len;
    while (off < len) {
        if (c->state == SV_RTMP_CL_HANDSHAKE) {
            if (len - off < 1 + 2 * SV_RTMP_HS_SIZE)
                break;
            if (p[off] != 3)
                return SV_EPROTO;
            /* C2 echoes S1; S2 (our C1 echoed) is not judged, as
             * servers differ in how faithfully they echo */
            rc = sv_buf_append(wire, p + off + 1, SV_RTMP_HS_SIZE);
            if (rc < 0)
                return rc;
            off += 1 + 2 * SV_RTMP_HS_SIZE;
            rc = send_connect(c, wire);
            if (rc < 0)
                return rc;
            continue;
        }
        rc = sv_rtmp_reader_chunk(&c->rd, p + off, len - off, &used, &m);
        if (rc < 0)
            return rc;
        if (used == 0)
            break;
        off += used;
        if (rc == 1) {
            rc = on_message(c, &m, wire);
            if (rc < 0)
                return rc;
        }
    }
    memmove(c->in.data, c->in.data + off, len - off);
    c->in.len = len - off;
    /* acknowledge what we read once a window is full */
    if (c->window > 0 && c->bytes - c->acked >= c->window) {
        c->acked = c->bytes;
        rc = put_ctrl32(wire, MSG_ACK, (uint32_t)c->bytes, OUT_CHUNK);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
sv_rtmp_client_meta(struct sv_rtmp_client *c, const json_t *meta,
                    struct sv_buf *wire)
{
    return put_cmd(c, wire, CS_STREAM, MSG_DATA_AMF0, c->msid,
                   json_pack("[s,s,O]", "@setDataFrame", "onMetaData",
                             meta));
}

int
sv_rtmp_client_video(struct sv_rtmp_client *c, uint32_t ts, int32_t cts,
                     int key, int config, const uint8_t *p, size_t len,
                     struct sv_buf *wire)
{
    struct sv_buf b = SV_BUF_INIT(SV_RTMP_MAX_MESSAGE);
    int rc;

    /* frame type (1 key, 2 inter) and codec 7 (AVC), packet type, cts */
    rc = sv_buf_u8(&b, (uint8_t)((key || config ? 0x10 : 0x20) | 7));
    if (rc == 0)
        rc = sv_buf_u8(&b, config ? 0 : 1);
    if (rc == 0)
        rc = sv_buf_be24(&b, config ? 0 : (uint32_t)cts & 0xffffff);
    if (rc == 0)
        rc = sv_buf_append(&b, p, len);
    if (rc == 0)
        rc = sv_rtmp_write_msg(wire, OUT_CHUNK, CS_VIDEO, MSG_VIDEO, c->msid,
                               ts, b.data, b.len);
    sv_buf_release(&b);
    return rc;
}

int
sv_rtmp_client_audio(struct sv_rtmp_client *c, uint32_t ts, int config,
                     const uint8_t *p, size_t len, struct sv_buf *wire)
{
    struct sv_buf b = SV_BUF_INIT(SV_RTMP_MAX_MESSAGE);
    int rc;

    /* AAC (10), and the fixed "44 kHz, 16 bits, stereo" bits it takes */
    rc = sv_buf_u8(&b, 0xaf);
    if (rc == 0)
        rc = sv_buf_u8(&b, config ? 0 : 1);
    if (rc == 0)
        rc = sv_buf_append(&b, p, len);
    if (rc == 0)
        rc = sv_rtmp_write_msg(wire, OUT_CHUNK, CS_AUDIO, MSG_AUDIO, c->msid,
                               ts, b.data, b.len);
    sv_buf_release(&b);
    return rc;
}

int
sv_rtmp_client_unpublish(struct sv_rtmp_client *c, struct sv_buf *wire)
{
    int rc;

    rc = put_cmd(c, wire, CS_COMMAND, MSG_CMD_AMF0, 0,
                 json_pack("[s,i,n,s]", "FCUnpublish", 5, c->url.key));
    if (rc == 0)
        rc = put_cmd(c, wire, CS_COMMAND, MSG_CMD_AMF0, 0,
                     json_pack("[s,i,n,i]", "deleteStream", 6, c->msid));
    return rc;
}

/* ---- the connection ---- */

struct sv_rtmp_conn {
    int fd;
    struct sv_tls_sock *tls;
    struct sv_rtmp_client *cl;
    struct sv_buf wire;         /* bytes for the server */
    size_t sent;                /* of wire, already gone */
};

#define WIRE_MAX (64u << 20)

static int
tcp_connect(const char *host, int port, int64_t deadline, char *err,
            size_t size)
{
    struct addrinfo hints, *ai = NULL, *a;
    char service[16];
    int fd = -1, rc, e = ECONNREFUSED;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(err, size, "cannot resolve '%s': %s", host,
                 gai_strerror(rc));
        return SV_EUSAGE;
    }
    for (a = ai; a != NULL; a = a->ai_next) {
        struct pollfd pfd;
        socklen_t sl = sizeof(e);
        int64_t left;

        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
                    SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        e = errno;
        if (e == EINPROGRESS) {
            left = deadline - sv_time_now_ms();
            pfd.fd = fd;
            pfd.events = POLLOUT;
            if (left > 0 && poll(&pfd, 1, (int)left) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 &&
                e == 0)
                break;
            if (left <= 0 || pfd.revents == 0)
                e = ETIMEDOUT;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, size, "cannot connect to %s:%d: %s", host, port,
                 sv_strerror(-e));
        return -e;
    }
    return fd;
}

/* what the server sent, fed to the engine; 0, -EPIPE at its end, or < 0 */
static int
pump_in(struct sv_rtmp_conn *n)
{
    uint8_t buf[16384];
    int r, rc;

    for (;;) {
        if (n->tls != NULL) {
            r = sv_tls_sock_read(n->tls, buf, sizeof(buf));
        } else {
            ssize_t k = recv(n->fd, buf, sizeof(buf), 0);

            r = k >= 0 ? (int)k
                : errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
                : errno == EINTR ? -EAGAIN : 0;
        }
        if (r == -EAGAIN)
            return 0;
        if (r == 0)
            return -EPIPE;
        if (r < 0)
            return r;
        rc = sv_rtmp_client_feed(n->cl, buf, (size_t)r, &n->wire);
        if (rc < 0)
            return rc;
    }
}

int
sv_rtmp_conn_flush(struct sv_rtmp_conn *n, int timeout_ms)
{
    int64_t deadline = sv_time_now_ms() + timeout_ms;
    struct pollfd pfd;
    int rc;

    for (;;) {
        rc = pump_in(n);
        if (rc < 0)
            return rc;
        if (n->sent == n->wire.len) {
            sv_buf_reset(&n->wire);
            n->sent = 0;
            return 0;
        }
        if (n->tls != NULL) {
            /* TLS writes whole records: give it the rest at once */
            rc = sv_tls_sock_write(n->tls, n->wire.data + n->sent,
                                   n->wire.len - n->sent,
                                   (int)(deadline - sv_time_now_ms() > 0
                                         ? deadline - sv_time_now_ms() : 0));
            if (rc < 0)
                return rc;
            n->sent = n->wire.len;
            continue;
        }
        {
            ssize_t k = send(n->fd, n->wire.data + n->sent,
                             n->wire.len - n->sent, MSG_NOSIGNAL);

            if (k > 0) {
                n->sent += (size_t)k;
                continue;
            }
            if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                errno != EINTR)
                return errno == EPIPE || errno == ECONNRESET ? -EPIPE
                                                             : -errno;
        }
        if (sv_time_now_ms() >= deadline)
            return -EAGAIN;
        pfd.fd = n->fd;
        pfd.events = POLLOUT | POLLIN;
        pfd.revents = 0;
        poll(&pfd, 1, (int)(deadline - sv_time_now_ms()));
    }
}

int
sv_rtmp_conn_open(struct sv_rtmp_conn **out, const struct sv_rtmp_url *u,
                  const char *ca_file, int verify, int timeout_ms,
                  char *err, size_t size)
{
    int64_t deadline = sv_time_now_ms() + timeout_ms;
    struct sv_rtmp_conn *n;
    struct pollfd pfd;
    int rc, left;

    n = calloc(1, sizeof(*n));
    if (n == NULL)
        return -ENOMEM;
    sv_buf_init(&n->wire, WIRE_MAX);
    n->fd = tcp_connect(u->host, u->port, deadline, err, size);
    if (n->fd < 0) {
        rc = n->fd;
        n->fd = -1;
        goto fail;
    }
    if (u->tls) {
        rc = sv_tls_sock_connect(&n->tls, n->fd, u->host, ca_file, verify,
                                 timeout_ms, err, size);
        if (rc < 0)
            goto fail;
    }
    rc = sv_rtmp_client_new(&n->cl, u, &n->wire);
    if (rc < 0)
        goto fail;
    while (sv_rtmp_client_state(n->cl) != SV_RTMP_CL_LIVE) {
        left = (int)(deadline - sv_time_now_ms());
        rc = left > 0 ? sv_rtmp_conn_flush(n, left) : -EAGAIN;
        if (rc == 0 && sv_rtmp_client_state(n->cl) != SV_RTMP_CL_LIVE) {
            pfd.fd = n->fd;
            pfd.events = POLLIN;
            pfd.revents = 0;
            left = (int)(deadline - sv_time_now_ms());
            if (left <= 0 || poll(&pfd, 1, left) == 0)
                rc = -EAGAIN;
        }
        if (rc == -EAGAIN) {
            snprintf(err, size, "%s:%d did not let us publish in time",
                     u->host, u->port);
            rc = -ETIMEDOUT;
            goto fail;
        }
        if (rc == SV_EAUTH) {
            snprintf(err, size, "%s", sv_rtmp_client_error(n->cl));
            goto fail;
        }
        if (rc < 0) {
            snprintf(err, size, "%s:%d %s", u->host, u->port,
                     rc == -EPIPE ? "closed the connection"
                                  : sv_strerror(rc));
            goto fail;
        }
    }
    *out = n;
    return 0;
fail:
    sv_rtmp_conn_close(n, 0, 0);
    return rc;
}

struct sv_rtmp_client *
sv_rtmp_conn_client(struct sv_rtmp_conn *n)
{
    return n->cl;
}

struct sv_buf *
sv_rtmp_conn_wire(struct sv_rtmp_conn *n)
{
    return &n->wire;
}

void
sv_rtmp_conn_close(struct sv_rtmp_conn *n, int graceful, int timeout_ms)
{
    if (n == NULL)
        return;
    if (graceful && n->cl != NULL &&
        sv_rtmp_client_unpublish(n->cl, &n->wire) == 0)
        sv_rtmp_conn_flush(n, timeout_ms);
    sv_tls_sock_free(n->tls);
    if (n->fd >= 0)
        close(n->fd);
    sv_rtmp_client_free(n->cl);
    sv_buf_release(&n->wire);
    free(n);
}
