/* ingest_rtmp.c -- RTMP connections on libuv, glued to the stream registry */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "crypto/tls.h"
#include "ingest/ingest_int.h"
#include "rtmp/rtmp.h"
#include "rtmp/rtmp_handshake.h"

/* replies the peer does not read pile up to this, then it is dropped */
#define MAX_UNSENT (1 << 20)
/* connections not publishing yet, from all addresses together: each may
 * hold about a megabyte (rtmp.c's bounds before a publish is allowed) */
#define MAX_UNAUTH 256

struct rlisten {
    uv_tcp_t tcp;
    struct sv_ingest *ing;
    struct sv_tls_ctx *tls;     /* rtmps:// */
};

/* the read buffer: one a connection reads per loop iteration */
#define RTMP_RBUF 65536

struct sv_rconn {
    struct sv_isource src;      /* first: a source is a connection */
    struct sv_ingest *ing;
    struct sv_rconn *next, **prevp;
    uv_tcp_t tcp;
    struct sv_rtmp_sess *sess;
    struct sv_streamid sid;
    int closing;
    int refs;                   /* the tcp handle, an auth request */
    uint64_t pub_gen;           /* bumped by every publish and unpublish */
    struct authreq *auth;       /* the --auth-url request in flight */
    int auth_queued;            /* a publish waits for that one to end */
    struct sv_tls *tls;         /* rtmps:// */
    struct sv_buf cin, cout;    /* ciphertext for the peer */
    uint64_t last_read;         /* uv_now() of the last read, ms */
    int paused;                 /* reading stopped until the check phase */
    char host[64];              /* the peer's address without its port */
};

/*
 * One --auth-url request.  It owns copies of what it asks about, so the
 * pool thread never reads the connection, and its answer applies only to
 * the publish that asked it (gen): a publish withdrawn, another one, or a
 * connection closed while it runs makes the answer stale, and it is
 * dropped.
 */
struct authreq {
    uv_work_t work;
    struct sv_rconn *c;
    uint64_t gen;
    const struct sv_ingest_conf *conf;
    struct sv_streamid sid;
    char proto[8];
    char remote[80];
    int rc;
    char why[256];
};

struct rwrite {
    uv_write_t req;
    uint8_t data[];
};

static void
conn_unref(struct sv_rconn *c)
{
    if (--c->refs > 0)
        return;
    sv_tls_free(c->tls);
    sv_buf_release(&c->cin);
    sv_buf_release(&c->cout);
    sv_rtmp_sess_free(c->sess);
    free(c);
}

static void
conn_closed(uv_handle_t *h)
{
    conn_unref(h->data);
}

/* takes c off the list and its stream; 0 when it was closing already */
static int
conn_unlink(struct sv_rconn *c, const char *why)
{
    if (c->closing)
        return 0;
    c->closing = 1;
    if (c->next != NULL)
        c->next->prevp = c->prevp;
    *c->prevp = c->next;
    if (c->src.st != NULL)
        sv__stream_detach(&c->src, why);
    return 1;
}

static void
conn_close(struct sv_rconn *c, const char *why)
{
    if (conn_unlink(c, why))
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void
after_shutdown(uv_shutdown_t *req, int status)
{
    struct sv_rconn *c = req->data;

    free(req);
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

/* closes once what we wrote (a refusal) has left */
static void
conn_close_flushed(struct sv_rconn *c)
{
    uv_shutdown_t *req;

    if (!conn_unlink(c, "refused"))
        return;
    req = malloc(sizeof(*req));
    if (req != NULL) {
        req->data = c;
        if (uv_shutdown(req, (uv_stream_t *)&c->tcp, after_shutdown) == 0)
            return;
        free(req);
    }
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void
src_close(struct sv_isource *src)
{
    conn_close((struct sv_rconn *)src, "closed");
}

static void
src_stats(struct sv_isource *src, json_t *data)
{
    struct sv_rconn *c = (struct sv_rconn *)src;
    int hs = sv_rtmp_sess_handshake(c->sess);

    json_object_set_new(data, "rtmp", json_pack(
        "{s:s,s:I}", "handshake", hs > 0 ? "digest" : "plain",
        "wire_bytes", (json_int_t)c->src.bytes));
}

static const struct sv_isource_ops rtmp_ops = { src_close, src_stats };

static void
written(uv_write_t *req, int status)
{
    free(req);
}

/* bytes for the socket as they are (ciphertext with TLS) */
static int
raw_send(struct sv_rconn *c, const uint8_t *p, size_t len)
{
    struct rwrite *w;
    uv_buf_t buf;
    int n = 0;

    if (c->closing)
        return 0;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
        buf = uv_buf_init((char *)p, (unsigned)len);
        n = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
        if (n == (int)len)
            return 0;
        if (n < 0 && n != UV_EAGAIN)
            return n;
        if (n < 0)
            n = 0;
    } else if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >
               MAX_UNSENT) {
        return SV_ELIMIT;
    }
    w = malloc(sizeof(*w) + len - (size_t)n);
    if (w == NULL)
        return -ENOMEM;
    memcpy(w->data, p + n, len - (size_t)n);
    buf = uv_buf_init((char *)w->data, (unsigned)(len - (size_t)n));
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, written) < 0) {
        free(w);
        return -EPIPE;
    }
    return 0;
}

static int
cb_send(void *ud, const uint8_t *p, size_t len)
{
    struct sv_rconn *c = ud;
    int rc;

    if (c->tls == NULL)
        return raw_send(c, p, len);
    sv_buf_reset(&c->cout);
    rc = sv_tls_write(c->tls, p, len, &c->cout);
    if (rc == 0 && c->cout.len > 0)
        rc = raw_send(c, c->cout.data, c->cout.len);
    return rc;
}

static int
tls_plain(void *ud, const uint8_t *p, size_t len)
{
    struct sv_rconn *c = ud;

    return c->closing ? 0 : sv_rtmp_sess_feed(c->sess, p, len);
}

static void
refuse(struct sv_rconn *c, int code, const char *why)
{
    sv__ingest_refused(c->ing, c->src.proto, c->src.remote, &c->sid, code,
                       why);
    sv_rtmp_sess_publish_result(c->sess, 0,
                                code == SV_EFORMAT ? "badname" : NULL, why);
    conn_close_flushed(c);
}

static void
go_live(struct sv_rconn *c)
{
    char why[256];
    int rc;

    rc = sv__stream_begin(c->ing, &c->src, &c->sid, why, sizeof(why));
    if (rc < 0) {
        refuse(c, rc, why);
        return;
    }
    if (sv_rtmp_sess_publish_result(c->sess, 1, NULL, "publishing") < 0)
        conn_close(c, "error");
}

static void
auth_work(uv_work_t *w)
{
    struct authreq *r = w->data;

    r->rc = sv__auth_url(r->conf, &r->sid, r->proto, r->remote, r->why,
                         sizeof(r->why));
}

static void start_auth(struct sv_rconn *c);

static void
auth_done(uv_work_t *w, int status)
{
    struct authreq *r = w->data;
    struct sv_rconn *c = r->c;

    c->auth = NULL;
    if (!c->closing && r->gen == c->pub_gen) {
        if (r->rc < 0)
            refuse(c, r->rc, r->why);
        else
            go_live(c);
    } else if (!c->closing && c->auth_queued) {
        start_auth(c);      /* the publish that came while this ran */
    }
    free(r);
    conn_unref(c);
}

/* asks --auth-url about c->sid, for the publish of generation pub_gen */
static void
start_auth(struct sv_rconn *c)
{
    struct authreq *r;

    c->auth_queued = 0;
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        refuse(c, -ENOMEM, "cannot ask the auth server");
        return;
    }
    r->work.data = r;
    r->c = c;
    r->gen = c->pub_gen;
    r->conf = c->ing->conf;
    r->sid = c->sid;
    snprintf(r->proto, sizeof(r->proto), "%s", c->src.proto);
    snprintf(r->remote, sizeof(r->remote), "%s", c->src.remote);
    /* the HTTP request runs on libuv's pool; the loop keeps going */
    c->refs++;
    c->auth = r;
    if (uv_queue_work(&c->ing->loop, &r->work, auth_work, auth_done) < 0) {
        c->refs--;
        c->auth = NULL;
        free(r);
        refuse(c, SV_EINTERNAL, "cannot ask the auth server");
    }
}

static void
cb_publish(void *ud, const char *app, const char *name, const char *tcurl)
{
    struct sv_rconn *c = ud;
    char why[256], pass[80];
    int rc;

    if (c->closing)
        return;
    c->pub_gen++;
    rc = sv_streamid_from_rtmp(app, name, &c->sid);
    if (rc < 0) {
        snprintf(c->sid.app, sizeof(c->sid.app), "%.63s", app);
        snprintf(why, sizeof(why), "bad stream name '%.100s'", name);
        refuse(c, SV_EFORMAT, why);
        return;
    }
    rc = sv__auth_check(c->ing->auth, &c->sid, pass, sizeof(pass), why,
                        sizeof(why));
    if (rc == 0 && pass[0] != '\0') {
        /* RTMP cannot present the passphrase: the key is SRT's only */
        snprintf(why, sizeof(why), "stream key '%s/%s' has an SRT "
                 "passphrase: publish it over SRT", c->sid.app, c->sid.name);
        rc = SV_EAUTH;
    }
    explicit_bzero(pass, sizeof(pass));
    if (rc < 0) {
        refuse(c, rc, why);
        return;
    }
    if (c->ing->conf->auth_url == NULL)
        go_live(c);
    else if (c->auth != NULL)
        c->auth_queued = 1;     /* one request at a time per connection */
    else
        start_auth(c);
}

static void
cb_media(void *ud, int track, uint32_t ts, const struct sv_flv_tag *tag)
{
    struct sv_rconn *c = ud;
    struct sv_istream *st = c->src.st;
    struct sv_ingest_track t;
    struct sv_ingest_pkt p;

    if (c->closing || st == NULL)
        return;
    if (tag->what == SV_FLV_CONFIG || (tag->codec == SV_CODEC_MP3 &&
                                       st->tracks[track].codec !=
                                           SV_CODEC_MP3)) {
        memset(&t, 0, sizeof(t));
        t.codec = tag->codec;
        if (tag->what == SV_FLV_CONFIG) {
            t.extra = (uint8_t *)tag->data;
            t.extra_len = tag->size;
        }
        t.sample_rate = tag->sample_rate;
        t.channels = tag->channels;
        sv__stream_config(st, track, &t);
        st = c->src.st;
        if (tag->what == SV_FLV_CONFIG || st == NULL)
            return;
    }
    p.track = track;
    p.dts = (int64_t)ts * 1000;
    p.pts = p.dts + (int64_t)tag->cts * 1000;
    p.key = tag->key;
    p.data = tag->data;
    p.size = tag->size;
    sv__stream_packet(st, &p);
}

static void
cb_meta(void *ud, json_t *meta)
{
    struct sv_rconn *c = ud;

    if (!c->closing && c->src.st != NULL)
        sv__stream_meta(c->src.st, meta);
}

static void
cb_unpublish(void *ud)
{
    struct sv_rconn *c = ud;

    /* an answer still on its way is for a publish that is gone */
    c->pub_gen++;
    c->auth_queued = 0;
    if (c->src.st != NULL)
        sv__stream_detach(&c->src, "unpublished");
}

static const struct sv_rtmp_cbs sess_cbs = {
    cb_publish, cb_media, cb_meta, cb_unpublish, cb_send,
};

/* one buffer for every read: the session copies what it keeps */
static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char rbuf[RTMP_RBUF];

    buf->base = rbuf;
    buf->len = sizeof(rbuf);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct sv_rconn *c = s->data;
    int rc;

    if (n == 0 || c->closing)
        return;
    if (n < 0) {
        conn_close(c, n == UV_EOF ? "disconnected" : "connection-lost");
        return;
    }
    c->src.bytes += (uint64_t)n;
    c->src.recv_ns = uv_hrtime();
    c->last_read = uv_now(&c->ing->loop);
    if (c->tls != NULL) {
        sv_buf_reset(&c->cin);
        rc = sv_tls_feed(c->tls, (const uint8_t *)buf->base, (size_t)n,
                         tls_plain, c, &c->cin);
        if (c->cin.len > 0 && !c->closing && raw_send(c, c->cin.data,
                                                      c->cin.len) < 0)
            rc = -EPIPE;
    } else {
        rc = sv_rtmp_sess_feed(c->sess, (const uint8_t *)buf->base,
                               (size_t)n);
    }
    if (rc < 0 && !c->closing) {
        sv_log_warn("rtmp peer %s: %s", c->src.remote, sv_strerror(rc));
        conn_close(c, "protocol-error");
        return;
    }
    /* A full buffer: more is waiting.  libuv would read on, up to 32
     * buffers (2 MiB, seconds of video a publisher that fell behind has
     * queued) in one go, each fanned out to every WHEP viewer, while
     * nothing else on the loop (viewers' RTCP, timers) runs; viewers then
     * time out all at once.  One buffer a loop iteration instead. */
    if ((size_t)n == RTMP_RBUF && !c->closing &&
        uv_read_stop((uv_stream_t *)&c->tcp) == 0) {
        c->paused = 1;
        uv_check_start(&c->ing->rtmp_resume, sv__rtmp_resume);
    }
}

void
sv__rtmp_resume(uv_check_t *h)
{
    struct sv_ingest *ing = h->data;
    struct sv_rconn *c;

    uv_check_stop(h);
    for (c = ing->rconns; c != NULL; c = c->next) {
        if (!c->paused || c->closing)
            continue;
        c->paused = 0;
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
            conn_close(c, "connection-lost");
    }
}

static void
format_peer(uv_tcp_t *tcp, char *out, size_t size, char host[64])
{
    struct sockaddr_storage ss;
    int len = sizeof(ss), port = 0;

    snprintf(host, 64, "?");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, 64);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, host, 64);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(out, size, "%s:%d", host, port);
}

/* the caps on connections per address and not yet publishing */
static int
over_limits(struct sv_ingest *ing, struct sv_rconn *c)
{
    int max = ing->conf->max_conns_per_ip, same = 0, unauth = 0;
    struct sv_rconn *o;

    for (o = ing->rconns; o != NULL; o = o->next) {
        if (o == c)
            continue;
        same += strcmp(o->host, c->host) == 0;
        unauth += o->src.st == NULL;
    }
    if (max > 0 && same >= max) {
        sv_log_warn("rtmp peer %s: too many connections from %s "
                    "(--max-conns-per-ip %d)", c->src.remote, c->host, max);
        return SV_ELIMIT;
    }
    if (unauth >= MAX_UNAUTH) {
        sv_log_warn("rtmp peer %s: too many connections not publishing "
                    "(%d)", c->src.remote, MAX_UNAUTH);
        return SV_ELIMIT;
    }
    return 0;
}

static void
on_connection(uv_stream_t *server, int status)
{
    struct rlisten *l = server->data;
    struct sv_ingest *ing = l->ing;
    struct sv_rconn *c;

    if (status < 0)
        return;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->ing = ing;
    c->src.ops = &rtmp_ops;
    c->src.proto = l->tls != NULL ? "rtmps" : "rtmp";
    sv_buf_init(&c->cin, 4u << 20);
    sv_buf_init(&c->cout, 4u << 20);
    uv_tcp_init(&ing->loop, &c->tcp);
    c->tcp.data = c;
    c->refs = 1;
    c->next = ing->rconns;
    if (c->next != NULL)
        c->next->prevp = &c->next;
    c->prevp = &ing->rconns;
    ing->rconns = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 ||
        sv_rtmp_sess_new(&c->sess, &sess_cbs, c) < 0 || ing->stopping ||
        (l->tls != NULL && sv_tls_new(&c->tls, l->tls) < 0)) {
        conn_close(c, "error");
        return;
    }
    format_peer(&c->tcp, c->src.remote, sizeof(c->src.remote), c->host);
    if (over_limits(ing, c) < 0) {
        conn_close(c, "refused");
        return;
    }
    c->last_read = uv_now(&ing->loop);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_tcp_keepalive(&c->tcp, 1, 30);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c, "error");
}

/* "rtmp://host:port" (host may be [v6]); port defaults to 1935 */
static int
parse_url(const char *url, const char *scheme, int defport,
          struct sockaddr_storage *ss)
{
    char host[256];
    const char *p = url + strlen(scheme), *colon, *end;
    long port = defport;
    size_t n;

    if (p[0] == '[') {
        end = strchr(p, ']');
        if (end == NULL)
            return SV_EUSAGE;
        n = (size_t)(end - p - 1);
        if (n >= sizeof(host))
            return SV_EUSAGE;
        memcpy(host, p + 1, n);
        host[n] = '\0';
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(p, ':');
        n = colon != NULL ? (size_t)(colon - p) : strcspn(p, "/");
        if (n >= sizeof(host))
            return SV_EUSAGE;
        memcpy(host, p, n);
        host[n] = '\0';
    }
    if (colon != NULL) {
        char *e;

        port = strtol(colon + 1, &e, 10);
        if ((*e != '\0' && *e != '/') || port < 1 || port > 65535)
            return SV_EUSAGE;
    }
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return SV_EUSAGE;
}

static void
listener_closed(uv_handle_t *h)
{
    struct rlisten *l = h->data;

    sv_tls_ctx_free(l->tls);
    free(l);
}

int
sv__rtmp_listen(struct sv_ingest *ing, const char *url, int tls)
{
    const struct sv_ingest_conf *conf = ing->conf;
    struct sockaddr_storage ss;
    struct rlisten *l;
    char err[512];
    int rc;

    rc = parse_url(url, tls ? "rtmps://" : "rtmp://", tls ? 443 : 1935, &ss);
    if (rc < 0) {
        sv_log_error("bad listen address '%s'", url);
        return rc;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    l->ing = ing;
    if (tls) {
        rc = sv_tls_ctx_new(&l->tls, conf->tls_cert, conf->tls_key, err,
                            sizeof(err));
        if (rc < 0) {
            sv_log_error("%s", err);
            free(l);
            return rc;
        }
    }
    uv_tcp_init(&ing->loop, &l->tcp);
    l->tcp.data = l;
    rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
    if (rc < 0) {
        sv_log_error("cannot listen on '%s': %s", url, uv_strerror(rc));
        uv_close((uv_handle_t *)&l->tcp, listener_closed);
        return rc;
    }
    ing->listeners[ing->nlisteners++] = l;
    sv_log_info("listening on %s", url);
    return 0;
}

void
sv__rtmp_sweep(struct sv_ingest *ing)
{
    uint64_t now = uv_now(&ing->loop);
    uint64_t limit = (uint64_t)(ing->conf->timeout_us / 1000);
    struct sv_rconn *c, *next;

    /* a connection that went quiet (a stalled encoder, a half-open
     * socket, a handshake never finished) frees its key and memory */
    for (c = ing->rconns; c != NULL; c = next) {
        next = c->next;
        if (limit > 0 && now - c->last_read > limit && c->refs == 1) {
            sv_log_warn("rtmp peer %s: nothing for %.1f s, closing",
                        c->src.remote, (double)limit / 1000);
            conn_close(c, "timeout");
        }
    }
}

void
sv__rtmp_close_all(struct sv_ingest *ing)
{
    int i;

    for (i = 0; i < ing->nlisteners; i++)
        uv_close((uv_handle_t *)&((struct rlisten *)ing->listeners[i])->tcp,
                 listener_closed);
    ing->nlisteners = 0;
    while (ing->rconns != NULL)
        conn_close(ing->rconns, "shutdown");
}
