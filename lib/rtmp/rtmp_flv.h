/* rtmp_flv.h -- FLV audio and video tag bodies (legacy and Enhanced RTMP) */
#ifndef SV_RTMP_FLV_H
#define SV_RTMP_FLV_H

#include <stddef.h>
#include <stdint.h>

enum {
    SV_FLV_SKIP = 0,    /* nothing for the output (end of sequence, info) */
    SV_FLV_CONFIG,      /* codec configuration: data is the record */
    SV_FLV_FRAME,       /* a coded frame */
};

struct sv_flv_tag {
    int what;
    int codec;              /* enum sv_ingest_codec */
    int key;
    int32_t cts;            /* composition offset, ms */
    const uint8_t *data;    /* points into the message */
    size_t size;
    int sample_rate, channels;  /* audio, when the tag tells */
};

/*
 * Parses a video tag body (message type 9): AVC with its packet type and
 * composition time, legacy HEVC (codec id 12), and Enhanced RTMP's FourCC
 * form (avc1, hvc1, av01, vp09).  Returns 0 or SV_EFORMAT/SV_ETRUNC.
 */
int sv_flv_parse_video(const uint8_t *p, size_t len, struct sv_flv_tag *t);

/* Parses an audio tag body (message type 8): AAC, MP3.  Same returns. */
int sv_flv_parse_audio(const uint8_t *p, size_t len, struct sv_flv_tag *t);

/*
 * Reads sample rate and channel count from an AudioSpecificConfig.
 * Returns 0 or SV_EFORMAT.
 */
int sv_flv_aac_config(const uint8_t *p, size_t len, int *rate, int *channels);

#endif
