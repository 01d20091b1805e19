/* av_demux.h -- packet-level input through libavformat (no libav headers) */
#ifndef SV_AV_DEMUX_H
#define SV_AV_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "container/packet.h"

struct sv_demux;

/*
 * Opens url ("-" is stdin) with libavformat, format forcing the demuxer
 * (NULL: probe), and reads stream information.  Returns 0 and a new handle
 * in *out (free with sv_demux_close), or a negative code: SV_EFORMAT when
 * the input is not media.
 */
int sv_demux_open(struct sv_demux **out, const char *url, const char *format);

/*
 * The same on descriptor fd (a pipe), whose first len bytes were already
 * read into prefix: they are read again from there first (prefix must
 * stay valid until sv_demux_close).  The descriptor stays the caller's.
 */
int sv_demux_open_fd(struct sv_demux **out, int fd, const uint8_t *prefix,
                     size_t len, const char *format);

int sv_demux_count(const struct sv_demux *d);
const struct sv_demux_stream *sv_demux_stream(const struct sv_demux *d,
                                              int i);

/*
 * Reads the next packet into *pkt (valid until the next call).  Returns 1,
 * 0 at the end of the input, SV_EINTR when stop (may be NULL) became set,
 * or a negative code.
 */
int sv_demux_read(struct sv_demux *d, struct sv_demux_packet *pkt,
                  volatile int *stop);

/* libavformat's name of the input format ("mpegts"). */
const char *sv_demux_format(const struct sv_demux *d);

/* Bytes read from the input so far. */
int64_t sv_demux_bytes(const struct sv_demux *d);

void sv_demux_close(struct sv_demux *d);

/* Renders a code the functions above return (libav's as well). */
const char *sv_demux_strerror_r(int code, char *buf, unsigned size);

/*
 * The functions above as one table, for a program that loads them from
 * the plugin (build/lib/streamverse/sv-demux.so, made from demux_ops.c)
 * instead of linking libavformat: the packager does, so that inputs its
 * own readers take never pay for libav's libraries.  strerror_r renders
 * the codes sv_demux_open and sv_demux_read return (libav's own among
 * them), as core/err.h's fallback.
 */
#define SV_DEMUX_OPS_VERSION 3      /* 3: sv_demux_packet.stable */

struct sv_demux_ops {
    int version;
    int (*open)(struct sv_demux **out, const char *url, const char *format);
    int (*open_fd)(struct sv_demux **out, int fd, const uint8_t *prefix,
                   size_t len, const char *format);
    int (*count)(const struct sv_demux *d);
    const struct sv_demux_stream *(*stream)(const struct sv_demux *d, int i);
    int (*read)(struct sv_demux *d, struct sv_demux_packet *pkt,
                volatile int *stop);
    const char *(*format)(const struct sv_demux *d);
    void (*close)(struct sv_demux *d);
    const char *(*strerror_r)(int code, char *buf, unsigned size);
};

extern const struct sv_demux_ops sv_demux_ops;

#endif
