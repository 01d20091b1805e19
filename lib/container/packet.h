/* packet.h -- elementary streams and packets as every layer sees them,
 * whoever demuxed them (libavformat in media/, our TS reader in container/)
 */
#ifndef SV_PACKET_H
#define SV_PACKET_H

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
    int stable;                 /* data stays valid, read-only, until the
                                   reader is released: the consumer may
                                   point at it instead of copying */
};

#define SV_NOPTS INT64_MIN

#endif
