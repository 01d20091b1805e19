/* tsread.h -- a fast MPEG-TS packet reader for regular files: the file is
 * mapped and PES packets are assembled straight from it (tsprobe.c finds
 * the streams) */
#ifndef SV_PACK_TSREAD_H
#define SV_PACK_TSREAD_H

#include <stddef.h>
#include <stdint.h>

#include "container/packet.h"
#include "core/buf.h"

#define SV_TSREAD_MAX 16

struct sv_tsread_pes {
    int pid;
    int stream;                 /* the demuxer's stream index */
    enum sv_codec codec;
    int sample_rate;            /* AAC: for the frames after the first */
    struct sv_buf buf;          /* the PES being assembled */
    int64_t pts, dts;
    int rai;                    /* random access indicator seen */
    size_t want;                /* PES_packet_length payload, 0: unbounded */
    size_t hint;                /* room to reserve for the next PES */
    int open;
};

struct sv_tsread {
    const uint8_t *p;           /* the input (mapped, given, or buf) */
    size_t len;
    size_t pos;
    void *map;                  /* non-NULL when we mapped it */
    /* reading a pipe: the bytes not yet used, refilled from fd */
    int fd;                     /* -1 when the input is all in p */
    uint8_t *buf;
    size_t cap;
    int fd_eof;
    volatile int *stop;         /* reads interrupted when it became set */
    size_t dropped;             /* bytes of the map given back so far */
    struct sv_tsread_pes pes[SV_TSREAD_MAX];
    int npes;
    /* packets ready to hand out (a PES of AAC holds several frames) */
    struct sv_tsread_pes *ready;
    size_t ready_off;
    int ready_frame;
    int eof;
    uint64_t bad;               /* packets skipped: lost sync, bad headers */
};

/*
 * Reads p[0..len) (not copied; valid until sv_tsread_release) as MPEG-TS,
 * handing out packets of the streams in st[0..n) (their id is the PID).
 * Returns 0, or SV_ENOMEDIA when none of them can be read this way.
 */
int sv_tsread_init(struct sv_tsread *r, const uint8_t *p, size_t len,
                   const struct sv_demux_stream *st, int n);

/*
 * Reads fd (a pipe: stdin) as it comes, into a buffer of at least
 * SV_TSREAD_PIPE_BUF bytes that starts with the len bytes at prefix
 * (copied: what a probe already read).  No streams yet (add them with
 * sv_tsread_init_streams).  A read that a signal interrupts while *stop
 * is set ends sv_tsread_next with SV_EINTR.  Returns 0 or -ENOMEM.
 */
#define SV_TSREAD_PIPE_BUF (1 << 20)
int sv_tsread_init_fd(struct sv_tsread *r, int fd, const uint8_t *prefix,
                      size_t len, volatile int *stop);

/* Adds the streams st[0..n) to a reader that has none yet; 0 or
 * SV_ENOMEDIA, as sv_tsread_init. */
int sv_tsread_init_streams(struct sv_tsread *r,
                           const struct sv_demux_stream *st, int n);

/* Maps the regular file path and calls sv_tsread_init on it; with n == 0
 * it only maps it (the streams come from sv_tsread_init_streams). */
int sv_tsread_open(struct sv_tsread *r, const char *path,
                   const struct sv_demux_stream *st, int n);

/*
 * The next packet: 1, or 0 at the end (SV_EINTR, or a read error, from a
 * pipe).  Video packets are whole PES
 * payloads (keyframes found from the NAL types or the random access
 * indicator); AAC PES payloads are split into ADTS frames.  pkt->data is
 * valid until the next call.
 */
int sv_tsread_next(struct sv_tsread *r, struct sv_demux_packet *pkt);

void sv_tsread_release(struct sv_tsread *r);

#endif
