/* av_probe.h -- what sv-stats probe asks libav* for (no libav headers):
 * container facts, HDR side data, colour names, EBU R128 loudness */
#ifndef SV_AV_PROBE_H
#define SV_AV_PROBE_H

#include <stdint.h>

/* The container as libavformat sees it. */
struct sv_av_format {
    char name[64];              /* "mov,mp4,m4a,3gp,3g2,mj2" */
    double duration;            /* seconds; 0 when unknown */
    double start;               /* seconds */
    int64_t bit_rate;           /* 0 when unknown */
    int64_t size;               /* bytes; -1 when unknown (a pipe, URL) */
    int nstreams;               /* of these, at most SV_AV_PROBE_STREAMS */
    struct {
        double start;           /* seconds, edit lists applied */
        double duration;        /* seconds; 0 when the container has none */
    } stream[64];
};

#define SV_AV_PROBE_STREAMS 64

/* HDR signalling of a video stream (SMPTE ST 2086, CTA-861.3). */
struct sv_av_hdr {
    int have_mastering;
    double red[2], green[2], blue[2], white[2];  /* CIE 1931 x, y */
    double min_luminance, max_luminance;         /* cd/m2 */
    int have_light;
    unsigned max_cll, max_fall;                  /* cd/m2 */
    int from_frame;             /* 1: found on the first decoded frame
                                   (SEI / OBU metadata), 0: container */
};

/* EBU R128 figures of an audio stream, from libavfilter's ebur128. */
struct sv_av_loudness {
    double integrated;          /* LUFS */
    double range;               /* LU */
    double range_low, range_high;  /* LUFS */
    double seconds;             /* audio measured */
};

/*
 * Reads the container facts of url.  Returns 0, SV_EFORMAT when it is not
 * media, or another negative code (nothing is logged: the caller words it).
 */
int sv_av_probe_format(const char *url, struct sv_av_format *out);

/*
 * HDR side data of video stream index of url: the stream's own (mdcv,
 * clli boxes, Matroska colour elements), else the first decoded frame's.
 * *out is zeroed first; having neither is not an error.  Returns 0 or a
 * negative code.
 */
int sv_av_probe_hdr(const char *url, int index, struct sv_av_hdr *out);

/*
 * Decodes audio stream index of url through ebur128 and stores
 * the final integrated loudness and loudness range, the same figures the
 * filter's summary prints.  Returns 0, SV_ENOMEDIA when the stream cannot
 * be decoded, or a negative code.
 */
int sv_av_probe_loudness(const char *url, int index,
                         struct sv_av_loudness *out);

/* libavutil's names of ISO/IEC 23091-2 code points ("bt709"), or NULL. */
const char *sv_av_primaries_name(int v);
const char *sv_av_transfer_name(int v);
const char *sv_av_matrix_name(int v);

#endif
