/* llhls_hold.h -- held requests: LL-HLS blocking reloads and files to come
 *
 * The registry keeps requests waiting for a playlist to reach a
 * segment/part or for a file to appear, one inotify watch (uv_fs_event_t)
 * per directory and one timer per directory: no thread or polling per
 * request.  One registry per event loop.
 */
#ifndef SV_LLHLS_HOLD_H
#define SV_LLHLS_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct sv_llhls;
struct sv_llhls_watch;
struct sv_llhls_hold;

/*
 * Called once per hold: ready 1 when the condition holds (for a playlist
 * hold, data/len is the playlist text that satisfied it, valid during the
 * call), 0 when the hold timed out or the registry was shut down, -1 when
 * the file held is a part that will never be written (its segment, or a
 * later one, appeared without it: sv_llhls_part_superseded()).  The hold
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
 * uv_fs_event_start(); on error the callback is never called.  A
 * directory removed and made again (a restarted stream) is watched again.
 */
int sv_llhls_hold_add(struct sv_llhls *r, struct sv_llhls_hold *h,
                      const char *dir, uint64_t timeout_ms);

/* Forgets h without calling it back; a no-op for a detached hold. */
void sv_llhls_hold_cancel(struct sv_llhls_hold *h);

/* Fires every hold with ready 0 (graceful stop). */
void sv_llhls_release_all(struct sv_llhls *r);

/*
 * In a playlist hold's callback, for the data it was given: the playlist
 * as parsed once for every hold it satisfied, and *serial, the same for
 * all of them and new for each release; NULL when data is not that text.
 */
struct sv_llhls_info;
const struct sv_llhls_info *sv_llhls_batch(const struct sv_llhls *r,
                                           const char *data,
                                           uint64_t *serial);

/* Number of requests held now. */
size_t sv_llhls_held(const struct sv_llhls *r);

/* Number of directories watched now (a watch goes with its last hold). */
size_t sv_llhls_watches(const struct sv_llhls *r);

#endif
