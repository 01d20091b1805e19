/* ingest_int.h -- what the files of sv-ingest share (not a public API) */
#ifndef SV_INGEST_INT_H
#define SV_INGEST_INT_H

#include <pthread.h>
#include <sys/types.h>
#include <uv.h>

#include "core/afile.h"
#include "core/json.h"
#include "ingest/ingest.h"
#include "ingest/streamid.h"
#include "media/av_ingest.h"

struct sv_ingest;
struct sv_istream;
struct sv_isource;
struct sv_iauth;
struct sv_rconn;
struct sv_wlisten;

/* where a stream comes from: an RTMP connection, an SRT caller, a pull */
struct sv_isource_ops {
    /* the stream is done with this source: close it (asynchronously) */
    void (*close)(struct sv_isource *src);
    /* adds protocol statistics to a stats event's data */
    void (*stats)(struct sv_isource *src, json_t *data);
};

struct sv_isource {
    const struct sv_isource_ops *ops;
    struct sv_istream *st;      /* attached stream, NULL before/after */
    const char *proto;          /* "rtmp", "rtmps", "srt", "pull" */
    char remote[80];
    uint64_t bytes;             /* bytes received from the wire */
    uint64_t recv_ns;           /* uv_hrtime() of the read being handled,
                                 * 0 for sources on threads */
};

/* the per-stream output: a pipeline's stdin, our stdout, or recordings */
enum { SINK_EXEC, SINK_STDOUT, SINK_RECORD, SINK_DISCARD };

struct sv_isink {
    int kind;
    uv_pipe_t pipe;             /* exec and a stdout that is not a file */
    int pipe_open;
    pid_t pid;                  /* the pipeline, once spawned (0 before) */
    int proc_running;           /* being spawned or running: not reaped */
    int fd;                     /* blocking writes: a stdout file, records */
    int64_t queued;             /* bytes handed to libuv, not yet written */
    int failed;                 /* the consumer went away */
    struct sv_afile rec;
    char *rec_dir;
    unsigned rec_seq;
    int64_t rec_start;          /* output dts at the file's start, us */
};

/* state of a stream's timeline: input timestamps to a monotonic output */
struct sv_iclock {
    int64_t offset;             /* added to input timestamps, us */
    int64_t last_out[SV_TRACKS];
    int64_t step[SV_TRACKS];    /* last positive dts step, a frame's length */
    int have[SV_TRACKS];
    int rebase;                 /* a new source: continue after the last */
    unsigned fixes;             /* jumps, resets and wraps smoothed over */
};

struct sv_istats {
    uint64_t bytes, bytes_window;
    uint64_t packets, frames_window;
    uint64_t drops;
    int64_t last_key_dts, key_interval;     /* us */
    int64_t window_start;                   /* uv_now, ms */
    uint32_t lat[1024];     /* socket read to pipe write, us, this window */
    int nlat;
};

enum { ST_WAITING, ST_LIVE, ST_LINGER, ST_ENDED };

#define PENDING_MAX 256
/* and bytes: a peer's frames are up to 16 MiB each */
#define PENDING_BYTES_MAX (16u << 20)

struct sv_istream {
    struct sv_ingest *ing;
    struct sv_istream *next;
    uint64_t id;
    int state;
    char key[200];              /* "app/name": what duplicates compare */
    struct sv_streamid sid;
    char proto[8];
    char remote[80];
    struct sv_isource *src;
    struct sv_ingest_track tracks[SV_TRACKS];
    int expect[SV_TRACKS];      /* announced by metadata */
    struct sv_av_mux *mux;
    struct sv_ingest_pkt pending[PENDING_MAX];  /* before the muxer starts */
    int npending;
    size_t pending_bytes;
    int dropping;               /* waiting for room and a keyframe */
    struct sv_iclock clock;
    struct sv_istats stats;
    struct sv_isink sink;
    uv_timer_t linger;
    int handles;                /* open uv handles; freed at zero */
    int started;                /* live.stream.started was emitted */
    int resumed;                /* sources attached after the first */
    uint64_t started_ms;
    char *ended_why;
    void *whep;                 /* WebRTC viewers' feed (ingest_whip.c) */
    int bframes;                /* video pts and dts have differed */
};

/* a message from a source thread (SRT caller, pull) to the loop */
enum { TM_BEGIN, TM_TRACKS, TM_PACKET, TM_END };

struct sv_ithread;

struct sv_tmsg {
    struct sv_tmsg *next;
    int type;
    struct sv_ithread *th;
    struct sv_ingest_track tracks[SV_TRACKS];   /* TM_TRACKS, owned */
    struct sv_ingest_pkt pkt;                   /* TM_PACKET, data owned */
    uint64_t bytes;
    char why[160];                              /* TM_END */
};

struct sv_ingest {
    const struct sv_ingest_conf *conf;
    uv_loop_t loop;
    uv_signal_t sig[3];
    uv_timer_t stats_timer;
    uv_timer_t stop_timer;
    uv_timer_t sweep_timer;
    uv_check_t rtmp_resume;      /* RTMP reads paused this iteration */
    uv_async_t async;
    uv_signal_t sigchld;        /* pipelines exiting */
    pthread_mutex_t mu;
    struct sv_tmsg *mhead, *mtail;
    struct sv_istream *streams;
    int nstreams;
    int stopping;
    int single;                 /* stdout carries one stream */
    int single_used;
    int rc;                     /* what sv_ingest_run returns */
    uint64_t next_id;
    struct sv_iauth *auth;
    void *listeners[SV_INGEST_MAX_LISTEN];
    int nlisteners;
    struct sv_ithread *threads;
    struct sv_rconn *rconns;        /* open RTMP connections */
    struct sv_wlisten *whips;          /* WHIP listeners */
    char *hmac_secret;
};

/* ingest.c */
void sv__ingest_maybe_done(struct sv_ingest *ing);
void sv__ingest_refused(struct sv_ingest *ing, const char *proto,
                        const char *remote, const struct sv_streamid *sid,
                        int code, const char *why);

/* ingest_stream.c */
int sv__stream_begin(struct sv_ingest *ing, struct sv_isource *src,
                     const struct sv_streamid *sid, char *why, size_t size);
void sv__stream_config(struct sv_istream *st, int track,
                       const struct sv_ingest_track *t);
void sv__stream_tracks(struct sv_istream *st,
                       const struct sv_ingest_track *tracks);
void sv__stream_meta(struct sv_istream *st, json_t *meta);
void sv__stream_packet(struct sv_istream *st, const struct sv_ingest_pkt *p);
void sv__stream_drop(struct sv_istream *st, uint64_t n);
void sv__stream_detach(struct sv_isource *src, const char *why);
void sv__stream_end(struct sv_istream *st, const char *why);
void sv__stream_stats(struct sv_istream *st);
void sv__stream_unref(struct sv_istream *st);
int64_t sv__clock_map(struct sv_iclock *c, int track, int64_t dts,
                      int64_t *pts);

/* ingest_sink.c */
int sv__sink_open(struct sv_istream *st);
int sv__sink_write(struct sv_istream *st, const uint8_t *p, size_t len);
int sv__sink_full(struct sv_istream *st, int64_t limit);
int sv__sink_rotate_due(struct sv_istream *st, int64_t dts);
int sv__sink_rotate(struct sv_istream *st);
void sv__sink_close(struct sv_istream *st);
void sv__sink_kill(struct sv_istream *st, int sig);
/* SIGCHLD: reaps the pipelines that exited */
void sv__sink_reap(struct sv_ingest *ing);

/* ingest_auth.c */
int sv__auth_new(struct sv_iauth **out, const struct sv_ingest_conf *conf,
                 const char *secret);
int sv__auth_reload(struct sv_iauth *a);
void sv__auth_free(struct sv_iauth *a);
/* keys file and signed keys: 0 allowed, SV_EAUTH refused (why set);
 * pass gets the stream's SRT passphrase ("" for none) when non-NULL */
int sv__auth_check(struct sv_iauth *a, const struct sv_streamid *sid,
                   char *pass, size_t psize, char *why, size_t wsize);
/* the --auth-url request; blocking: call it off the loop thread */
int sv__auth_url(const struct sv_ingest_conf *conf,
                 const struct sv_streamid *sid, const char *proto,
                 const char *remote, char *why, size_t wsize);

/* ingest_rtmp.c */
int sv__rtmp_listen(struct sv_ingest *ing, const char *url, int tls);
void sv__rtmp_close_all(struct sv_ingest *ing);
void sv__rtmp_sweep(struct sv_ingest *ing);
/* the loop's check phase: RTMP connections paused after a full read
 * read again (each gets one buffer a loop iteration) */
void sv__rtmp_resume(uv_check_t *h);

/* ingest_whip.c */
int sv__whip_listen(struct sv_ingest *ing, const char *url);
void sv__whip_close_all(struct sv_ingest *ing);
/* WHEP viewers of streams from RTMP, SRT and pulls: each packet, the
 * stream gone (detached, ended, reconfigured: its viewers end), stats */
void sv__whep_packet(struct sv_istream *st, const struct sv_ingest_pkt *p);
void sv__whep_gone(struct sv_istream *st, const char *why);
void sv__whep_stats(struct sv_istream *st, json_t *data);

/* ingest_thread.c */
int sv__srt_listen(struct sv_ingest *ing, const char *url);
int sv__pull_start(struct sv_ingest *ing, const char *spec, int index);
void sv__threads_stop(struct sv_ingest *ing);
void sv__threads_drain(struct sv_ingest *ing);
int sv__threads_running(struct sv_ingest *ing);

#endif
