/* llhls_hold.c -- requests held until a playlist or a file is ready */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "model/llhls.h"
#include "serve/llhls_hold.h"

#define MAX_WATCHES 1024

struct sv_llhls_watch {
    uv_fs_event_t ev;
    uv_timer_t timer;
    struct sv_llhls *reg;
    struct sv_llhls_watch *next;
    struct sv_llhls_hold head;  /* circular list of holds */
    uint64_t due;               /* when the timer fires, 0: not armed */
    int open_handles;           /* freed when both handles have closed */
    int firing;                 /* in fire(): not released before its end */
    int dead;                   /* the inotify watch is gone (see revive) */
    dev_t dev;                  /* the directory watched */
    ino_t ino;
    char dir[];
};

struct sv_llhls {
    uv_loop_t *loop;
    struct sv_llhls_watch *watches;
    size_t nwatches;
    size_t held;
    /* the playlist being handed to the holds it satisfied (fire()) */
    const char *batch_data;
    const struct sv_llhls_info *batch_info;
    uint64_t batch_serial;
};

int
sv_llhls_new(uv_loop_t *loop, struct sv_llhls **out)
{
    struct sv_llhls *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return -ENOMEM;
    r->loop = loop;
    *out = r;
    return 0;
}

static void
unlink_hold(struct sv_llhls_hold *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->watch->reg->held--;
    h->watch = NULL;
    h->next = h->prev = NULL;
}

static void
on_watch_closed(uv_handle_t *hd)
{
    struct sv_llhls_watch *w = hd->data;

    if (--w->open_handles == 0)
        free(w);
}

/* Stops watching and frees w (handles close on the loop). */
static void
close_watch(struct sv_llhls_watch *w)
{
    w->open_handles = 2;
    uv_close((uv_handle_t *)&w->ev, on_watch_closed);
    uv_close((uv_handle_t *)&w->timer, on_watch_closed);
}

/*
 * Drops w once it holds nothing, so that watches do not pile up with the
 * directories ever held in (a hold in it again makes a new one).
 */
static void
release_idle(struct sv_llhls_watch *w)
{
    struct sv_llhls_watch **pp;

    if (w->firing || w->head.next != &w->head)
        return;
    for (pp = &w->reg->watches; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            w->reg->nwatches--;
            close_watch(w);
            return;
        }
    }
}

void
sv_llhls_hold_cancel(struct sv_llhls_hold *h)
{
    struct sv_llhls_watch *w;

    if (h != NULL && h->watch != NULL) {
        w = h->watch;
        unlink_hold(h);
        release_idle(w);
    }
}

size_t
sv_llhls_watches(const struct sv_llhls *r)
{
    return r == NULL ? 0 : r->nwatches;
}

const struct sv_llhls_info *
sv_llhls_batch(const struct sv_llhls *r, const char *data, uint64_t *serial)
{
    if (r == NULL || data == NULL || data != r->batch_data)
        return NULL;
    *serial = r->batch_serial;
    return r->batch_info;
}

size_t
sv_llhls_held(const struct sv_llhls *r)
{
    return r == NULL ? 0 : r->held;
}

static void
arm(struct sv_llhls_watch *w, uint64_t deadline);
static void
on_fs_event(uv_fs_event_t *ev, const char *filename, int events,
            int status);
static int
revive(struct sv_llhls_watch *w);

/*
 * Whether the part file held (missing now) will never be written: the file
 * that appeared (or NULL) is its segment or a later one, or its segment is
 * there already (a writer publishes a segment after its parts).
 */
static int
part_gone(const struct sv_llhls_watch *w, const char *held,
          const char *appeared)
{
    char seg[256], path[4096];
    struct stat st;

    if (appeared != NULL && sv_llhls_part_superseded(held, appeared))
        return 1;
    if (sv_llhls_part_segment(held, seg, sizeof(seg)) < 0)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", w->dir, seg);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Moves the holds of w that pass test into a private list, then calls them
 * back: a callback may finish its request, which cancels its own hold.
 */
static void
fire(struct sv_llhls_watch *w, const char *name, int everything,
     uint64_t now)
{
    struct sv_llhls_hold ready = { 0 }, late = { 0 }, gone = { 0 }, *h, *nx;
    char path[4096], *data = NULL, last[256] = "";
    size_t len = 0;
    struct sv_llhls_info info;
    int have = 0, ok, file_ok = -1;
    uint64_t next = 0, t0 = uv_hrtime();
    size_t nready = 0;

    ready.next = ready.prev = &ready;
    late.next = late.prev = &late;
    gone.next = gone.prev = &gone;
    w->firing++;
    for (h = w->head.next; h != &w->head; h = nx) {
        nx = h->next;
        ok = 0;
        if (everything || name == NULL || strcmp(name, h->name) == 0 ||
            (h->msn < 0 && sv_llhls_part_superseded(h->name, name))) {
            if (h->msn >= 0) {
                if (strcmp(last, h->name) != 0) {
                    free(data);
                    data = NULL;
                    have = 0;
                    snprintf(last, sizeof(last), "%s", h->name);
                    snprintf(path, sizeof(path), "%s/%s", w->dir, h->name);
                    if (sv_llhls_read(path, &data, &len) == 0 &&
                        sv_llhls_parse(data, len, &info) == 0)
                        have = 1;
                }
                ok = have && sv_llhls_ready(&info, h->msn, h->part) == 1;
            } else {
                struct stat st;

                snprintf(path, sizeof(path), "%s/%s", w->dir, h->name);
                file_ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
                ok = file_ok;
                if (!ok && part_gone(w, h->name, name))
                    ok = -1;
            }
        }
        if (ok < 0) {
            h->prev->next = h->next;
            h->next->prev = h->prev;
            h->prev = gone.prev;
            h->next = &gone;
            gone.prev->next = h;
            gone.prev = h;
        } else if (ok) {
            /* onto the private list, still counted: a callback may cancel
             * a hold of the same request that is there too */
            h->prev->next = h->next;
            h->next->prev = h->prev;
            h->prev = ready.prev;
            h->next = &ready;
            ready.prev->next = h;
            ready.prev = h;
        } else if (now != 0 && h->deadline <= now) {
            h->prev->next = h->next;
            h->next->prev = h->prev;
            h->prev = late.prev;
            h->next = &late;
            late.prev->next = h;
            late.prev = h;
        } else if (next == 0 || h->deadline < next) {
            next = h->deadline;
        }
    }
    if (next != 0)
        arm(w, next);
    /* playlist holds in ready were satisfied by data for their own name:
     * parsed once here, for all of them (sv_llhls_batch()) */
    if (have) {
        w->reg->batch_data = data;
        w->reg->batch_info = &info;
        w->reg->batch_serial++;
    }
    while (ready.next != &ready) {
        h = ready.next;
        ready.next = h->next;
        h->next->prev = &ready;
        w->reg->held--;
        h->watch = NULL;
        h->next = h->prev = NULL;
        if (h->msn >= 0 && have && strcmp(last, h->name) == 0)
            h->cb(h, 1, data, len);
        else if (h->msn >= 0) {
            char *d2 = NULL;
            size_t l2 = 0;

            snprintf(path, sizeof(path), "%s/%s", w->dir, h->name);
            if (sv_llhls_read(path, &d2, &l2) == 0)
                h->cb(h, 1, d2, l2);
            else
                h->cb(h, 0, NULL, 0);
            free(d2);
        } else {
            h->cb(h, 1, NULL, 0);
        }
        nready++;
    }
    w->reg->batch_data = NULL;
    w->reg->batch_info = NULL;
    if (nready > 0)
        sv_log_debug("released %zu held request%s on '%s/%s' in %.3f ms",
                     nready, nready == 1 ? "" : "s", w->dir,
                     name != NULL ? name : "*",
                     (double)(uv_hrtime() - t0) / 1e6);
    while (gone.next != &gone) {
        h = gone.next;
        gone.next = h->next;
        h->next->prev = &gone;
        w->reg->held--;
        h->watch = NULL;
        h->next = h->prev = NULL;
        h->cb(h, -1, NULL, 0);
    }
    while (late.next != &late) {
        h = late.next;
        late.next = h->next;
        h->next->prev = &late;
        w->reg->held--;
        h->watch = NULL;
        h->next = h->prev = NULL;
        h->cb(h, 0, NULL, 0);
    }
    free(data);
    w->firing--;
    release_idle(w);
}

static void
on_timer(uv_timer_t *t)
{
    struct sv_llhls_watch *w = t->data;

    w->due = 0;
    if (w->dead)
        revive(w);
    /* a zero deadline check also re-tests every hold (see hold_add) */
    fire(w, NULL, 1, uv_now(w->reg->loop));
}

static void
arm(struct sv_llhls_watch *w, uint64_t deadline)
{
    uint64_t now = uv_now(w->reg->loop);

    if (w->due != 0 && w->due <= deadline)
        return;
    w->due = deadline;
    uv_timer_start(&w->timer, on_timer, deadline > now ? deadline - now : 0,
                   0);
}

/*
 * The inotify watch of a directory dies with it: a stream restarted into a
 * directory removed and made again would never wake its holds.  Watches
 * the directory at w->dir again when it is not the one watched (or the
 * watch failed); 0 when w watches the directory there now.
 */
static int
revive(struct sv_llhls_watch *w)
{
    struct stat st;
    int rc;

    if (stat(w->dir, &st) < 0)
        return -errno;
    if (!w->dead && st.st_dev == w->dev && st.st_ino == w->ino)
        return 0;
    uv_fs_event_stop(&w->ev);
    w->dead = 1;
    rc = uv_fs_event_start(&w->ev, on_fs_event, w->dir, 0);
    if (rc < 0)
        return rc;
    w->dead = 0;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    sv_log_debug("watching '%s' again", w->dir);
    /* whatever was renamed in before the new watch is tested below */
    arm(w, uv_now(w->reg->loop));
    return 0;
}

static void
on_fs_event(uv_fs_event_t *ev, const char *filename, int events, int status)
{
    struct sv_llhls_watch *w = ev->data;
    const char *base = strrchr(w->dir, '/');

    base = base != NULL ? base + 1 : w->dir;
    if (status < 0 || filename == NULL || strcmp(filename, base) == 0) {
        /* an error, or an event on the directory itself (IN_DELETE_SELF,
         * IN_MOVE_SELF, IN_IGNORED): is it still the one watched? */
        if (revive(w) < 0) {
            uv_fs_event_stop(&w->ev);
            w->dead = 1;
        }
        if (status < 0)
            return;
    }
    if (w->head.next == &w->head)
        return;
    fire(w, filename, filename == NULL, 0);
}

static struct sv_llhls_watch *
find_watch(struct sv_llhls *r, const char *dir)
{
    struct sv_llhls_watch *w;

    for (w = r->watches; w != NULL; w = w->next)
        if (strcmp(w->dir, dir) == 0)
            return w;
    return NULL;
}

int
sv_llhls_hold_add(struct sv_llhls *r, struct sv_llhls_hold *h,
                  const char *dir, uint64_t timeout_ms)
{
    struct sv_llhls_watch *w;
    uint64_t now = uv_now(r->loop);
    int rc, fresh = 0;

    w = find_watch(r, dir);
    if (w != NULL && (rc = revive(w)) < 0)
        return rc;
    if (w == NULL) {
        struct stat st;

        if (stat(dir, &st) < 0)
            return -errno;
        if (r->nwatches >= MAX_WATCHES)
            return SV_ELIMIT;
        w = calloc(1, sizeof(*w) + strlen(dir) + 1);
        if (w == NULL)
            return -ENOMEM;
        strcpy(w->dir, dir);
        w->reg = r;
        w->dev = st.st_dev;
        w->ino = st.st_ino;
        w->head.next = w->head.prev = &w->head;
        uv_fs_event_init(r->loop, &w->ev);
        w->ev.data = w;
        rc = uv_fs_event_start(&w->ev, on_fs_event, dir, 0);
        if (rc < 0) {
            uv_close((uv_handle_t *)&w->ev, (uv_close_cb)free);
            return rc;
        }
        uv_timer_init(r->loop, &w->timer);
        w->timer.data = w;
        w->next = r->watches;
        r->watches = w;
        r->nwatches++;
        fresh = 1;
    }
    h->watch = w;
    h->deadline = now + timeout_ms;
    h->prev = w->head.prev;
    h->next = &w->head;
    w->head.prev->next = h;
    w->head.prev = h;
    r->held++;
    /*
     * A new watch may have missed a rename between the caller's check and
     * uv_fs_event_start(): test again on the next loop turn; so too for a
     * part whose segment is there already (it is answered then).
     */
    arm(w, fresh || (h->msn < 0 && part_gone(w, h->name, NULL)) ? now
        : h->deadline);
    return 0;
}

void
sv_llhls_release_all(struct sv_llhls *r)
{
    struct sv_llhls_watch *w, *nx;
    struct sv_llhls_hold *h;

    for (w = r->watches; w != NULL; w = w->next) {
        w->firing++;
        while (w->head.next != &w->head) {
            h = w->head.next;
            unlink_hold(h);
            h->cb(h, 0, NULL, 0);
        }
        w->firing--;
    }
    for (w = r->watches; w != NULL; w = nx) {
        nx = w->next;
        release_idle(w);
    }
}

void
sv_llhls_free(struct sv_llhls *r)
{
    struct sv_llhls_watch *w, *nx;

    if (r == NULL)
        return;
    sv_llhls_release_all(r);
    for (w = r->watches; w != NULL; w = nx) {
        nx = w->next;
        close_watch(w);
    }
    free(r);
}
