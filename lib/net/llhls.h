/* llhls.h -- LL-HLS over plain files: playlist tails, deltas, held requests
 *
 * The parser and the delta writer work on playlist text (bounded, fuzzed).
 * The hold registry keeps requests waiting for a playlist to reach a
 * segment/part or for a file to appear, one inotify watch (uv_fs_event_t)
 * per directory and one timer per directory: no thread or polling per
 * request.  One registry per event loop.
 */
#ifndef SV_LLHLS_H
#define SV_LLHLS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

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
 * Reads a whole file of at most SV_LLHLS_MAX_PLAYLIST bytes into *buf
 * (malloc'd).  Returns 0, a negative errno, or SV_ELIMIT.
 */
int sv_llhls_read(const char *path, char **buf, size_t *len);

/* The same from an open descriptor (read from its current offset). */
int sv_llhls_read_fd(int fd, char **buf, size_t *len);

/* ---- held requests ---- */

struct sv_llhls;
struct sv_llhls_watch;
struct sv_llhls_hold;

/*
 * Called once per hold: ready 1 when the condition holds (for a playlist
 * hold, data/len is the playlist text that satisfied it, valid during the
 * call), 0 when the hold timed out or the registry was shut down.  The hold
 * is already detached; the callback may free it.
 */
typedef void (*sv_llhls_cb)(struct sv_llhls_hold *h, int ready,
                            const char *data, size_t len);

struct sv_llhls_hold {
    /* set by the caller before sv_llhls_hold_add() */
    const char *name;       /* file name in the directory, caller's memory */
    int64_t msn, part;      /* playlist hold: segment/part; msn -1: file */
    sv_llhls_cb cb;
    void *ud;
    /* private */
    struct sv_llhls_hold *next, *prev;
    struct sv_llhls_watch *watch;
    uint64_t deadline;
};

/* Creates a registry on loop.  Returns 0 or -ENOMEM. */
int sv_llhls_new(uv_loop_t *loop, struct sv_llhls **out);

/*
 * Fires every hold with ready 0, stops watching and frees the registry
 * (its handles close on the loop, which must run once more).  NULL-safe.
 */
void sv_llhls_free(struct sv_llhls *r);

/*
 * Holds h until the file h->name in directory dir satisfies it or
 * timeout_ms passes.  The condition is checked again once the watch is in
 * place, so a file renamed in between is not missed.  Returns 0, SV_ELIMIT
 * when too many directories are watched, or a negative errno from
 * uv_fs_event_start(); on error the callback is never called.
 */
int sv_llhls_hold_add(struct sv_llhls *r, struct sv_llhls_hold *h,
                      const char *dir, uint64_t timeout_ms);

/* Forgets h without calling it back; a no-op for a detached hold. */
void sv_llhls_hold_cancel(struct sv_llhls_hold *h);

/* Fires every hold with ready 0 (graceful stop). */
void sv_llhls_release_all(struct sv_llhls *r);

/* Number of requests held now. */
size_t sv_llhls_held(const struct sv_llhls *r);

#endif
