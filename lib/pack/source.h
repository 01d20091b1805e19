/* source.h -- one input of the packager, whoever reads it: our own readers
 * for MPEG-TS and MP4 files, libavformat (loaded on demand) for the rest */
#ifndef SV_PACK_SOURCE_H
#define SV_PACK_SOURCE_H

#include <stdint.h>

#include "container/mp4read.h"
#include "container/packet.h"
#include "container/tsprobe.h"
#include "container/tsread.h"

struct sv_demux;
struct sv_demux_ops;

enum sv__source_kind { SV__SOURCE_TS = 1, SV__SOURCE_MP4, SV__SOURCE_AV };

struct sv__source {
    enum sv__source_kind kind;
    struct sv_tsprobe tp;
    struct sv_tsread tr;
    struct sv_mp4read mr;
    const struct sv_demux_ops *ops;
    struct sv_demux *d;
    uint8_t *prefix;            /* stdin read by the probe, for libav */
};

/*
 * Opens url ("-" is stdin).  A regular file in MPEG-TS or MP4, or MPEG-TS
 * on stdin, whose streams our readers take is read by them; anything
 * else, and format when given (a libavformat demuxer name other than
 * mpegts and mp4), goes to libavformat, loaded from the sv-demux.so
 * plugin on first use (SV_DEMUX_PLUGIN names another).
 * SV_PACKAGE_READER=libav sends every input there.  Reading stdin stops
 * with SV_EINTR once *stop is set.  Returns 0, or a negative code
 * (-ELIBACC: the plugin cannot be loaded; the reason is logged).
 */
int sv__source_open(struct sv__source *in, const char *url,
                    const char *format, volatile int *stop);

int sv__source_count(const struct sv__source *in);
const struct sv_demux_stream *sv__source_stream(const struct sv__source *in,
                                               int i);

/* The next packet: 1, 0 at the end, SV_EINTR when stop became set, or a
 * negative code.  pkt->data is valid until the next call. */
int sv__source_read(struct sv__source *in, struct sv_demux_packet *pkt,
                   volatile int *stop);

/* The consumer still points at stable packet data p and what follows it
 * of that stream: each call adds one, NULL forgets them all; the reader
 * keeps those bytes.  A no-op for other readers. */
void sv__source_hold(struct sv__source *in, const uint8_t *p);

/* "mpegts", "mp4", or libavformat's name of the format. */
const char *sv__source_format(const struct sv__source *in);

/* Damaged packets our readers skipped. */
uint64_t sv__source_bad(const struct sv__source *in);

void sv__source_close(struct sv__source *in);

#endif
