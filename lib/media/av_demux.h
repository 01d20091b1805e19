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

/* Rescales v from a/b to c/d units, rounding to nearest (av_rescale). */
int64_t sv_rescale(int64_t v, int64_t a_num, int64_t a_den, int64_t c_num,
                   int64_t c_den);

#endif
