/* av.h -- lib/media's internal view of libav* (av_open.h has the opener) */
#ifndef SV_MEDIA_AV_H
#define SV_MEDIA_AV_H

#include <pthread.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>

#include "core/afile.h"
#include "media/av_open.h"
#include "media/ladder.h"
#include "media/transcode.h"

/* --- input and decoding (av_input.c) --- */

struct sv__input {
    AVFormatContext *fc;
    AVIOContext *pb;            /* ours when reading stdin */
    int vidx, aidx;             /* stream indexes; -1: none */
    AVCodecContext *vdec, *adec;
    int rotation;               /* clockwise turn to apply: 0 90 180 270 */
    AVRational fps;             /* the constant output rate */
    int64_t start;              /* of the input, stream time base of each */
    int64_t duration_us;        /* 0 when unknown */
    enum AVPixelFormat hwfmt;   /* decoder's hardware format, or NONE */
    int64_t errors;             /* packets or frames that decoded badly */
};

/*
 * Opens url ("-" is stdin), finds its streams and opens their decoders
 * (video on hwdev when given and it works, software otherwise).  Logs a
 * message naming the input on failure.  Returns 0 or a negative code.
 */
int sv__input_open(struct sv__input *in, const char *url, int want_audio,
                   AVBufferRef *hwdev);
void sv__input_close(struct sv__input *in);

/*
 * Sends pkt (NULL: flush) to dec and hands each decoded frame to fn
 * (frame is the callee's to unref).  Decode errors are counted in
 * in->errors; with strict they fail with SV_ECORRUPT.  Returns 0 or a
 * negative code (fn's own).
 */
typedef int (*sv__frame_fn)(void *ud, AVFrame *frame);
int sv__input_decode(struct sv__input *in, AVCodecContext *dec,
                     const AVPacket *pkt, int strict, sv__frame_fn fn,
                     void *ud);

/* --- filter graphs (av_filter.c) --- */

struct sv__vgraph {
    AVFilterGraph *g;
    AVFilterContext *src;
    AVFilterContext *sink[SV_LADDER_MAX];
    int n;
    AVRational tb;              /* of every sink: 1/fps */
};

/*
 * Builds source -> [deinterlace] -> [rotate] -> fps -> [chain] -> split ->
 * scale per rung -> format out_fmt, for frames like first.  deint: apply
 * bwdif (to frames marked interlaced, or to all with SV_DEINT_ON).  chain:
 * NULL, or filters each followed by a comma (enhance.c's).
 */
int sv__vgraph_build(struct sv__vgraph *vg, const AVFrame *first,
                     AVRational tb, AVRational fps, int rotation, int deint,
                     const struct sv_ladder *l, enum AVPixelFormat out_fmt,
                     const char *chain);
void sv__vgraph_free(struct sv__vgraph *vg);

struct sv__agraph {
    AVFilterGraph *g;
    AVFilterContext *src, *sink;
};

/* Resamples to the encoder's format, rate, layout and frame size. */
int sv__agraph_build(struct sv__agraph *ag, const AVCodecContext *dec,
                     AVRational tb, const AVCodecContext *enc);
void sv__agraph_free(struct sv__agraph *ag);

/* --- the clean-up chain (enhance.c) --- */

struct sv_buf;
struct sv_enhance;

/* Whether frames like f are HDR: PQ or HLG transfer. */
int sv__enhance_is_hdr(const AVFrame *f);
/* The peak of an HDR frame's content in nit: its MaxCLL, else its
 * mastering display's peak; 0 when it carries neither. */
double sv__enhance_peak_nits(const AVFrame *f);
/* x265's master-display, max-cll and hdr10 parameters from an HDR frame's
 * side data into buf ("" when it has none). */
void sv__enhance_x265_hdr(const AVFrame *f, char *buf, size_t size);

/*
 * Appends e's filters for frames like first to d, each followed by a comma
 * (nothing when e has none); trf is the vid.stab transforms file of the
 * analysis pass.  Sets *tonemapped when the chain ends in SDR BT.709.
 * Returns 0 or a negative code.
 */
int sv__enhance_chain(const struct sv_enhance *e, const AVFrame *first,
                      const char *trf, struct sv_buf *d, int *tonemapped);

/*
 * --stabilize's first pass: decodes o->input's video and writes vid.stab's
 * transforms for the frames the ladder graph will see into trf.  Returns
 * 0 or a negative code (logged).
 */
int sv__enhance_stab_analyse(const struct sv_transcode_opts *o,
                             const char *trf);

/* --- hardware (hw.c, hw_nvenc.c, hw_vaapi.c, hw_qsv.c) --- */

struct sv__venc_cfg;

struct sv__hw {
    const char *name;                   /* "nvenc" */
    enum AVHWDeviceType type;
    const char *enc[4];                 /* by enum sv_codec; NULL: none */
    const char *dec;                    /* what its decoding is called */
    enum AVPixelFormat sw_fmt;          /* frames it takes from the graph */
    /* sets options and, for surface encoders, c->hw_frames_ctx */
    int (*setup)(AVCodecContext *c, AVDictionary **opts, AVBufferRef *dev,
                 const struct sv__venc_cfg *cfg);
};

extern const struct sv__hw sv__hw_nvenc, sv__hw_vaapi, sv__hw_qsv;

/* Backend for an enum sv_hw (not NONE/AUTO), or NULL. */
const struct sv__hw *sv__hw_get(enum sv_hw which);

/*
 * Opens hw's device and a real tiny encode session of codec.  On success
 * stores a new device reference in *dev (may be NULL when not wanted);
 * on failure writes why into why and returns SV_ENOHW.
 */
int sv__hw_probe(const struct sv__hw *hw, enum sv_codec codec,
                 AVBufferRef **dev, char *why, size_t size);

/*
 * Gives c a pool of hw_fmt surfaces holding sw_fmt pictures of its size on
 * dev, and sets c->pix_fmt to hw_fmt (VAAPI and QSV encoders).
 */
int sv__hw_frames(AVCodecContext *c, AVBufferRef *dev,
                  enum AVPixelFormat hw_fmt, enum AVPixelFormat sw_fmt);

/* Moves a software frame onto c's hardware frames (surface encoders). */
int sv__hw_upload(AVCodecContext *c, AVFrame *sw, AVFrame **out);

/* --- encoders (av_encode.c) --- */

struct sv__venc_cfg {
    enum sv_codec codec;
    enum sv_rate rate;
    int crf;
    const char *preset;
    int width, height;
    AVRational tb, fps;
    int64_t bitrate;
    int gop;                    /* frames: the encoder's own longest GOP */
    int threads;
    int global_header;
    const struct sv__hw *hw;    /* NULL: software */
    AVBufferRef *hwdev;
    int pass;                   /* 0: one pass; 1, 2: two-pass */
    const char *stats_path;     /* x264/x265 statistics file */
    const char *stats_in;       /* libvpx/libaom statistics (pass 2) */
    int ten_bit;                /* software: 4:2:0 10-bit (HDR kept) */
    int tagged;                 /* set the colour tags below */
    const char *x265_hdr;       /* HDR10 SEI parameters for x265, or "" */
    enum AVColorPrimaries prim;
    enum AVColorTransferCharacteristic trc;
    enum AVColorSpace space;
};

/* The pixel format the ladder graph must produce for cfg. */
enum AVPixelFormat sv__venc_pix_fmt(const struct sv__venc_cfg *cfg);

/* Opens a video encoder.  Returns 0 or a negative code (logged). */
int sv__venc_open(AVCodecContext **out, const struct sv__venc_cfg *cfg);

/* Opens AAC (Opus for VP9/AV1) for a source of channels at bitrate. */
int sv__aenc_open(AVCodecContext **out, enum sv_codec vcodec, int channels,
                  int64_t bitrate, int global_header);

/* --- output (av_mux.c) --- */

struct sv__out {
    AVFormatContext *fc;
    struct sv_afile af;         /* files: the temp name until committed */
    int vst;                    /* its first video stream */
    int ast;                    /* audio stream, -1: none */
};

struct sv__mux {
    pthread_mutex_t lock;
    struct sv__out out[SV_LADDER_MAX];
    int nout;                   /* 1 on a pipe, one per rung to files */
    int pipe;
    int epipe;                  /* the reader went away */
};

/* Whether the muxer for a pipe format / file container wants global
 * headers (extradata) from the encoders. */
int sv__mux_global_header(const char *format);

/*
 * Opens the outputs: a pipe (format on stdout, every rung and the audio in
 * one stream), or one file per rung under dir (container mp4/ts/mkv) named
 * after the rung, each with a copy of the audio.  chunk, when not NULL, is
 * a chunk's [start, end) in frames: the files get sv_chunk_name()s.
 * Writes the headers.
 */
int sv__mux_open(struct sv__mux *m, const char *dir, const char *format,
                 const struct sv_ladder *l, AVCodecContext **venc,
                 AVCodecContext *aenc, const int64_t *chunk);

/* Writes a rung's packet (rung -1: audio); pkt is consumed.  Thread-safe. */
int sv__mux_write(struct sv__mux *m, int rung, AVPacket *pkt,
                  AVRational tb);

/*
 * Ends the outputs: with ok, writes trailers and renames files into place;
 * otherwise removes the temporary files.  Returns 0 or a negative code.
 */
int sv__mux_close(struct sv__mux *m, int ok);

#endif
