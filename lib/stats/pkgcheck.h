/* pkgcheck.h -- lib/stats internal: the parts of the package checker that
 * package.json's and the playlists' sides share */
#ifndef SV_STATS_PKGCHECK_H
#define SV_STATS_PKGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"

/* bounds on what a package may make us read */
#define SV__PKG_MAX_FILE (256u << 20)       /* one segment or init */
#define SV__PKG_MAX_TEXT (4u << 20)         /* a playlist */
#define SV__PKG_MAX_SEGMENTS 100000         /* per rendition */

/* tolerances, seconds */
#define SV__PKG_ALIGN_TOL 0.001     /* boundaries across renditions */
#define SV__PKG_GAP_TOL 0.001       /* timeline continuity */

/* An fMP4 init segment's facts for reading its media segments. */
struct sv__pkg_init {
    uint32_t timescale;
    uint32_t def_duration, def_flags;       /* trex */
    int video;
};

/* A media segment as its moof boxes tell it. */
struct sv__pkg_seg {
    uint64_t tfdt;              /* decode time of its first sample */
    int64_t cto;                /* its first sample's composition offset */
    uint64_t duration;          /* sum of sample durations, timescale */
    uint32_t samples;
    int starts_sync;            /* first sample is a sync sample */
};

/* Parses an init segment.  Returns 0 or SV_EFORMAT. */
int sv__pkg_init_parse(struct sv__pkg_init *in, const uint8_t *p,
                       size_t len);

/* Parses a CMAF media segment (one or more moof+mdat).  Returns 0 or
 * SV_EFORMAT. */
int sv__pkg_seg_parse(struct sv__pkg_seg *s, const struct sv__pkg_init *in,
                      const uint8_t *p, size_t len);

/*
 * Reads a local file or an http(s) URL into b (its cap bounds it).
 * Returns 0, -ENOENT when it is not there (404 for a URL), or a negative
 * code with a message in err.
 */
int sv__pkg_load(const char *where, struct sv_buf *b, char *err,
                 size_t size);

/* Resolves ref against base (a path or URL of a file) into out. */
void sv__pkg_resolve(const char *base, const char *ref, char *out,
                     size_t size);

/* Appends a fault {rule, rendition, segment, msg} to faults (segment < 0:
 * none). */
void sv__pkg_fault(json_t *faults, const char *rule, const char *rend,
                   int64_t segment, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* min/max/mean of v[0..n) as JSON (null when n is 0). */
json_t *sv__pkg_stats(const double *v, size_t n);

/*
 * Loads the file a manifest names (what: "segment", "init segment",
 * "file") into b; a missing or unreadable one is a fault of rendition
 * rend (segment seg, -1 for none).  Returns 0, or the negative code after
 * the fault was recorded.
 */
int sv__pkg_fetch(const char *url, const char *what, const char *rend,
                  int64_t seg, struct sv_buf *b, json_t *faults);

/*
 * Checks an HLS playlist (multivariant or media) at where (a path or URL):
 * fills root's "renditions" and appends to its "faults".  With media, the
 * segments are read too (missing ones, keyframes, gaps, alignment by
 * their own timestamps); without, the playlists only.  Returns 0, or a
 * negative code with err when where itself cannot be read.
 */
int sv__pkg_check_hls(const char *where, json_t *root, int media,
                      char *err, size_t size);

/*
 * Parses the text of a media playlist alone (the fuzz target's way in):
 * segments in *nseg, EXT-X-TARGETDURATION in *target (-1: none).  Returns
 * 0 or a negative code.
 */
int sv__pkg_hls_parse(const char *text, size_t len, json_t *faults,
                      size_t *nseg, int *target);

/*
 * Checks a DASH MPD at where (a path or URL): every Representation of
 * every Period, its segments as SegmentTemplate (SegmentTimeline or
 * @duration) names them, or its one file (SegmentBase).  Fills root's
 * "type", "duration", "renditions" and "alignment", appends to "faults":
 * missing codecs, gaps in a SegmentTimeline and, with media, missing
 * files, segments whose media lasts other than the MPD says, no keyframe,
 * video representations not aligned.  Returns 0, or a negative code with
 * err when where cannot be read or is not an MPD.
 */
int sv__pkg_check_dash(const char *where, json_t *root, int media,
                       char *err, size_t size);

/* Parses the text of an MPD alone (the fuzz target's way in): the
 * representations found in *nreps.  Returns 0 or a negative code. */
int sv__pkg_dash_parse(const char *text, size_t len, json_t *faults,
                       size_t *nreps);

#endif
