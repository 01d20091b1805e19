/* llhls.h -- LL-HLS playlist text: the tail a server needs, readiness for
 * a blocking reload, delta updates (bounded and fuzzed: playlists on disk
 * are not trusted).  The requests held on them live in serve/llhls_hold.h.
 */
#ifndef SV_LLHLS_H
#define SV_LLHLS_H

#include <stddef.h>
#include <stdint.h>

#define SV_LLHLS_MAX_PLAYLIST (4 << 20)     /* bytes we read of a playlist */

struct sv_llhls_info {
    int media;              /* a media playlist (has EXT-X-TARGETDURATION) */
    int version;            /* EXT-X-VERSION, 0 when absent */
    int64_t target_ms;      /* EXT-X-TARGETDURATION */
    int64_t part_target_ms; /* EXT-X-PART-INF:PART-TARGET, 0 when absent */
    int64_t first_msn;      /* EXT-X-MEDIA-SEQUENCE */
    int64_t nsegs;          /* complete segments listed */
    int64_t last_msn;       /* first_msn + nsegs - 1 */
    int nparts;             /* parts listed after the last segment */
    int endlist;            /* EXT-X-ENDLIST */
    int vod;                /* EXT-X-PLAYLIST-TYPE:VOD */
    int can_block;          /* SERVER-CONTROL CAN-BLOCK-RELOAD=YES */
    int64_t skip_until_ms;  /* SERVER-CONTROL CAN-SKIP-UNTIL, 0 when absent */
    int skip_dateranges;    /* CAN-SKIP-DATERANGES=YES */
    char hint[256];         /* EXT-X-PRELOAD-HINT:TYPE=PART URI, "" if none */
};

/*
 * Parses playlist text (len bytes, not NUL-terminated).  Returns 0, or
 * SV_EFORMAT when it does not start with #EXTM3U.
 */
int sv_llhls_parse(const char *buf, size_t len, struct sv_llhls_info *in);

/*
 * Whether a playlist in answers a blocking request for segment msn (and
 * part, or -1): 1 yes, 0 not yet, SV_EUSAGE when msn/part is too far ahead
 * to be waited for (more than two segments past the last).
 */
int sv_llhls_ready(const struct sv_llhls_info *in, int64_t msn, int64_t part);

/*
 * Writes the delta update of a playlist (EXT-X-SKIP in place of the
 * segments older than CAN-SKIP-UNTIL from its end) into *out (malloc'd,
 * caller frees).  v2 also skips EXT-X-DATERANGE tags.  Returns 0 with *out
 * NULL when nothing can be skipped, 0 with *out set, or -ENOMEM.
 */
int sv_llhls_delta(const char *buf, size_t len,
                   const struct sv_llhls_info *in, int v2, char **out,
                   size_t *outlen);

/*
 * Reads a whole regular file of at most SV_LLHLS_MAX_PLAYLIST bytes into
 * *buf (malloc'd, NUL-terminated): sv_slurp() with that cap, and its codes.
 */
int sv_llhls_read(const char *path, char **buf, size_t *len);

/* The same from an open descriptor (read from its current offset). */
int sv_llhls_read_fd(int fd, char **buf, size_t *len);

/*
 * Part names, as a writer of parts and segments in one directory gives
 * them: "<prefix><segment>.<part><ext>" ("seg-5.4.m4s") for a part and
 * "<prefix><segment><ext>" ("seg-5.m4s") for its segment.
 *
 * The name of the segment of part into out (n bytes): 0, or -1 when part
 * is not a part name or out is too small.
 */
int sv_llhls_part_segment(const char *part, char *out, size_t n);

/*
 * Whether the file appeared (a name in the directory of part) shows that
 * part will never be written: its own segment ("seg-5.m4s": a writer
 * publishes a segment after its parts) or a later one, or a part of a
 * later segment ("seg-6.0.m4s").  1 yes, 0 no (names of other kinds, or
 * of another prefix or extension, say nothing).
 */
int sv_llhls_part_superseded(const char *part, const char *appeared);

#endif
