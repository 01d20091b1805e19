/* simulcast_int.h -- lib/publish's simulcast internals: packets shared by
 * every destination, a destination's queue and thread, FLV conversion */
#ifndef SV_SIMULCAST_INT_H
#define SV_SIMULCAST_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "publish/simulcast.h"

enum { SV__CAST_VIDEO = 0, SV__CAST_AUDIO = 1 };

/* one access unit (Annex B H.264, or ADTS AAC), shared and refcounted */
struct sv__cast_pkt {
    atomic_int refs;
    int track;
    int key;
    int slate;              /* from the slate, not the input */
    int64_t pts, dts;       /* microseconds, on the output timeline */
    int64_t queued_ms;      /* when it entered the queues (monotonic) */
    size_t size;
    uint8_t data[];
};

struct sv__cast_pkt *sv__cast_pkt_new(const uint8_t *p, size_t len);
void sv__cast_pkt_unref(struct sv__cast_pkt *p);

/* what the destinations need to know of the stream */
struct sv__cast_stream {
    int has_video, has_audio;
    int width, height;
    int fps_num, fps_den;
    int sample_rate, channels;
};

enum { SV__DEST_RTMP, SV__DEST_SRT };
enum { SV__DEST_CONNECTING, SV__DEST_LIVE, SV__DEST_WAITING,
       SV__DEST_DONE, SV__DEST_FAILED };

struct sv__cast_dest {
    int index;
    int kind;
    char url[2048];
    char shown[512];            /* redacted, for messages and events */
    const struct sv_simulcast_cfg *cfg;
    const struct sv__cast_stream *stream;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the queue: a ring of packets */
    struct sv__cast_pkt **q;
    size_t qcap, qhead, qlen;
    int64_t qfirst_dts;         /* of the oldest queued packet */
    int resync;                 /* after an overflow: wait for a keyframe */
    int eof;                    /* the input ended: send the rest, stop */
    int stop;                   /* stop at once */
    int state;
    int ok;
    /* counters (under mu) */
    int64_t sent_bytes, sent_pkts, dropped, reconnects, connects;
    int64_t lat_sum_ms, lat_n;
    int64_t last_bytes;         /* sent_bytes at the last stats event */
};

int sv__cast_dest_init(struct sv__cast_dest *d, int index, const char *url,
                       const struct sv_simulcast_cfg *cfg,
                       const struct sv__cast_stream *st);
int sv__cast_dest_start(struct sv__cast_dest *d);
/* never blocks: a full queue drops (see cast_dest.c) */
void sv__cast_dest_push(struct sv__cast_dest *d, struct sv__cast_pkt *p);
void sv__cast_dest_finish(struct sv__cast_dest *d, int now);
void sv__cast_dest_join(struct sv__cast_dest *d);
void sv__cast_dest_release(struct sv__cast_dest *d);
/* one live.simulcast.stats event (since the last one, interval_ms) */
void sv__cast_dest_stats(struct sv__cast_dest *d, int64_t interval_ms);

/*
 * Splits srt://host:port[?streamid=..&latency=ms]; latency is left alone
 * when the URL has none.  Returns 0 or SV_EUSAGE.
 */
int sv__cast_srt_url(const char *url, char *host, size_t hsize, int *port,
                     char *sid, size_t ssize, int *latency);

/* ---- FLV forms of the access units (cast_flv.c) ---- */

/*
 * Annex B H.264 to 4-byte length-prefixed NAL units in out (AUDs left
 * out, parameter sets kept); the first SPS and PPS it met are copied to
 * sps/pps (empty when none).  Returns 0 or a negative code.
 */
int sv__cast_annexb_to_avcc(const uint8_t *p, size_t len, struct sv_buf *out,
                            struct sv_buf *sps, struct sv_buf *pps);

/* An AVCDecoderConfigurationRecord from one SPS and one PPS. */
int sv__cast_avcc_record(const struct sv_buf *sps, const struct sv_buf *pps,
                         struct sv_buf *out);

/*
 * The next ADTS frame of p: the AudioSpecificConfig (2 bytes) into asc,
 * the raw frame's offset and size, and the whole frame's size.  Returns
 * 0, or SV_EFORMAT when p does not start with an ADTS header.
 */
int sv__cast_adts(const uint8_t *p, size_t len, uint8_t asc[2],
                  size_t *raw_off, size_t *raw_len, size_t *frame_len);

/* profile_idc and level_idc of the first SPS in Annex B p (0 when none) */
void sv__cast_sps_profile(const uint8_t *p, size_t len, int *profile,
                          int *level);

#endif
