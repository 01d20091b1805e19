/* simulcast.c -- live simulcast: reads one MPEG-TS, keeps one output
 * timeline, fans packets out to the destinations, and plays a slate while
 * the input is stalled
 *
 * The timeline: output times are input times plus an offset, starting at
 * 0.  When no packet came for slate_after, the slate (matching the stream's
 * codec parameters) continues the timeline from the last packet, paced by
 * the clock from the moment the input stalled, so the output covers the
 * gap.  The input comes back at its next video keyframe: the offset is
 * recomputed so that it continues where the slate ended.  Timestamps stay
 * monotonic across both switches, and each switch is a keyframe.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/json.h"
#include "core/log.h"
#include "core/sig.h"
#include "media/av_ingest.h"
#include "media/av_slate.h"
#include "publish/simulcast.h"
#include "publish/simulcast_int.h"
#include "rtmp/rtmp_client.h"

/* input dts steps past these are a discontinuity, not the stream */
#define DISC_BACK_US 500000
#define DISC_FWD_US 3000000

struct cast {
    const struct sv_simulcast_cfg *cfg;
    struct sv__cast_stream st;
    struct sv__cast_dest *dests;
    int ndest;
    pthread_mutex_t mu;         /* the timeline */
    int started;                /* the first keyframe went out */
    int64_t off;                /* output = input + off (us) */
    int64_t last[2];            /* last output dts per track */
    int have_last[2];
    int64_t vdur, adur;         /* frame durations (us) */
    int64_t prev_in_vdts;       /* for the frame rate */
    int64_t last_pkt_ms;        /* when the last input packet went out */
    int profile, level;
    int disc;                   /* waiting for a keyframe to re-anchor */
    /* the slate */
    int slate_on;
    int slates;
    int64_t slate_wall0, slate_ts0;
    int64_t next[2];
    int64_t slate_frames;
    /* the clock thread */
    pthread_t clock;
    int clock_started;
    volatile int done;
    int64_t packets;
    int in_fd;
};

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- URLs ---- */

int
sv_simulcast_check_url(const char *url, char *err, size_t size)
{
    struct sv_rtmp_url u;

    if (strncmp(url, "srt://", 6) == 0) {
        char host[256], sid[1024];
        int port, latency = 0;

        if (sv__cast_srt_url(url, host, sizeof(host), &port, sid,
                             sizeof(sid), &latency) < 0) {
            snprintf(err, size, "'%s' needs a host and a port", url);
            return SV_EUSAGE;
        }
        return 0;
    }
    if (strncmp(url, "rtmp://", 7) != 0 && strncmp(url, "rtmps://", 8) != 0) {
        snprintf(err, size, "'%s' is not an rtmp://, rtmps:// or srt:// "
                 "URL", url);
        return SV_EUSAGE;
    }
    if (sv_rtmp_url_parse(url, &u) < 0) {
        snprintf(err, size, "'%s' needs a host, an app and a stream key",
                 url);
        return SV_EUSAGE;
    }
    return 0;
}

void
sv_simulcast_redact(const char *url, char *buf, size_t size)
{
    const char *cut;

    if (strncmp(url, "srt://", 6) == 0) {
        cut = strchr(url, '?');
        snprintf(buf, size, "%.*s%s", cut != NULL ? (int)(cut - url)
                                                  : (int)strlen(url),
                 url, cut != NULL ? "?…" : "");
        return;
    }
    cut = strrchr(url, '/');
    snprintf(buf, size, "%.*s/…", cut != NULL ? (int)(cut - url)
                                              : (int)strlen(url), url);
}

/* ---- fan-out ---- */

/* timeline held; p has its output times */
static void
fan_out(struct cast *c, const uint8_t *data, size_t len, int track, int key,
        int slate, int64_t pts, int64_t dts)
{
    struct sv__cast_pkt *p = sv__cast_pkt_new(data, len);
    int i;

    if (p == NULL)
        return;
    p->track = track;
    p->key = key;
    p->slate = slate;
    p->pts = pts;
    p->dts = dts;
    p->queued_ms = mono_ms();
    c->last[track] = dts;
    c->have_last[track] = 1;
    for (i = 0; i < c->ndest; i++)
        sv__cast_dest_push(&c->dests[i], p);
    sv__cast_pkt_unref(p);
}

/* ---- input ---- */

static int
in_read(void *ud, uint8_t *p, size_t len)
{
    struct cast *c = ud;
    struct pollfd pfd;
    ssize_t n;

    for (;;) {
        if (sv_sig_stop)
            return SV_EINTR;
        pfd.fd = c->in_fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        n = read(c->in_fd, p, len);
        if (n >= 0)
            return (int)n;
        if (errno != EINTR && errno != EAGAIN)
            return -errno;
    }
}

static int
in_stop(void *ud)
{
    return sv_sig_stop != 0;
}

static int
on_tracks(void *ud, const struct sv_ingest_track *t)
{
    struct cast *c = ud;

    if (t[SV_TRACK_VIDEO].codec != SV_CODEC_NONE &&
        t[SV_TRACK_VIDEO].codec != SV_CODEC_H264)
        return SV_ENOMEDIA;
    if (t[SV_TRACK_AUDIO].codec != SV_CODEC_NONE &&
        t[SV_TRACK_AUDIO].codec != SV_CODEC_AAC)
        return SV_ENOMEDIA;
    c->st.has_video = t[SV_TRACK_VIDEO].codec == SV_CODEC_H264;
    c->st.has_audio = t[SV_TRACK_AUDIO].codec == SV_CODEC_AAC;
    c->st.width = t[SV_TRACK_VIDEO].width;
    c->st.height = t[SV_TRACK_VIDEO].height;
    c->st.sample_rate = t[SV_TRACK_AUDIO].sample_rate;
    c->st.channels = t[SV_TRACK_AUDIO].channels;
    if (c->st.has_audio && c->st.sample_rate > 0)
        c->adur = 1024 * 1000000LL / c->st.sample_rate;
    return 0;
}

/* the slate's end: the input is back at this packet (timeline held) */
static void
slate_end(struct cast *c, int64_t in_dts)
{
    int t = c->st.has_video ? SV__CAST_VIDEO : SV__CAST_AUDIO;
    int64_t next = c->last[t] + (t == SV__CAST_VIDEO ? c->vdur : c->adur);

    c->off = next - in_dts;
    c->slate_on = 0;
    sv_log_info("input is back: the live picture continues after %lld "
                "slate frames", (long long)c->slate_frames);
    sv_event_emit("live.simulcast.slate.ended",
                  json_pack("{s:I,s:I}", "frames",
                            (json_int_t)c->slate_frames, "at_ms",
                            (json_int_t)(next / 1000)));
}

static int
on_packet(void *ud, const struct sv_ingest_pkt *k)
{
    struct cast *c = ud;
    int track = k->track == SV_TRACK_VIDEO ? SV__CAST_VIDEO
                                           : SV__CAST_AUDIO;
    int gate = c->st.has_video ? track == SV__CAST_VIDEO && k->key : 1;
    int64_t dts, pts;

    if ((track == SV__CAST_VIDEO && !c->st.has_video) ||
        (track == SV__CAST_AUDIO && !c->st.has_audio))
        return 0;
    pthread_mutex_lock(&c->mu);
    c->packets++;
    if (track == SV__CAST_VIDEO) {
        /* the frame rate, from the smallest step of the input's dts */
        int64_t step = k->dts - c->prev_in_vdts;

        /* the input's clock jumped (a new encoder after a stall, or the
         * frames the demuxer held across it): the timeline is re-anchored
         * at the next keyframe */
        if (c->started && c->prev_in_vdts != 0 &&
            (step < -DISC_BACK_US || step > DISC_FWD_US))
            c->disc = 1;

        if (c->prev_in_vdts != 0 && step > 1000 && step < 1000000 &&
            (c->vdur == 0 || step < c->vdur))
            c->vdur = step;
        c->prev_in_vdts = k->dts;
        if (k->key && c->profile == 0)
            sv__cast_sps_profile(k->data, k->size, &c->profile, &c->level);
    }
    if (!c->started) {
        if (!gate) {
            pthread_mutex_unlock(&c->mu);
            return 0;       /* everything starts at a keyframe */
        }
        c->started = 1;
        c->off = -k->dts;
    } else if (c->slate_on) {
        if (!gate) {
            pthread_mutex_unlock(&c->mu);
            return 0;       /* the slate plays until a keyframe comes */
        }
        slate_end(c, k->dts);
        c->disc = 0;
    } else if (c->disc) {
        if (!gate) {
            pthread_mutex_unlock(&c->mu);
            return 0;
        }
        c->off = c->last[SV__CAST_VIDEO] + c->vdur - k->dts;
        c->disc = 0;
        sv_log_debug("input timestamps jumped: re-anchored at a keyframe");
    }
    dts = k->dts + c->off;
    pts = k->pts + c->off;
    /* after a switch, audio from before the keyframe would go back */
    if (c->have_last[track] && dts <= c->last[track]) {
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
    fan_out(c, k->data, k->size, track, k->key, 0, pts, dts);
    c->last_pkt_ms = mono_ms();
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* ---- the slate and the stats, on the clock thread ---- */

static struct sv_slate *
slate_open(struct cast *c)
{
    struct sv_slate_cfg sc;
    struct sv_slate *s = NULL;
    char err[256];

    memset(&sc, 0, sizeof(sc));
    if (c->st.has_video) {
        sc.width = c->st.width;
        sc.height = c->st.height;
        sc.fps_num = 1000000;
        sc.fps_den = (int)c->vdur;
        sc.profile = c->profile;
        sc.level = c->level;
    }
    if (c->st.has_audio) {
        sc.sample_rate = c->st.sample_rate;
        sc.channels = c->st.channels;
    }
    sc.image = c->cfg->slate_image;
    if (sv_slate_new(&s, &sc, err, sizeof(err)) < 0) {
        sv_log_error("%s", err);
        return NULL;
    }
    return s;
}

/* emits the slate's frames due by now; timeline held on return */
static int
slate_step(struct cast *c, struct sv_slate *s)
{
    int64_t due = c->slate_ts0 + (mono_ms() - c->slate_wall0) * 1000;
    const uint8_t *p;
    size_t len;
    int key, t, rc;

    for (t = 0; t < 2; t++) {
        int has = t == SV__CAST_VIDEO ? c->st.has_video : c->st.has_audio;
        int64_t dur = t == SV__CAST_VIDEO ? c->vdur : c->adur;

        while (has && c->slate_on && c->next[t] <= due) {
            /* encoding is this thread's; only the fan-out needs the
             * timeline, and the input may have come back meanwhile */
            pthread_mutex_unlock(&c->mu);
            if (t == SV__CAST_VIDEO) {
                rc = sv_slate_video(s, &p, &len, &key);
            } else {
                rc = sv_slate_audio(s, &p, &len);
                key = 1;
            }
            pthread_mutex_lock(&c->mu);
            if (rc < 0)
                return rc;
            if (!c->slate_on)
                break;
            fan_out(c, p, len, t, key, 1, c->next[t], c->next[t]);
            c->next[t] += dur;
            if (t == SV__CAST_VIDEO || !c->st.has_video)
                c->slate_frames++;
        }
    }
    return 0;
}

static void *
clock_run(void *arg)
{
    struct cast *c = arg;
    struct sv_slate *slate = NULL;
    int64_t now, last_stats = mono_ms();
    int i;

    while (!c->done) {
        usleep(10000);
        now = mono_ms();
        if (c->cfg->stats_us > 0 &&
            now - last_stats >= c->cfg->stats_us / 1000) {
            for (i = 0; i < c->ndest; i++)
                sv__cast_dest_stats(&c->dests[i], now - last_stats);
            last_stats = now;
        }
        pthread_mutex_lock(&c->mu);
        if (!c->slate_on && slate != NULL) {
            pthread_mutex_unlock(&c->mu);
            sv_slate_free(slate);
            slate = NULL;
            continue;
        }
        if (!c->slate_on && c->started && c->cfg->slate_after_us > 0 &&
            (!c->st.has_video || c->vdur > 0) &&
            now - c->last_pkt_ms >= c->cfg->slate_after_us / 1000) {
            int t = c->st.has_video ? SV__CAST_VIDEO : SV__CAST_AUDIO;

            pthread_mutex_unlock(&c->mu);
            slate = slate_open(c);
            if (slate == NULL) {
                /* no slate: the destinations wait for the input */
                pthread_mutex_lock(&c->mu);
                c->last_pkt_ms = now;   /* try again after another stall */
                pthread_mutex_unlock(&c->mu);
                continue;
            }
            pthread_mutex_lock(&c->mu);
            c->slate_on = 1;
            c->slates++;
            c->slate_frames = 0;
            c->slate_wall0 = c->last_pkt_ms;
            c->slate_ts0 = c->last[t];
            c->next[SV__CAST_VIDEO] = c->last[SV__CAST_VIDEO] + c->vdur;
            c->next[SV__CAST_AUDIO] = c->last[SV__CAST_AUDIO] + c->adur;
            sv_log_info("input stalled for %lld ms: sending the slate",
                        (long long)(now - c->last_pkt_ms));
            sv_event_emit("live.simulcast.slate.started",
                          json_pack("{s:I,s:I}", "stalled_ms",
                                    (json_int_t)(now - c->last_pkt_ms),
                                    "at_ms",
                                    (json_int_t)(c->next[t] / 1000)));
        }
        if (c->slate_on && slate != NULL && slate_step(c, slate) < 0) {
            sv_log_error("the slate failed to encode");
            c->slate_on = 0;
        }
        pthread_mutex_unlock(&c->mu);
    }
    sv_slate_free(slate);
    return NULL;
}

/* ---- the run ---- */

/* the stream is known: the destinations and the clock start */
static int
start_all(struct cast *c)
{
    int i, rc;

    for (i = 0; i < c->ndest; i++) {
        rc = sv__cast_dest_start(&c->dests[i]);
        if (rc < 0)
            return rc;
    }
    rc = pthread_create(&c->clock, NULL, clock_run, c);
    if (rc != 0)
        return -rc;
    c->clock_started = 1;
    return 0;
}

static int
on_tracks_start(void *ud, const struct sv_ingest_track *t)
{
    struct cast *c = ud;
    int rc = on_tracks(ud, t);

    return rc < 0 ? rc : start_all(c);
}

int
sv_simulcast_run(const struct sv_simulcast_cfg *cfg,
                 struct sv_simulcast_result *res, char *err, size_t size)
{
    static const struct sv_av_input_cbs cbs = { on_tracks_start, on_packet,
                                                in_stop };
    struct cast c;
    int i, rc;

    memset(&c, 0, sizeof(c));
    memset(res, 0, sizeof(*res));
    err[0] = '\0';
    c.cfg = cfg;
    c.in_fd = cfg->in_fd;
    c.ndest = cfg->nurls;
    c.dests = calloc((size_t)cfg->nurls, sizeof(*c.dests));
    if (c.dests == NULL)
        return -ENOMEM;
    pthread_mutex_init(&c.mu, NULL);
    c.last_pkt_ms = mono_ms();
    sv_av_ingest_init();
    for (i = 0; i < c.ndest; i++) {
        rc = sv__cast_dest_init(&c.dests[i], i, cfg->urls[i], cfg, &c.st);
        if (rc < 0)
            goto out;
    }
    rc = sv_av_input_run(NULL, in_read, &c, &cbs, &c, 0, err, size);
    if (rc == SV_ENOMEDIA && err[0] == '\0')
        snprintf(err, size, "the input is not H.264 and AAC");
    if (rc == SV_EINTR)
        rc = 0;
    /* the end: no slate any more, and each destination sends the rest */
    c.done = 1;
    if (c.clock_started)
        pthread_join(c.clock, NULL);
    for (i = 0; i < c.ndest; i++)
        sv__cast_dest_finish(&c.dests[i], rc < 0);
    for (i = 0; i < c.ndest; i++) {
        sv__cast_dest_join(&c.dests[i]);
        if (cfg->stats_us > 0)
            sv__cast_dest_stats(&c.dests[i], 0);
        res->nok += c.dests[i].ok;
    }
    res->ndest = c.ndest;
    res->packets = c.packets;
    res->slates = c.slates;
    if (rc < 0 && !c.clock_started && err[0] == '\0')
        snprintf(err, size, "cannot read the input: %s", sv_strerror(rc));
out:
    for (i = 0; i < c.ndest; i++)
        sv__cast_dest_release(&c.dests[i]);
    free(c.dests);
    pthread_mutex_destroy(&c.mu);
    return rc;
}
