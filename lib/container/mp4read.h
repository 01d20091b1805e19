/* mp4read.h -- packets of an MP4 file read into a ring (or straight from
 * memory it is given), its
 * samples described by the moov's tables, by movie fragments
 * (moof/traf/trun) or both (the packager's reader; other codecs are left
 * to libavformat) */
#ifndef SV_MP4READ_H
#define SV_MP4READ_H

#include <stddef.h>
#include <stdint.h>

#include "container/box.h"
#include "container/packet.h"
#include "core/buf.h"

#define SV_MP4READ_MAX 16
#define SV_MP4READ_MOOV_MAX (64 << 20)  /* a bigger moov is not ours */
#define SV_MP4READ_RING (8 << 20)       /* the samples' ring, at most */

struct sv_mp4read_track {
    struct sv_demux_stream st;
    char lang[4];
    /* the sample tables, inside the copy of the moov, checked at open */
    const uint8_t *stts, *ctts, *stsc, *stsz, *stco, *stss;
    uint32_t n_stts, n_ctts, n_stsc, n_chunks, n_samples, n_stss;
    uint32_t fixed_size;        /* stsz's one size, 0: the table */
    int co64;
    int64_t shift;              /* the edit list: media time of time 0 */
    /* movie fragments, after the moov's samples: the next top-level box
     * to look at for a moof, the moof and traf being read */
    struct sv_trex trex;
    uint64_t scan;
    uint8_t *moof;              /* a copy of the moof being read (its
                                   pages are given back with the media) */
    size_t moof_cap;
    uint64_t moof_off;          /* its place in the file */
    struct sv_box_iter trafs;   /* the moof's children after this traf */
    struct sv_traf_iter traf;
    int in_moof, in_traf, frag; /* frag: the tables are done */
    uint32_t frag_flags;        /* the sample's, for its key flag */
    int32_t frag_cto;
    uint32_t frag_dur;
    /* the cursor: the next sample */
    uint32_t sample, chunk, in_chunk, per_chunk, stsc_i;
    uint32_t stts_i, stts_left, ctts_i, ctts_left, stss_i;
    uint64_t pos;
    uint32_t size;
    int64_t dts;
    int64_t dts_us;             /* for interleaving */
    uint64_t ring_last;         /* the last sample taken from the ring */
    int done;
};

struct sv_mp4read {
    const uint8_t *p;           /* the input (mapped or given) */
    size_t len;
    void *map;                  /* non-NULL when we mapped it */
    size_t dropped;             /* bytes of the map given back so far */
    size_t populated;           /* bytes of the map prefaulted so far */
    uint8_t *moov;              /* a copy: the tables outlive dropped
                                   pages */
    struct sv_mp4read_track t[SV_MP4READ_MAX];
    int n;
    int fragmented;             /* the moov has an mvex */
    uint64_t hold;              /* the consumer still points at bytes
                                   from here on (UINT64_MAX: none) */
    /* samples of an opened file: read (pread) into a ring mapped twice
     * in a row, so a sample across its end is contiguous, its pages
     * reused all along (no fault, map or unmap per page) */
    uint8_t *ring;
    size_t ring_cap;
    uint64_t ring_lo, ring_hi;  /* the file's bytes [lo, hi) it holds */
    int fd;                     /* the file, while ring is set */
    struct sv_buf spill;        /* a sample the ring cannot take */
    uint64_t spilled;           /* samples read outside the ring */
    uint64_t bad;               /* samples that point outside the file */
};

/*
 * Reads p[0..len) (not copied; valid until sv_mp4read_release) as a
 * progressive MP4: its tracks are the streams (the track order, ids
 * their track_ID, times in each track's timescale moved by a simple edit
 * list as libavformat moves them).  A fragmented file's samples follow
 * its moov's (ffmpeg's -movflags frag_keyframe, with or without
 * empty_moov; CMAF): each track walks the moofs in file order for its
 * trafs, tfdt or the durations before giving the times.  Returns 0;
 * SV_ENOMEDIA when the file has an audio or video track of a codec other
 * than H.264, HEVC or AAC, or an edit list of more than one edit
 * (libavformat's reader takes those); SV_EFORMAT when it is not MP4 or is
 * damaged.
 */
int sv_mp4read_init(struct sv_mp4read *r, const uint8_t *p, size_t len);

/*
 * Maps the regular file path and calls sv_mp4read_init on it; the
 * samples are then read into a ring of at most SV_MP4READ_RING bytes
 * rather than from the mapping (which serves the boxes).
 */
int sv_mp4read_open(struct sv_mp4read *r, const char *path);

/* The same with a ring of at most ring bytes (0: the samples straight
 * from the mapping). */
int sv_mp4read_open_ring(struct sv_mp4read *r, const char *path,
                         size_t ring);

int sv_mp4read_count(const struct sv_mp4read *r);
const struct sv_demux_stream *sv_mp4read_stream(const struct sv_mp4read *r,
                                                int i);

/*
 * The next sample, in decode order across the tracks as the file
 * interleaves them: 1, or 0 at the end (or a negative code when an opened
 * file cannot be read).  pkt->data points into the input or the ring
 * (pkt->stable): valid until sv_mp4read_release as long as the consumer
 * names what it keeps with sv_mp4read_hold, else until the next call.  A
 * sample the ring cannot take (out of file order, too big, the ring held
 * up) comes in pkt->own instead, not stable.
 */
int sv_mp4read_next(struct sv_mp4read *r, struct sv_demux_packet *pkt);

/*
 * The consumer still points at p, a stable packet's data it kept instead
 * of copying, and at that track's later packets: each call adds one (the
 * lowest in the file counts); NULL forgets them all.  The ring is not
 * written over what is held; pages of the mapping before it and before
 * every track's next sample may be given back.
 */
void sv_mp4read_hold(struct sv_mp4read *r, const uint8_t *p);

void sv_mp4read_release(struct sv_mp4read *r);

#endif
