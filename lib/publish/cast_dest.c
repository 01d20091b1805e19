/* cast_dest.c -- one simulcast destination: its bounded queue, its thread,
 * reconnects with backoff, and the RTMP(S) and SRT senders
 *
 * Drop policy: the reader never waits for a destination.  When a queue
 * holds more than cfg->queue_us of media (by timestamps), the whole queue
 * is dropped and the destination resumes at the next video keyframe, so
 * what it sends stays decodable; every packet left out counts in
 * "dropped".  While a destination is disconnected its queue fills and
 * drops the same way, and a new connection starts at a keyframe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "media/av_ingest.h"
#include "publish/simulcast_int.h"
#include "rtmp/rtmp_client.h"
#include "srt/srt_sock.h"

#define QCAP 8192               /* packets, whatever their duration */

struct sv__cast_pkt *
sv__cast_pkt_new(const uint8_t *p, size_t len)
{
    struct sv__cast_pkt *k = malloc(sizeof(*k) + len);

    if (k == NULL)
        return NULL;
    atomic_init(&k->refs, 1);
    k->size = len;
    memcpy(k->data, p, len);
    return k;
}

void
sv__cast_pkt_unref(struct sv__cast_pkt *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
        free(p);
}

/* a monotonic clock in ms (sv_time_now_ms is the wall clock) */
static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
sv__cast_dest_init(struct sv__cast_dest *d, int index, const char *url,
                   const struct sv_simulcast_cfg *cfg,
                   const struct sv__cast_stream *st)
{
    memset(d, 0, sizeof(*d));
    d->index = index;
    d->kind = strncmp(url, "srt://", 6) == 0 ? SV__DEST_SRT : SV__DEST_RTMP;
    snprintf(d->url, sizeof(d->url), "%s", url);
    sv_simulcast_redact(url, d->shown, sizeof(d->shown));
    d->cfg = cfg;
    d->stream = st;
    d->q = calloc(QCAP, sizeof(*d->q));
    if (d->q == NULL)
        return -ENOMEM;
    d->qcap = QCAP;
    d->resync = 1;      /* start at a keyframe */
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    return 0;
}

/* drops what is queued; mu held */
static void
drop_all(struct sv__cast_dest *d)
{
    while (d->qlen > 0) {
        sv__cast_pkt_unref(d->q[d->qhead]);
        d->qhead = (d->qhead + 1) % d->qcap;
        d->qlen--;
        d->dropped++;
    }
}

void
sv__cast_dest_push(struct sv__cast_dest *d, struct sv__cast_pkt *p)
{
    pthread_mutex_lock(&d->mu);
    if (d->state == SV__DEST_DONE || d->state == SV__DEST_FAILED) {
        pthread_mutex_unlock(&d->mu);
        return;
    }
    if (d->qlen > 0 && (d->qlen == d->qcap ||
                        p->dts - d->qfirst_dts > d->cfg->queue_us)) {
        drop_all(d);
        d->resync = 1;
    }
    if (d->resync && d->stream->has_video &&
        !(p->track == SV__CAST_VIDEO && p->key)) {
        d->dropped++;
        pthread_mutex_unlock(&d->mu);
        return;
    }
    d->resync = 0;
    if (d->qlen == 0)
        d->qfirst_dts = p->dts;
    atomic_fetch_add(&p->refs, 1);
    d->q[(d->qhead + d->qlen) % d->qcap] = p;
    d->qlen++;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/*
 * The next packet to send, waiting for one; NULL when the destination is
 * to stop (stop, or eof with nothing left).
 */
static struct sv__cast_pkt *
pop(struct sv__cast_dest *d)
{
    struct sv__cast_pkt *p = NULL;

    pthread_mutex_lock(&d->mu);
    while (d->qlen == 0 && !d->eof && !d->stop)
        pthread_cond_wait(&d->cv, &d->mu);
    if (d->qlen > 0 && !d->stop) {
        p = d->q[d->qhead];
        d->qhead = (d->qhead + 1) % d->qcap;
        d->qlen--;
        if (d->qlen > 0)
            d->qfirst_dts = d->q[d->qhead]->dts;
    }
    pthread_mutex_unlock(&d->mu);
    return p;
}

static void
count_sent(struct sv__cast_dest *d, const struct sv__cast_pkt *p,
           size_t bytes)
{
    pthread_mutex_lock(&d->mu);
    d->sent_bytes += (int64_t)bytes;
    d->sent_pkts++;
    d->lat_sum_ms += mono_ms() - p->queued_ms;
    d->lat_n++;
    pthread_mutex_unlock(&d->mu);
}

static void
set_state(struct sv__cast_dest *d, int state)
{
    pthread_mutex_lock(&d->mu);
    d->state = state;
    if (state == SV__DEST_LIVE && d->connects++ > 0) {
        /* a new connection starts at a keyframe; the first one takes
         * the queue as it is (it starts at one) */
        d->reconnects++;
        drop_all(d);
        d->resync = 1;
    }
    pthread_mutex_unlock(&d->mu);
}

static void
event_state(struct sv__cast_dest *d, const char *name, const char *why)
{
    json_t *data = json_pack("{s:i,s:s}", "dest", d->index, "url",
                             d->shown);

    if (why != NULL)
        json_object_set_new(data, "reason", json_string(why));
    sv_event_emit(name, data);
}

/* ---- RTMP ---- */

struct rtmp_out {
    struct sv_rtmp_conn *conn;
    struct sv_buf sps, pps, rec, sent_rec, body;
    uint8_t asc[2];
    int have_asc;
};

static int
rtmp_meta(struct sv__cast_dest *d, struct rtmp_out *o)
{
    const struct sv__cast_stream *st = d->stream;
    json_t *m = json_object();
    int rc;

    if (st->has_video) {
        json_object_set_new(m, "width", json_integer(st->width));
        json_object_set_new(m, "height", json_integer(st->height));
        if (st->fps_den > 0)
            json_object_set_new(m, "framerate",
                                json_real((double)st->fps_num /
                                          st->fps_den));
        json_object_set_new(m, "videocodecid", json_integer(7));
    }
    if (st->has_audio) {
        json_object_set_new(m, "audiocodecid", json_integer(10));
        json_object_set_new(m, "audiosamplerate",
                            json_integer(st->sample_rate));
        json_object_set_new(m, "audiochannels", json_integer(st->channels));
        json_object_set_new(m, "stereo", json_boolean(st->channels == 2));
    }
    json_object_set_new(m, "encoder", json_string("sv-publish"));
    rc = sv_rtmp_client_meta(sv_rtmp_conn_client(o->conn), m,
                             sv_rtmp_conn_wire(o->conn));
    json_decref(m);
    return rc;
}

static int
rtmp_send(struct sv__cast_dest *d, struct rtmp_out *o,
          const struct sv__cast_pkt *p)
{
    struct sv_rtmp_client *c = sv_rtmp_conn_client(o->conn);
    struct sv_buf *wire = sv_rtmp_conn_wire(o->conn);
    uint32_t ts = (uint32_t)(p->dts / 1000);
    size_t before = wire->len;
    int rc = 0;

    if (p->track == SV__CAST_VIDEO) {
        sv_buf_reset(&o->body);
        rc = sv__cast_annexb_to_avcc(p->data, p->size, &o->body, &o->sps,
                                     &o->pps);
        if (rc < 0)
            return rc;
        /* new parameter sets (the slate's, or the input's again): a new
         * sequence header before the keyframe that uses them */
        if (o->sps.len > 0 && o->pps.len > 0 &&
            sv__cast_avcc_record(&o->sps, &o->pps, &o->rec) == 0 &&
            (o->rec.len != o->sent_rec.len ||
             memcmp(o->rec.data, o->sent_rec.data, o->rec.len) != 0)) {
            rc = sv_rtmp_client_video(c, ts, 0, 1, 1, o->rec.data,
                                      o->rec.len, wire);
            sv_buf_reset(&o->sent_rec);
            if (rc == 0)
                rc = sv_buf_append(&o->sent_rec, o->rec.data, o->rec.len);
        }
        if (o->sent_rec.len == 0)
            return 0;       /* nothing decodes before the first header */
        if (rc == 0 && o->body.len > 0)
            rc = sv_rtmp_client_video(c, ts,
                                      (int32_t)((p->pts - p->dts) / 1000),
                                      p->key, 0, o->body.data, o->body.len,
                                      wire);
    } else {
        size_t off = 0, raw_off, raw_len, flen;
        uint8_t asc[2];
        int64_t k = 0;

        while (rc == 0 && off < p->size &&
               sv__cast_adts(p->data + off, p->size - off, asc, &raw_off,
                             &raw_len, &flen) == 0) {
            int sri = (asc[0] & 7) << 1 | asc[1] >> 7;
            static const int rates[] = { 96000, 88200, 64000, 48000, 44100,
                                         32000, 24000, 22050, 16000, 12000,
                                         11025, 8000, 7350 };
            uint32_t t = ts + (uint32_t)(k * 1024 * 1000 / rates[sri]);

            if (!o->have_asc || memcmp(asc, o->asc, 2) != 0) {
                rc = sv_rtmp_client_audio(c, t, 1, asc, 2, wire);
                memcpy(o->asc, asc, 2);
                o->have_asc = 1;
            }
            if (rc == 0)
                rc = sv_rtmp_client_audio(c, t, 0, p->data + off + raw_off,
                                          raw_len, wire);
            off += flen;
            k++;
        }
    }
    if (rc < 0)
        return rc;
    before = wire->len > before ? wire->len - before : 0;
    rc = sv_rtmp_conn_flush(o->conn, (int)(d->cfg->timeout_us / 1000));
    if (rc == 0)
        count_sent(d, p, before);
    return rc;
}

static void
rtmp_release(struct rtmp_out *o)
{
    sv_buf_release(&o->sps);
    sv_buf_release(&o->pps);
    sv_buf_release(&o->rec);
    sv_buf_release(&o->sent_rec);
    sv_buf_release(&o->body);
}

/* one connection's life; 0 after a clean end, < 0 when it broke */
static int
rtmp_session(struct sv__cast_dest *d, char *err, size_t size)
{
    struct sv_rtmp_url u;
    struct rtmp_out o;
    struct sv__cast_pkt *p;
    int rc;

    memset(&o, 0, sizeof(o));
    sv_buf_init(&o.sps, 4096);
    sv_buf_init(&o.pps, 4096);
    sv_buf_init(&o.rec, 8192);
    sv_buf_init(&o.sent_rec, 8192);
    sv_buf_init(&o.body, 64u << 20);
    rc = sv_rtmp_url_parse(d->url, &u);
    if (rc == 0)
        rc = sv_rtmp_conn_open(&o.conn, &u, d->cfg->ca_file,
                               !d->cfg->insecure,
                               (int)(d->cfg->timeout_us / 1000), err, size);
    if (rc < 0) {
        rtmp_release(&o);
        return rc;
    }
    set_state(d, SV__DEST_LIVE);
    event_state(d, "live.simulcast.connected", NULL);
    rc = rtmp_meta(d, &o);
    while (rc == 0 && (p = pop(d)) != NULL) {
        rc = rtmp_send(d, &o, p);
        sv__cast_pkt_unref(p);
    }
    if (rc < 0)
        snprintf(err, size, "%s",
                 rc == -EAGAIN ? "sending stalled past the timeout"
                 : rc == -EPIPE ? "the server closed the connection"
                                : sv_strerror(rc));
    sv_rtmp_conn_close(o.conn, rc == 0, 2000);
    rtmp_release(&o);
    return rc;
}

int
sv__cast_srt_url(const char *url, char *host, size_t hsize, int *port,
                 char *sid, size_t ssize, int *latency)
{
    const char *h = url + 6, *q, *colon = NULL, *s, *l;
    char *end;
    long v;

    if (strncmp(url, "srt://", 6) != 0)
        return SV_EUSAGE;
    q = h + strcspn(h, "?");
    for (s = h; s < q; s++)
        if (*s == ':')
            colon = s;
    if (colon == NULL || colon == h || (size_t)(colon - h) >= hsize)
        return SV_EUSAGE;
    v = strtol(colon + 1, &end, 10);
    if (end != q || v < 1 || v > 65535)
        return SV_EUSAGE;
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    *port = (int)v;
    sid[0] = '\0';
    if (*q == '?') {
        s = strstr(q, "streamid=");
        l = strstr(q, "latency=");
        if (s != NULL)
            snprintf(sid, ssize, "%.*s", (int)strcspn(s + 9, "&"), s + 9);
        if (l != NULL && atoi(l + 8) > 0)
            *latency = atoi(l + 8);
    }
    return 0;
}

/* ---- SRT: the packets muxed into MPEG-TS, 7 TS packets a message ---- */

struct srt_out {
    struct sv__cast_dest *d;
    struct sv_srt_conn *conn;
    uint8_t buf[SV_SRT_PAYLOAD];
    size_t len;
    int64_t bytes;
    int error;
};

static int
srt_flush(struct srt_out *o)
{
    int rc;

    if (o->len == 0)
        return 0;
    rc = sv_srt_send(o->conn, o->buf, o->len,
                     (int)(o->d->cfg->timeout_us / 1000));
    o->bytes += (int64_t)o->len;
    o->len = 0;
    return rc;
}

static int
srt_write(void *ud, const uint8_t *p, size_t len)
{
    struct srt_out *o = ud;
    size_t n;
    int rc;

    while (len > 0) {
        n = sizeof(o->buf) - o->len;
        if (n > len)
            n = len;
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        p += n;
        len -= n;
        if (o->len == sizeof(o->buf)) {
            rc = srt_flush(o);
            if (rc < 0) {
                o->error = rc;
                return rc;
            }
        }
    }
    return 0;
}

static int
srt_session(struct sv__cast_dest *d, char *err, size_t size)
{
    struct sv_ingest_track tracks[SV_TRACKS];
    struct srt_out o;
    struct sv_av_mux *mux = NULL;
    struct sv__cast_pkt *p;
    char host[256], sid[1024];
    int port, latency = d->cfg->srt_latency_ms, rc;

    if (sv__cast_srt_url(d->url, host, sizeof(host), &port, sid, sizeof(sid),
                         &latency) < 0)
        return SV_EUSAGE;
    memset(&o, 0, sizeof(o));
    o.d = d;
    rc = sv_srt_connect(&o.conn, host, port, sid, getenv("SV_SRT_PASSPHRASE"),
                        latency, (int)(d->cfg->timeout_us / 1000), err,
                        size);
    if (rc < 0)
        return rc;
    memset(tracks, 0, sizeof(tracks));
    if (d->stream->has_video) {
        tracks[SV_TRACK_VIDEO].codec = SV_CODEC_H264;
        tracks[SV_TRACK_VIDEO].width = d->stream->width;
        tracks[SV_TRACK_VIDEO].height = d->stream->height;
    }
    if (d->stream->has_audio) {
        tracks[SV_TRACK_AUDIO].codec = SV_CODEC_AAC;
        tracks[SV_TRACK_AUDIO].sample_rate = d->stream->sample_rate;
        tracks[SV_TRACK_AUDIO].channels = d->stream->channels;
    }
    rc = sv_av_mux_new(&mux, "mpegts", tracks, srt_write, &o);
    if (rc < 0) {
        snprintf(err, size, "cannot start the MPEG-TS muxer: %s",
                 sv_strerror(rc));
        sv_srt_conn_free(o.conn);
        return rc;
    }
    set_state(d, SV__DEST_LIVE);
    event_state(d, "live.simulcast.connected", NULL);
    while (rc == 0 && (p = pop(d)) != NULL) {
        struct sv_ingest_pkt k;
        int64_t before = o.bytes + (int64_t)o.len;

        k.track = p->track == SV__CAST_VIDEO ? SV_TRACK_VIDEO
                                             : SV_TRACK_AUDIO;
        k.pts = p->pts;
        k.dts = p->dts;
        k.key = p->key;
        k.data = p->data;
        k.size = p->size;
        rc = sv_av_mux_write(mux, &k);
        if (rc >= 0 && o.error < 0)
            rc = o.error;
        if (rc >= 0) {
            rc = 0;
            count_sent(d, p, (size_t)(o.bytes + (int64_t)o.len - before));
        }
        sv__cast_pkt_unref(p);
    }
    if (rc == 0) {
        sv_av_mux_free(mux, 1);
        rc = srt_flush(&o);
        /* the end: let the receiver have what libsrt still holds */
        if (rc == 0)
            sv_srt_drain(o.conn, (int)(d->cfg->timeout_us / 1000));
        /* acknowledged is not yet played out: the receiver holds each
         * packet for its latency, and drops what it holds on a close */
        if (rc == 0)
            usleep((useconds_t)(2 * latency + 100) * 1000);
    } else {
        sv_av_mux_free(mux, 0);
    }
    if (rc < 0)
        snprintf(err, size, "%s",
                 rc == -EAGAIN ? "sending stalled past the timeout"
                 : rc == -EPIPE ? "the receiver closed the connection"
                                : sv_strerror(rc));
    sv_srt_conn_free(o.conn);
    return rc;
}

/* ---- the thread ---- */

static void *
run(void *arg)
{
    struct sv__cast_dest *d = arg;
    int64_t wait_ms = 250, until;
    char err[512];
    int rc, eof;

    for (;;) {
        err[0] = '\0';
        rc = d->kind == SV__DEST_SRT ? srt_session(d, err, sizeof(err))
                                     : rtmp_session(d, err, sizeof(err));
        pthread_mutex_lock(&d->mu);
        eof = d->eof || d->stop;
        pthread_mutex_unlock(&d->mu);
        if (rc == 0 && eof) {
            pthread_mutex_lock(&d->mu);
            d->ok = !d->stop;
            d->state = SV__DEST_DONE;
            pthread_mutex_unlock(&d->mu);
            event_state(d, "live.simulcast.ended", NULL);
            return NULL;
        }
        if (rc == SV_EAUTH || rc == SV_EUSAGE || eof) {
            /* a refused key does not get better by asking again; after
             * the end there is nothing left to reconnect for */
            sv_log_error("%s: %s", d->shown, err[0] ? err : "failed");
            pthread_mutex_lock(&d->mu);
            d->state = SV__DEST_FAILED;
            drop_all(d);
            pthread_mutex_unlock(&d->mu);
            event_state(d, "live.simulcast.failed", err);
            return NULL;
        }
        if (d->connects > 0 && wait_ms == 250)
            sv_log_warn("%s: %s; reconnecting", d->shown, err);
        else
            sv_log_debug("%s: %s; retrying in %lld ms", d->shown, err,
                         (long long)wait_ms);
        event_state(d, "live.simulcast.disconnected", err);
        pthread_mutex_lock(&d->mu);
        d->state = SV__DEST_WAITING;
        until = mono_ms() + wait_ms;
        while (!d->eof && !d->stop && mono_ms() < until) {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        }
        d->state = SV__DEST_CONNECTING;
        pthread_mutex_unlock(&d->mu);
        /* back off: 250 ms doubling up to the configured most */
        wait_ms *= 2;
        if (wait_ms > d->cfg->retry_max_us / 1000)
            wait_ms = d->cfg->retry_max_us / 1000;
    }
}

int
sv__cast_dest_start(struct sv__cast_dest *d)
{
    int rc = pthread_create(&d->thread, NULL, run, d);

    if (rc != 0)
        return -rc;
    d->started = 1;
    return 0;
}

void
sv__cast_dest_finish(struct sv__cast_dest *d, int now)
{
    pthread_mutex_lock(&d->mu);
    d->eof = 1;
    if (now)
        d->stop = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void
sv__cast_dest_join(struct sv__cast_dest *d)
{
    if (d->started)
        pthread_join(d->thread, NULL);
    d->started = 0;
}

void
sv__cast_dest_release(struct sv__cast_dest *d)
{
    if (d->q == NULL)
        return;
    drop_all(d);
    free(d->q);
    d->q = NULL;
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
}

static const char *
state_name(int s)
{
    switch (s) {
    case SV__DEST_LIVE: return "live";
    case SV__DEST_WAITING: return "waiting";
    case SV__DEST_DONE: return "done";
    case SV__DEST_FAILED: return "failed";
    default: return "connecting";
    }
}

void
sv__cast_dest_stats(struct sv__cast_dest *d, int64_t interval_ms)
{
    json_t *data;
    int64_t bytes;

    pthread_mutex_lock(&d->mu);
    bytes = d->sent_bytes - d->last_bytes;
    d->last_bytes = d->sent_bytes;
    data = json_pack("{s:i,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
                     "dest", d->index, "url", d->shown,
                     "state", state_name(d->state),
                     "bitrate", interval_ms > 0
                                    ? (json_int_t)(bytes * 8000 /
                                                   interval_ms) : 0,
                     "bytes", (json_int_t)d->sent_bytes,
                     "packets", (json_int_t)d->sent_pkts,
                     "dropped", (json_int_t)d->dropped,
                     "reconnects", (json_int_t)d->reconnects,
                     "latency_ms", (json_int_t)(d->lat_n > 0
                                                    ? d->lat_sum_ms / d->lat_n
                                                    : 0),
                     "queued", (json_int_t)d->qlen);
    d->lat_sum_ms = d->lat_n = 0;
    pthread_mutex_unlock(&d->mu);
    sv_event_emit("live.simulcast.stats", data);
}
