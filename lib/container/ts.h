/* ts.h -- MPEG-TS segments for legacy HLS: one elementary stream per
 * rendition (H.264, HEVC or AAC), PAT and PMT at the start of every segment
 */
#ifndef SV_PACK_TS_H
#define SV_PACK_TS_H

#include <stddef.h>
#include <stdint.h>

#include "container/codec.h"
#include "core/buf.h"

struct sv_ts {
    const struct sv_codec_cfg *cfg;
    int video;
    uint32_t timescale;         /* of the times given to sv_ts_sample */
    uint8_t cc[3];              /* continuity counters: PAT, PMT, ES */
    struct sv_buf es;           /* scratch: one access unit as Annex B */
};

/* Prepares t for a stream described by cfg.  Returns 0 or SV_ENOMEDIA for
 * codecs MPEG-TS segments here do not carry. */
int sv_ts_init(struct sv_ts *t, const struct sv_codec_cfg *cfg, int video,
               uint32_t timescale);

void sv_ts_release(struct sv_ts *t);

/* Appends PAT and PMT (the start of a segment) to out. */
int sv_ts_tables(struct sv_ts *t, struct sv_buf *out);

/*
 * Appends one sample as a PES: p[0..len) in the fMP4 form (4-byte NAL
 * lengths, raw AAC), turned back into Annex B with an AUD (and the
 * parameter sets before a keyframe) or ADTS.  dts/pts in t->timescale.
 */
int sv_ts_sample(struct sv_ts *t, struct sv_buf *out, const uint8_t *p,
                 size_t len, int64_t dts, int64_t pts, int key);

#endif
