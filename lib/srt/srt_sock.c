/* srt_sock.c -- libsrt: the listener (per-stream passphrases from the
 * listen hook) and the caller */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <srt/access_control.h>
#include <srt/srt.h>

#include "core/err.h"
#include "srt/srt_sock.h"

struct sv_srt_listener {
    SRTSOCKET sock;
    sv_srt_accept_fn fn;
    void *ud;
};

struct sv_srt_conn {
    SRTSOCKET sock;
    char streamid[513];
    char peer[64];
    int timeout_ms;     /* the SRTO_RCVTIMEO currently set */
    int snd_timeout_ms; /* the SRTO_SNDTIMEO currently set */
};

static pthread_once_t startup_once = PTHREAD_ONCE_INIT;
static int started, used;

static void
startup(void)
{
    started = used = 1;
    srt_startup();
    srt_setloglevel(2);     /* LOG_CRIT: libsrt talks a lot otherwise */
}

static void
format_peer(const struct sockaddr *sa, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)sa;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
    }
    snprintf(buf, size, "%s:%d", host, port);
}

/* on libsrt's receiving thread, during the caller's handshake */
static int
listen_hook(void *opaque, SRTSOCKET ns, int hsversion,
            const struct sockaddr *peeraddr, const char *streamid)
{
    struct sv_srt_listener *l = opaque;
    char pass[80] = "", peer[64];
    int rc;

    format_peer(peeraddr, peer, sizeof(peer));
    rc = l->fn(l->ud, streamid != NULL ? streamid : "", peer, pass,
               sizeof(pass));
    if (rc < 0) {
        srt_setrejectreason(ns, rc == SV_EFORMAT ? SRT_REJX_BAD_REQUEST
                                : rc == -EEXIST ? SRT_REJX_CONFLICT
                                               : SRT_REJX_FORBIDDEN);
        return -1;
    }
    if (pass[0] != '\0' &&
        srt_setsockflag(ns, SRTO_PASSPHRASE, pass, (int)strlen(pass)) < 0) {
        srt_setrejectreason(ns, SRT_REJX_ISE);
        return -1;
    }
    explicit_bzero(pass, sizeof(pass));
    return 0;
}

int
sv_srt_listen(struct sv_srt_listener **out, const char *host, int port,
              int latency_ms, sv_srt_accept_fn fn, void *ud, char *err,
              size_t size)
{
    struct sv_srt_listener *l;
    struct addrinfo hints, *ai = NULL;
    char service[16];
    int yes = 1, no = 0, live = SRTT_LIVE, rc;

    pthread_once(&startup_once, startup);
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    l->fn = fn;
    l->ud = ud;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(err, size, "cannot resolve '%s': %s", host,
                 gai_strerror(rc));
        free(l);
        return SV_EUSAGE;
    }
    l->sock = srt_create_socket();
    if (l->sock == SRT_INVALID_SOCK)
        goto srt_fail;
    /* live mode, receiver latency, and blocking calls on our threads */
    if (srt_setsockflag(l->sock, SRTO_TRANSTYPE, &live, sizeof(live)) < 0 ||
        srt_setsockflag(l->sock, SRTO_RCVLATENCY, &latency_ms,
                        sizeof(latency_ms)) < 0 ||
        srt_setsockflag(l->sock, SRTO_RCVSYN, &yes, sizeof(yes)) < 0 ||
        srt_setsockflag(l->sock, SRTO_SENDER, &no, sizeof(no)) < 0)
        goto srt_fail;
    if (srt_bind(l->sock, ai->ai_addr, (int)ai->ai_addrlen) < 0 ||
        srt_listen_callback(l->sock, listen_hook, l) < 0 ||
        srt_listen(l->sock, 64) < 0)
        goto srt_fail;
    freeaddrinfo(ai);
    *out = l;
    return 0;
srt_fail:
    snprintf(err, size, "cannot listen on srt://%s:%d: %s", host, port,
             srt_getlasterror_str());
    if (l->sock != SRT_INVALID_SOCK)
        srt_close(l->sock);
    freeaddrinfo(ai);
    free(l);
    return -EADDRINUSE;
}

int
sv_srt_accept(struct sv_srt_listener *l, struct sv_srt_conn **out)
{
    struct sockaddr_storage ss;
    struct sv_srt_conn *c;
    int len = sizeof(ss), n;
    SRTSOCKET s;

    s = srt_accept(l->sock, (struct sockaddr *)&ss, &len);
    if (s == SRT_INVALID_SOCK)
        return -ECONNABORTED;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        srt_close(s);
        return -ENOMEM;
    }
    c->sock = s;
    c->timeout_ms = -1;
    c->snd_timeout_ms = -1;
    n = (int)sizeof(c->streamid) - 1;
    if (srt_getsockflag(s, SRTO_STREAMID, c->streamid, &n) < 0)
        n = 0;
    c->streamid[n] = '\0';
    format_peer((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
    *out = c;
    return 0;
}

void
sv_srt_listener_close(struct sv_srt_listener *l)
{
    if (l != NULL && l->sock != SRT_INVALID_SOCK) {
        srt_close(l->sock);
        l->sock = SRT_INVALID_SOCK;
    }
}

void
sv_srt_listener_free(struct sv_srt_listener *l)
{
    sv_srt_listener_close(l);
    free(l);
}

const char *
sv_srt_conn_streamid(const struct sv_srt_conn *c)
{
    return c->streamid;
}

const char *
sv_srt_conn_peer(const struct sv_srt_conn *c)
{
    return c->peer;
}

int
sv_srt_recv(struct sv_srt_conn *c, uint8_t *p, size_t len, int timeout_ms)
{
    int n, e;

    if (timeout_ms != c->timeout_ms) {
        if (srt_setsockflag(c->sock, SRTO_RCVTIMEO, &timeout_ms,
                            sizeof(timeout_ms)) < 0)
            return -EIO;
        c->timeout_ms = timeout_ms;
    }
    n = srt_recvmsg(c->sock, (char *)p, (int)len);
    if (n >= 0)
        return n;
    e = srt_getlasterror(NULL);
    if (e == SRT_EASYNCRCV || e == SRT_ETIMEOUT)
        return -EAGAIN;
    if (e == SRT_ECONNLOST || e == SRT_ENOCONN || e == SRT_EINVSOCK)
        return 0;
    return -EIO;
}

int
sv_srt_connect(struct sv_srt_conn **out, const char *host, int port,
               const char *streamid, const char *passphrase, int latency_ms,
               int timeout_ms, char *err, size_t size)
{
    struct sv_srt_conn *c;
    struct addrinfo hints, *ai = NULL;
    char service[16];
    int yes = 1, live = SRTT_LIVE, rc, e;

    pthread_once(&startup_once, startup);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(err, size, "cannot resolve '%s': %s", host,
                 gai_strerror(rc));
        return SV_EUSAGE;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        freeaddrinfo(ai);
        return -ENOMEM;
    }
    c->timeout_ms = -1;
    c->snd_timeout_ms = -1;
    c->sock = srt_create_socket();
    if (c->sock == SRT_INVALID_SOCK)
        goto srt_fail;
    /* live mode: the receiver's latency is negotiated up to ours */
    if (srt_setsockflag(c->sock, SRTO_TRANSTYPE, &live, sizeof(live)) < 0 ||
        srt_setsockflag(c->sock, SRTO_LATENCY, &latency_ms,
                        sizeof(latency_ms)) < 0 ||
        srt_setsockflag(c->sock, SRTO_SENDER, &yes, sizeof(yes)) < 0 ||
        srt_setsockflag(c->sock, SRTO_CONNTIMEO, &timeout_ms,
                        sizeof(timeout_ms)) < 0)
        goto srt_fail;
    /* a sender's close waits a little for the last packets to arrive */
    {
        struct linger lg = { 1, 3 };

        if (srt_setsockflag(c->sock, SRTO_LINGER, &lg, sizeof(lg)) < 0)
            goto srt_fail;
    }
    if (streamid != NULL && streamid[0] != '\0' &&
        srt_setsockflag(c->sock, SRTO_STREAMID, streamid,
                        (int)strlen(streamid)) < 0)
        goto srt_fail;
    if (passphrase != NULL && passphrase[0] != '\0' &&
        srt_setsockflag(c->sock, SRTO_PASSPHRASE, passphrase,
                        (int)strlen(passphrase)) < 0)
        goto srt_fail;
    if (srt_connect(c->sock, ai->ai_addr, (int)ai->ai_addrlen) < 0)
        goto srt_fail;
    format_peer(ai->ai_addr, c->peer, sizeof(c->peer));
    freeaddrinfo(ai);
    *out = c;
    return 0;
srt_fail:
    e = srt_getlasterror(NULL);
    snprintf(err, size, "cannot connect to srt://%s:%d: %s", host, port,
             srt_getlasterror_str());
    if (c->sock != SRT_INVALID_SOCK)
        srt_close(c->sock);
    freeaddrinfo(ai);
    free(c);
    return e == SRT_ENOSERVER ? -ETIMEDOUT : -ECONNREFUSED;
}

int
sv_srt_send(struct sv_srt_conn *c, const uint8_t *p, size_t len,
            int timeout_ms)
{
    int n, e;

    if (timeout_ms != c->snd_timeout_ms) {
        if (srt_setsockflag(c->sock, SRTO_SNDTIMEO, &timeout_ms,
                            sizeof(timeout_ms)) < 0)
            return -EIO;
        c->snd_timeout_ms = timeout_ms;
    }
    n = srt_sendmsg(c->sock, (const char *)p, (int)len, -1, 0);
    if (n >= 0)
        return 0;
    e = srt_getlasterror(NULL);
    if (e == SRT_EASYNCSND || e == SRT_ETIMEOUT)
        return -EAGAIN;
    if (e == SRT_ECONNLOST || e == SRT_ENOCONN || e == SRT_EINVSOCK)
        return -EPIPE;
    return -EIO;
}

int
sv_srt_drain(struct sv_srt_conn *c, int timeout_ms)
{
    size_t blocks = 0, bytes = 0;
    int waited;

    for (waited = 0; waited < timeout_ms; waited += 10) {
        if (srt_getsndbuffer(c->sock, &blocks, &bytes) < 0 || bytes == 0)
            return 0;
        usleep(10000);
    }
    return -ETIMEDOUT;
}

int
sv_srt_conn_stats(struct sv_srt_conn *c, struct sv_srt_stats *st)
{
    SRT_TRACEBSTATS perf;

    if (srt_bstats(c->sock, &perf, 0) < 0)
        return -EIO;
    st->rtt_ms = perf.msRTT;
    st->recv_mbps = perf.mbpsRecvRate;
    st->lost = perf.pktRcvLossTotal;
    st->retransmitted = perf.pktRcvRetrans;
    st->dropped = perf.pktRcvDropTotal;
    st->send_mbps = perf.mbpsSendRate;
    st->sent = perf.pktSentTotal;
    st->send_lost = perf.pktSndLossTotal;
    st->send_dropped = perf.pktSndDropTotal;
    return 0;
}

void
sv_srt_conn_free(struct sv_srt_conn *c)
{
    if (c == NULL)
        return;
    srt_close(c->sock);
    free(c);
}

void
sv_srt_cleanup(void)
{
    if (started) {
        srt_cleanup();
        started = 0;
    }
}

int
sv_srt_used(void)
{
    return used;
}
