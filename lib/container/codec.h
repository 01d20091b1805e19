/* codec.h -- codec configuration records, RFC 6381 strings, sample forms */
#ifndef SV_PACK_CODEC_H
#define SV_PACK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "container/packet.h"
#include "core/buf.h"

struct sv_codec_cfg {
    enum sv_codec codec;
    uint32_t entry;         /* sample entry type: avc1 hvc1 vp09 av01 mp4a
                               Opus */
    uint32_t box;           /* configuration box: avcC hvcC vpcC av1C esds
                               dOps */
    uint8_t rec[16384];     /* the configuration box's payload (for esds
                               the AudioSpecificConfig, for vpcC without
                               version/flags) */
    size_t rec_len;
    char codecs[64];        /* RFC 6381 / ISO 14496-15 codec string */
    int annexb;             /* samples are Annex B: convert to lengths */
    int adts;               /* AAC samples carry ADTS headers: strip */
    int sample_rate, channels;
    /* video colour, ISO/IEC 23091-2 code points: from the HEVC SPS VUI
     * when it has them, else from the demuxer; 0 when unknown (then no
     * colr box and no manifest colour signalling) */
    int primaries, transfer, matrix, full_range;
    /* HDR static metadata from the first keyframe's SEI (HEVC, H.264) in
     * the payload layout that mdcv and clli boxes share: display primaries
     * (G, B, R x,y), white point, max and min luminance; max content and
     * max frame-average light level */
    int has_mdcv, has_clli;
    uint8_t mdcv[24], clli[4];
};

/* Video ranges a manifest names (HLS VIDEO-RANGE) */
enum sv_video_range { SV_RANGE_SDR = 0, SV_RANGE_PQ, SV_RANGE_HLG };

/* The range of a transfer characteristic: 16 PQ, 18 HLG, else SDR. */
enum sv_video_range sv_codec_range(int transfer);

/*
 * Builds the configuration of stream s.  sample (may be NULL) is the first
 * keyframe, used when the demuxer has no extradata (H.264/HEVC in TS, AAC
 * in ADTS).  Returns 0, SV_ENOMEDIA for codecs fMP4 here does not carry,
 * or SV_EFORMAT when the configuration cannot be found.
 */
int sv_codec_cfg_make(struct sv_codec_cfg *c, const struct sv_demux_stream *s,
                      const uint8_t *sample, size_t len);

/*
 * Appends sample p[0..len) to out in the form fMP4 carries: Annex B NAL
 * units become 4-byte length-prefixed ones (access unit delimiters and
 * parameter sets dropped, they live in the sample entry), ADTS headers are
 * removed.  Returns the number of bytes appended or a negative code.
 */
long sv_codec_sample(const struct sv_codec_cfg *c, const uint8_t *p,
                     size_t len, struct sv_buf *out);

/* 1 when sv_codec_sample would append p[0..len) unchanged (a sample
 * already in the fMP4 form: length-prefixed NAL units, raw AAC). */
int sv_codec_sample_as_is(const struct sv_codec_cfg *c, const uint8_t *p,
                          size_t len);

/*
 * The same conversion in place, in the malloc'd block *p of *cap bytes
 * holding len bytes (grown with realloc when a short start code needs
 * room).  Returns the new length or a negative code (*p stays valid and
 * owned by the caller either way).
 */
long sv_codec_sample_inplace(const struct sv_codec_cfg *c, uint8_t **p,
                             size_t len, size_t *cap);

/*
 * Fills in s (whose codec is set) from its first frame: width, height,
 * bit depth, chroma, profile and level from the SPS of an H.264 or HEVC
 * keyframe in Annex B form; sample rate, channels and profile from an
 * ADTS header.  Bounded by len.  Returns 0, SV_EFORMAT when the frame has
 * none of that, or SV_ENOMEDIA for other codecs.
 */
int sv_codec_describe(struct sv_demux_stream *s, const uint8_t *p,
                      size_t len);

#endif
