/* ingest_stream.c -- one live stream: tracks, timeline, drop policy, stats */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "ingest/ingest_int.h"

/* a step this large either way is a jump, a reset or a wrap, not jitter */
#define JUMP_US 3000000
/* where a stream's output timeline starts */
#define START_US 1000000
/* with tracks unannounced, start muxing after this many packets */
#define START_AFTER 48

static struct sv_istream *
find(struct sv_ingest *ing, const char *key)
{
    struct sv_istream *st;

    for (st = ing->streams; st != NULL; st = st->next)
        if (st->state != ST_ENDED && strcmp(st->key, key) == 0)
            return st;
    return NULL;
}

static void
set_origin(struct sv_istream *st, struct sv_isource *src)
{
    snprintf(st->proto, sizeof(st->proto), "%s", src->proto);
    snprintf(st->remote, sizeof(st->remote), "%s", src->remote);
}

static void
clear_pending(struct sv_istream *st)
{
    int i;

    for (i = 0; i < st->npending; i++)
        free((void *)st->pending[i].data);
    st->npending = 0;
    st->pending_bytes = 0;
}

/* a new source takes over the stream's pipeline */
static void
attach(struct sv_istream *st, struct sv_isource *src)
{
    int i;

    uv_timer_stop(&st->linger);
    sv_av_mux_free(st->mux, 1);
    st->mux = NULL;
    clear_pending(st);
    for (i = 0; i < SV_TRACKS; i++) {
        sv_av_track_release(&st->tracks[i]);
        st->expect[i] = -1;
    }
    st->clock.rebase = 1;
    st->dropping = 0;
    st->src = src;
    src->st = st;
    set_origin(st, src);
    st->state = ST_WAITING;
    st->resumed++;
}

static void
linger_expired(uv_timer_t *t)
{
    struct sv_istream *st = t->data;

    sv__stream_end(st, st->ended_why != NULL ? st->ended_why : "disconnected");
}

static void
handle_closed(uv_handle_t *h)
{
    sv__stream_unref(h->data);
}

void
sv__stream_unref(struct sv_istream *st)
{
    struct sv_istream **pp;

    if (--st->handles > 0)
        return;
    for (pp = &st->ing->streams; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == st) {
            *pp = st->next;
            break;
        }
    }
    free(st->ended_why);
    free(st->sink.rec_dir);
    free(st);
}

int
sv__stream_begin(struct sv_ingest *ing, struct sv_isource *src,
                 const struct sv_streamid *sid, char *why, size_t size)
{
    const struct sv_ingest_conf *conf = ing->conf;
    struct sv_istream *st;
    char key[200];
    int rc, i;

    snprintf(key, sizeof(key), "%s/%s", sid->app, sid->name);
    if (ing->stopping) {
        snprintf(why, size, "the server is shutting down");
        return -ECONNREFUSED;
    }
    st = find(ing, key);
    if (st != NULL && st->state == ST_LINGER) {
        attach(st, src);
        sv_log_info("stream '%s' resumed from %s within the reconnect "
                    "window", key, src->remote);
        return 0;
    }
    if (st != NULL) {
        struct sv_isource *old = st->src;

        if (conf->on_duplicate != SV_DUP_TAKEOVER) {
            snprintf(why, size, "stream '%s' is already being published",
                     key);
            return -EEXIST;
        }
        sv_log_info("stream '%s' taken over by %s", key, src->remote);
        if (old != NULL) {
            old->st = NULL;
            st->src = NULL;
            old->ops->close(old);
        }
        attach(st, src);
        return 0;
    }
    if (ing->single && ing->single_used) {
        snprintf(why, size, "standard output carries one stream and it is "
                 "taken");
        return -EEXIST;
    }
    if (conf->max_streams > 0 && ing->nstreams >= conf->max_streams) {
        snprintf(why, size, "too many streams (--max-streams %d)",
                 conf->max_streams);
        return SV_ELIMIT;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return -ENOMEM;
    st->ing = ing;
    st->id = ++ing->next_id;
    snprintf(st->key, sizeof(st->key), "%s", key);
    st->sid = *sid;
    st->sink.fd = -1;
    st->sink.rec = (struct sv_afile)SV_AFILE_INIT;
    for (i = 0; i < SV_TRACKS; i++)
        st->expect[i] = -1;
    st->clock.rebase = 1;
    st->state = ST_WAITING;
    st->started_ms = uv_now(&ing->loop);
    st->stats.window_start = (int64_t)st->started_ms;
    st->stats.last_key_dts = INT64_MIN;
    set_origin(st, src);
    rc = sv__sink_open(st);
    if (rc < 0) {
        snprintf(why, size, "cannot start the stream's output: %s",
                 sv_strerror(rc));
        /* handles the sink opened are closing; the last one frees st */
        st->state = ST_ENDED;
        st->handles++;
        sv__stream_unref(st);
        return rc;
    }
    uv_timer_init(&ing->loop, &st->linger);
    st->linger.data = st;
    st->handles++;                  /* the linger timer */
    st->handles++;                  /* the stream's own life */
    st->src = src;
    src->st = st;
    st->next = ing->streams;
    ing->streams = st;
    ing->nstreams++;
    ing->single_used = 1;
    return 0;
}

static json_t *
tracks_json(const struct sv_istream *st)
{
    json_t *arr = json_array();
    int i;

    for (i = 0; i < SV_TRACKS; i++) {
        const struct sv_ingest_track *t = &st->tracks[i];

        if (t->codec == SV_CODEC_NONE)
            continue;
        if (i == SV_TRACK_VIDEO)
            json_array_append_new(arr, json_pack(
                "{s:s,s:s,s:i,s:i}", "type", "video",
                "codec", sv_av_codec_name(t), "width", t->width,
                "height", t->height));
        else
            json_array_append_new(arr, json_pack(
                "{s:s,s:s,s:i,s:i}", "type", "audio",
                "codec", sv_av_codec_name(t), "sample_rate", t->sample_rate,
                "channels", t->channels));
    }
    return arr;
}

static json_t *
base_json(const struct sv_istream *st)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:I}", "stream", st->sid.name,
                     "app", st->sid.app, "proto", st->proto,
                     "remote", st->remote, "id", (json_int_t)st->id);
}

static int
mux_out(void *ud, const uint8_t *p, size_t len)
{
    return sv__sink_write(ud, p, len);
}

static void push(struct sv_istream *st, const struct sv_ingest_pkt *p);

static void
start_mux(struct sv_istream *st)
{
    const char *fmt = st->ing->conf->format;
    json_t *data;
    int rc, i;

    /* --discard receives and counts: nothing is muxed */
    rc = st->sink.kind == SINK_DISCARD ? 0
         : sv_av_mux_new(&st->mux, fmt, st->tracks, mux_out, st);
    if (rc < 0) {
        if (rc == SV_EFORMAT)
            sv_log_error("stream '%s': %s/%s cannot be carried in %s "
                         "(try --format matroska)", st->key,
                         sv_av_codec_name(&st->tracks[0]),
                         sv_av_codec_name(&st->tracks[1]), fmt);
        else
            sv_log_error("stream '%s': cannot start the %s muxer: %s",
                         st->key, fmt, sv_strerror(rc));
        sv__stream_end(st, "unsupported-codec");
        return;
    }
    st->state = ST_LIVE;
    data = base_json(st);
    json_object_set_new(data, "tracks", tracks_json(st));
    if (!st->started) {
        st->started = 1;
        sv_event_emit("live.stream.started", data);
        sv_log_info("stream '%s' started (%s from %s)", st->key, st->proto,
                    st->remote);
    } else {
        json_object_set_new(data, "resumed", json_true());
        sv_event_emit("live.stream.started", data);
    }
    for (i = 0; i < st->npending && st->state == ST_LIVE; i++)
        push(st, &st->pending[i]);
    clear_pending(st);
}

static void
try_start(struct sv_istream *st)
{
    int i, ready = 0, waiting = 0;

    if (st->state != ST_WAITING)
        return;
    for (i = 0; i < SV_TRACKS; i++) {
        int have = st->tracks[i].codec != SV_CODEC_NONE;

        ready += have;
        if (!have && st->expect[i] != 0)
            waiting++;
    }
    /* unannounced tracks are waited for a moment, then given up */
    if (ready > 0 && (waiting == 0 || st->npending >= START_AFTER))
        start_mux(st);
}

void
sv__stream_tracks(struct sv_istream *st, const struct sv_ingest_track *tracks)
{
    int i;

    if (st->whep != NULL)
        sv__whep_gone(st, "configuration-changed");
    sv_av_mux_free(st->mux, 1);
    st->mux = NULL;
    if (st->state == ST_LIVE)
        st->state = ST_WAITING;
    for (i = 0; i < SV_TRACKS; i++) {
        sv_av_track_release(&st->tracks[i]);
        if (tracks[i].codec != SV_CODEC_NONE &&
            sv_av_track_copy(&st->tracks[i], &tracks[i]) < 0) {
            sv__stream_end(st, "error");
            return;
        }
        st->expect[i] = tracks[i].codec != SV_CODEC_NONE;
    }
    st->clock.rebase = 1;
    try_start(st);
}

void
sv__stream_config(struct sv_istream *st, int track,
                  const struct sv_ingest_track *t)
{
    struct sv_ingest_track *cur = &st->tracks[track];

    if (cur->codec != SV_CODEC_NONE && sv_av_track_same(cur, t))
        return;     /* a repeated sequence header */
    if (st->whep != NULL)
        sv__whep_gone(st, "configuration-changed");
    if (st->state == ST_LIVE) {
        /* a new configuration mid-stream: new headers, same timeline */
        sv_log_info("stream '%s': %s configuration changed", st->key,
                    track == SV_TRACK_VIDEO ? "video" : "audio");
        sv_av_mux_free(st->mux, 1);
        st->mux = NULL;
        st->state = ST_WAITING;
    }
    if (t->width == 0 && cur->width > 0) {
        int w = cur->width, h = cur->height;

        sv_av_track_release(cur);
        if (sv_av_track_copy(cur, t) < 0)
            goto fail;
        cur->width = w;
        cur->height = h;
    } else {
        sv_av_track_release(cur);
        if (sv_av_track_copy(cur, t) < 0)
            goto fail;
    }
    try_start(st);
    return;
fail:
    sv__stream_end(st, "error");
}

void
sv__stream_meta(struct sv_istream *st, json_t *meta)
{
    json_t *w = json_object_get(meta, "width");
    json_t *h = json_object_get(meta, "height");

    st->expect[SV_TRACK_VIDEO] = json_object_get(meta, "videocodecid") != NULL;
    st->expect[SV_TRACK_AUDIO] = json_object_get(meta, "audiocodecid") != NULL;
    if (json_is_number(w) && json_is_number(h)) {
        st->tracks[SV_TRACK_VIDEO].width = (int)json_number_value(w);
        st->tracks[SV_TRACK_VIDEO].height = (int)json_number_value(h);
    }
    if (st->expect[0] == 0 && st->expect[1] == 0)
        st->expect[0] = st->expect[1] = -1;     /* says nothing useful */
    try_start(st);
}

int64_t
sv__clock_map(struct sv_iclock *c, int track, int64_t dts, int64_t *pts)
{
    int64_t out, d, shift, last = INT64_MIN;
    int i;

    if (c->rebase) {
        /* a new timeline continues one frame after the latest output */
        for (i = 0; i < SV_TRACKS; i++)
            if (c->have[i] && c->last_out[i] + c->step[i] > last)
                last = c->last_out[i] + c->step[i];
        c->offset = (last == INT64_MIN ? START_US : last) - dts;
        c->rebase = 0;
    }
    out = dts + c->offset;
    if (c->have[track]) {
        d = out - c->last_out[track];
        if (d <= -JUMP_US || d >= JUMP_US) {
            /* jump, reset or wrap: shift every track by the same amount so
             * audio and video stay together */
            c->offset += c->last_out[track] + c->step[track] - out;
            out = c->last_out[track] + c->step[track];
            c->fixes++;
        } else if (d <= 0) {
            out = c->last_out[track] + 1;   /* keep dts strictly rising */
        } else if (d < 1000000) {
            c->step[track] = d;
        }
    } else {
        c->step[track] = track == SV_TRACK_VIDEO ? 33333 : 21333;
    }
    shift = out - dts;
    *pts = *pts + shift;
    if (*pts < out)
        *pts = out;
    c->have[track] = 1;
    c->last_out[track] = out;
    return out;
}

static int
resume_point(const struct sv_istream *st, const struct sv_ingest_pkt *p)
{
    if (p->track == SV_TRACK_VIDEO)
        return p->key;
    return st->tracks[SV_TRACK_VIDEO].codec == SV_CODEC_NONE;
}

void
sv__stream_drop(struct sv_istream *st, uint64_t n)
{
    st->stats.drops += n;
}

/*
 * The drop policy: when more than --queue-size bytes wait for the consumer,
 * whole packets are dropped (never parts of one), and sending resumes only
 * once the queue has drained to half and a video keyframe comes (any
 * packet for audio-only streams), so the consumer never gets a broken GOP.
 */
static void
push(struct sv_istream *st, const struct sv_ingest_pkt *p)
{
    const struct sv_ingest_conf *conf = st->ing->conf;
    struct sv_ingest_pkt q = *p;
    int rc;

    if (st->tracks[p->track].codec == SV_CODEC_NONE) {
        st->stats.drops++;      /* a track that never got configured */
        return;
    }
    if (st->dropping) {
        if (sv__sink_full(st, conf->queue_max / 2) || !resume_point(st, p)) {
            st->stats.drops++;
            return;
        }
        sv_log_info("stream '%s': consumer caught up, sending again",
                    st->key);
        st->dropping = 0;
    } else if (sv__sink_full(st, conf->queue_max)) {
        sv_log_warn("stream '%s': consumer is slow, dropping until it "
                    "catches up", st->key);
        st->dropping = 1;
        st->stats.drops++;
        return;
    }
    q.pts = p->pts;
    q.dts = sv__clock_map(&st->clock, p->track, p->dts, &q.pts);
    if (st->sink.kind == SINK_RECORD && resume_point(st, p) &&
        sv__sink_rotate_due(st, q.dts)) {
        sv_av_mux_free(st->mux, 1);
        st->mux = NULL;
        rc = sv__sink_rotate(st);
        if (rc == 0)
            rc = sv_av_mux_new(&st->mux, conf->format, st->tracks, mux_out,
                               st);
        if (rc < 0) {
            sv_log_error("stream '%s': cannot start the next recording: %s",
                         st->key, sv_strerror(rc));
            sv__stream_end(st, "error");
            return;
        }
    }
    if (st->sink.kind == SINK_RECORD && st->sink.rec_start == INT64_MIN)
        st->sink.rec_start = q.dts;
    if (p->track == SV_TRACK_VIDEO) {
        st->stats.frames_window++;
        if (p->key) {
            if (st->stats.last_key_dts != INT64_MIN)
                st->stats.key_interval = q.dts - st->stats.last_key_dts;
            st->stats.last_key_dts = q.dts;
        }
    }
    st->stats.packets++;
    rc = st->mux != NULL ? sv_av_mux_write(st->mux, &q) : 0;
    /* the latency we add: from the read that completed this packet to its
     * bytes entering the consumer's pipe (when nothing was queued) */
    if (rc == 0 && st->src != NULL && st->src->recv_ns != 0 &&
        st->sink.queued == 0 && st->stats.nlat < 1024)
        st->stats.lat[st->stats.nlat++] =
            (uint32_t)((uv_hrtime() - st->src->recv_ns) / 1000);
    if (rc < 0) {
        if (st->sink.failed) {
            sv__stream_end(st, "consumer-exited");
        } else {
            sv_log_error("stream '%s': cannot mux a packet: %s", st->key,
                         sv_strerror(rc));
            sv__stream_end(st, "error");
        }
    }
}

void
sv__stream_packet(struct sv_istream *st, const struct sv_ingest_pkt *p)
{
    struct sv_ingest_pkt *q;
    uint8_t *copy;

    st->stats.bytes_window += p->size;
    st->stats.bytes += p->size;
    if (p->track == SV_TRACK_VIDEO && p->pts != p->dts)
        st->bframes = 1;
    if (st->whep != NULL)
        sv__whep_packet(st, p);
    if (st->state == ST_LIVE) {
        push(st, p);
        return;
    }
    if (st->npending == PENDING_MAX ||
        p->size > PENDING_BYTES_MAX - st->pending_bytes) {
        st->stats.drops++;
        return;
    }
    copy = malloc(p->size > 0 ? p->size : 1);
    if (copy == NULL) {
        st->stats.drops++;
        return;
    }
    memcpy(copy, p->data, p->size);
    q = &st->pending[st->npending++];
    *q = *p;
    q->data = copy;
    st->pending_bytes += p->size;
    try_start(st);
}

void
sv__stream_detach(struct sv_isource *src, const char *why)
{
    struct sv_istream *st = src->st;
    int64_t win = st != NULL ? st->ing->conf->reconnect_window_us : 0;

    if (st == NULL)
        return;
    src->st = NULL;
    st->src = NULL;
    if (st->whep != NULL)
        sv__whep_gone(st, why);
    if (st->state == ST_ENDED)
        return;
    if (win > 0 && st->started && !st->ing->stopping && !st->sink.failed) {
        free(st->ended_why);
        st->ended_why = strdup(why);
        st->state = ST_LINGER;
        sv_av_mux_free(st->mux, 1);
        st->mux = NULL;
        uv_timer_start(&st->linger, linger_expired, (uint64_t)(win / 1000),
                       0);
        sv_log_info("stream '%s': publisher gone (%s), waiting %.1f s for "
                    "it to come back", st->key, why, (double)win / 1e6);
        return;
    }
    sv__stream_end(st, why);
}

void
sv__stream_end(struct sv_istream *st, const char *why)
{
    struct sv_ingest *ing = st->ing;
    struct sv_isource *src = st->src;
    int i;

    if (st->state == ST_ENDED)
        return;
    st->state = ST_ENDED;
    if (st->whep != NULL)
        sv__whep_gone(st, why);
    if (src != NULL) {
        src->st = NULL;
        st->src = NULL;
        src->ops->close(src);
    }
    uv_timer_stop(&st->linger);
    sv_av_mux_free(st->mux, !st->sink.failed);
    st->mux = NULL;
    clear_pending(st);
    if (st->started) {
        json_t *data = base_json(st);

        json_object_set_new(data, "why", json_string(why));
        json_object_set_new(data, "duration_ms", json_integer(
            (json_int_t)(uv_now(&ing->loop) - st->started_ms)));
        json_object_set_new(data, "bytes", json_integer(
            (json_int_t)st->stats.bytes));
        json_object_set_new(data, "packets", json_integer(
            (json_int_t)st->stats.packets));
        json_object_set_new(data, "drops", json_integer(
            (json_int_t)st->stats.drops));
        json_object_set_new(data, "discontinuities", json_integer(
            st->clock.fixes));
        json_object_set_new(data, "reconnects", json_integer(
            st->resumed));
        sv_event_emit("live.stream.ended", data);
        sv_log_info("stream '%s' ended (%s)", st->key, why);
    } else if (strcmp(why, "source-failed") == 0) {
        char msg[300];

        snprintf(msg, sizeof(msg), "stream '%s' never started: its source "
                 "failed", st->key);
        sv_event_error(SV_ENOMEDIA, msg, base_json(st));
    }
    /* with stdout carrying the one stream, its failure is the run's */
    if (ing->single && (strcmp(why, "source-failed") == 0 ||
                        strcmp(why, "error") == 0 ||
                        strcmp(why, "unsupported-codec") == 0))
        ing->rc = SV_ENOMEDIA;
    for (i = 0; i < SV_TRACKS; i++)
        sv_av_track_release(&st->tracks[i]);
    sv__sink_close(st);
    ing->nstreams--;
    uv_close((uv_handle_t *)&st->linger, handle_closed);
    sv__stream_unref(st);
    sv__ingest_maybe_done(ing);
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

void
sv__stream_stats(struct sv_istream *st)
{
    uint64_t now = uv_now(&st->ing->loop);
    double secs = (double)(now - (uint64_t)st->stats.window_start) / 1000.0;
    const struct sv_iclock *c = &st->clock;
    json_t *data;

    if (st->state != ST_LIVE || secs <= 0)
        return;
    data = base_json(st);
    json_object_set_new(data, "bitrate", json_integer(
        (json_int_t)((double)st->stats.bytes_window * 8 / secs)));
    json_object_set_new(data, "fps", json_real(
        (double)(int64_t)((double)st->stats.frames_window / secs * 100) /
        100));
    json_object_set_new(data, "keyframe_interval_ms", json_integer(
        (json_int_t)(st->stats.key_interval / 1000)));
    if (c->have[0] && c->have[1])
        json_object_set_new(data, "av_drift_ms", json_integer(
            (json_int_t)((c->last_out[0] - c->last_out[1]) / 1000)));
    json_object_set_new(data, "bytes", json_integer(
        (json_int_t)st->stats.bytes));
    json_object_set_new(data, "packets", json_integer(
        (json_int_t)st->stats.packets));
    json_object_set_new(data, "drops", json_integer(
        (json_int_t)st->stats.drops));
    json_object_set_new(data, "queued", json_integer(
        (json_int_t)st->sink.queued));
    json_object_set_new(data, "discontinuities", json_integer(c->fixes));
    if (st->stats.nlat > 0) {
        int n = st->stats.nlat;

        qsort(st->stats.lat, (size_t)n, sizeof(st->stats.lat[0]), cmp_u32);
        json_object_set_new(data, "latency_us", json_pack(
            "{s:i,s:i,s:i}", "p50", (int)st->stats.lat[n / 2],
            "p99", (int)st->stats.lat[(n - 1) * 99 / 100],
            "max", (int)st->stats.lat[n - 1]));
        st->stats.nlat = 0;
    }
    if (st->src != NULL && st->src->ops->stats != NULL)
        st->src->ops->stats(st->src, data);
    if (st->whep != NULL)
        sv__whep_stats(st, data);
    sv_event_emit("live.stream.stats", data);
    st->stats.bytes_window = 0;
    st->stats.frames_window = 0;
    st->stats.window_start = (int64_t)now;
}
