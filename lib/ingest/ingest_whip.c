/* ingest_whip.c -- WHIP (RFC 9725): HTTP signalling, ICE-lite, DTLS-SRTP,
 * RTP to the stream registry; one TCP port for HTTP, the same UDP port for
 * every session's media.  WHEP viewers of a WHIP stream are sessions of the
 * same listener: the publisher's RTP goes out to each as it arrives,
 * re-protected with the viewer's SRTP keys, with the SSRCs and payload
 * types the viewer negotiated. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "core/bytes.h"
#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "crypto/dtls.h"
#include "ingest/ingest_int.h"
#include "media/av_opus.h"
#include "rtc/h264.h"
#include "rtc/rtp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"

#define HEAD_MAX (16 << 10)
#define BODY_MAX (64 << 10)
#define MAX_HCONNS 128
#define MAX_SESSIONS 1024
/* ICE consent (RFC 7675): no check for this long ends a session */
#define CONSENT_MS 30000
/* a session that never completes DTLS is dropped after this long */
#define SETUP_MS 15000
#define TICK_MS 20
#define REORDER_WAIT_MS 120
#define NACK_EVERY_MS 40
#define PLI_EVERY_MS 1000
#define RR_EVERY_MS 1000
#define MAX_CAND 8
/* the bandwidth estimate we report (REMB): the sender's own controller
 * decides below it; without one, browsers stay at their start rate */
#define REMB_BPS 8000000
/* the video packets a stream keeps for its viewers' NACKs */
#define RING_SLOTS 512
/* a viewer's PLI or FIR reaches the publisher at most this often */
#define FWD_PLI_MS 300
/* datagrams of one fan-out handed to the kernel in one sendmmsg(2) */
#define BATCH 64
#define DGRAM_MAX (12 + SV_REORDER_MTU + SV_SRTP_TRAILER)

/* a packet's copies to many viewers, protected, waiting for one call */
struct batch {
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    uint8_t buf[BATCH][DGRAM_MAX];
    int n;
};

struct ring_slot {
    uint16_t seq, len;
    uint32_t ts;
    uint8_t marker, used;
    uint8_t payload[SV_REORDER_MTU];
};

struct sv_wlisten;

struct hconn {
    uv_tcp_t tcp;
    struct sv_wlisten *l;
    struct hconn *next, **prevp;
    char *buf;
    size_t len;
    int closing;
    int refs;                   /* the handle, an --auth-url request */
    int continued;              /* a 100 Continue went out */
    char remote[80];
};

struct wsess {
    struct sv_isource src;      /* first: a session is a source */
    struct sv_wlisten *l;
    struct wsess *next;
    int dead;
    char id[33];
    char app[64];
    struct sv_streamid sid;
    char lufrag[9], lpwd[25];
    char rufrag[64];
    char rfp[128];
    struct sockaddr_storage peer;
    int have_peer;
    struct sv_dtls *dtls;
    struct sv_srtp *rx, *tx;
    int pt[SV_TRACKS];          /* negotiated payload types, -1 none */
    uint32_t ssrc[SV_TRACKS];
    int have_ssrc[SV_TRACKS];
    struct sv_reorder ro[SV_TRACKS];
    struct sv_rtp_recv rs[SV_TRACKS];
    struct sv_h264_depack h264;
    int video_conf, audio_conf;
    /* RTP timestamps to microseconds on the arrival clock */
    int ts_started[SV_TRACKS];
    uint32_t ts_last[SV_TRACKS];
    int64_t ts_ext[SV_TRACKS];
    int64_t ts_base_us[SV_TRACKS];
    uint32_t our_ssrc;
    uint64_t created_ms, last_stun_ms, last_media_ms;
    uint64_t last_pli_ms, last_nack_ms, last_rr_ms;
    uint64_t start_us;
    uint64_t nacks, plis, srtp_fail;
    /* WHEP */
    int viewer;                 /* a WHEP viewer, not a WHIP publisher */
    struct wsess *pub;          /* viewer: the publisher it watches */
    struct wsess *vnext;        /* viewer: the next of pub's */
    struct wsess *viewers;      /* publisher: its viewers */
    int nviewers;
    struct ring_slot *ring;     /* publisher: the last video packets */
    int pli_wanted;             /* publisher: a viewer waits for a key */
    uint32_t vssrc[SV_TRACKS];  /* viewer: the SSRCs we send it */
    int key_seen;               /* viewer: its video began at a keyframe */
    int joined;                 /* viewer: live.viewer.joined went out */
    uint64_t joined_ms;
    uint64_t sent_pkts, sent_bytes, rtx, rtx_miss, plis_in;
    uint32_t tpkts[SV_TRACKS], toctets[SV_TRACKS];  /* per SSRC, for SRs */
    /* a feed: the WebRTC side of a stream from RTMP, SRT or a pull, the
     * "publisher" its viewers watch; no peer, no DTLS */
    int feed;
    struct sv_istream *fst;     /* its stream; NULL once gone */
    struct sv_av_opus *opus;    /* the stream's audio to Opus, once */
    int opus_failed;
    uint16_t fseq[SV_TRACKS];
    int have_base;
    int64_t base_us;            /* the first packet's pts */
    uint8_t ps[600];            /* SPS and PPS, 4-byte lengths */
    size_t ps_len;
    int nal_len;                /* the stream's NAL length size, 0 Annex B */
    uint8_t *au;                /* an access unit, rewritten */
    size_t au_cap;
    uint64_t fed_frames, fed_audio;
    /* feed: the stream's time against the monotonic clock, for its
     * viewers' sender reports: wall - pts, the least seen (the frame that
     * came soonest), let rise 1 ms a second so encoder clock drift does
     * not leave it behind */
    int have_offset;
    int64_t offset_us;
    uint64_t offset_at_us, last_sr_ms;
};

struct sv_wlisten {
    uv_tcp_t tcp;
    uv_udp_t udp;
    uv_timer_t tick;
    struct sv_ingest *ing;
    struct sv_wlisten *next;
    struct sv_dtls_ctx *dtls;
    char url[200];
    int port;
    char cand[MAX_CAND][64];
    const char *candp[MAX_CAND];
    int ncand;
    int handles;
    int closing;
    struct hconn *conns;
    int nconns;
    struct wsess *sessions;
    int nsessions;
    struct batch *out;          /* NULL: one send per datagram */
    int fd;
};

/* ------------------------------------------------------------------ */

static uint64_t
now_ms(struct sv_wlisten *l)
{
    return uv_now(&l->ing->loop);
}

static void
random_text(char *out, size_t n)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                              "QRSTUVWXYZ0123456789";
    uint8_t r[64];
    size_t i;

    if (getrandom(r, n, 0) != (ssize_t)n)
        memset(r, 0x5a, n);
    for (i = 0; i < n; i++)
        out[i] = set[r[i] % (sizeof(set) - 1)];
    out[n] = '\0';
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return 0;
    if (b->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a,
                                 *y = (const struct sockaddr_in *)b;

        return x->sin_port == y->sin_port &&
               x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (b->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a,
                                  *y = (const struct sockaddr_in6 *)b;

        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
    }
    return 0;
}

static void
addr_text(const struct sockaddr *sa, char *out, size_t size)
{
    char host[64] = "?";
    int port = 0;

    if (sa->sa_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)sa, host, sizeof(host));
        port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    } else if (sa->sa_family == AF_INET) {
        uv_ip4_name((const struct sockaddr_in *)sa, host, sizeof(host));
        port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    }
    snprintf(out, size, "%s:%d", host, port);
}

static void
listen_unref(struct sv_wlisten *l)
{
    if (--l->handles > 0)
        return;
    sv_dtls_ctx_free(l->dtls);
    free(l->out);
    free(l);
}

static void
listen_handle_closed(uv_handle_t *h)
{
    listen_unref(h->data);
}

/* ---- sessions ---- */

static int
udp_send(struct wsess *s, const uint8_t *p, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
    int rc;

    if (!s->have_peer || s->l->closing)
        return 0;
    rc = uv_udp_try_send(&s->l->udp, &b, 1, (struct sockaddr *)&s->peer);
    /* a full socket buffer drops the datagram, as the network would */
    return rc < 0 && rc != UV_EAGAIN ? rc : 0;
}

/* the batch to the kernel: a datagram the socket refuses is dropped, as
 * the network would, and the rest still go */
static void
batch_flush(struct sv_wlisten *l)
{
    struct batch *b = l->out;
    int off = 0, r;

    if (b == NULL)
        return;
    while (off < b->n && !l->closing) {
        r = sendmmsg(l->fd, b->mm + off, (unsigned)(b->n - off),
                     MSG_DONTWAIT);
        if (r > 0)
            off += r;
        else if (r < 0 && errno == EINTR)
            continue;
        else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;              /* full: the rest would fail the same */
        else
            off++;              /* this one's address: skip it */
    }
    b->n = 0;
}

/* room for one datagram to s in the batch, or NULL (no batching, or no
 * peer): the caller then sends on its own */
static uint8_t *
batch_slot(struct wsess *s)
{
    struct batch *b = s->l->out;

    if (b == NULL || !s->have_peer || s->l->closing)
        return NULL;
    if (b->n == BATCH)
        batch_flush(s->l);
    return b->buf[b->n];
}

/* the datagram written at batch_slot(s) is len bytes long */
static void
batch_commit(struct wsess *s, size_t len)
{
    struct batch *b = s->l->out;
    struct mmsghdr *m = &b->mm[b->n];

    b->iov[b->n].iov_base = b->buf[b->n];
    b->iov[b->n].iov_len = len;
    memset(m, 0, sizeof(*m));
    m->msg_hdr.msg_name = &s->peer;
    m->msg_hdr.msg_namelen = s->peer.ss_family == AF_INET6 ?
                             sizeof(struct sockaddr_in6) :
                             sizeof(struct sockaddr_in);
    m->msg_hdr.msg_iov = &b->iov[b->n];
    m->msg_hdr.msg_iovlen = 1;
    b->n++;
}

static int
dtls_send(void *ud, const uint8_t *p, size_t len)
{
    return udp_send(ud, p, len);
}

static void viewer_left(struct wsess *v, const char *why);
static void feed_reports(struct wsess *f, uint64_t now_ms_);

static void
sess_kill(struct wsess *s, const char *why)
{
    if (s->dead)
        return;
    s->dead = 1;
    if (s->viewer)
        viewer_left(s, why);
    if (s->feed && s->fst != NULL) {
        s->fst->whep = NULL;
        s->fst = NULL;
    }
    /* a feed says why its stream went (ended, reconfigured, shutdown) */
    while (s->viewers != NULL)
        sess_kill(s->viewers, s->feed ? why : "stream-ended");
    if (s->src.st != NULL)
        sv__stream_detach(&s->src, why);
}

static void
sess_free(struct wsess *s)
{
    int i;

    sv_dtls_free(s->dtls);
    sv_srtp_free(s->rx);
    sv_srtp_free(s->tx);
    for (i = 0; i < SV_TRACKS; i++)
        sv_reorder_release(&s->ro[i]);
    sv_h264_depack_release(&s->h264);
    sv_av_opus_free(s->opus);
    free(s->au);
    free(s->ring);
    free(s);
}

static void
src_close(struct sv_isource *src)
{
    /* the stream is done with us (ended, taken over): src->st is NULL */
    sess_kill((struct wsess *)src, "closed");
}

static void
src_stats(struct sv_isource *src, json_t *data)
{
    struct wsess *s = (struct wsess *)src;

    json_object_set_new(data, "whip", json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I}",
        "wire_bytes", (json_int_t)s->src.bytes,
        "nacks_sent", (json_int_t)s->nacks,
        "plis_sent", (json_int_t)s->plis,
        "lost", (json_int_t)(s->ro[0].lost + s->ro[1].lost),
        "late", (json_int_t)(s->ro[0].late + s->ro[1].late),
        "frames_dropped", (json_int_t)s->h264.dropped));
    json_object_set_new(data, "whep_viewers", json_integer(s->nviewers));
}

static const struct sv_isource_ops whip_ops = { src_close, src_stats };

static void
send_rtcp(struct wsess *s, uint8_t *buf, size_t len)
{
    if (s->tx == NULL || sv_srtp_protect_rtcp(s->tx, buf, &len) < 0)
        return;
    udp_send(s, buf, len);
}

/* a Receiver Report, and a PLI when asked */
static void
send_feedback(struct wsess *s, int pli)
{
    uint8_t buf[512 + SV_SRTP_TRAILER];
    struct sv_rtp_recv rs[SV_TRACKS];
    int n = 0, i, k, w;

    for (i = 0; i < SV_TRACKS; i++)
        if (s->rs[i].started)
            rs[n++] = s->rs[i];
    w = sv_rtcp_rr(buf, 512, s->our_ssrc, rs, n, now_ms(s->l));
    if (w < 0)
        return;
    for (i = 0, k = 0; i < SV_TRACKS; i++)
        if (s->rs[i].started)
            s->rs[i] = rs[k++];     /* the priors it updated */
    if (s->have_ssrc[SV_TRACK_VIDEO]) {
        k = sv_rtcp_remb(buf + w, 512 - (size_t)w, s->our_ssrc, REMB_BPS,
                         &s->ssrc[SV_TRACK_VIDEO], 1);
        if (k > 0)
            w += k;
    }
    if (pli && s->have_ssrc[SV_TRACK_VIDEO]) {
        k = sv_rtcp_pli(buf + w, 512 - (size_t)w, s->our_ssrc,
                        s->ssrc[SV_TRACK_VIDEO]);
        if (k > 0) {
            w += k;
            s->plis++;
        }
    }
    send_rtcp(s, buf, (size_t)w);
}

static void
send_nacks(struct wsess *s, int track)
{
    uint8_t buf[512 + SV_SRTP_TRAILER];
    uint16_t seqs[64];
    int n, w, r;

    n = sv_reorder_missing(&s->ro[track], seqs, 64);
    if (n == 0 || !s->have_ssrc[track])
        return;
    w = sv_rtcp_rr(buf, 512, s->our_ssrc, NULL, 0, 0);
    if (w < 0)
        return;
    r = sv_rtcp_nack(buf + w, 512 - (size_t)w, s->our_ssrc, s->ssrc[track],
                     seqs, n);
    if (r < 0)
        return;
    s->nacks += (uint64_t)n;
    send_rtcp(s, buf, (size_t)(w + r));
}

/* ---- WHEP: the publisher's packets to its viewers ---- */

static json_t *
viewer_json(const struct wsess *v)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:i}", "app", v->sid.app,
                     "stream", v->sid.name, "viewer", v->id,
                     "remote", v->src.remote,
                     "viewers", v->pub != NULL ? v->pub->nviewers : 0);
}

/* a viewer goes: out of its publisher's list, live.viewer.left */
static void
viewer_left(struct wsess *v, const char *why)
{
    struct wsess **pp;
    json_t *data;

    if (v->pub != NULL) {
        for (pp = &v->pub->viewers; *pp != NULL; pp = &(*pp)->vnext)
            if (*pp == v) {
                *pp = v->vnext;
                v->pub->nviewers--;
                break;
            }
    }
    if (v->joined) {
        data = viewer_json(v);
        json_object_set_new(data, "why", json_string(why));
        json_object_set_new(data, "duration_ms", json_integer(
            (json_int_t)(now_ms(v->l) - v->joined_ms)));
        json_object_set_new(data, "packets", json_integer(
            (json_int_t)v->sent_pkts));
        json_object_set_new(data, "bytes", json_integer(
            (json_int_t)v->sent_bytes));
        json_object_set_new(data, "retransmitted", json_integer(
            (json_int_t)v->rtx));
        json_object_set_new(data, "nack_misses", json_integer(
            (json_int_t)v->rtx_miss));
        json_object_set_new(data, "keyframe_requests", json_integer(
            (json_int_t)v->plis_in));
        sv_event_emit("live.viewer.left", data);
        sv_log_info("whep viewer %s of %s/%s left (%s)", v->id, v->sid.app,
                    v->sid.name, why);
    }
    v->pub = NULL;
    v->vnext = NULL;
}

/* a viewer needs a keyframe: a PLI to the publisher now, or as soon as
 * FWD_PLI_MS since the last one has passed */
static void
want_key(struct wsess *pub)
{
    uint64_t now = now_ms(pub->l);

    if (pub->dead || pub->pt[SV_TRACK_VIDEO] < 0)
        return;     /* no video: no keyframes */
    if (pub->tx == NULL || !pub->have_ssrc[SV_TRACK_VIDEO]) {
        pub->pli_wanted = 1;
        return;
    }
    if (now - pub->last_pli_ms < FWD_PLI_MS) {
        pub->pli_wanted = 1;
        return;
    }
    pub->pli_wanted = 0;
    pub->last_pli_ms = now;
    pub->last_rr_ms = now;
    send_feedback(pub, 1);
}

/* one packet to a viewer: its payload type and SSRC, the publisher's
 * sequence number and timestamp (so NACKs name the ring's packets) */
static void
viewer_send(struct wsess *v, int track, int marker, uint16_t seq,
            uint32_t ts, const uint8_t *payload, size_t len)
{
    uint8_t own[DGRAM_MAX], *buf;
    size_t n = 12 + len;

    if (v->tx == NULL || v->pt[track] < 0 || len > SV_REORDER_MTU)
        return;
    buf = batch_slot(v);
    if (buf == NULL)
        buf = own;
    sv_rtp_header(buf, marker, v->pt[track], seq, ts, v->vssrc[track]);
    memcpy(buf + 12, payload, len);
    if (sv_srtp_protect(v->tx, buf, &n) < 0)
        return;
    if (buf == own)
        udp_send(v, buf, n);
    else
        batch_commit(v, n);
    v->sent_pkts++;
    v->sent_bytes += n;
    v->tpkts[track]++;
    v->toctets[track] += (uint32_t)len;
}

/* a publisher's packet, as it came (before reordering: no added delay),
 * to every viewer; video is kept for NACKs and starts each viewer at a
 * keyframe */
static void
fan_out(struct wsess *s, int track, const struct sv_rtp *r)
{
    struct wsess *v;
    int key = 0;

    if (s->viewers == NULL || r->len > SV_REORDER_MTU)
        return;
    if (track == SV_TRACK_VIDEO) {
        struct ring_slot *sl = &s->ring[r->seq % RING_SLOTS];

        sl->seq = r->seq;
        sl->ts = r->ts;
        sl->marker = (uint8_t)r->marker;
        sl->len = (uint16_t)r->len;
        sl->used = 1;
        memcpy(sl->payload, r->payload, r->len);
        key = sv_h264_payload_key(r->payload, r->len);
    }
    for (v = s->viewers; v != NULL; v = v->vnext) {
        if (v->tx == NULL)
            continue;
        if (track == SV_TRACK_VIDEO && !v->key_seen) {
            if (!key)
                continue;
            v->key_seen = 1;
        }
        viewer_send(v, track, r->marker, r->seq, r->ts, r->payload, r->len);
    }
    batch_flush(s->l);
}

/* a viewer's NACK: the packets again from the ring */
static void
viewer_nack(struct wsess *v, const struct sv_rtcp_info *info)
{
    struct wsess *p = v->pub;
    int i;

    if (p == NULL || p->ring == NULL || !v->key_seen ||
        info->nack_ssrc != v->vssrc[SV_TRACK_VIDEO])
        return;
    for (i = 0; i < info->nacks && i < 64; i++) {
        const struct ring_slot *sl = &p->ring[info->nack_seq[i] % RING_SLOTS];

        if (!sl->used || sl->seq != info->nack_seq[i]) {
            v->rtx_miss++;
            continue;
        }
        viewer_send(v, SV_TRACK_VIDEO, sl->marker, sl->seq, sl->ts,
                    sl->payload, sl->len);
        v->rtx++;
    }
    batch_flush(v->l);
}

/* RTCP from a viewer: keyframe requests and NACKs; it also keeps the
 * viewer alive (a receiver sends reports, no media) */
static void
viewer_rtcp(struct wsess *v, uint8_t *p, size_t len)
{
    struct sv_rtcp_info info;

    if (v->rx == NULL || !sv_rtp_is_rtcp(p, len))
        return;
    if (sv_srtp_unprotect_rtcp(v->rx, p, &len) < 0) {
        v->srtp_fail++;
        return;
    }
    v->last_media_ms = now_ms(v->l);
    if (sv_rtcp_parse(p, len, &info) < 0)
        return;
    if ((info.pli > 0 || info.fir > 0) && v->pub != NULL) {
        v->plis_in++;
        want_key(v->pub);
    }
    if (info.nacks > 0)
        viewer_nack(v, &info);
}

/* the publisher's Sender Report, as each viewer's: the timestamps are
 * the publisher's, so its NTP mapping holds */
static void
fan_out_sr(struct wsess *s, int track, const struct sv_rtcp_info *info)
{
    uint8_t buf[28 + SV_SRTP_TRAILER];
    struct wsess *v;

    for (v = s->viewers; v != NULL; v = v->vnext) {
        if (v->tx == NULL || v->pt[track] < 0)
            continue;
        if (sv_rtcp_sr(buf, 28, v->vssrc[track], info->sr_ntp, info->sr_rtp,
                       v->tpkts[track], v->toctets[track]) < 0)
            continue;
        send_rtcp(v, buf, 28);
    }
}

/* an RTP timestamp to microseconds, both tracks on the arrival clock */
static int64_t
ts_us(struct wsess *s, int track, uint32_t ts)
{
    int64_t clock = track == SV_TRACK_VIDEO ? 90000 : 48000;

    if (!s->ts_started[track]) {
        s->ts_started[track] = 1;
        s->ts_last[track] = ts;
        s->ts_ext[track] = 0;
        s->ts_base_us[track] = (int64_t)(uv_hrtime() / 1000 - s->start_us);
    } else {
        s->ts_ext[track] += (int32_t)(ts - s->ts_last[track]);
        s->ts_last[track] = ts;
    }
    return s->ts_base_us[track] + s->ts_ext[track] * 1000000 / clock;
}

/* whether an access unit (4-byte lengths) carries an SPS */
static int
has_sps(const uint8_t *au, size_t len)
{
    size_t off = 0, n;

    while (len - off >= 5) {
        n = (size_t)au[off] << 24 | (size_t)au[off + 1] << 16 |
            (size_t)au[off + 2] << 8 | au[off + 3];
        if (n == 0 || n > len - off - 4)
            return 0;
        if ((au[off + 4] & 0x1f) == 7)
            return 1;
        off += 4 + n;
    }
    return 0;
}

static void
on_au(void *ud, const uint8_t *au, size_t len, uint32_t ts, int key)
{
    struct wsess *s = ud;
    struct sv_ingest_pkt p;
    uint8_t *with_ps = NULL;

    if (s->dead || s->src.st == NULL)
        return;
    if (key && !s->video_conf) {
        uint8_t avcc[600];
        int n = sv_h264_avcc(s->h264.sps, s->h264.sps_len, s->h264.pps,
                             s->h264.pps_len, avcc, sizeof(avcc));
        struct sv_ingest_track t;

        if (n < 0)
            return;
        memset(&t, 0, sizeof(t));
        t.codec = SV_CODEC_H264;
        t.extra = avcc;
        t.extra_len = (size_t)n;
        sv__stream_config(s->src.st, SV_TRACK_VIDEO, &t);
        s->video_conf = 1;
        if (s->dead || s->src.st == NULL)
            return;
    }
    if (!s->video_conf)
        return;
    /* the track is configured once: a later SPS (WebRTC encoders change
     * resolution as bandwidth goes) travels in-band before its IDR, which
     * decoders follow, instead of restarting the pipeline's muxer */
    if (key && !has_sps(au, len)) {
        size_t sl = s->h264.sps_len, pl = s->h264.pps_len;

        with_ps = malloc(len + 8 + sl + pl);
        if (with_ps == NULL)
            return;
        with_ps[0] = with_ps[1] = 0;
        with_ps[2] = (uint8_t)(sl >> 8);
        with_ps[3] = (uint8_t)sl;
        memcpy(with_ps + 4, s->h264.sps, sl);
        with_ps[4 + sl] = with_ps[5 + sl] = 0;
        with_ps[6 + sl] = (uint8_t)(pl >> 8);
        with_ps[7 + sl] = (uint8_t)pl;
        memcpy(with_ps + 8 + sl, s->h264.pps, pl);
        memcpy(with_ps + 8 + sl + pl, au, len);
        au = with_ps;
        len += 8 + sl + pl;
    }
    memset(&p, 0, sizeof(p));
    p.track = SV_TRACK_VIDEO;
    p.pts = p.dts = ts_us(s, SV_TRACK_VIDEO, ts);
    p.key = key;
    p.data = au;
    p.size = len;
    sv__stream_packet(s->src.st, &p);
    free(with_ps);
}

static void
on_opus(struct wsess *s, const struct sv_rtp *r)
{
    /* OpusHead (RFC 7845): version 1, 2 channels, 312 pre-skip, 48 kHz */
    static const uint8_t head[19] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd',
                                      1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0,
                                      0, 0, 0 };
    struct sv_ingest_pkt p;

    if (s->src.st == NULL || r->len == 0)
        return;
    /* audio waits for the video's first keyframe, so that the pipeline
     * starts with both tracks */
    if (s->pt[SV_TRACK_VIDEO] >= 0 && !s->video_conf)
        return;
    if (!s->audio_conf) {
        struct sv_ingest_track t;

        memset(&t, 0, sizeof(t));
        t.codec = SV_CODEC_OPUS;
        t.extra = (uint8_t *)head;
        t.extra_len = sizeof(head);
        t.sample_rate = 48000;
        t.channels = 2;
        sv__stream_config(s->src.st, SV_TRACK_AUDIO, &t);
        s->audio_conf = 1;
        if (s->dead || s->src.st == NULL)
            return;
    }
    memset(&p, 0, sizeof(p));
    p.track = SV_TRACK_AUDIO;
    p.pts = p.dts = ts_us(s, SV_TRACK_AUDIO, r->ts);
    p.key = 1;
    p.data = r->payload;
    p.size = r->len;
    sv__stream_packet(s->src.st, &p);
}

/* packets the reorder buffer lets go, in order */
static void
drain(struct wsess *s, int track)
{
    uint8_t pkt[SV_REORDER_MTU];
    size_t len;
    unsigned gap;
    struct sv_rtp r;

    while (!s->dead &&
           sv_reorder_pop(&s->ro[track], now_ms(s->l), pkt, &len, &gap) == 1) {
        if (sv_rtp_parse(pkt, len, &r) < 0)
            continue;
        if (track == SV_TRACK_VIDEO) {
            if (gap > 0)
                sv_h264_depack_loss(&s->h264);
            sv_h264_depack_push(&s->h264, r.payload, r.len, r.ts, r.marker);
        } else {
            on_opus(s, &r);
        }
    }
}

static void
on_rtp(struct wsess *s, uint8_t *p, size_t len)
{
    struct sv_rtp r;
    int track;

    if (s->viewer) {
        viewer_rtcp(s, p, len);
        return;
    }
    if (s->rx == NULL)
        return;
    if (sv_rtp_is_rtcp(p, len)) {
        struct sv_rtcp_info info;

        if (sv_srtp_unprotect_rtcp(s->rx, p, &len) < 0) {
            s->srtp_fail++;
            return;
        }
        if (sv_rtcp_parse(p, len, &info) == 0 && info.sr)
            for (track = 0; track < SV_TRACKS; track++)
                if (s->have_ssrc[track] && s->ssrc[track] == info.sr_ssrc) {
                    s->rs[track].lsr = (uint32_t)(info.sr_ntp >> 16);
                    s->rs[track].lsr_ms = now_ms(s->l);
                    fan_out_sr(s, track, &info);
                }
        return;
    }
    if (sv_srtp_unprotect(s->rx, p, &len) < 0) {
        s->srtp_fail++;
        return;
    }
    if (sv_rtp_parse(p, len, &r) < 0)
        return;
    for (track = 0; track < SV_TRACKS; track++)
        if (s->pt[track] == r.pt)
            break;
    if (track == SV_TRACKS)
        return;     /* rtx, red, padding probes: not negotiated */
    if (!s->have_ssrc[track]) {
        s->have_ssrc[track] = 1;
        s->ssrc[track] = r.ssrc;
    } else if (s->ssrc[track] != r.ssrc) {
        return;
    }
    s->last_media_ms = now_ms(s->l);
    fan_out(s, track, &r);
    sv_rtp_recv_update(&s->rs[track], r.ssrc, r.seq, r.ts,
                       (uint32_t)(uv_hrtime() / 1000 *
                                  (track == SV_TRACK_VIDEO ? 90 : 48) /
                                  1000));
    sv_reorder_push(&s->ro[track], r.seq, p, len, now_ms(s->l));
    drain(s, track);
}

static void
dtls_done(struct wsess *s)
{
    struct sv_dtls_srtp k;
    char fp[SV_DTLS_FP_LEN];
    int rc;

    if (sv_dtls_peer_fingerprint(s->dtls, fp) < 0 ||
        strcasecmp(fp, s->rfp) != 0) {
        sv_log_warn("whip session %s: the DTLS certificate does not match "
                    "the offer's fingerprint", s->id);
        sess_kill(s, "protocol-error");
        return;
    }
    rc = sv_dtls_srtp_keys(s->dtls, &k);
    if (rc == 0)
        rc = sv_srtp_new(&s->rx, k.profile, k.client_key, (size_t)k.key_len,
                         k.client_salt, (size_t)k.salt_len, 1);
    if (rc == 0)
        rc = sv_srtp_new(&s->tx, k.profile, k.server_key, (size_t)k.key_len,
                         k.server_salt, (size_t)k.salt_len, 0);
    explicit_bzero(&k, sizeof(k));
    if (rc < 0) {
        sv_log_warn("whip session %s: cannot set up SRTP: %s", s->id,
                    sv_strerror(rc));
        sess_kill(s, "protocol-error");
        return;
    }
    sv_log_debug("whip session %s: DTLS done, SRTP ready", s->id);
    if (s->viewer && s->pub != NULL) {
        s->joined = 1;
        s->joined_ms = now_ms(s->l);
        sv_event_emit("live.viewer.joined", viewer_json(s));
        sv_log_info("whep viewer %s of %s/%s joined from %s (%d watching)",
                    s->id, s->sid.app, s->sid.name, s->src.remote,
                    s->pub->nviewers);
        want_key(s->pub);       /* it starts at the next keyframe: now */
    }
}

static struct wsess *
by_peer(struct sv_wlisten *l, const struct sockaddr *addr)
{
    struct wsess *s;

    for (s = l->sessions; s != NULL; s = s->next)
        if (!s->dead && s->have_peer && same_addr(&s->peer, addr))
            return s;
    return NULL;
}

static void
on_stun(struct sv_wlisten *l, const uint8_t *p, size_t len,
        const struct sockaddr *addr)
{
    struct sv_stun_msg m;
    struct wsess *s;
    uint8_t out[256];
    const char *colon;
    size_t ul;
    int n;

    if (sv_stun_parse(p, len, &m) < 0 || m.type != SV_STUN_BINDING_REQUEST ||
        m.username == NULL)
        return;
    colon = memchr(m.username, ':', m.username_len);
    ul = colon != NULL ? (size_t)(colon - m.username) : m.username_len;
    for (s = l->sessions; s != NULL; s = s->next)
        if (!s->dead && !s->feed && strlen(s->lufrag) == ul &&
            memcmp(s->lufrag, m.username, ul) == 0)
            break;
    if (s == NULL || !sv_stun_integrity_ok(p, len, &m, s->lpwd,
                                           strlen(s->lpwd)))
        return;     /* not ours, or forged: no answer at all */
    /* ICE-lite: the controlling peer's nomination picks the address; the
     * first checked one serves until then */
    if (!s->have_peer || (m.use_candidate && !same_addr(&s->peer, addr))) {
        memcpy(&s->peer, addr, addr->sa_family == AF_INET6
                                   ? sizeof(struct sockaddr_in6)
                                   : sizeof(struct sockaddr_in));
        s->have_peer = 1;
        addr_text(addr, s->src.remote, sizeof(s->src.remote));
    }
    s->last_stun_ms = now_ms(l);
    n = sv_stun_binding_response(out, sizeof(out), m.txid, addr, s->lpwd,
                                 strlen(s->lpwd));
    if (n > 0) {
        uv_buf_t b = uv_buf_init((char *)out, (unsigned)n);

        uv_udp_try_send(&l->udp, &b, 1, addr);
    }
}

static void
udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* room for libuv's recvmmsg: up to 20 datagrams a call, each given a
     * 64 KiB slice; the callback is done with one before the next read */
    static char rbuf[20 << 16];

    buf->base = rbuf;
    buf->len = sizeof(rbuf);
}

static void
on_udp(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
       const struct sockaddr *addr, unsigned flags)
{
    struct sv_wlisten *l = u->data;
    uint8_t *p = (uint8_t *)buf->base;
    struct wsess *s;
    int rc;

    if (n <= 0 || addr == NULL || l->closing || (flags & UV_UDP_PARTIAL))
        return;
    /* RFC 7983: the first byte tells STUN, DTLS and RTP apart */
    if (p[0] < 4) {
        on_stun(l, p, (size_t)n, addr);
        return;
    }
    s = by_peer(l, addr);
    if (s == NULL)
        return;
    s->src.bytes += (uint64_t)n;
    s->src.recv_ns = uv_hrtime();
    if (p[0] >= 20 && p[0] <= 63) {
        if (s->dtls == NULL)
            return;
        rc = sv_dtls_feed(s->dtls, p, (size_t)n);
        if (rc == 1)
            dtls_done(s);
        else if (rc == -ECONNRESET)
            sess_kill(s, "disconnected");
        else if (rc < 0 && !sv_dtls_done(s->dtls))
            sess_kill(s, "protocol-error");
    } else if (p[0] >= 128 && p[0] <= 191) {
        on_rtp(s, p, (size_t)n);
    }
}

static void
sweep_dead(struct sv_wlisten *l)
{
    struct wsess **pp = &l->sessions, *s;

    while ((s = *pp) != NULL) {
        if (s->dead) {
            *pp = s->next;
            l->nsessions--;
            sess_free(s);
        } else {
            pp = &s->next;
        }
    }
}

static void
on_tick(uv_timer_t *t)
{
    struct sv_wlisten *l = t->data;
    uint64_t now = now_ms(l);
    uint64_t idle = (uint64_t)(l->ing->conf->timeout_us / 1000);
    struct wsess *s;
    int i;

    for (s = l->sessions; s != NULL; s = s->next) {
        if (s->feed && !s->dead)
            feed_reports(s, now);
        if (s->dead || s->feed)
            continue;
        if (s->dtls != NULL && !sv_dtls_done(s->dtls) &&
            sv_dtls_timeout_ms(s->dtls) == 0 &&
            sv_dtls_handle_timeout(s->dtls) < 0) {
            sess_kill(s, "protocol-error");
            continue;
        }
        if (s->rx == NULL) {
            if (now - s->created_ms > SETUP_MS) {
                sv_log_warn("whip session %s: no DTLS-SRTP within %d s",
                            s->id, SETUP_MS / 1000);
                sess_kill(s, "timeout");
            }
            continue;
        }
        if (now - s->last_stun_ms > CONSENT_MS ||
            (idle > 0 && now - s->last_media_ms > idle)) {
            sv_log_warn("whip session %s: nothing from %s for %.1f s, "
                        "closing", s->id, s->src.remote,
                        (double)(now - s->last_media_ms) / 1000);
            sess_kill(s, "timeout");
            continue;
        }
        if (s->viewer)
            continue;       /* it sends nothing that needs timers */
        for (i = 0; i < SV_TRACKS && !s->dead; i++)
            drain(s, i);
        if (s->dead)
            continue;
        if (now - s->last_nack_ms >= NACK_EVERY_MS) {
            s->last_nack_ms = now;
            for (i = 0; i < SV_TRACKS; i++)
                send_nacks(s, i);
        }
        if (s->pli_wanted && s->have_ssrc[SV_TRACK_VIDEO] &&
            now - s->last_pli_ms >= FWD_PLI_MS) {
            want_key(s);
        } else if (s->pt[SV_TRACK_VIDEO] >= 0 && s->h264.waiting &&
            s->have_ssrc[SV_TRACK_VIDEO] &&
            now - s->last_pli_ms >= PLI_EVERY_MS) {
            /* a keyframe is needed (start, loss): ask, once a second */
            s->last_pli_ms = now;
            s->last_rr_ms = now;
            send_feedback(s, 1);
        } else if (now - s->last_rr_ms >= RR_EVERY_MS) {
            s->last_rr_ms = now;
            send_feedback(s, 0);
        }
    }
    sweep_dead(l);
}

/* ---- HTTP ---- */

struct wreply {
    uv_write_t req;
    struct hconn *c;
    int close;
    char data[];
};

static void
hconn_unref(struct hconn *c)
{
    struct sv_wlisten *l = c->l;

    if (--c->refs > 0)
        return;
    free(c->buf);
    free(c);
    listen_unref(l);
}

static void
hconn_closed(uv_handle_t *h)
{
    hconn_unref(h->data);
}

static void
hconn_close(struct hconn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->next != NULL)
        c->next->prevp = c->prevp;
    *c->prevp = c->next;
    c->l->nconns--;
    uv_close((uv_handle_t *)&c->tcp, hconn_closed);
}

static void
written(uv_write_t *req, int status)
{
    struct wreply *w = (struct wreply *)req;

    if ((w->close || status < 0) && !w->c->closing)
        hconn_close(w->c);
    hconn_unref(w->c);
    free(w);
}

static const char cors[] =
    "Access-Control-Allow-Origin: *\r\n"
    "Access-Control-Allow-Methods: POST, PATCH, DELETE, OPTIONS\r\n"
    "Access-Control-Allow-Headers: Authorization, Content-Type, If-Match\r\n"
    "Access-Control-Expose-Headers: Location, ETag, Accept-Patch, Link\r\n";

/* status line, CORS, extra headers (each ending CRLF), the body */
static void
reply(struct hconn *c, int status, const char *reason, const char *ctype,
      const char *extra, const char *body, size_t blen, int close)
{
    struct wreply *w;
    char head[2048];
    int n;
    uv_buf_t b;

    if (c->closing)
        return;
    n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%s%s"
                 "Content-Length: %zu\r\n%s\r\n", status, reason, cors,
                 ctype != NULL ? "Content-Type: " : "",
                 ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "",
                 blen, extra != NULL ? extra : "");
    if (n < 0 || (size_t)n >= sizeof(head))
        return;
    w = malloc(sizeof(*w) + (size_t)n + blen);
    if (w == NULL) {
        hconn_close(c);
        return;
    }
    memcpy(w->data, head, (size_t)n);
    if (blen > 0)
        memcpy(w->data + n, body, blen);
    w->c = c;
    w->close = close;
    c->refs++;
    b = uv_buf_init(w->data, (unsigned)((size_t)n + blen));
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, written) < 0) {
        c->refs--;
        free(w);
        hconn_close(c);
    }
}

static void
reply_text(struct hconn *c, int status, const char *reason, const char *msg,
           const char *extra, int close)
{
    char body[400];
    int n = snprintf(body, sizeof(body), "%s\n", msg);

    reply(c, status, reason, "text/plain", extra, body,
          n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0, close);
}

struct req {
    char method[16];
    char path[512];
    const char *ctype, *auth;
    size_t ctype_len, auth_len;
    const char *body;
    size_t body_len;
    int close;
};

/* "/whip/<app>[/<session>]": 0, or SV_EFORMAT */
static int
split_path(const char *path, char *app, size_t asize, char *sess,
           size_t ssize)
{
    const char *p, *slash;
    size_t n;

    if (strncmp(path, "/whip/", 6) != 0)
        return SV_EFORMAT;
    p = path + 6;
    slash = strchr(p, '/');
    n = slash != NULL ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || n >= asize)
        return SV_EFORMAT;
    memcpy(app, p, n);
    app[n] = '\0';
    sess[0] = '\0';
    if (slash != NULL) {
        if (strlen(slash + 1) >= ssize || slash[1] == '\0' ||
            strchr(slash + 1, '/') != NULL)
            return SV_EFORMAT;
        snprintf(sess, ssize, "%s", slash + 1);
    }
    return sv_streamid_name_ok(app) ? 0 : SV_EFORMAT;
}

static struct wsess *
by_id(struct sv_wlisten *l, const char *app, const char *id)
{
    struct wsess *s;

    for (s = l->sessions; s != NULL; s = s->next)
        if (!s->dead && !s->viewer && strcmp(s->id, id) == 0 &&
            strcmp(s->app, app) == 0)
            return s;
    return NULL;
}

static int
ctype_is(const struct req *r, const char *t)
{
    size_t n = strlen(t);

    return r->ctype != NULL && r->ctype_len >= n &&
           strncasecmp(r->ctype, t, n) == 0 &&
           (r->ctype_len == n || r->ctype[n] == ';' || r->ctype[n] == ' ');
}

static void
refuse_http(struct hconn *c, const struct sv_streamid *sid, int code,
            const char *why)
{
    int status = code == SV_EAUTH ? 403 : code == -EEXIST ? 409
                 : code == SV_ELIMIT || code == -ECONNREFUSED ? 503
                 : code == SV_EFORMAT ? 400 : 500;
    static const char *const reasons[] = { "Bad Request", "Forbidden",
                                           "Conflict", "Service Unavailable",
                                           "Internal Server Error" };
    int ri = status == 400 ? 0 : status == 403 ? 1 : status == 409 ? 2
             : status == 503 ? 3 : 4;

    sv__ingest_refused(c->l->ing, "whip", c->remote, sid, code, why);
    reply_text(c, status, reasons[ri], why, NULL, 0);
}

/* an offered media's ICE and DTLS parameters: 0, or SV_EFORMAT */
static int
media_creds_ok(const struct sv_sdp_media *m)
{
    if (m->ufrag[0] == '\0' || m->pwd[0] == '\0' ||
        strcasecmp(m->fp_alg, "sha-256") != 0 ||
        strcmp(m->setup, "passive") == 0)
        return SV_EFORMAT;
    return 0;
}

static const char creds_why[] = "the offer lacks ICE credentials or a "
                                "sha-256 fingerprint, or asks us to be the "
                                "DTLS client";

/* what publisher and viewer sessions share: an id, ICE credentials, a
 * DTLS server; rnd (16 bytes) gets the randomness used.  0 or < 0. */
static int
sess_setup(struct wsess *s, struct sv_wlisten *l, uint8_t rnd[16])
{
    int i;

    s->l = l;
    if (getrandom(rnd, 16, 0) != 16)
        return SV_EINTERNAL;
    for (i = 0; i < 16; i++)
        snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
    random_text(s->lufrag, 8);
    random_text(s->lpwd, 24);
    memcpy(&s->our_ssrc, rnd, 4);
    s->created_ms = s->last_stun_ms = s->last_media_ms = now_ms(l);
    s->start_us = uv_hrtime() / 1000;
    return sv_dtls_new(&s->dtls, l->dtls, 1, dtls_send, s);
}

/* our answer to offer (chosen), sending or receiving */
static int
make_answer(struct sv_wlisten *l, const struct wsess *s,
            const struct sv_sdp *offer, int dir, const uint32_t *ssrcs,
            const uint8_t rnd[16], char *out, size_t size)
{
    struct sv_sdp_answer_conf ac;

    memset(&ac, 0, sizeof(ac));
    ac.ufrag = s->lufrag;
    ac.pwd = s->lpwd;
    ac.fingerprint = sv_dtls_ctx_fingerprint(l->dtls);
    ac.cand_addr = l->candp;
    ac.ncand = l->ncand;
    ac.port = l->port;
    ac.dir = dir;
    ac.send_ssrc = ssrcs;
    ac.session_id = ((uint64_t)rnd[4] << 24 | rnd[5] << 16 | rnd[6] << 8 |
                     rnd[7]) + 1;
    return sv_sdp_answer(offer, &ac, out, size);
}

/* the offer is allowed: a session, its answer */
/* a medium the publisher sends in none of the codecs we take (VP8 from
 * aiortc or a browser told to prefer it): refused as a whole, since
 * answering without it would leave the publisher sending into nothing.
 * 1 with why written, else 0. */
static int
codec_refused(const struct sv_sdp *offer, char *why, size_t size)
{
    char names[128];
    int i;

    for (i = 0; i < offer->nmedia; i++) {
        const struct sv_sdp_media *m = &offer->m[i];
        int video = m->kind == SV_SDP_VIDEO;

        if ((!video && m->kind != SV_SDP_AUDIO) || m->chosen >= 0 ||
            (m->port == 0 && !m->bundle_only) ||
            (m->dir != SV_SDP_SENDONLY && m->dir != SV_SDP_SENDRECV) ||
            !m->rtcp_mux || strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0)
            continue;
        sv_sdp_codec_names(m, names, sizeof(names));
        snprintf(why, size, "the offer sends %s in %s, which WHIP ingest "
                 "does not take: offer %s", video ? "video" : "audio",
                 names[0] != '\0' ? names : "no codec",
                 video ? "H.264 with packetization-mode=1" : "Opus");
        return 1;
    }
    return 0;
}

static void
start_session(struct hconn *c, const struct sv_streamid *sid,
              const char *app, const char *sdp, size_t sdp_len)
{
    struct sv_wlisten *l = c->l;
    struct sv_ingest *ing = l->ing;
    struct sv_sdp *offer = NULL;
    struct wsess *s = NULL;
    char why[256], extra[600], *answer = NULL;
    uint8_t rnd[16];
    int i, n, rc;

    offer = malloc(sizeof(*offer));
    answer = malloc(16384);
    s = calloc(1, sizeof(*s));
    if (offer == NULL || answer == NULL || s == NULL) {
        reply_text(c, 500, "Internal Server Error", "out of memory", NULL,
                   0);
        goto out;
    }
    rc = sv_sdp_parse(sdp, sdp_len, offer);
    n = rc < 0 ? 0 : sv_sdp_choose(offer);
    if (rc == 0 && codec_refused(offer, why, sizeof(why))) {
        refuse_http(c, sid, SV_EFORMAT, why);
        goto out;
    }
    if (n == 0) {
        refuse_http(c, sid, SV_EFORMAT, "the offer has no media we take "
                    "(H.264 packetization-mode=1 or Opus, BUNDLE, rtcp-mux, "
                    "DTLS-SRTP)");
        goto out;
    }
    s->pt[0] = s->pt[1] = -1;
    for (i = 0; i < offer->nmedia; i++) {
        struct sv_sdp_media *m = &offer->m[i];
        int track = m->codec == SV_SDP_H264 ? SV_TRACK_VIDEO
                    : SV_TRACK_AUDIO;

        if (m->chosen < 0)
            continue;
        if (s->pt[track] >= 0 || m->dir == SV_SDP_RECVONLY ||
            m->dir == SV_SDP_INACTIVE) {
            m->chosen = -1;     /* one track of each kind, sent to us */
            continue;
        }
        if (media_creds_ok(m) < 0) {
            refuse_http(c, sid, SV_EFORMAT, creds_why);
            goto out;
        }
        s->pt[track] = m->codecs[m->chosen].pt;
        snprintf(s->rufrag, sizeof(s->rufrag), "%s", m->ufrag);
        snprintf(s->rfp, sizeof(s->rfp), "%s", m->fp);
    }
    if (s->pt[0] < 0 && s->pt[1] < 0) {
        refuse_http(c, sid, SV_EFORMAT, "the offer sends no media");
        goto out;
    }
    s->src.ops = &whip_ops;
    s->src.proto = "whip";
    snprintf(s->src.remote, sizeof(s->src.remote), "%s", c->remote);
    s->sid = *sid;
    snprintf(s->app, sizeof(s->app), "%s", app);
    rc = sess_setup(s, l, rnd);
    for (i = 0; i < SV_TRACKS && rc == 0; i++)
        rc = sv_reorder_init(&s->ro[i], REORDER_WAIT_MS);
    if (rc == 0)
        rc = sv_h264_depack_init(&s->h264, on_au, s);
    if (rc < 0) {
        reply_text(c, 500, "Internal Server Error", sv_strerror(rc), NULL, 0);
        goto out;
    }
    if (l->nsessions >= MAX_SESSIONS) {
        refuse_http(c, sid, SV_ELIMIT, "too many WHIP sessions");
        goto out;
    }
    rc = sv__stream_begin(ing, &s->src, sid, why, sizeof(why));
    if (rc < 0) {
        refuse_http(c, sid, rc, why);
        goto out;
    }
    n = make_answer(l, s, offer, SV_SDP_RECVONLY, NULL, rnd, answer, 16384);
    if (n < 0) {
        sv__stream_detach(&s->src, "error");
        reply_text(c, 500, "Internal Server Error", "answer too large", NULL,
                   0);
        goto out;
    }
    s->next = l->sessions;
    l->sessions = s;
    l->nsessions++;
    snprintf(extra, sizeof(extra), "Location: /whip/%s/%s\r\n"
             "ETag: \"%s\"\r\n"
             "Accept-Patch: application/trickle-ice-sdpfrag\r\n", app, s->id,
             s->id);
    sv_log_info("whip session %s: %s/%s from %s", s->id, sid->app, sid->name,
                c->remote);
    reply(c, 201, "Created", "application/sdp", extra, answer, (size_t)n, 0);
    s = NULL;
out:
    if (s != NULL)
        sess_free(s);
    free(offer);
    free(answer);
}

/* an --auth-url request: off the loop, like RTMP's */
struct authreq {
    uv_work_t work;
    struct hconn *c;
    const struct sv_ingest_conf *conf;
    struct sv_streamid sid;
    char app[64];
    char remote[80];
    char *sdp;
    size_t sdp_len;
    int rc;
    char why[256];
};

static void
auth_work(uv_work_t *w)
{
    struct authreq *r = w->data;

    r->rc = sv__auth_url(r->conf, &r->sid, "whip", r->remote, r->why,
                         sizeof(r->why));
}

static void
auth_done(uv_work_t *w, int status)
{
    struct authreq *r = w->data;
    struct hconn *c = r->c;

    if (!c->closing) {
        if (r->rc < 0)
            refuse_http(c, &r->sid, r->rc, r->why);
        else
            start_session(c, &r->sid, r->app, r->sdp, r->sdp_len);
    }
    free(r->sdp);
    free(r);
    hconn_unref(c);
}

static void
on_post(struct hconn *c, const struct req *r, const char *app)
{
    struct sv_streamid sid;
    char key[300], why[256], pass[80];
    struct authreq *ar;
    size_t n;
    int rc;

    if (!ctype_is(r, "application/sdp")) {
        reply_text(c, 415, "Unsupported Media Type", "an offer is "
                   "application/sdp", "Accept-Post: application/sdp\r\n", 0);
        return;
    }
    if (r->auth == NULL || r->auth_len <= 7 ||
        strncasecmp(r->auth, "Bearer ", 7) != 0) {
        reply_text(c, 401, "Unauthorized", "a Bearer token (the stream key) "
                   "is needed", "WWW-Authenticate: Bearer\r\n", 0);
        return;
    }
    n = r->auth_len - 7;
    if (n >= sizeof(key)) {
        reply_text(c, 400, "Bad Request", "the token is too long", NULL, 0);
        return;
    }
    memcpy(key, r->auth + 7, n);
    key[n] = '\0';
    memset(&sid, 0, sizeof(sid));
    rc = sv_streamid_from_rtmp(app, key, &sid);
    if (rc < 0) {
        snprintf(sid.app, sizeof(sid.app), "%s", app);
        snprintf(why, sizeof(why), "bad stream key '%.100s'", key);
        refuse_http(c, NULL, SV_EFORMAT, why);
        return;
    }
    rc = sv__auth_check(c->l->ing->auth, &sid, pass, sizeof(pass), why,
                        sizeof(why));
    if (rc == 0 && pass[0] != '\0') {
        snprintf(why, sizeof(why), "stream key '%s/%s' has an SRT "
                 "passphrase: publish it over SRT", sid.app, sid.name);
        rc = SV_EAUTH;
    }
    explicit_bzero(pass, sizeof(pass));
    if (rc < 0) {
        refuse_http(c, &sid, rc, why);
        return;
    }
    if (c->l->ing->conf->auth_url == NULL) {
        start_session(c, &sid, app, r->body, r->body_len);
        return;
    }
    ar = calloc(1, sizeof(*ar));
    if (ar != NULL)
        ar->sdp = malloc(r->body_len + 1);
    if (ar == NULL || ar->sdp == NULL) {
        free(ar);
        reply_text(c, 500, "Internal Server Error", "out of memory", NULL, 0);
        return;
    }
    memcpy(ar->sdp, r->body, r->body_len);
    ar->sdp_len = r->body_len;
    ar->work.data = ar;
    ar->c = c;
    ar->conf = c->l->ing->conf;
    ar->sid = sid;
    snprintf(ar->app, sizeof(ar->app), "%s", app);
    snprintf(ar->remote, sizeof(ar->remote), "%s", c->remote);
    c->refs++;
    if (uv_queue_work(&c->l->ing->loop, &ar->work, auth_work,
                      auth_done) < 0) {
        c->refs--;
        free(ar->sdp);
        free(ar);
        reply_text(c, 500, "Internal Server Error", "cannot ask the auth "
                   "server", NULL, 0);
    }
}

/* ---- feeds: WHEP viewers of streams from RTMP, SRT and pulls ---- */

/* the payload size of what a feed packetizes: under any path's MTU */
#define FEED_MTU 1200
#define FEED_PT_VIDEO 96
#define FEED_PT_AUDIO 111

/* the stream's video codec configuration: its parameter sets, and how
 * its NALs are framed (avcC from RTMP; Annex B from MPEG-TS) */
static void
feed_video_config(struct wsess *f, const struct sv_ingest_track *t)
{
    uint8_t sps[256], pps[256];
    size_t sl = sizeof(sps), pl = sizeof(pps);
    int nal_len, has;

    f->ps_len = 0;
    f->nal_len = 0;
    if (t->extra_len > 0 && t->extra[0] == 1 &&
        sv_h264_avcc_parse(t->extra, t->extra_len, sps, &sl, pps, &pl,
                           &nal_len) == 0) {
        f->nal_len = nal_len;
        sv_put_be32(f->ps, (uint32_t)sl);
        memcpy(f->ps + 4, sps, sl);
        sv_put_be32(f->ps + 4 + sl, (uint32_t)pl);
        memcpy(f->ps + 8 + sl, pps, pl);
        f->ps_len = 8 + sl + pl;
    } else if (t->extra_len > 0 && t->extra_len <= 512) {
        int n = sv_h264_to_len4(t->extra, t->extra_len, 0, f->ps,
                                sizeof(f->ps), &has);

        f->ps_len = n > 0 && has ? (size_t)n : 0;
    }
}

/* What a stream offers WebRTC viewers: its feed in *out, or a status and
 * message (404, 409, 422) in msg. */
static int
feed_for(struct sv_wlisten *l, struct sv_istream *st, struct wsess **out,
         char *msg, size_t size)
{
    const struct sv_ingest_track *v = &st->tracks[SV_TRACK_VIDEO];
    const struct sv_ingest_track *a = &st->tracks[SV_TRACK_AUDIO];
    struct wsess *f;

    if (st->whep != NULL) {
        *out = st->whep;
        return 0;
    }
    if (st->bframes) {
        snprintf(msg, size, "stream %s has B-frames, which WebRTC does not "
                 "carry: publish it without them (x264: -tune zerolatency "
                 "or -bf 0), or publish a transcoded rendition back",
                 st->key);
        return 422;
    }
    if (v->codec != SV_CODEC_NONE && v->codec != SV_CODEC_H264) {
        snprintf(msg, size, "stream %s has %s video; WebRTC viewers get "
                 "H.264: publish a transcoded rendition back", st->key,
                 sv_av_codec_name(v));
        return 422;
    }
    if (v->codec == SV_CODEC_NONE && a->codec == SV_CODEC_NONE) {
        snprintf(msg, size, "stream %s has no media yet", st->key);
        return 409;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        snprintf(msg, size, "out of memory");
        return 500;
    }
    f->l = l;
    f->feed = 1;
    f->fst = st;
    f->sid = st->sid;
    f->pt[SV_TRACK_VIDEO] = v->codec == SV_CODEC_H264 ? FEED_PT_VIDEO : -1;
    f->pt[SV_TRACK_AUDIO] = a->codec != SV_CODEC_NONE ? FEED_PT_AUDIO : -1;
    if (v->codec == SV_CODEC_H264)
        feed_video_config(f, v);
    f->created_ms = now_ms(l);
    snprintf(f->id, sizeof(f->id), "feed");
    f->next = l->sessions;
    l->sessions = f;
    l->nsessions++;
    st->whep = f;
    sv_log_debug("whep: a feed for %s (%s)", st->key,
                 st->src != NULL ? st->src->proto : "-");
    *out = f;
    return 0;
}

struct feed_pay {
    struct wsess *f;
    uint32_t ts;
};

static int
feed_video_payload(void *ud, const uint8_t *p, size_t len, int marker)
{
    struct feed_pay *fp = ud;
    struct sv_rtp r;

    memset(&r, 0, sizeof(r));
    r.marker = marker;
    r.pt = FEED_PT_VIDEO;
    r.seq = fp->f->fseq[SV_TRACK_VIDEO]++;
    r.ts = fp->ts;
    r.payload = p;
    r.len = len;
    fan_out(fp->f, SV_TRACK_VIDEO, &r);
    return 0;
}

static uint32_t
feed_ts(struct wsess *f, int64_t pts_us, int64_t clock)
{
    if (!f->have_base) {
        f->have_base = 1;
        f->base_us = pts_us;
    }
    return (uint32_t)((pts_us - f->base_us) * clock / 1000000);
}

/* a unit of pts went out now: the stream's time against the clock (the
 * video's, or the audio's when there is no video: audio comes out of the
 * transcoder later than its time) */
static void
feed_clock(struct wsess *f, int64_t pts_us)
{
    uint64_t now = uv_hrtime() / 1000;
    int64_t off = (int64_t)now - pts_us;

    if (f->have_offset)
        f->offset_us += (int64_t)(now - f->offset_at_us) / 1000;
    if (!f->have_offset || off < f->offset_us)
        f->offset_us = off;
    f->have_offset = 1;
    f->offset_at_us = now;
}

/* the NTP time (RFC 3550: 32.32 from 1900) of the real-time clock */
static uint64_t
ntp_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + 2208988800u) << 32 |
           (uint64_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

/* a feed's Sender Reports, one a second to each viewer for each track it
 * has sent: the stream's time now on each track's RTP clock against the
 * NTP time, the same instant for both, so players line audio up with
 * video (RFC 3550 6.4.1) */
static void
feed_reports(struct wsess *f, uint64_t now_ms_)
{
    uint8_t buf[28 + SV_SRTP_TRAILER];
    struct wsess *v;
    uint64_t ntp;
    int64_t t_us;
    uint32_t rtp[SV_TRACKS];
    int i;

    if (!f->have_offset || !f->have_base || f->viewers == NULL ||
        now_ms_ - f->last_sr_ms < RR_EVERY_MS)
        return;
    f->last_sr_ms = now_ms_;
    ntp = ntp_now();
    t_us = (int64_t)(uv_hrtime() / 1000) - f->offset_us - f->base_us;
    rtp[SV_TRACK_VIDEO] = (uint32_t)(t_us * 90000 / 1000000);
    rtp[SV_TRACK_AUDIO] = (uint32_t)(t_us * 48000 / 1000000);
    for (v = f->viewers; v != NULL; v = v->vnext) {
        for (i = 0; i < SV_TRACKS; i++) {
            if (v->tx == NULL || v->pt[i] < 0 || v->tpkts[i] == 0 ||
                sv_rtcp_sr(buf, 28, v->vssrc[i], ntp, rtp[i], v->tpkts[i],
                           v->toctets[i]) < 0)
                continue;
            send_rtcp(v, buf, 28);
        }
    }
}

/* one access unit, packetized once for every viewer */
static void
feed_video(struct wsess *f, const struct sv_ingest_pkt *p)
{
    struct feed_pay fp;
    size_t need;
    int n, has_sps = 0;

    if (p->size == 0 || p->size > SV_H264_AU_MAX)
        return;
    need = 4 * p->size + sizeof(f->ps) + 16;
    if (need > f->au_cap) {
        uint8_t *b = realloc(f->au, need);

        if (b == NULL)
            return;
        f->au = b;
        f->au_cap = need;
    }
    /* room for the parameter sets first, the unit after them */
    n = sv_h264_to_len4(p->data, p->size, f->nal_len, f->au + f->ps_len,
                        f->au_cap - f->ps_len, &has_sps);
    if (n < 0)
        return;
    fp.f = f;
    fp.ts = feed_ts(f, p->pts, 90000);
    feed_clock(f, p->pts);
    f->fed_frames++;
    if (p->key && !has_sps && f->ps_len > 0) {
        memcpy(f->au, f->ps, f->ps_len);
        sv_h264_packetize(f->au, f->ps_len + (size_t)n, FEED_MTU,
                          feed_video_payload, &fp);
    } else {
        sv_h264_packetize(f->au + f->ps_len, (size_t)n, FEED_MTU,
                          feed_video_payload, &fp);
    }
}

static void
feed_opus_packet(void *ud, const uint8_t *p, size_t len, uint32_t ts)
{
    struct wsess *f = ud;
    struct sv_rtp r;

    if (len > FEED_MTU)
        return;
    memset(&r, 0, sizeof(r));
    r.pt = FEED_PT_AUDIO;
    r.seq = f->fseq[SV_TRACK_AUDIO]++;
    r.ts = ts;
    r.payload = p;
    r.len = len;
    f->fed_audio++;
    fan_out(f, SV_TRACK_AUDIO, &r);
}

/* the stream's audio, transcoded once to Opus (RFC 7587: a packet is a
 * payload) */
static void
feed_audio(struct wsess *f, const struct sv_ingest_pkt *p)
{
    int rc;

    if (f->opus == NULL) {
        if (f->opus_failed)
            return;
        rc = sv_av_opus_new(&f->opus, &f->fst->tracks[SV_TRACK_AUDIO],
                            feed_opus_packet, f);
        if (rc < 0) {
            f->opus_failed = 1;
            sv_log_warn("stream '%s': no Opus for WebRTC viewers: %s",
                        f->fst->key, sv_strerror(rc));
            return;
        }
    }
    /* Opus timestamps from the same origin as the video's */
    (void)feed_ts(f, p->pts, 48000);
    if (f->pt[SV_TRACK_VIDEO] < 0 ||
        f->fst->tracks[SV_TRACK_VIDEO].codec == SV_CODEC_NONE)
        feed_clock(f, p->pts);
    rc = sv_av_opus_push(f->opus, p->data, p->size, p->pts - f->base_us);
    if (rc < 0) {
        sv_log_warn("stream '%s': Opus for WebRTC viewers stopped: %s",
                    f->fst->key, sv_strerror(rc));
        sv_av_opus_free(f->opus);
        f->opus = NULL;
        f->opus_failed = 1;
    }
}

void
sv__whep_packet(struct sv_istream *st, const struct sv_ingest_pkt *p)
{
    struct wsess *f = st->whep;

    if (f->viewers == NULL || f->pt[p->track] < 0)
        return;     /* no one watches: no work */
    if (p->track == SV_TRACK_VIDEO && st->bframes) {
        struct wsess *v;

        sv_log_warn("stream '%s' has B-frames: its WebRTC viewers end",
                    st->key);
        while ((v = f->viewers) != NULL)
            sess_kill(v, "unsupported-bframes");
        sess_kill(f, "unsupported-bframes");
        return;
    }
    if (p->track == SV_TRACK_VIDEO)
        feed_video(f, p);
    else
        feed_audio(f, p);
}

void
sv__whep_gone(struct sv_istream *st, const char *why)
{
    struct wsess *f = st->whep;

    sess_kill(f, strcmp(why, "configuration-changed") == 0
                 ? why : "stream-ended");
}

void
sv__whep_stats(struct sv_istream *st, json_t *data)
{
    const struct wsess *f = st->whep;

    json_object_set_new(data, "whep_viewers", json_integer(f->nviewers));
    json_object_set_new(data, "whep", json_pack("{s:I,s:I}",
        "frames_sent", (json_int_t)f->fed_frames,
        "opus_sent", (json_int_t)f->fed_audio));
}

/* ---- WHEP (draft-ietf-wish-whep): viewers of any live stream ---- */

/* "/whep/<app>/<stream>[/<session>]": 0, or SV_EFORMAT */
static int
split_whep(const char *path, char *app, char *name, char *sess, size_t size)
{
    char *part[3] = { app, name, sess };
    const char *p = path + 6, *slash;
    size_t n;
    int i;

    if (strncmp(path, "/whep/", 6) != 0)
        return SV_EFORMAT;
    sess[0] = '\0';
    for (i = 0; i < 3 && *p != '\0'; i++) {
        slash = strchr(p, '/');
        n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n >= size)
            return SV_EFORMAT;
        memcpy(part[i], p, n);
        part[i][n] = '\0';
        p += n + (slash != NULL);
        if (slash != NULL && *p == '\0')
            return SV_EFORMAT;
    }
    if (i < 2 || *p != '\0')
        return SV_EFORMAT;
    return sv_streamid_name_ok(app) && sv_streamid_name_ok(name)
           ? 0 : SV_EFORMAT;
}

static struct wsess *
whip_publisher(struct sv_wlisten *l, const char *app, const char *name)
{
    struct wsess *s;

    for (s = l->sessions; s != NULL; s = s->next)
        if (!s->dead && !s->viewer && strcmp(s->sid.app, app) == 0 &&
            strcmp(s->sid.name, name) == 0)
            return s;
    return NULL;
}

/* the live stream app/name (not ended, its publisher there), or NULL */
static struct sv_istream *
stream_live(struct sv_ingest *ing, const char *app, const char *name)
{
    struct sv_istream *st;
    char key[200];

    snprintf(key, sizeof(key), "%s/%s", app, name);
    for (st = ing->streams; st != NULL; st = st->next)
        if (st->state != ST_ENDED && st->src != NULL &&
            strcmp(st->key, key) == 0)
            return st;
    return NULL;
}

static void
whep_post(struct hconn *c, const struct req *r, const char *app,
          const char *name)
{
    struct sv_wlisten *l = c->l;
    int max = l->ing->conf->whep_max_viewers;
    struct sv_sdp *offer = NULL;
    struct wsess *pub, *s = NULL;
    uint32_t ssrcs[SV_SDP_MAX_MEDIA];
    char msg[512], extra[600], *answer = NULL;
    uint8_t rnd[16];
    int i, n, rc;

    if (!ctype_is(r, "application/sdp")) {
        reply_text(c, 415, "Unsupported Media Type", "an offer is "
                   "application/sdp", "Accept-Post: application/sdp\r\n", 0);
        return;
    }
    if (max == 0) {
        reply_text(c, 403, "Forbidden", "WHEP playback is off "
                   "(--whep-max-viewers 0)", NULL, 0);
        return;
    }
    pub = whip_publisher(l, app, name);
    if (pub == NULL) {
        struct sv_istream *st = stream_live(l->ing, app, name);
        static const char *const reason[] = {
            "Not Found", "Conflict", "Unprocessable Content",
            "Internal Server Error" };
        int code;

        if (st == NULL) {
            snprintf(msg, sizeof(msg), "no live stream %s/%s", app, name);
            code = 404;
        } else {
            code = feed_for(l, st, &pub, msg, sizeof(msg));
        }
        if (code != 0) {
            reply_text(c, code, reason[code == 404 ? 0 : code == 409 ? 1
                                       : code == 422 ? 2 : 3],
                       msg, NULL, 0);
            return;
        }
    }
    if (pub->nviewers >= max || l->nsessions >= MAX_SESSIONS) {
        if (pub->nviewers >= max)
            snprintf(msg, sizeof(msg), "stream %s/%s has %d viewers, its "
                     "limit (--whep-max-viewers)", app, name, max);
        else
            snprintf(msg, sizeof(msg), "too many WebRTC sessions (%d)",
                     MAX_SESSIONS);
        sv_log_warn("whep viewer from %s refused: %s", c->remote, msg);
        reply_text(c, 503, "Service Unavailable", msg, "Retry-After: 5\r\n",
                   0);
        return;
    }
    offer = malloc(sizeof(*offer));
    answer = malloc(16384);
    s = calloc(1, sizeof(*s));
    if (offer == NULL || answer == NULL || s == NULL) {
        reply_text(c, 500, "Internal Server Error", "out of memory", NULL,
                   0);
        goto out;
    }
    if (sv_sdp_parse(r->body, r->body_len, offer) < 0 ||
        sv_sdp_choose(offer) == 0) {
        reply_text(c, 400, "Bad Request", "the offer has no media we send "
                   "(H.264 packetization-mode=1 or Opus, BUNDLE, rtcp-mux, "
                   "DTLS-SRTP)", NULL, 0);
        goto out;
    }
    s->viewer = 1;
    s->pt[0] = s->pt[1] = -1;
    memset(ssrcs, 0, sizeof(ssrcs));
    for (i = 0; i < offer->nmedia; i++) {
        struct sv_sdp_media *m = &offer->m[i];
        int track = m->codec == SV_SDP_H264 ? SV_TRACK_VIDEO
                    : SV_TRACK_AUDIO;

        if (m->chosen < 0)
            continue;
        /* one track of each kind, received by the viewer, that the
         * publisher sends */
        if (s->pt[track] >= 0 || pub->pt[track] < 0 ||
            m->dir == SV_SDP_SENDONLY || m->dir == SV_SDP_INACTIVE) {
            m->chosen = -1;
            continue;
        }
        if (media_creds_ok(m) < 0) {
            reply_text(c, 400, "Bad Request", creds_why, NULL, 0);
            goto out;
        }
        s->pt[track] = m->codecs[m->chosen].pt;
        snprintf(s->rufrag, sizeof(s->rufrag), "%s", m->ufrag);
        snprintf(s->rfp, sizeof(s->rfp), "%s", m->fp);
    }
    if (s->pt[0] < 0 && s->pt[1] < 0) {
        snprintf(msg, sizeof(msg), "the offer receives none of what %s/%s "
                 "sends (%s%s)", app, name,
                 pub->pt[SV_TRACK_VIDEO] >= 0 ? "H.264 " : "",
                 pub->pt[SV_TRACK_AUDIO] >= 0 ? "Opus" : "");
        reply_text(c, 400, "Bad Request", msg, NULL, 0);
        goto out;
    }
    if (pub->ring == NULL) {
        pub->ring = calloc(RING_SLOTS, sizeof(*pub->ring));
        if (pub->ring == NULL) {
            reply_text(c, 500, "Internal Server Error", "out of memory",
                       NULL, 0);
            goto out;
        }
    }
    s->src.proto = "whep";
    snprintf(s->src.remote, sizeof(s->src.remote), "%s", c->remote);
    s->sid = pub->sid;
    snprintf(s->app, sizeof(s->app), "%s", app);
    rc = sess_setup(s, l, rnd);
    if (rc < 0) {
        reply_text(c, 500, "Internal Server Error", sv_strerror(rc), NULL, 0);
        goto out;
    }
    for (i = 0; i < SV_TRACKS; i++) {
        /* our SSRCs: random, distinct, not the publisher's */
        do
            rc = getrandom(&s->vssrc[i], 4, 0);
        while (rc == 4 && (s->vssrc[i] == 0 || (i > 0 && s->vssrc[i] ==
                                                s->vssrc[0])));
    }
    for (i = 0; i < offer->nmedia; i++)
        if (offer->m[i].chosen >= 0)
            ssrcs[i] = s->vssrc[offer->m[i].codec == SV_SDP_H264
                                ? SV_TRACK_VIDEO : SV_TRACK_AUDIO];
    n = make_answer(l, s, offer, SV_SDP_SENDONLY, ssrcs, rnd, answer, 16384);
    if (n < 0) {
        reply_text(c, 500, "Internal Server Error", "answer too large", NULL,
                   0);
        goto out;
    }
    s->next = l->sessions;
    l->sessions = s;
    l->nsessions++;
    s->pub = pub;
    s->vnext = pub->viewers;
    pub->viewers = s;
    pub->nviewers++;
    snprintf(extra, sizeof(extra), "Location: /whep/%s/%s/%s\r\n"
             "ETag: \"%s\"\r\n"
             "Accept-Patch: application/trickle-ice-sdpfrag\r\n", app, name,
             s->id, s->id);
    sv_log_info("whep session %s: a viewer of %s/%s from %s", s->id, app,
                name, c->remote);
    reply(c, 201, "Created", "application/sdp", extra, answer, (size_t)n, 0);
    s = NULL;
out:
    if (s != NULL)
        sess_free(s);
    free(offer);
    free(answer);
}

/* What WHIP and WHEP answer alike before an offer or a session request:
 * the CORS preflight, and 405 for anything but POST on the endpoint (id
 * empty).  Returns 1 when r was answered. */
static int
answered_before_post(struct hconn *c, const struct req *r, const char *id)
{
    if (strcmp(r->method, "OPTIONS") == 0) {
        reply(c, 204, "No Content", NULL, "Accept-Post: application/sdp\r\n",
              NULL, 0, r->close);
        return 1;
    }
    if (id[0] == '\0' && strcmp(r->method, "POST") != 0) {
        reply_text(c, 405, "Method Not Allowed", "POST an offer here",
                   "Allow: POST, OPTIONS\r\n", r->close);
        return 1;
    }
    return 0;
}

/* A request on a session's Location (WHIP or WHEP, s NULL: none such):
 * DELETE ends it (why: the reason its events give), PATCH takes trickled
 * candidates, anything else is 405. */
static void
session_request(struct hconn *c, const struct req *r, struct wsess *s,
                const char *kind, const char *why)
{
    if (strcmp(r->method, "DELETE") == 0 || strcmp(r->method, "PATCH") == 0) {
        if (s == NULL) {
            reply_text(c, 404, "Not Found", "no such session", NULL,
                       r->close);
        } else if (r->method[0] == 'D') {
            sv_log_info("%s session %s: ended by DELETE", kind, s->id);
            sess_kill(s, why);
            reply(c, 200, "OK", NULL, NULL, NULL, 0, r->close);
        } else if (!ctype_is(r, "application/trickle-ice-sdpfrag")) {
            reply_text(c, 415, "Unsupported Media Type", "a PATCH is "
                       "application/trickle-ice-sdpfrag", NULL, r->close);
        } else {
            /* ICE-lite learns the peer's address from its checks: the
             * candidates need no action (ICE restarts are not offered) */
            reply(c, 204, "No Content", NULL, NULL, NULL, 0, r->close);
        }
        return;
    }
    reply_text(c, 405, "Method Not Allowed", "a session takes PATCH and "
               "DELETE", "Allow: PATCH, DELETE, OPTIONS\r\n", r->close);
}

static void
handle_whep(struct hconn *c, const struct req *r)
{
    char app[64], name[64], id[64];
    struct wsess *s;

    if (split_whep(r->path, app, name, id, sizeof(app)) < 0) {
        reply_text(c, 404, "Not Found", "WHEP lives at /whep/<app>/<stream>",
                   NULL, r->close);
        return;
    }
    if (answered_before_post(c, r, id))
        return;
    if (id[0] == '\0') {
        whep_post(c, r, app, name);
        return;
    }
    for (s = c->l->sessions; s != NULL; s = s->next)
        if (!s->dead && s->viewer && strcmp(s->id, id) == 0 &&
            strcmp(s->sid.app, app) == 0 && strcmp(s->sid.name, name) == 0)
            break;
    session_request(c, r, s, "whep", "deleted");
}

static void
handle(struct hconn *c, const struct req *r)
{
    char app[64], id[64];

    if (strncmp(r->path, "/whep/", 6) == 0) {
        handle_whep(c, r);
        return;
    }
    if (split_path(r->path, app, sizeof(app), id, sizeof(id)) < 0) {
        reply_text(c, 404, "Not Found", "WHIP lives at /whip/<app>", NULL,
                   r->close);
        return;
    }
    if (answered_before_post(c, r, id))
        return;
    if (id[0] == '\0') {
        on_post(c, r, app);
        return;
    }
    session_request(c, r, by_id(c->l, app, id), "whip", "unpublished");
}

/* one request from c->buf, when it is all there: its length, 0 when more
 * is needed, -1 when the connection must go (an answer was sent).  The
 * head is parsed in a copy: c->buf stays as it came until it is used. */
static long
parse_one(struct hconn *c)
{
    static char h[HEAD_MAX + 1];
    struct req r;
    char *end, *line, *next, *sp, *sp2;
    size_t head, clen = 0;
    int expect = 0;

    end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL) {
        if (c->len >= HEAD_MAX) {
            reply_text(c, 431, "Request Header Fields Too Large", "the "
                       "request head is too large", NULL, 1);
            return -1;
        }
        return 0;
    }
    head = (size_t)(end - c->buf) + 4;
    if (head - 4 > HEAD_MAX) {
        reply_text(c, 431, "Request Header Fields Too Large", "the "
                   "request head is too large", NULL, 1);
        return -1;
    }
    memcpy(h, c->buf, head - 4);
    h[head - 4] = '\0';
    memset(&r, 0, sizeof(r));
    line = h;
    next = strstr(line, "\r\n");
    if (next != NULL)
        *next = '\0';
    sp = strchr(line, ' ');
    sp2 = sp != NULL ? strchr(sp + 1, ' ') : NULL;
    if (sp == NULL || sp2 == NULL || (size_t)(sp - line) >= sizeof(r.method) ||
        (size_t)(sp2 - sp - 1) >= sizeof(r.path) ||
        strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
        reply_text(c, 400, "Bad Request", "not an HTTP/1.x request", NULL, 1);
        return -1;
    }
    memcpy(r.method, line, (size_t)(sp - line));
    memcpy(r.path, sp + 1, (size_t)(sp2 - sp - 1));
    if (strchr(r.path, '?') != NULL)
        *strchr(r.path, '?') = '\0';
    r.close = strcmp(sp2 + 1, "HTTP/1.0") == 0;
    while (next != NULL) {
        char *colon, *v;
        size_t vl;

        line = next + 2;
        next = strstr(line, "\r\n");
        if (next != NULL)
            *next = '\0';
        colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        if (strcasecmp(line, "Content-Length") == 0) {
            char *e;

            clen = strtoul(v, &e, 10);
            if (e == v || clen > BODY_MAX) {
                reply_text(c, 413, "Content Too Large", "the body is too "
                           "large", NULL, 1);
                return -1;
            }
        } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
            reply_text(c, 411, "Length Required", "send a Content-Length",
                       NULL, 1);
            return -1;
        } else if (strcasecmp(line, "Content-Type") == 0) {
            r.ctype = v;
            r.ctype_len = vl;
        } else if (strcasecmp(line, "Authorization") == 0) {
            r.auth = v;
            r.auth_len = vl;
        } else if (strcasecmp(line, "Connection") == 0) {
            r.close = strncasecmp(v, "close", 5) == 0;
        } else if (strcasecmp(line, "Expect") == 0) {
            expect = strncasecmp(v, "100-continue", 12) == 0;
        }
    }
    if (c->len - head < clen) {
        /* the body is still coming; a client that waits is told to go on */
        if (expect && !c->continued && c->len == head) {
            uv_buf_t b = uv_buf_init("HTTP/1.1 100 Continue\r\n\r\n", 25);

            c->continued = 1;
            uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        }
        return 0;
    }
    c->continued = 0;
    r.body = c->buf + head;
    r.body_len = clen;
    handle(c, &r);
    return (long)(head + clen);
}

static void
hconn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct hconn *c = h->data;
    size_t cap = HEAD_MAX + BODY_MAX;

    buf->base = c->buf + c->len;
    buf->len = cap - c->len;
}

static void
hconn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct hconn *c = st->data;
    long used;

    if (n == 0 || c->closing)
        return;
    if (n < 0) {
        hconn_close(c);
        return;
    }
    c->len += (size_t)n;
    for (;;) {
        used = parse_one(c);
        if (used < 0) {
            uv_read_stop(st);
            return;
        }
        if (used == 0)
            break;
        memmove(c->buf, c->buf + used, c->len - (size_t)used);
        c->len -= (size_t)used;
        if (c->closing)
            return;
    }
    if (c->len >= HEAD_MAX + BODY_MAX) {
        reply_text(c, 413, "Content Too Large", "the request is too large",
                   NULL, 1);
        uv_read_stop(st);
    }
}

static void
on_http(uv_stream_t *server, int status)
{
    struct sv_wlisten *l = server->data;
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    struct hconn *c;

    if (status < 0 || l->closing)
        return;
    c = calloc(1, sizeof(*c));
    if (c != NULL)
        c->buf = malloc(HEAD_MAX + BODY_MAX);
    if (c == NULL || c->buf == NULL) {
        free(c);
        return;
    }
    c->l = l;
    c->refs = 1;
    l->handles++;
    uv_tcp_init(&l->ing->loop, &c->tcp);
    c->tcp.data = c;
    c->next = l->conns;
    if (c->next != NULL)
        c->next->prevp = &c->next;
    c->prevp = &l->conns;
    l->conns = c;
    l->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 ||
        l->nconns > MAX_HCONNS) {
        hconn_close(c);
        return;
    }
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        addr_text((struct sockaddr *)&ss, c->remote, sizeof(c->remote));
    uv_tcp_nodelay(&c->tcp, 1);
    if (uv_read_start((uv_stream_t *)&c->tcp, hconn_alloc, hconn_read) < 0)
        hconn_close(c);
}

/* ---- the listener ---- */

/* "whip://host:port" */
static int
parse_url(const char *url, struct sockaddr_storage *ss, char *host,
          size_t hsize, int *port)
{
    const char *p = url + 7, *colon;
    size_t n;
    char *e;
    long v = 8443;

    if (p[0] == '[') {
        const char *rb = strchr(p, ']');

        if (rb == NULL || (size_t)(rb - p - 1) >= hsize)
            return SV_EUSAGE;
        memcpy(host, p + 1, (size_t)(rb - p - 1));
        host[rb - p - 1] = '\0';
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = strrchr(p, ':');
        n = colon != NULL ? (size_t)(colon - p) : strcspn(p, "/");
        if (n == 0 || n >= hsize)
            return SV_EUSAGE;
        memcpy(host, p, n);
        host[n] = '\0';
    }
    if (colon != NULL) {
        v = strtol(colon + 1, &e, 10);
        if ((*e != '\0' && *e != '/') || v < 1 || v > 65535)
            return SV_EUSAGE;
    }
    *port = (int)v;
    if (uv_ip4_addr(host, (int)v, (struct sockaddr_in *)ss) == 0 ||
        uv_ip6_addr(host, (int)v, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return SV_EUSAGE;
}

int
sv__whip_listen(struct sv_ingest *ing, const char *url)
{
    const struct sv_ingest_conf *conf = ing->conf;
    struct sockaddr_storage ss;
    struct sv_wlisten *l;
    char host[64];
    int rc, i;

    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    rc = parse_url(url, &ss, host, sizeof(host), &l->port);
    if (rc < 0) {
        sv_log_error("bad listen address '%s'", url);
        free(l);
        return rc;
    }
    rc = sv_dtls_ctx_new(&l->dtls);
    if (rc < 0) {
        sv_log_error("cannot make the DTLS certificate: %s",
                     sv_strerror(rc));
        free(l);
        return rc;
    }
    l->ing = ing;
    snprintf(l->url, sizeof(l->url), "%s", url);
    for (i = 0; i < conf->nrtc_address && i < MAX_CAND; i++)
        snprintf(l->cand[l->ncand++], 64, "%s", conf->rtc_address[i]);
    if (l->ncand == 0) {
        const char *h = host;

        if (strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0) {
            sv_log_warn("%s: a wildcard address cannot be advertised; "
                        "offering 127.0.0.1 (use --rtc-address)", url);
            h = "127.0.0.1";
        }
        snprintf(l->cand[l->ncand++], 64, "%s", h);
    }
    for (i = 0; i < l->ncand; i++)
        l->candp[i] = l->cand[i];
    uv_tcp_init(&ing->loop, &l->tcp);
    uv_udp_init_ex(&ing->loop, &l->udp, AF_UNSPEC | UV_UDP_RECVMMSG);
    uv_timer_init(&ing->loop, &l->tick);
    l->tcp.data = l->udp.data = l->tick.data = l;
    l->handles = 3;
    rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 128, on_http);
    if (rc == 0)
        rc = uv_udp_bind(&l->udp, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_udp_recv_start(&l->udp, udp_alloc, on_udp);
    if (rc < 0) {
        sv_log_error("cannot listen on '%s': %s", url, uv_strerror(rc));
        l->closing = 1;
        uv_close((uv_handle_t *)&l->tcp, listen_handle_closed);
        uv_close((uv_handle_t *)&l->udp, listen_handle_closed);
        uv_close((uv_handle_t *)&l->tick, listen_handle_closed);
        return rc;
    }
    /* a bigger receive buffer rides out a keyframe's burst */
    {
        int sz = 4 << 20;
        uv_os_fd_t fd;

        uv_recv_buffer_size((uv_handle_t *)&l->udp, &sz);
        /* fan-outs go through sendmmsg on the socket itself; without the
         * batch (no memory), one uv_udp_try_send a datagram */
        if (uv_fileno((uv_handle_t *)&l->udp, &fd) == 0) {
            l->fd = fd;
            l->out = malloc(sizeof(*l->out));
            if (l->out != NULL)
                l->out->n = 0;
        }
    }
    uv_timer_start(&l->tick, on_tick, TICK_MS, TICK_MS);
    l->next = ing->whips;
    ing->whips = l;
    sv_log_info("listening on %s (HTTP on TCP, media on UDP port %d)", url,
                l->port);
    return 0;
}

void
sv__whip_close_all(struct sv_ingest *ing)
{
    struct sv_wlisten *l, *next;
    struct wsess *s;

    for (l = ing->whips; l != NULL; l = next) {
        next = l->next;
        l->closing = 1;
        for (s = l->sessions; s != NULL; s = s->next)
            sess_kill(s, "shutdown");
        sweep_dead(l);
        while (l->conns != NULL)
            hconn_close(l->conns);
        uv_close((uv_handle_t *)&l->tcp, listen_handle_closed);
        uv_close((uv_handle_t *)&l->udp, listen_handle_closed);
        uv_close((uv_handle_t *)&l->tick, listen_handle_closed);
    }
    ing->whips = NULL;
}
