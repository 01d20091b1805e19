/* av_ingest.h -- sv-ingest's libav* side: tracks and packets in our own
 * terms, a streaming muxer to memory, and a blocking demuxer for pulls.
 * No libav header leaks out of lib/media/av_ingest*.c. */
#ifndef SV_AV_INGEST_H
#define SV_AV_INGEST_H

#include <stddef.h>
#include <stdint.h>

enum sv_ingest_codec {
    SV_CODEC_NONE = 0,
    SV_CODEC_H264, SV_CODEC_HEVC, SV_CODEC_AV1, SV_CODEC_VP9,
    SV_CODEC_AAC, SV_CODEC_MP3, SV_CODEC_OPUS, SV_CODEC_AC3,
    SV_CODEC_OTHER,     /* from a demuxer: described by par alone */
};

/* the two slots of a live stream: one video, one audio */
enum { SV_TRACK_VIDEO = 0, SV_TRACK_AUDIO = 1, SV_TRACKS = 2 };

struct sv_ingest_track {
    int codec;              /* SV_CODEC_NONE: the slot is unused */
    uint8_t *extra;         /* codec configuration (avcC, ASC...), owned */
    size_t extra_len;
    int width, height;      /* video, when known */
    int sample_rate, channels;
    void *par;              /* AVCodecParameters from a demuxer, owned */
};

struct sv_ingest_pkt {
    int track;              /* SV_TRACK_VIDEO or SV_TRACK_AUDIO */
    int64_t pts, dts;       /* microseconds */
    int key;
    const uint8_t *data;
    size_t size;
};

/* Sets libav*'s log level from ours and its error messages (once). */
void sv_av_ingest_init(void);

/* Copies src into dst (deep).  Returns 0 or a negative code. */
int sv_av_track_copy(struct sv_ingest_track *dst,
                     const struct sv_ingest_track *src);

/* Frees what the track owns and zeroes it. */
void sv_av_track_release(struct sv_ingest_track *t);

/* Short codec name ("h264", "aac") for events. */
const char *sv_av_codec_name(const struct sv_ingest_track *t);

/* Nonzero when both tracks describe the same codec configuration. */
int sv_av_track_same(const struct sv_ingest_track *a,
                     const struct sv_ingest_track *b);

/* ---- muxing a live stream into bytes (av_ingest_mux.c) ---- */

struct sv_av_mux;

/* receives muxed bytes; returns 0 or a negative code that stops muxing */
typedef int (*sv_av_write_fn)(void *ud, const uint8_t *p, size_t len);

/*
 * Starts a muxer of format ("mpegts", "matroska", "nut") over the used
 * tracks, writing through fn as packets arrive (flushed per packet, so
 * nothing waits in the muxer).  Returns 0 or a negative code (SV_EFORMAT
 * when a codec cannot be carried in that format).
 */
int sv_av_mux_new(struct sv_av_mux **out, const char *format,
                  const struct sv_ingest_track *tracks, sv_av_write_fn fn,
                  void *ud);

/*
 * Muxes one packet (timestamps already monotonic in microseconds; a dts
 * that does not rise in the format's own time base, a negative dts, or a
 * pts before the dts are repaired).  Returns 0 or < 0.
 */
int sv_av_mux_write(struct sv_av_mux *m, const struct sv_ingest_pkt *pkt);

/* Writes the trailer (when ok) and frees.  NULL-safe. */
void sv_av_mux_free(struct sv_av_mux *m, int ok);

/* ---- demuxing a URL or a byte source (av_ingest_input.c) ---- */

/* reads up to len bytes; returns bytes, 0 at the end, or a negative code */
typedef int (*sv_av_read_fn)(void *ud, uint8_t *p, size_t len);

struct sv_av_input_cbs {
    /* the tracks are known; returns 0 to go on */
    int (*tracks)(void *ud, const struct sv_ingest_track *tracks);
    /* one packet; returns 0 to go on */
    int (*packet)(void *ud, const struct sv_ingest_pkt *pkt);
    /* polled while blocked: nonzero aborts the read */
    int (*stop)(void *ud);
};

/*
 * Opens url (or, with url NULL, reads MPEG-TS through read) and feeds its
 * first video and first audio stream to cbs until the end, an error, or
 * stop.  Blocking: run it on its own thread.  Returns 0 at the end of the
 * input, SV_EINTR when stopped, or a negative code; err (size bytes) gets
 * a message for failures.
 */
int sv_av_input_run(const char *url, sv_av_read_fn read, void *rud,
                    const struct sv_av_input_cbs *cbs, void *ud,
                    int64_t open_timeout_us, char *err, size_t size);

#endif
