/* av_demux.h -- packet-level input through libavformat (no libav headers) */
#ifndef SV_AV_DEMUX_H
#define SV_AV_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum sv_codec {
    SV_CODEC_NONE = 0,
    SV_CODEC_H264,
    SV_CODEC_HEVC,
    SV_CODEC_VP9,
    SV_CODEC_AV1,
    SV_CODEC_AAC,
    SV_CODEC_OPUS,
    SV_CODEC_OTHER,
};

enum sv_kind { SV_KIND_OTHER = 0, SV_KIND_VIDEO, SV_KIND_AUDIO };

struct sv_demux_stream {
    int index;
    int id;                     /* format-specific: the PID in MPEG-TS */
    enum sv_kind kind;
    enum sv_codec codec;
    const char *codec_name;     /* libavcodec's name, for messages */
    int tb_num, tb_den;         /* time base of pts/dts */
    int width, height;
    int fps_num, fps_den;       /* 0/0 when unknown */
    int sample_rate, channels;
    int profile, level;
    int bit_depth;              /* luma bits per sample, 8 when unknown */
    int chroma_420;             /* 1 for 4:2:0 */
    int full_range;
    int primaries, transfer, matrix;    /* ISO/IEC 23091-2 code points */
    int64_t bit_rate;           /* 0 when unknown */
    const uint8_t *extradata;   /* as the demuxer has it (Annex B or a
                                   configuration record) */
    size_t extradata_len;
    const char *language;       /* "und" when unknown */
};

struct sv_demux_packet {
    int stream;
    int64_t pts, dts;           /* SV_NOPTS when unknown */
    int64_t duration;           /* 0 when unknown */
    int key;
    int corrupt;
    const uint8_t *data;
    size_t size;
    struct sv_buf *own;         /* non-NULL: data is own->data, and the
                                   consumer may take it (sv_buf_take) */
};

#define SV_NOPTS INT64_MIN

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
