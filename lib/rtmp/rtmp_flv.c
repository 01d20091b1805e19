/* rtmp_flv.c -- FLV tag bodies to codec configuration and frames */
#include <string.h>

#include "core/err.h"
#include "media/av_ingest.h"
#include "rtmp/rtmp_flv.h"

static int32_t
si24(const uint8_t *p)
{
    int32_t v = (int32_t)((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]);

    return v & 0x800000 ? v - 0x1000000 : v;
}

static int
fourcc_codec(const uint8_t *p)
{
    if (memcmp(p, "avc1", 4) == 0)
        return SV_CODEC_H264;
    if (memcmp(p, "hvc1", 4) == 0)
        return SV_CODEC_HEVC;
    if (memcmp(p, "av01", 4) == 0)
        return SV_CODEC_AV1;
    if (memcmp(p, "vp09", 4) == 0)
        return SV_CODEC_VP9;
    return SV_CODEC_NONE;
}

/* Enhanced RTMP: frame type, packet type, FourCC, then the body */
static int
parse_ex_video(const uint8_t *p, size_t len, struct sv_flv_tag *t)
{
    int ftype = (p[0] >> 4) & 7, ptype = p[0] & 0x0f;
    size_t off = 5;

    if (len < 5)
        return SV_ETRUNC;
    t->codec = fourcc_codec(p + 1);
    if (t->codec == SV_CODEC_NONE || ptype == 6)
        return SV_EFORMAT;  /* an unknown FourCC, or multitrack */
    t->key = ftype == 1;
    if (ftype == 5)
        return 0;           /* a command frame carries no picture */
    switch (ptype) {
    case 0:                 /* SequenceStart: the configuration record */
        t->what = SV_FLV_CONFIG;
        break;
    case 1:                 /* CodedFrames, with a composition time for
                             * the codecs that reorder */
        if (t->codec == SV_CODEC_H264 || t->codec == SV_CODEC_HEVC) {
            if (len < 8)
                return SV_ETRUNC;
            t->cts = si24(p + 5);
            off = 8;
        }
        t->what = SV_FLV_FRAME;
        break;
    case 3:                 /* CodedFramesX: composition time zero */
        t->what = SV_FLV_FRAME;
        break;
    default:                /* SequenceEnd, Metadata, MPEG2TS start */
        return 0;
    }
    t->data = p + off;
    t->size = len - off;
    return 0;
}

int
sv_flv_parse_video(const uint8_t *p, size_t len, struct sv_flv_tag *t)
{
    int codec_id;

    memset(t, 0, sizeof(*t));
    if (len < 1)
        return SV_ETRUNC;
    if (p[0] & 0x80)
        return parse_ex_video(p, len, t);
    codec_id = p[0] & 0x0f;
    t->key = (p[0] >> 4) == 1;
    if ((p[0] >> 4) == 5)
        return 0;           /* video info/command frame */
    if (codec_id == 7)
        t->codec = SV_CODEC_H264;
    else if (codec_id == 12)
        t->codec = SV_CODEC_HEVC;   /* the pre-Enhanced convention */
    else
        return SV_EFORMAT;
    if (len < 5)
        return SV_ETRUNC;
    t->cts = si24(p + 2);
    if (p[1] == 0)
        t->what = SV_FLV_CONFIG;
    else if (p[1] == 1)
        t->what = SV_FLV_FRAME;
    else
        return 0;           /* end of sequence */
    t->data = p + 5;
    t->size = len - 5;
    return 0;
}

int
sv_flv_aac_config(const uint8_t *p, size_t len, int *rate, int *channels)
{
    static const int rates[13] = { 96000, 88200, 64000, 48000, 44100, 32000,
                                   24000, 22050, 16000, 12000, 11025, 8000,
                                   7350 };
    int idx;

    if (len < 2)
        return SV_EFORMAT;
    idx = (p[0] & 7) << 1 | p[1] >> 7;
    if ((p[0] >> 3) == 31 || idx >= 13)
        return SV_EFORMAT;  /* escape codes: rare, and not for live */
    *rate = rates[idx];
    *channels = (p[1] >> 3) & 0x0f;
    return 0;
}

int
sv_flv_parse_audio(const uint8_t *p, size_t len, struct sv_flv_tag *t)
{
    static const int rates[4] = { 5512, 11025, 22050, 44100 };
    int fmt;

    memset(t, 0, sizeof(*t));
    if (len < 1)
        return SV_ETRUNC;
    fmt = p[0] >> 4;
    t->key = 1;
    t->sample_rate = rates[(p[0] >> 2) & 3];
    t->channels = (p[0] & 1) + 1;
    if (fmt == 10) {
        if (len < 2)
            return SV_ETRUNC;
        t->codec = SV_CODEC_AAC;
        t->data = p + 2;
        t->size = len - 2;
        if (p[1] == 0) {
            t->what = SV_FLV_CONFIG;
            return sv_flv_aac_config(t->data, t->size, &t->sample_rate,
                                     &t->channels);
        }
        t->what = SV_FLV_FRAME;
        return 0;
    }
    if (fmt == 2 || fmt == 14) {
        if (fmt == 14)
            t->sample_rate = 8000;
        t->codec = SV_CODEC_MP3;
        t->what = SV_FLV_FRAME;
        t->data = p + 1;
        t->size = len - 1;
        return 0;
    }
    return SV_EFORMAT;
}
