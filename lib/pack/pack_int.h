/* pack_int.h -- state shared by the segmenter (seg.c) and the packaging
 * run (package.c); not a public API */
#ifndef SV_PACK_INT_H
#define SV_PACK_INT_H

#include <stdint.h>
#include <sys/uio.h>

#include "container/codec.h"
#include "container/fmp4.h"
#include "container/packet.h"
#include "container/ts.h"
#include "core/buf.h"
#include "drm/cenc.h"
#include "model/model.h"
#include "pack/out.h"
#include "pack/package.h"

struct sv__sample {
    uint8_t *blk;               /* its bytes in the fMP4 form (owned), or
                                   NULL: they are the input's (stable) */
    const uint8_t *data;        /* its bytes: blk or the input's */
    int64_t dts, pts;           /* track timescale, package timeline */
    uint32_t size;
    uint32_t dur;               /* known once the next sample arrived */
    int key;
    int disc;                   /* first sample after a timestamp jump */
};

struct sv__track {
    int input, stream;
    int rend;                   /* index in the model */
    int video, ref;
    int ready;                  /* configuration known */
    int init_done;              /* init segment written (or not needed) */
    int eof;                    /* its input ended */
    int closing;                /* close_segment(): its last part is being
                                   published, the segment comes next */
    const char *url;
    struct sv_demux_stream info;
    struct sv_codec_cfg cfg;
    struct sv_fmp4_track ft;
    uint32_t timescale;
    /* the queue: samples read, not yet in a published fragment */
    struct sv__sample *q;
    size_t nq, qcap;
    size_t ndone;               /* prefix assigned to the open part */
    uint64_t done_bytes;
    uint64_t part_ticks;
    uint64_t qbytes;            /* bytes held by queued samples */
    struct iovec *iov;          /* scratch: a fragment's pieces */
    size_t iovcap;
    /* the open segment */
    int seg_open;
    size_t seg_idx;             /* cuts consumed: the open segment's number */
    int64_t seg_start;
    uint64_t seg_ticks;
    int seg_disc;
    int nparts;
    struct sv_buf segbuf;       /* parts of the open segment (LL-HLS) */
    uint32_t frag_seq;
    uint64_t single_off;        /* single file: bytes of media so far */
    int single_fd;              /* single file: the media, -1 if none */
    struct sv_buf init;         /* single file: ftyp+moov, kept */
    struct sv_ts ts;            /* MPEG-TS segments */
    /* --encrypt: the track's key state, its pssh boxes, scratch */
    int encrypt;
    struct sv_cenc_track cenc;
    struct sv_buf pssh;
    struct sv_buf enc_in, enc_out;
    /* timestamps in */
    int have_last;
    int64_t offset;             /* added to input times (track units) */
    int64_t lead;               /* media time of presentation time 0: the
                                   track's samples are on the package
                                   timeline plus this, so that none has a
                                   negative decode time (its edit list) */
    int64_t last_dts, last_pts;
    uint32_t last_dur;
    uint32_t pkt_dur;
    int disc_pending;
    int epoch;                  /* the input's jump its offset follows */
};

struct sv__cut {
    int64_t us;                 /* presentation time of the ref keyframe */
    int disc;
    int forced;                 /* live: no keyframe came, cut anyway */
};

/* a segment that left the live window, deleted after a grace period */
struct sv__gone {
    int rend;
    uint64_t number;
    int nparts;
    int64_t left_us;
};

struct sv__pack {
    const struct sv_pack_opts *o;
    struct sv_model m;
    struct sv_out *out;
    struct sv__track *t;
    int nt;
    struct sv__cut *cuts;
    size_t ncuts, cutcap;
    int64_t horizon_us;         /* the ref track's latest presentation */
    int64_t offset_us;          /* input time + this = package time */
    int64_t lead_us;            /* MPEG-TS segments: every track's lead */
    int epoch;                  /* timestamp jumps seen in this input */
    int have_origin;
    int master_written;
    int nvideo, naudio;         /* renditions so far, for their ids */
    char *err;
    size_t errsize;
    uint64_t segments;
    struct sv__gone *gone;
    size_t ngone, gonecap;
    int64_t now_us;             /* the package timeline's newest end */
};

/* seg.c */
int sv__track_push(struct sv__pack *p, struct sv__track *t,
                   const struct sv_demux_packet *pkt);
int sv__track_process(struct sv__pack *p, struct sv__track *t);
void sv__track_release(struct sv__track *t);

/* Copies the samples of t that point at the input (before it closes). */
int sv__track_unborrow(struct sv__track *t);

int sv__track_finish(struct sv__pack *p, struct sv__track *t);
int64_t sv__us(const struct sv__track *t, int64_t ticks);

/* package.c: publishing callbacks used by seg.c */
int sv__publish_init(struct sv__pack *p, struct sv__track *t);
int sv__publish_part(struct sv__pack *p, struct sv__track *t,
                     const struct iovec *iov, int n, uint64_t size,
                     uint32_t ticks, int independent);
int sv__publish_segment(struct sv__pack *p, struct sv__track *t,
                        const struct iovec *iov, int n, uint64_t size);
/* encrypt.c: --encrypt (does nothing without it) */
int sv__enc_open(struct sv__pack *p);
int sv__enc_track(struct sv__pack *p, struct sv__track *t);
int sv__enc_init(struct sv__pack *p, struct sv__track *t,
                 struct sv_buf *init);
/* Encrypts the fragment in t->iov[0..n) into one piece, t->iov[0];
 * returns 1 (n when not encrypting) and the new size, or a code. */
int sv__enc_fragment(struct sv__pack *p, struct sv__track *t, int n,
                     uint64_t *size);
void sv__enc_release(struct sv__track *t);
/* Key tags for rendered playlists (in place; the MPD renders its own). */
int sv__enc_master(const struct sv__pack *p, struct sv_buf *pl);
int sv__enc_media(const struct sv__pack *p, int i, struct sv_buf *pl);

/* imglink.c: checks the thumbnails sv-transcode wrote in dir and copies
 * them into the package (thumbs/, with the HLS image playlist), filling
 * p->m.img; fails with a message naming dir and the problem */
int sv__images_link(struct sv__pack *p, const char *dir);

int sv__fail(struct sv__pack *p, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
