/* fmp4.h -- CMAF init segments (ftyp+moov) and fragments (moof+mdat) */
#ifndef SV_PACK_FMP4_H
#define SV_PACK_FMP4_H

#include <stddef.h>
#include <stdint.h>

#include "container/codec.h"
#include "core/buf.h"

struct sv_boxw;

/*
 * A hook that writes more boxes where a writer allows them (encryption:
 * sinf in a sample entry; senc, saiz and saio in a traf).  moof_start is
 * the offset of the moof in the output (for saio), 0 for sample entries.
 * Returns 0 or a negative code, which fails the write.
 */
typedef int (*sv_fmp4_hook)(void *ud, struct sv_boxw *w, size_t moof_start);

struct sv_fmp4_track {
    uint32_t id;
    int video;
    uint32_t timescale;
    int width, height;
    const struct sv_codec_cfg *cfg;
    const char *language;       /* ISO 639-2, "und" */
    /* media time (timescale ticks) shown at presentation time 0: an edit
     * list (edts/elst) is written when it is above 0, so that media that
     * comes before the presentation starts (AAC priming, audio before the
     * first video frame, the decode delay of B-frames) is kept but not
     * shown before 0 */
    int64_t media_time;
    /* encryption (sv-drm): the sample entry becomes entry_type (encv,
     * enca) and entry_hook adds its sinf after the configuration box;
     * traf_hook adds boxes to every traf after its trun */
    uint32_t entry_type;        /* 0: the codec's own */
    sv_fmp4_hook entry_hook;
    sv_fmp4_hook traf_hook;
    void *hook_ud;
};

struct sv_fmp4_sample {
    uint32_t size;
    uint32_t duration;
    uint32_t flags;             /* SV_SAMPLE_* (0 for a sync sample) */
    int32_t cto;
};

/* Sample flags of a sync and a non-sync video sample. */
#define SV_FMP4_SYNC SV_SAMPLE_DEPENDS_NO
#define SV_FMP4_NONSYNC (SV_SAMPLE_DEPENDS_YES | SV_SAMPLE_NON_SYNC)

/* Appends ftyp and moov (one track, mvex/trex) to out. */
int sv_fmp4_init(struct sv_buf *out, const struct sv_fmp4_track *t);

/* Appends an styp box (segment type) to out. */
int sv_fmp4_styp(struct sv_buf *out);

/*
 * Appends moof (mfhd seq, traf with tfhd default-base-is-moof, tfdt bmdt,
 * one trun of n samples) and the 8-byte mdat header for the samples' bytes,
 * which the caller writes right after.  Returns 0 or a negative code.
 */
int sv_fmp4_fragment(struct sv_buf *out, uint32_t seq,
                     const struct sv_fmp4_track *t, uint64_t bmdt,
                     const struct sv_fmp4_sample *s, size_t n);

/* One reference of a sidx (a subsegment: a whole media segment). */
struct sv_sidx_ref {
    uint32_t size;
    uint32_t duration;
    int sap;                    /* starts with a stream access point */
};

/*
 * Appends a sidx for track t: earliest presentation time ept, first_offset
 * bytes between the sidx's end and the first subsegment.
 */
int sv_fmp4_sidx(struct sv_buf *out, const struct sv_fmp4_track *t,
                 uint64_t ept, uint64_t first_offset,
                 const struct sv_sidx_ref *r, size_t n);

#endif
