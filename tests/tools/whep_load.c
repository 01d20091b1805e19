/* whep_load.c -- many WHEP viewers in one thread: a load client on libsv */
/*
 * Opens N WHEP sessions to one stream: POST a recvonly offer, ICE as the
 * controlling agent (Binding requests with USE-CANDIDATE to the answer's
 * host candidate), DTLS client, SRTP receive; counts packets, bytes and
 * RTP sequence gaps per viewer and sends receiver reports.  After a
 * warm-up it measures for --seconds and prints one JSON object: loss,
 * the server's CPU (--server-pid, from /proc), viewers per core, and the
 * fan-out spread (how much later than the first viewer each viewer gets
 * a frame's last packet).  All viewers share one libuv loop.
 *
 *   whep_load --url http://127.0.0.1:8080/whep/live/cam1 -n 100 \
 *       --seconds 10 [--warmup 3] [--server-pid PID] [--join-rate 200]
 *       [--no-audio] [--per-viewer]
 *   whep_load --janus http://127.0.0.1:8088/janus --mountpoint 1 -n 100 ...
 *
 * With --janus the same viewers join Janus's streaming plugin through its
 * HTTP API instead: Janus offers, the viewer answers (ICE-lite, DTLS
 * client with setup:active), keeping the session alive.
 *
 * Exit status: 0 when every viewer joined and got media in the window,
 * 1 otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "core/err.h"
#include "crypto/dtls.h"
#include "rtc/rtp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"

enum { V_IDLE, V_JOINING, V_ICE, V_DTLS, V_MEDIA, V_FAILED };

#define STUN_RETRY_MS 200
#define STUN_TRIES 50
#define CONSENT_EVERY_MS 5000
#define RR_EVERY_MS 1000
#define SPREAD_BUCKET_US 10
#define SPREAD_BUCKETS 100000      /* up to 1 s */
#define FRAMES 256
#define JOINS_IN_FLIGHT 4           /* libuv's thread pool */
#define ICE_WAIT_MS 10000           /* --janus: for its first check */
#define KEEPALIVE_EVERY_MS 25000    /* Janus drops sessions after 60 s */

struct viewer {
    int idx;
    int state;
    uv_udp_t udp;
    int udp_open;
    struct sockaddr_in server;
    char ufrag[9], pwd[25];
    char rufrag[64], rpwd[128], rfp[128];
    char location[256];
    uint8_t txid[12];
    int stun_tries;
    uint64_t last_stun_ms, join_ms, media_ms;
    struct sv_dtls *dtls;
    struct sv_srtp *rx, *tx;
    int vpt, apt;
    uint32_t our_ssrc;
    struct sv_rtp_recv rv[2];       /* video, audio */
    uint64_t pkts, bytes, srtp_fail, last_rr_ms;
    /* Sender Reports a track: how many, the first and the last */
    uint32_t sr_n[2], sr_rtp0[2], sr_rtp1[2];
    uint64_t sr_ntp0[2], sr_ntp1[2];
    /* at the start of the window */
    uint64_t w_exp[2], w_recv[2], w_pkts, w_bytes;
    const char *why;                /* why it failed */
    /* --janus: the session and the streaming plugin's handle */
    long long janus_session, janus_handle;
    uint64_t last_keepalive_ms;
    uv_work_t work;                 /* the join's HTTP, in the pool */
    int http_rc, lport;
};

struct frame {
    uint32_t ts;                    /* frame_key() */
    int used;
    uint64_t first_us;
};

static struct {
    const char *url;
    char host[64], path[256];
    int port;
    int n, seconds, warmup, join_rate, audio, per_viewer;
    long server_pid;
    struct sv_dtls_ctx *dtls;
    struct viewer *v;
    int joined;                     /* POSTs done */
    uint64_t start_ms, join_done_ms, win_start_ms, win_end_ms;
    int phase;                      /* 0 joining, 1 warm-up, 2 window */
    uv_loop_t *loop;
    uv_timer_t tick;
    struct frame frames[FRAMES];
    int fhead;
    uint32_t *spread;               /* SPREAD_BUCKETS */
    uint64_t nspread, spread_max_us;
    long long srv_ticks0, self_ticks0;
    uint64_t tiebreaker;
    int janus, mount;               /* --janus, --mountpoint */
    const char *local;              /* --local: the viewers' address */
    int inflight;                   /* joins in the thread pool */
} G;

static uint64_t
now_ms(void)
{
    return uv_hrtime() / 1000000;
}

static void
random_text(char *out, size_t n)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                              "QRSTUVWXYZ0123456789";
    uint8_t r[64];
    size_t i;

    if (getrandom(r, n, 0) != (ssize_t)n)
        memset(r, 0x33, n);
    for (i = 0; i < n; i++)
        out[i] = set[r[i] % (sizeof(set) - 1)];
    out[n] = '\0';
}

/* utime + stime of /proc/<pid>/stat (pid 0: ourselves), or -1 */
static long long
cpu_ticks(long pid)
{
    char path[64], buf[2048], *p;
    unsigned long long ut, st;
    FILE *f;
    size_t n;

    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    else
        snprintf(path, sizeof(path), "/proc/self/stat");
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
                            "%*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

/* ---- HTTP, blocking: a POST or a DELETE on 127.0.0.1 ---- */

/* a chunked body's chunks, joined, into out (size bytes, NUL-ended) */
static void
dechunk(const char *p, char *out, size_t size)
{
    size_t w = 0;
    char *e;
    unsigned long n;

    for (;;) {
        n = strtoul(p, &e, 16);
        if (e == p || n == 0)
            break;
        p = strstr(e, "\r\n");
        if (p == NULL || strlen(p + 2) < n || w + n >= size)
            break;
        memcpy(out + w, p + 2, n);
        w += n;
        p += 2 + n;
        if (strncmp(p, "\r\n", 2) != 0)
            break;
        p += 2;
    }
    out[w] = '\0';
}

/* status, or a negative code; the body into body (size), Location */
static int
http(const char *method, const char *path, const char *ctype,
     const char *body, char *out, size_t size, char *loc, size_t lsize)
{
    struct sockaddr_in a;
    struct timeval tv = { 5, 0 };
    char head[1024], *buf, *p, *e;
    size_t len = 0, cap = 65536, blen = body != NULL ? strlen(body) : 0;
    int fd, status = -1, hn, chunked = 0;
    long clen = -1;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)G.port);
    if (inet_pton(AF_INET, G.host, &a.sin_addr) != 1)
        return SV_EUSAGE;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        status = -errno;
        close(fd);
        return status;
    }
    hn = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s:%d\r\n"
                  "Content-Type: %s\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n", method, path, G.host, G.port,
                  ctype, blen);
    if (write(fd, head, (size_t)hn) != hn ||
        (blen > 0 && write(fd, body, blen) != (ssize_t)blen)) {
        close(fd);
        return -EIO;
    }
    buf = malloc(cap + 1);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - len);

        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        e = strstr(buf, "\r\n\r\n");
        if (e != NULL && clen >= 0 &&
            len >= (size_t)(e + 4 - buf) + (size_t)clen)
            break;
        if (e != NULL && clen < 0 && !chunked) {
            p = strcasestr(buf, "\r\nTransfer-Encoding: chunked");
            if (p != NULL && p < e) {
                chunked = 1;
            } else {
                p = strcasestr(buf, "\r\nContent-Length:");
                clen = p != NULL && p < e ? strtol(p + 17, NULL, 10) : 0;
                if (len >= (size_t)(e + 4 - buf) + (size_t)clen)
                    break;
            }
        }
        /* chunked (Janus): to the last chunk */
        if (chunked && strstr(e + 4, "\r\n0\r\n\r\n") != NULL)
            break;
        if (len == cap)
            break;
    }
    close(fd);
    buf[len] = '\0';
    e = strstr(buf, "\r\n\r\n");
    if (e == NULL || sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        free(buf);
        return SV_EPROTO;
    }
    *e = '\0';
    if (loc != NULL) {
        loc[0] = '\0';
        p = strcasestr(buf, "\r\nLocation: ");
        if (p != NULL) {
            p += 12;
            snprintf(loc, lsize, "%.*s", (int)strcspn(p, "\r"), p);
        }
    }
    if (out != NULL && chunked)
        dechunk(e + 4, out, size);
    else if (out != NULL)
        snprintf(out, size, "%s", e + 4);
    free(buf);
    return status;
}

/* ---- one viewer ---- */

static void
fail(struct viewer *v, const char *why)
{
    if (v->state == V_FAILED)
        return;
    v->state = V_FAILED;
    v->why = why;
}

static int
udp_send(struct viewer *v, const uint8_t *p, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
    int r = uv_udp_try_send(&v->udp, &b, 1,
                            (const struct sockaddr *)&v->server);

    return r < 0 ? r : 0;
}

static int
dtls_send(void *ud, const uint8_t *p, size_t len)
{
    return udp_send(ud, p, len);
}

static void
send_check(struct viewer *v)
{
    char user[160];
    uint8_t out[512];
    int n;

    snprintf(user, sizeof(user), "%s:%s", v->rufrag, v->ufrag);
    if (getrandom(v->txid, sizeof(v->txid), 0) != sizeof(v->txid))
        memset(v->txid, v->idx & 0xff, sizeof(v->txid));
    /* host candidate priority of RFC 8445 5.1.2.1 with local pref 65535 */
    n = sv_stun_binding_request(out, sizeof(out), v->txid, user,
                                (126u << 24) | (65535u << 8) | 255u,
                                G.tiebreaker, 1, v->rpwd, strlen(v->rpwd));
    if (n > 0)
        udp_send(v, out, (size_t)n);
    v->last_stun_ms = now_ms();
    v->stun_tries++;
}

static void
on_stun(struct viewer *v, const uint8_t *p, size_t len)
{
    struct sv_stun_msg m;

    if (sv_stun_parse(p, len, &m) < 0 || m.type != SV_STUN_BINDING_SUCCESS ||
        memcmp(m.txid, v->txid, 12) != 0 ||
        !sv_stun_integrity_ok(p, len, &m, v->rpwd, strlen(v->rpwd)))
        return;
    v->stun_tries = 0;
    if (v->state != V_ICE)
        return;     /* a consent answer */
    if (sv_dtls_new(&v->dtls, G.dtls, 0, dtls_send, v) < 0) {
        fail(v, "dtls");
        return;
    }
    v->state = V_DTLS;
    if (sv_dtls_start(v->dtls) < 0)
        fail(v, "dtls");
}

static void
dtls_done(struct viewer *v)
{
    struct sv_dtls_srtp k;
    char fp[SV_DTLS_FP_LEN];
    int rc;

    if (sv_dtls_peer_fingerprint(v->dtls, fp) < 0 ||
        strcasecmp(fp, v->rfp) != 0) {
        fail(v, "fingerprint");
        return;
    }
    rc = sv_dtls_srtp_keys(v->dtls, &k);
    /* we are the DTLS client: the server's keys protect what it sends */
    if (rc == 0)
        rc = sv_srtp_new(&v->rx, k.profile, k.server_key, (size_t)k.key_len,
                         k.server_salt, (size_t)k.salt_len, 1);
    if (rc == 0)
        rc = sv_srtp_new(&v->tx, k.profile, k.client_key, (size_t)k.key_len,
                         k.client_salt, (size_t)k.salt_len, 0);
    explicit_bzero(&k, sizeof(k));
    if (rc < 0) {
        fail(v, "srtp");
        return;
    }
    v->state = V_MEDIA;
}

/* a frame's key: its last packet's payload (FNV-1a of its length and
 * first bytes), the same for every viewer even where the server
 * rewrites sequence numbers and timestamps per viewer, as Janus does */
static uint32_t
frame_key(const uint8_t *p, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)len;
    size_t i;

    for (i = 0; i < len && i < 64; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* the last packet of a video frame: how long after the first viewer */
static void
frame_end(uint32_t ts)
{
    uint64_t now = uv_hrtime() / 1000, d = 0;
    int i, k;

    for (i = 0; i < FRAMES; i++) {
        k = (G.fhead - i + FRAMES) % FRAMES;
        if (G.frames[k].used && G.frames[k].ts == ts)
            break;
    }
    if (i == FRAMES) {
        G.fhead = (G.fhead + 1) % FRAMES;
        G.frames[G.fhead].ts = ts;
        G.frames[G.fhead].used = 1;
        G.frames[G.fhead].first_us = now;
    } else {
        d = now - G.frames[k].first_us;
    }
    if (G.phase != 2)
        return;
    G.spread[d / SPREAD_BUCKET_US < SPREAD_BUCKETS
             ? d / SPREAD_BUCKET_US : SPREAD_BUCKETS - 1]++;
    G.nspread++;
    if (d > G.spread_max_us)
        G.spread_max_us = d;
}

static void
on_media(struct viewer *v, uint8_t *p, size_t len)
{
    struct sv_rtp r;
    uint64_t us;
    int t;

    if (v->rx == NULL)
        return;
    if (sv_rtp_is_rtcp(p, len)) {
        struct sv_rtcp_info info;

        if (sv_srtp_unprotect_rtcp(v->rx, p, &len) < 0) {
            v->srtp_fail++;
            return;
        }
        if (sv_rtcp_parse(p, len, &info) < 0 || !info.sr)
            return;
        for (t = 0; t < 2; t++) {
            if (v->rv[t].received == 0 || v->rv[t].ssrc != info.sr_ssrc)
                continue;
            if (v->sr_n[t]++ == 0) {
                v->sr_ntp0[t] = info.sr_ntp;
                v->sr_rtp0[t] = info.sr_rtp;
            }
            v->sr_ntp1[t] = info.sr_ntp;
            v->sr_rtp1[t] = info.sr_rtp;
        }
        return;
    }
    if (sv_srtp_unprotect(v->rx, p, &len) < 0) {
        v->srtp_fail++;
        return;
    }
    if (sv_rtp_parse(p, len, &r) < 0)
        return;
    t = r.pt == v->vpt ? 0 : r.pt == v->apt ? 1 : -1;
    if (t < 0)
        return;
    us = uv_hrtime() / 1000;
    /* arrival in the media clock, for jitter */
    sv_rtp_recv_update(&v->rv[t], r.ssrc, r.seq, r.ts,
                       (uint32_t)(t == 0 ? us * 9 / 100 : us * 48 / 1000));
    if (v->pkts == 0)
        v->media_ms = now_ms();
    v->pkts++;
    v->bytes += len;
    if (t == 0 && r.marker)
        frame_end(frame_key(r.payload, r.len));
}

static void on_stun_request(struct viewer *v, const uint8_t *p, size_t len,
                            const struct sockaddr *addr);
static void janus_destroy(struct viewer *v);

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* libuv's recvmmsg gives each datagram a 64 KiB slice, 20 at most a
     * call: a busy viewer's queue is read in one system call */
    static char rbuf[20 << 16];

    buf->base = rbuf;
    buf->len = sizeof(rbuf);
}

static void
recv_cb(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
        const struct sockaddr *addr, unsigned flags)
{
    struct viewer *v = u->data;
    uint8_t *p = (uint8_t *)buf->base;
    int rc;

    if (n <= 0 || addr == NULL || v->state == V_FAILED ||
        (flags & UV_UDP_PARTIAL))
        return;
    if (p[0] < 4) {
        if (G.janus)
            on_stun_request(v, p, (size_t)n, addr);
        else
            on_stun(v, p, (size_t)n);
    } else if (p[0] >= 20 && p[0] <= 63) {
        if (v->dtls == NULL)
            return;
        rc = sv_dtls_feed(v->dtls, p, (size_t)n);
        if (rc == 1)
            dtls_done(v);
        else if (rc < 0 && !sv_dtls_done(v->dtls))
            fail(v, "dtls");
    } else if (p[0] >= 128 && p[0] <= 191) {
        on_media(v, p, (size_t)n);
    }
}

/* In the thread pool: POST the offer, read the answer.  Returns 0, or
 * sets v->why. */
static int
whep_http(struct viewer *v)
{
    char offer[4096], *answer = malloc(16384);
    struct sv_sdp *sdp = malloc(sizeof(*sdp));
    struct sv_sdp_offer_conf oc;
    int rc = -1, i;

    if (answer == NULL || sdp == NULL) {
        v->why = "memory";
        goto out;
    }
    memset(&oc, 0, sizeof(oc));
    oc.ufrag = v->ufrag;
    oc.pwd = v->pwd;
    oc.fingerprint = sv_dtls_ctx_fingerprint(G.dtls);
    oc.dir = SV_SDP_RECVONLY;
    oc.audio = G.audio;
    oc.session_id = (uint64_t)v->idx + 1;
    v->why = "offer";
    if (sv_sdp_offer(&oc, offer, sizeof(offer)) < 0)
        goto out;
    rc = http("POST", G.path, "application/sdp", offer, answer, 16384,
              v->location, sizeof(v->location));
    if (rc != 201) {
        fprintf(stderr, "whep_load: viewer %d: POST %s: %d\n", v->idx,
                G.path, rc);
        v->why = "post";
        rc = -1;
        goto out;
    }
    rc = -1;
    v->why = "answer";
    if (sv_sdp_parse(answer, strlen(answer), sdp) < 0 || sdp->nmedia < 1 ||
        sdp->m[0].cand_port == 0)
        goto out;
    v->vpt = v->apt = -1;
    for (i = 0; i < sdp->nmedia; i++) {
        const struct sv_sdp_media *m = &sdp->m[i];

        if (m->port == 0 || m->ncodecs == 0)
            continue;
        if (m->kind == SV_SDP_VIDEO)
            v->vpt = m->codecs[0].pt;
        else if (m->kind == SV_SDP_AUDIO)
            v->apt = m->codecs[0].pt;
    }
    snprintf(v->rufrag, sizeof(v->rufrag), "%s", sdp->m[0].ufrag);
    snprintf(v->rpwd, sizeof(v->rpwd), "%s", sdp->m[0].pwd);
    snprintf(v->rfp, sizeof(v->rfp), "%s", sdp->m[0].fp);
    memset(&v->server, 0, sizeof(v->server));
    v->server.sin_family = AF_INET;
    v->server.sin_port = htons((uint16_t)sdp->m[0].cand_port);
    v->why = "candidate";
    if (inet_pton(AF_INET, sdp->m[0].cand_addr, &v->server.sin_addr) != 1)
        goto out;
    v->why = NULL;
    rc = 0;
out:
    free(answer);
    free(sdp);
    return rc;
}

/* ---- --janus: Janus's streaming plugin offers, the viewer answers ---- */

/* a Janus API request: POST body to path; the reply parsed, or NULL */
static json_t *
janus_call(const char *method, const char *path, const char *body)
{
    static char reply[65536];
    json_error_t e;
    int rc;

    rc = http(method, path, "application/json", body, reply, sizeof(reply),
              NULL, 0);
    if (rc != 200)
        return NULL;
    return json_loads(reply, 0, &e);
}

static long long
janus_id(json_t *r)
{
    json_t *id = json_object_get(json_object_get(r, "data"), "id");

    return json_is_integer(id) ? (long long)json_integer_value(id) : 0;
}

static void
janus_destroy(struct viewer *v)
{
    char path[384];
    json_t *r;

    snprintf(path, sizeof(path), "%s/%lld", G.path, v->janus_session);
    r = janus_call("POST", path, "{\"janus\":\"destroy\",\"transaction\":"
                   "\"d\"}");
    json_decref(r);
    v->janus_session = 0;
}

static void
janus_keepalive(struct viewer *v)
{
    char path[384];
    json_t *r;

    snprintf(path, sizeof(path), "%s/%lld", G.path, v->janus_session);
    r = janus_call("POST", path, "{\"janus\":\"keepalive\",\"transaction\":"
                   "\"k\"}");
    json_decref(r);
    v->last_keepalive_ms = now_ms();
}

/* session, handle, watch; the offer comes as an event on the long poll */
static int
janus_offer(struct viewer *v, char *sdp, size_t size)
{
    char path[384], body[256];
    json_t *r, *j;
    int i;

    r = janus_call("POST", G.path, "{\"janus\":\"create\",\"transaction\":"
                   "\"c\"}");
    v->janus_session = janus_id(r);
    json_decref(r);
    if (v->janus_session == 0)
        return SV_EPROTO;
    snprintf(path, sizeof(path), "%s/%lld", G.path, v->janus_session);
    r = janus_call("POST", path, "{\"janus\":\"attach\",\"plugin\":"
                   "\"janus.plugin.streaming\",\"transaction\":\"a\"}");
    v->janus_handle = janus_id(r);
    json_decref(r);
    if (v->janus_handle == 0)
        return SV_EPROTO;
    snprintf(path, sizeof(path), "%s/%lld/%lld", G.path, v->janus_session,
             v->janus_handle);
    snprintf(body, sizeof(body), "{\"janus\":\"message\",\"transaction\":"
             "\"w\",\"body\":{\"request\":\"watch\",\"id\":%d}}", G.mount);
    r = janus_call("POST", path, body);
    json_decref(r);
    if (r == NULL)
        return SV_EPROTO;
    snprintf(path, sizeof(path), "%s/%lld?maxev=1", G.path,
             v->janus_session);
    for (i = 0; i < 10; i++) {
        r = janus_call("GET", path, NULL);
        j = json_object_get(json_object_get(r, "jsep"), "sdp");
        if (json_is_string(j)) {
            snprintf(sdp, size, "%s", json_string_value(j));
            json_decref(r);
            v->last_keepalive_ms = now_ms();
            return 0;
        }
        json_decref(r);
    }
    return SV_EPROTO;
}

static int
janus_answer(struct viewer *v, const char *sdp)
{
    char path[384];
    json_t *body, *r;
    char *text;

    body = json_pack("{s:s,s:s,s:{s:s},s:{s:s,s:s}}", "janus", "message",
                     "transaction", "s", "body", "request", "start", "jsep",
                     "type", "answer", "sdp", sdp);
    text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL)
        return -ENOMEM;
    snprintf(path, sizeof(path), "%s/%lld/%lld", G.path, v->janus_session,
             v->janus_handle);
    r = janus_call("POST", path, text);
    free(text);
    json_decref(r);
    return r != NULL ? 0 : SV_EPROTO;
}

static int
open_socket(struct viewer *v, int *port)
{
    struct sockaddr_in local;
    int len = sizeof(local);

    memset(&local, 0, sizeof(local));
    local.sin_family = AF_INET;
    inet_pton(AF_INET, G.local, &local.sin_addr);
    if (uv_udp_init_ex(G.loop, &v->udp, AF_UNSPEC | UV_UDP_RECVMMSG) < 0)
        return SV_EINTERNAL;
    v->udp_open = 1;
    v->udp.data = v;
    if (uv_udp_bind(&v->udp, (struct sockaddr *)&local, 0) < 0 ||
        uv_udp_getsockname(&v->udp, (struct sockaddr *)&local, &len) < 0 ||
        uv_udp_recv_start(&v->udp, alloc_cb, recv_cb) < 0)
        return SV_EINTERNAL;
    /* a client sharing its cores with the server and the encoder can be
     * scheduled out for a while: room for a second of this viewer's
     * media, so a stall shows as lateness, not as the server's loss */
    {
        int sz = 1 << 20;

        uv_recv_buffer_size((uv_handle_t *)&v->udp, &sz);
    }
    *port = ntohs(local.sin_port);
    return 0;
}

/* In the thread pool: Janus's offer, our answer (v->lport is open).
 * Returns 0, or sets v->why. */
static int
janus_http(struct viewer *v)
{
    char *offer = malloc(16384), *answer = malloc(16384);
    struct sv_sdp *sdp = malloc(sizeof(*sdp));
    const char *cand[1] = { G.local };
    struct sv_sdp_answer_conf ac;
    int i, rc = -1;

    v->why = "memory";
    if (offer == NULL || answer == NULL || sdp == NULL)
        goto out;
    v->why = "offer";
    if (janus_offer(v, offer, 16384) < 0) {
        fprintf(stderr, "whep_load: viewer %d: no offer from Janus\n",
                v->idx);
        goto out;
    }
    if (sv_sdp_parse(offer, strlen(offer), sdp) < 0 ||
        sv_sdp_choose(sdp) < 1)
        goto out;
    v->vpt = v->apt = -1;
    for (i = 0; i < sdp->nmedia; i++) {
        const struct sv_sdp_media *m = &sdp->m[i];

        if (m->chosen < 0)
            continue;
        if (m->kind == SV_SDP_VIDEO)
            v->vpt = m->codecs[m->chosen].pt;
        else if (m->kind == SV_SDP_AUDIO)
            v->apt = m->codecs[m->chosen].pt;
    }
    snprintf(v->rufrag, sizeof(v->rufrag), "%s", sdp->m[0].ufrag);
    snprintf(v->rpwd, sizeof(v->rpwd), "%s", sdp->m[0].pwd);
    snprintf(v->rfp, sizeof(v->rfp), "%s", sdp->m[0].fp);
    memset(&ac, 0, sizeof(ac));
    ac.ufrag = v->ufrag;
    ac.pwd = v->pwd;
    ac.fingerprint = sv_dtls_ctx_fingerprint(G.dtls);
    ac.cand_addr = cand;
    ac.ncand = 1;
    ac.port = v->lport;
    ac.dir = SV_SDP_RECVONLY;
    ac.session_id = (uint64_t)v->idx + 1;
    ac.setup = "active";
    v->why = "answer";
    if (sv_sdp_answer(sdp, &ac, answer, 16384) < 0 ||
        janus_answer(v, answer) < 0)
        goto out;
    v->why = NULL;
    rc = 0;
out:
    free(offer);
    free(answer);
    free(sdp);
    return rc;
}

static void
join_work(uv_work_t *w)
{
    struct viewer *v = w->data;

    v->http_rc = G.janus ? janus_http(v) : whep_http(v);
}

static void
join_done(uv_work_t *w, int status)
{
    struct viewer *v = w->data;

    G.inflight--;
    if (status < 0 || v->http_rc < 0) {
        v->state = V_FAILED;
        if (v->why == NULL)
            v->why = "setup";
        return;
    }
    if (getrandom(&v->our_ssrc, sizeof(v->our_ssrc), 0) < 0)
        v->our_ssrc = 0x52000000u + (uint32_t)v->idx;
    v->state = V_ICE;
    v->last_stun_ms = now_ms();
    if (!G.janus)
        send_check(v);
}

/* how far a track's Sender Reports' RTP clock strays from their NTP clock
 * between the first and the last (percent), or -1 with fewer than two */
static double
sr_clock_err(const struct viewer *v, int t)
{
    double ntp, rtp;

    if (v->sr_n[t] < 2 || v->sr_ntp1[t] <= v->sr_ntp0[t])
        return -1;
    ntp = (double)(v->sr_ntp1[t] - v->sr_ntp0[t]) / 4294967296.0;
    rtp = (double)(uint32_t)(v->sr_rtp1[t] - v->sr_rtp0[t]) /
          (t == 0 ? 90000.0 : 48000.0);
    return fabs(rtp / ntp - 1) * 100;
}

/* On the loop: the socket, then the HTTP part in the thread pool (it
 * blocks; the viewers already joined keep being served meanwhile) */
static void
join(struct viewer *v)
{
    random_text(v->ufrag, 8);
    random_text(v->pwd, 24);
    v->join_ms = now_ms();
    if (open_socket(v, &v->lport) < 0) {
        fail(v, "socket");
        return;
    }
    v->state = V_JOINING;
    v->work.data = v;
    if (uv_queue_work(G.loop, &v->work, join_work, join_done) < 0) {
        fail(v, "setup");
        return;
    }
    G.inflight++;
}

/* --janus: we are ICE-lite; Janus's checks name the address, and the
 * first one answered starts the DTLS client */
static void
on_stun_request(struct viewer *v, const uint8_t *p, size_t len,
                const struct sockaddr *addr)
{
    struct sv_stun_msg m;
    uint8_t out[256];
    size_t ul = strlen(v->ufrag);
    int n;

    if (sv_stun_parse(p, len, &m) < 0 || m.type != SV_STUN_BINDING_REQUEST ||
        m.username == NULL || m.username_len <= ul ||
        memcmp(m.username, v->ufrag, ul) != 0 || m.username[ul] != ':' ||
        !sv_stun_integrity_ok(p, len, &m, v->pwd, strlen(v->pwd)))
        return;
    if (v->state == V_ICE || m.use_candidate)
        memcpy(&v->server, addr, sizeof(v->server));
    n = sv_stun_binding_response(out, sizeof(out), m.txid, addr, v->pwd,
                                 strlen(v->pwd));
    if (n > 0) {
        uv_buf_t b = uv_buf_init((char *)out, (unsigned)n);

        uv_udp_try_send(&v->udp, &b, 1, addr);
    }
    v->last_stun_ms = now_ms();
    if (v->state != V_ICE || addr->sa_family != AF_INET)
        return;
    if (sv_dtls_new(&v->dtls, G.dtls, 0, dtls_send, v) < 0) {
        fail(v, "dtls");
        return;
    }
    v->state = V_DTLS;
    if (sv_dtls_start(v->dtls) < 0)
        fail(v, "dtls");
}

static void
send_rr(struct viewer *v)
{
    uint8_t buf[256 + SV_SRTP_TRAILER];
    struct sv_rtp_recv srcs[2];
    size_t len;
    int n = 0, w, i;

    for (i = 0; i < 2; i++)
        if (v->rv[i].started)
            srcs[n++] = v->rv[i];
    w = sv_rtcp_rr(buf, 256, v->our_ssrc, srcs, n, now_ms());
    /* the priors sv_rtcp_rr moves on, for the next report's fraction */
    for (i = 0, n = 0; i < 2; i++)
        if (v->rv[i].started)
            v->rv[i] = srcs[n++];
    if (w <= 0)
        return;
    len = (size_t)w;
    if (sv_srtp_protect_rtcp(v->tx, buf, &len) == 0)
        udp_send(v, buf, len);
}

/* ---- the run ---- */

static void
snapshot(void)
{
    int i, t;

    for (i = 0; i < G.n; i++) {
        struct viewer *v = &G.v[i];

        for (t = 0; t < 2; t++) {
            v->w_exp[t] = sv_rtp_recv_expected(&v->rv[t]);
            v->w_recv[t] = v->rv[t].received;
        }
        v->w_pkts = v->pkts;
        v->w_bytes = v->bytes;
    }
    G.srv_ticks0 = G.server_pid > 0 ? cpu_ticks(G.server_pid) : -1;
    G.self_ticks0 = cpu_ticks(0);
}

static double
spread_pct(double q)
{
    uint64_t want = (uint64_t)(q * (double)G.nspread), seen = 0;
    int i;

    if (G.nspread == 0)
        return 0;
    for (i = 0; i < SPREAD_BUCKETS; i++) {
        seen += G.spread[i];
        if (seen > want)
            return (double)i * SPREAD_BUCKET_US / 1000.0;
    }
    return (double)SPREAD_BUCKETS * SPREAD_BUCKET_US / 1000.0;
}

static int
report(void)
{
    double secs = (double)(G.win_end_ms - G.win_start_ms) / 1000.0;
    double hz = (double)sysconf(_SC_CLK_TCK), srv = -1, self;
    uint64_t exp = 0, recv = 0, pkts = 0, bytes = 0, fails = 0, minp = ~0ull;
    long long st = G.server_pid > 0 ? cpu_ticks(G.server_pid) : -1;
    double worst = 0, sr_err = -1, d;
    uint64_t srs[2] = { 0, 0 };
    int i, t, joined = 0, starved = 0;

    self = (double)(cpu_ticks(0) - G.self_ticks0) / hz / secs * 100.0;
    if (st >= 0 && G.srv_ticks0 >= 0)
        srv = (double)(st - G.srv_ticks0) / hz / secs * 100.0;
    printf("{\"viewers\":%d,\"seconds\":%.2f,\"per_viewer\":[", G.n, secs);
    for (i = 0; i < G.n; i++) {
        struct viewer *v = &G.v[i];
        uint64_t e = 0, r = 0, p = v->pkts - v->w_pkts;
        double lp;

        for (t = 0; t < 2; t++) {
            e += sv_rtp_recv_expected(&v->rv[t]) - v->w_exp[t];
            r += v->rv[t].received - v->w_recv[t];
        }
        if (v->state == V_MEDIA)
            joined++;
        if (p == 0)
            starved++;
        if (p < minp)
            minp = p;
        exp += e;
        recv += r;
        pkts += p;
        bytes += v->bytes - v->w_bytes;
        fails += v->srtp_fail;
        lp = e > r ? (double)(e - r) * 100.0 / (double)e : 0;
        if (lp > worst)
            worst = lp;
        for (t = 0; t < 2; t++) {
            srs[t] += v->sr_n[t];
            d = sr_clock_err(v, t);
            if (d > sr_err)
                sr_err = d;
        }
        if (G.per_viewer)
            printf("%s{\"state\":\"%s\",\"sender_reports\":[%u,%u],"
                   "\"packets\":%llu,\"expected\":%llu,"
                   "\"received\":%llu,\"join_ms\":%lld}", i ? "," : "",
                   v->state == V_MEDIA ? "media" : v->why ? v->why : "setup",
                   v->sr_n[0], v->sr_n[1],
                   (unsigned long long)p, (unsigned long long)e,
                   (unsigned long long)r,
                   v->media_ms ? (long long)(v->media_ms - v->join_ms) : -1);
    }
    printf("],\"joined\":%d,\"starved\":%d,\"min_viewer_packets\":%llu,"
           "\"packets\":%llu,\"expected\":%llu,\"lost\":%lld,"
           "\"loss_pct\":%.4f,\"worst_viewer_loss_pct\":%.3f,"
           "\"srtp_failures\":%llu,\"sender_reports\":[%llu,%llu],"
           "\"sr_clock_err_pct\":%.3f,\"mbps_per_viewer\":%.3f,", joined,
           starved, (unsigned long long)(G.n ? minp : 0),
           (unsigned long long)pkts, (unsigned long long)exp,
           (long long)exp - (long long)recv,
           exp ? ((double)exp - (double)recv) * 100.0 / (double)exp : 0,
           worst, (unsigned long long)fails, (unsigned long long)srs[0],
           (unsigned long long)srs[1], sr_err,
           G.n ? (double)bytes * 8 / secs / 1e6 / G.n : 0);
    if (srv >= 0)
        printf("\"server_cpu_pct\":%.2f,\"viewers_per_core\":%.0f,", srv,
               srv > 0 ? G.n * 100.0 / srv : 0);
    printf("\"client_cpu_pct\":%.2f,\"spread_ms\":{\"frames\":%llu,"
           "\"p50\":%.2f,\"p95\":%.2f,\"p99\":%.2f,\"max\":%.2f}}\n", self,
           (unsigned long long)G.nspread, spread_pct(0.5), spread_pct(0.95),
           spread_pct(0.99), (double)G.spread_max_us / 1000.0);
    return joined == G.n && starved == 0 ? 0 : 1;
}

static void
close_cb(uv_handle_t *h)
{
}

static void
finish(void)
{
    int i;

    for (i = 0; i < G.n; i++) {
        struct viewer *v = &G.v[i];

        if (v->location[0] != '\0')
            (void)http("DELETE", v->location, "application/sdp", NULL, NULL,
                       0, NULL, 0);
        if (v->janus_session != 0)
            janus_destroy(v);
        if (v->udp_open)
            uv_close((uv_handle_t *)&v->udp, close_cb);
    }
    uv_close((uv_handle_t *)&G.tick, close_cb);
}

static void
on_tick(uv_timer_t *t)
{
    uint64_t now = now_ms();
    int i, want, burst, live = 0, media = 0;

    /* joins at --join-rate a second, a few a tick: a POST blocks the
     * loop, and the viewers already joined must keep being served */
    want = (int)((now - G.start_ms) * (uint64_t)G.join_rate / 1000) + 1;
    burst = G.join_rate / 100 + 1;
    while (G.joined < G.n && G.joined < want && burst-- > 0 &&
           G.inflight < JOINS_IN_FLIGHT)
        join(&G.v[G.joined++]);
    /* after the joins: their stamps are not in the future */
    now = now_ms();
    for (i = 0; i < G.joined; i++) {
        struct viewer *v = &G.v[i];

        if (v->state == V_FAILED)
            continue;
        live++;
        if (v->state == V_JOINING)
            continue;
        if (G.janus && v->state == V_ICE) {
            if (now - v->last_stun_ms >= ICE_WAIT_MS)
                fail(v, "ice");
        } else if (v->state == V_ICE &&
                   now - v->last_stun_ms >= STUN_RETRY_MS) {
            if (v->stun_tries >= STUN_TRIES) {
                fail(v, "ice");
                continue;
            }
            send_check(v);
        } else if (v->state == V_DTLS && sv_dtls_timeout_ms(v->dtls) == 0 &&
                   sv_dtls_handle_timeout(v->dtls) < 0) {
            fail(v, "dtls");
        } else if (v->state == V_MEDIA) {
            if (v->pkts > 0)
                media++;
            if (G.janus) {
                if (now - v->last_keepalive_ms >= KEEPALIVE_EVERY_MS)
                    janus_keepalive(v);
            } else if (now - v->last_stun_ms >= CONSENT_EVERY_MS) {
                send_check(v);
            }
            if (now - v->last_rr_ms >= RR_EVERY_MS) {
                v->last_rr_ms = now;
                send_rr(v);
            }
        }
    }
    if (G.phase == 0 && G.joined == G.n && G.inflight == 0 &&
        (media == live || now - G.start_ms > 20000u + (uint64_t)G.n * 50)) {
        G.phase = 1;
        G.join_done_ms = now;
    } else if (G.phase == 1 && now - G.join_done_ms >=
               (uint64_t)G.warmup * 1000) {
        G.phase = 2;
        G.win_start_ms = now;
        snapshot();
    } else if (G.phase == 2 && now - G.win_start_ms >=
               (uint64_t)G.seconds * 1000) {
        G.win_end_ms = now;
        G.phase = 3;
        uv_timer_stop(&G.tick);
        uv_stop(G.loop);
    }
}

static int
parse_url(const char *url)
{
    const char *p, *slash;

    if (strncmp(url, "http://", 7) != 0)
        return SV_EUSAGE;
    p = url + 7;
    slash = strchr(p, '/');
    if (slash == NULL || sscanf(p, "%63[^:/]:%d", G.host, &G.port) != 2)
        return SV_EUSAGE;
    snprintf(G.path, sizeof(G.path), "%s", slash);
    return 0;
}

static void
usage(void)
{
    fprintf(stderr, "usage: whep_load --url <http://127.0.0.1:port/whep/"
            "app/stream> [-n <viewers>] [--seconds <s>] [--warmup <s>]\n"
            "       [--join-rate <per s>] [--server-pid <pid>] "
            "[--no-audio] [--per-viewer]\n"
            "       whep_load --janus <http://127.0.0.1:port/janus> "
            "[--mountpoint <id>] [the same options]\n"
            "       (--local <addr>: the viewers' address, 127.0.0.1)\n");
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "url", required_argument, NULL, 'u' },
        { "viewers", required_argument, NULL, 'n' },
        { "seconds", required_argument, NULL, 's' },
        { "warmup", required_argument, NULL, 'w' },
        { "join-rate", required_argument, NULL, 'j' },
        { "server-pid", required_argument, NULL, 'p' },
        { "no-audio", no_argument, NULL, 'A' },
        { "per-viewer", no_argument, NULL, 'V' },
        { "janus", required_argument, NULL, 'J' },
        { "mountpoint", required_argument, NULL, 'M' },
        { "local", required_argument, NULL, 'L' },
        { NULL, 0, NULL, 0 },
    };
    struct rlimit rl;
    int c, i, rc;

    G.n = 1;
    G.seconds = 5;
    G.warmup = 2;
    G.join_rate = 200;
    G.audio = 1;
    G.mount = 1;
    G.local = "127.0.0.1";
    while ((c = getopt_long(argc, argv, "u:n:s:w:j:p:AV", opts, NULL)) !=
           -1) {
        switch (c) {
        case 'u': G.url = optarg; break;
        case 'n': G.n = atoi(optarg); break;
        case 's': G.seconds = atoi(optarg); break;
        case 'w': G.warmup = atoi(optarg); break;
        case 'j': G.join_rate = atoi(optarg); break;
        case 'p': G.server_pid = atol(optarg); break;
        case 'A': G.audio = 0; break;
        case 'V': G.per_viewer = 1; break;
        case 'J': G.url = optarg; G.janus = 1; break;
        case 'M': G.mount = atoi(optarg); break;
        case 'L': G.local = optarg; break;
        default: usage(); return 2;
        }
    }
    if (G.url == NULL || optind != argc || parse_url(G.url) < 0 ||
        G.n < 1 || G.n > 20000 || G.seconds < 1 || G.warmup < 0 ||
        G.join_rate < 1) {
        usage();
        return 2;
    }
    /* a socket per viewer */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    G.v = calloc((size_t)G.n, sizeof(*G.v));
    G.spread = calloc(SPREAD_BUCKETS, sizeof(*G.spread));
    if (G.v == NULL || G.spread == NULL ||
        sv_dtls_ctx_new(&G.dtls) < 0) {
        fprintf(stderr, "whep_load: cannot set up: out of memory\n");
        return 1;
    }
    if (getrandom(&G.tiebreaker, sizeof(G.tiebreaker), 0) < 0)
        G.tiebreaker = 1;
    for (i = 0; i < G.n; i++)
        G.v[i].idx = i;
    G.loop = uv_default_loop();
    uv_timer_init(G.loop, &G.tick);
    G.start_ms = now_ms();
    uv_timer_start(&G.tick, on_tick, 0, 10);
    uv_run(G.loop, UV_RUN_DEFAULT);
    rc = report();
    fflush(stdout);
    finish();
    uv_run(G.loop, UV_RUN_DEFAULT);
    for (i = 0; i < G.n; i++) {
        sv_srtp_free(G.v[i].rx);
        sv_srtp_free(G.v[i].tx);
        sv_dtls_free(G.v[i].dtls);
    }
    sv_dtls_ctx_free(G.dtls);
    uv_loop_close(G.loop);
    free(G.v);
    free(G.spread);
    return rc;
}
