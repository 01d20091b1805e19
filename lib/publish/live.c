/* live.c -- --live: follow a live package directory and push it as it grows
 *
 * Each round scans the directory, pushes new and changed media (all at
 * once, --jobs in flight), then the playlists (read once into memory, so
 * what is pushed is what was checked), each only once every local file it
 * names is confirmed on the target (a 2xx), then
 * removes what the live window dropped, but only while no playlist is
 * pending (an older playlist on the target may still name it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "core/time.h"
#include "model/filekind.h"
#include "publish/publish.h"
#include "publish/publish_int.h"

#define LIVE_MAX_PLAYLIST (4 * 1024 * 1024)
#define LIVE_MAX_FILES 100000
#define LIVE_BACKOFF_MAX_MS 8000
#define LIVE_DRAIN_MS 30000

struct entry {
    char *rel;
    int64_t size;
    struct timespec mtime;      /* of what is on the target */
    int pushed;                 /* the target has it (some version) */
    int current;                /* ... the version now in the directory */
    int seen;                   /* in this round's scan */
    int tries;
    int64_t not_before;
};

struct tgt {
    struct pub *p;
    struct sv_publish_stats st;
    struct entry *e;
    int n, cap;
    int pending;                /* files not current after the round */
    int failing;                /* in a streak of failures */
};

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct entry *
find(struct tgt *t, const char *rel)
{
    int i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->e[i].rel, rel) == 0)
            return &t->e[i];
    return NULL;
}

static struct entry *
get(struct tgt *t, const char *rel)
{
    struct entry *e = find(t, rel);

    if (e != NULL)
        return e;
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 256;
        void *np;

        if (cap > LIVE_MAX_FILES)
            return NULL;
        np = realloc(t->e, cap * sizeof(*t->e));
        if (np == NULL)
            return NULL;
        t->e = np;
        t->cap = cap;
    }
    e = &t->e[t->n];
    memset(e, 0, sizeof(*e));
    e->rel = strdup(rel);
    if (e->rel == NULL)
        return NULL;
    t->n++;
    return e;
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* A failed push: back off; the first failure of a streak is told. */
static void
push_failed(struct tgt *t, struct entry *e, const char *what,
            const char *err)
{
    e->tries++;
    e->not_before = mono_ms() +
        (250LL << (e->tries < 6 ? e->tries - 1 : 5) > LIVE_BACKOFF_MAX_MS ?
         LIVE_BACKOFF_MAX_MS : 250LL << (e->tries < 6 ? e->tries - 1 : 5));
    if (!t->failing)
        sv_log_warn("%s: cannot %s '%s': %s: trying again",
                    sv__pub_url(t->p), what, e->rel, err);
    t->failing = 1;
}

static void
push_ok(struct tgt *t, struct entry *e, const char *action, int64_t bytes)
{
    if (t->failing)
        sv_log_info("%s: the target answers again", sv__pub_url(t->p));
    t->failing = 0;
    e->tries = 0;
    e->not_before = 0;
    if (strcmp(action, "upload") == 0) {
        t->st.uploaded++;
        t->st.bytes += bytes;
    } else {
        t->st.deleted++;
    }
    sv_event_emit("publish.progress",
                  json_pack("{s:s,s:s,s:s,s:I,s:b}", "target",
                            sv__pub_url(t->p), "action", action,
                            "file", e->rel, "bytes", (json_int_t)bytes,
                            "live", 1));
}

/* Reads a playlist whole; 0 and *buf (malloc'ed) and its stat, or neg. */
static int
read_whole(const char *path, char **buf, size_t *len, struct stat *sb)
{
    char *b;
    ssize_t n;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (fstat(fd, sb) < 0 || sb->st_size > LIVE_MAX_PLAYLIST) {
        close(fd);
        return SV_ELIMIT;
    }
    b = malloc((size_t)sb->st_size + 1);
    if (b == NULL) {
        close(fd);
        return -ENOMEM;
    }
    while (got < (size_t)sb->st_size &&
           (n = read(fd, b + got, (size_t)sb->st_size - got)) > 0)
        got += (size_t)n;
    close(fd);
    b[got] = '\0';
    *buf = b;
    *len = got;
    return 0;
}

/*
 * Nonzero when every local file the playlist text names (URI lines,
 * URI="..." of EXT-X-MAP, EXT-X-PART and the like; not the preload hint,
 * which names what is not written yet, nor rendition reports) is current
 * on the target.
 */
static int
names_ready(struct tgt *t, const char *rel, const char *text,
            const struct sv_publish_files *fl)
{
    const char *p = text, *slash = strrchr(rel, '/');
    int dirlen = slash != NULL ? (int)(slash - rel) + 1 : 0;

    while (*p != '\0') {
        const char *eol = strchr(p, '\n'), *u = NULL, *ue = NULL;
        char name[PATH_MAX];
        struct entry *e;
        int i, local = 0;

        if (eol == NULL)
            eol = p + strlen(p);
        if (*p != '#' && eol > p) {
            u = p;
            ue = eol;
            while (ue > u && (ue[-1] == '\r' || ue[-1] == ' '))
                ue--;
        } else if (strncmp(p, "#EXT-X-PRELOAD-HINT", 19) != 0 &&
                   strncmp(p, "#EXT-X-RENDITION-REPORT", 23) != 0) {
            const char *q = strstr(p, "URI=\"");

            if (q != NULL && q < eol) {
                u = q + 5;
                ue = memchr(u, '"', eol - u);
            }
        }
        if (u != NULL && ue != NULL && ue > u && memchr(u, ':', ue - u) ==
            NULL && *u != '/' && (ue - u) + dirlen < (int)sizeof(name)) {
            const char *qm = memchr(u, '?', ue - u);

            if (qm != NULL)
                ue = qm;
            snprintf(name, sizeof(name), "%.*s%.*s", dirlen, rel,
                     (int)(ue - u), u);
            for (i = 0; i < fl->n; i++)
                if (strcmp(fl->f[i].rel, name) == 0) {
                    local = 1;
                    break;
                }
            e = find(t, name);
            if (local && (e == NULL || !e->current))
                return 0;
        }
        p = *eol != '\0' ? eol + 1 : eol;
    }
    return 1;
}

/* A retry inside a batch: the first of a streak is told. */
static void
on_retry(void *ud, const char *rel, const char *err)
{
    struct tgt *t = ud;

    if (!t->failing)
        sv_log_warn("%s: cannot push '%s': %s: trying again",
                    sv__pub_url(t->p), rel, err);
    t->failing = 1;
}

/* Sends a batch and books its outcome; returns how many went. */
static int
push_batch(struct tgt *t, struct sv__pub_item *it, struct entry **es, int n,
           int64_t now_wall, int64_t *lag_ms)
{
    int k, pushed = 0;

    if (n == 0)
        return 0;
    sv__pub_put_many(t->p, it, n, on_retry, t);
    for (k = 0; k < n; k++) {
        struct entry *e = es[k];
        int64_t l;

        if (it[k].rc < 0) {
            push_failed(t, e, "push", it[k].err);
            continue;
        }
        e->pushed = 1;
        e->current = 1;
        e->size = it[k].sb.st_size;
        e->mtime = it[k].sb.st_mtim;
        push_ok(t, e, "upload", it[k].sb.st_size);
        pushed++;
        l = now_wall - ((int64_t)it[k].sb.st_mtim.tv_sec * 1000 +
                        it[k].sb.st_mtim.tv_nsec / 1000000);
        if (l > *lag_ms)
            *lag_ms = l;
    }
    return pushed;
}

/*
 * One round for one target; returns how many files were pushed.  All new
 * media goes in one batch, --jobs at a time; then the playlists whose
 * names are all on the target, in a batch; then those that named one of
 * these (a master naming media playlists), and so on.
 */
static int
round_one(struct tgt *t, const struct sv_publish_files *fl, int64_t *lag_ms)
{
    char err[2048];
    int i, k, n, pass, pushed = 0, playlists_pending = 0;
    int64_t now_wall = sv_time_now_ms();
    struct sv__pub_item *it;
    struct entry **es;
    struct stat sb;

    for (i = 0; i < t->n; i++)
        t->e[i].seen = 0;
    for (i = 0; i < fl->n; i++) {
        struct entry *e = get(t, fl->f[i].rel);

        if (e == NULL)
            continue;
        e->seen = 1;
        if (stat(fl->f[i].path, &sb) < 0)
            continue;
        if (e->pushed && e->size == sb.st_size &&
            same_time(&e->mtime, &sb.st_mtim))
            e->current = 1;
        else
            e->current = 0;
    }
    it = calloc(fl->n + 1, sizeof(*it));
    es = calloc(fl->n + 1, sizeof(*es));
    if (it == NULL || es == NULL) {
        free(it);
        free(es);
        return 0;
    }
    /* media */
    n = 0;
    for (i = 0; i < fl->n; i++) {
        const struct sv_publish_file *f = &fl->f[i];
        struct entry *e = find(t, f->rel);

        if (e == NULL || e->current || f->rank != 0 ||
            e->not_before > mono_ms())
            continue;
        it[n].rel = f->rel;
        it[n].path = f->path;
        es[n++] = e;
    }
    pushed += push_batch(t, it, es, n, now_wall, lag_ms);
    /* playlists and manifests: media that failed holds them back */
    for (pass = 0; pass < 4; pass++) {
        int went;

        memset(it, 0, (fl->n + 1) * sizeof(*it));
        n = 0;
        for (i = 0; i < fl->n; i++) {
            const struct sv_publish_file *f = &fl->f[i];
            struct entry *e = find(t, f->rel);
            char *buf = NULL;
            size_t len = 0;

            if (e == NULL || e->current || f->rank != 1 ||
                e->not_before > mono_ms())
                continue;
            if (read_whole(f->path, &buf, &len, &it[n].sb) < 0)
                continue;
            if (strcmp(sv_filekind_ext(f->rel), "m3u8") == 0 &&
                !names_ready(t, f->rel, buf, fl)) {
                free(buf);
                continue;
            }
            it[n].rel = f->rel;
            it[n].path = f->path;
            it[n].body = buf;
            it[n].len = len;
            es[n++] = e;
        }
        went = push_batch(t, it, es, n, now_wall, lag_ms);
        for (k = 0; k < n; k++)
            free((void *)it[k].body);
        pushed += went;
        if (went == 0)
            break;
    }
    free(it);
    free(es);
    for (i = 0; i < fl->n; i++) {
        struct entry *e = find(t, fl->f[i].rel);

        if (e != NULL && !e->current && fl->f[i].rank == 1)
            playlists_pending++;
    }
    /* the window: what left the directory, once no playlist names it */
    if (playlists_pending == 0) {
        for (i = 0; i < t->n; i++) {
            struct entry *e = &t->e[i];

            if (e->seen || !e->pushed || e->not_before > mono_ms())
                continue;
            if (sv__pub_delete(t->p, e->rel, err, sizeof(err)) < 0) {
                push_failed(t, e, "remove", err);
                continue;
            }
            push_ok(t, e, "delete", 0);
            e->pushed = 0;
        }
    }
    t->pending = 0;
    for (i = 0; i < fl->n; i++) {
        struct entry *e = find(t, fl->f[i].rel);

        if (e != NULL && !e->current)
            t->pending++;
    }
    for (i = 0; i < t->n; i++)
        if (!t->e[i].seen && t->e[i].pushed)
            t->pending++;
    return pushed;
}

/* Nonzero when the writer is done: every manifest says it ended. */
static int
writer_done(const struct sv_publish_files *fl)
{
    int i, manifests = 0;

    for (i = 0; i < fl->n; i++) {
        const char *ext = sv_filekind_ext(fl->f[i].rel);
        struct stat sb;
        char *buf = NULL;
        size_t len;
        int fin;

        if (strcmp(ext, "m3u8") != 0 && strcmp(ext, "mpd") != 0)
            continue;
        if (read_whole(fl->f[i].path, &buf, &len, &sb) < 0)
            return 0;
        /* a master playlist never ends: only media playlists count */
        if (strcmp(ext, "m3u8") == 0 &&
            strstr(buf, "#EXT-X-TARGETDURATION") == NULL) {
            free(buf);
            continue;
        }
        fin = strcmp(ext, "m3u8") == 0 ?
            strstr(buf, "#EXT-X-ENDLIST") != NULL :
            strstr(buf, "type=\"dynamic\"") == NULL;
        free(buf);
        if (!fin)
            return 0;
        manifests++;
    }
    return manifests > 0;
}

int
sv_publish_live(const struct sv_publish_conf *c, const char *const *targets,
                int ntargets, const char *dir, int64_t poll_us, char *err,
                size_t size)
{
    struct tgt *t;
    int i, j, rc = 0, failed = 0;
    int64_t drain_from = -1;
    int done_seen = 0;

    t = calloc(ntargets, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    for (i = 0; i < ntargets; i++) {
        t[i].p = sv__pub_open(c, targets[i], &t[i].st, err, size);
        if (t[i].p == NULL) {
            rc = SV_EUSAGE;
            goto out;
        }
    }
    for (;;) {
        struct sv_publish_files fl = { NULL, 0 };
        char *paths[1] = { (char *)dir };
        char serr[1024];
        int pending = 0, pushed = 0, done;

        if (sv_publish_scan(paths, 1, &fl, serr, sizeof(serr)) < 0) {
            sv_log_debug("%s", serr);   /* a writer's rename: next round */
        } else {
            for (i = 0; i < ntargets; i++) {
                int64_t lag = -1;

                int n = round_one(&t[i], &fl, &lag);

                pushed += n;
                if (n > 0 && lag >= 0)
                    sv_event_emit("publish.lag",
                                  json_pack("{s:s,s:I,s:i}", "target",
                                            sv__pub_url(t[i].p), "lag_ms",
                                            (json_int_t)lag, "pending",
                                            t[i].pending));
                pending += t[i].pending;
            }
        }
        done = fl.n > 0 && writer_done(&fl);
        sv_publish_files_free(&fl);
        if (sv_sig_stop)
            break;
        /* the end was read after this round's pushes: one more round,
         * that finds nothing new, makes sure the last versions went */
        if (done && pending == 0 && pushed == 0 && done_seen)
            break;
        done_seen = done;
        if (done && drain_from < 0)
            drain_from = mono_ms();
        if (drain_from >= 0 && mono_ms() - drain_from > LIVE_DRAIN_MS)
            break;
        {
            struct timespec ts = { poll_us / 1000000,
                                   (poll_us % 1000000) * 1000 };

            nanosleep(&ts, NULL);
        }
    }
    for (i = 0; i < ntargets; i++) {
        t[i].st.failed = t[i].pending;
        if (t[i].pending > 0) {
            sv_log_error("%s: %d files not pushed", sv__pub_url(t[i].p),
                         t[i].pending);
            failed++;
        }
        sv_event_emit("publish.complete",
                      json_pack("{s:s,s:i,s:i,s:i,s:i,s:I,s:b}", "target",
                                sv__pub_url(t[i].p), "uploaded",
                                t[i].st.uploaded, "skipped", 0, "deleted",
                                t[i].st.deleted, "failed", t[i].st.failed,
                                "bytes", (json_int_t)t[i].st.bytes,
                                "dry_run", 0));
    }
    rc = failed == 0 ? 0 : failed == ntargets ? SV_EPROTO : 1;
    if (failed > 0)
        snprintf(err, size, "%d of %d targets are behind", failed, ntargets);
out:
    for (i = 0; i < ntargets; i++) {
        for (j = 0; j < t[i].n; j++)
            free(t[i].e[j].rel);
        free(t[i].e);
        sv__pub_close(t[i].p);
    }
    free(t);
    return rc;
}
