/* agg.c -- counters, tables, series and sessions of `sv-stats logs` */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "stats/promtext.h"
#include "stats/stats_int.h"

#define HLL_P 14                /* 16384 registers: 0.81% standard error */
#define GROUP_HLL_P 10          /* per group: 3.25% */
#define MAX_BUCKETS 1000000

struct counters {
    uint64_t lines, bad, requests, bytes, beacons, status[6];
    uint64_t cache_hit, cache_miss, media, stalls, br_n;
    double br_sum;
};

/* a string-keyed table: open addressing, bounded; the rest is "(other)" */
struct tally_ent {
    char *key;
    uint64_t requests, bytes;
    struct sv_hll hll;          /* viewers (groups only) */
};

struct tally {
    struct tally_ent *e;
    size_t cap, n, max;
    int hll;
    struct tally_ent other;
};

struct bucket {
    uint64_t requests, bytes, viewers, stalls, br_n;
    double br_sum;
};

struct qoe_sum {
    uint64_t sessions, failed, failures, startup_n, br_n, switches;
    double startup_sum, rebuf_sum, br_sum, score_sum;
};

struct sv_agg {
    struct sv_agg_conf c;
    struct counters all, win;
    struct sv_hll viewers, win_viewers;
    struct tally paths, titles, rends, groups;
    struct bucket *b;
    int64_t base;               /* bucket index of b[0] */
    size_t nb;
    struct sv__sessions sess;
    uint64_t sessions_total;
    struct qoe_sum q;
    json_t *list;               /* finished sessions (list_sessions) */
    int64_t top_kbps, first_ms, last_ms, win_start, win_n;
};

/* ---- tables ---- */

static int
tally_init(struct tally *t, size_t max, int hll)
{
    memset(t, 0, sizeof(*t));
    t->cap = 64;
    t->max = max;
    t->hll = hll;
    t->e = calloc(t->cap, sizeof(*t->e));
    if (t->e == NULL)
        return -ENOMEM;
    if (hll && sv_hll_init(&t->other.hll, GROUP_HLL_P) < 0)
        return -ENOMEM;
    return 0;
}

static void
tally_release(struct tally *t)
{
    size_t i;

    for (i = 0; i < t->cap; i++)
        if (t->e[i].key != NULL) {
            free(t->e[i].key);
            sv_hll_release(&t->e[i].hll);
        }
    free(t->e);
    sv_hll_release(&t->other.hll);
}

static int
tally_grow(struct tally *t)
{
    struct tally_ent *e;
    size_t i, j, cap = t->cap * 2;

    e = calloc(cap, sizeof(*e));
    if (e == NULL)
        return -ENOMEM;
    for (i = 0; i < t->cap; i++) {
        if (t->e[i].key == NULL)
            continue;
        j = sv_hll_hash(t->e[i].key, strlen(t->e[i].key)) & (cap - 1);
        while (e[j].key != NULL)
            j = (j + 1) & (cap - 1);
        e[j] = t->e[i];
    }
    free(t->e);
    t->e = e;
    t->cap = cap;
    return 0;
}

static struct tally_ent *
tally_get(struct tally *t, const char *key)
{
    size_t j;

    j = sv_hll_hash(key, strlen(key)) & (t->cap - 1);
    while (t->e[j].key != NULL) {
        if (strcmp(t->e[j].key, key) == 0)
            return &t->e[j];
        j = (j + 1) & (t->cap - 1);
    }
    if (t->n >= t->max)
        return &t->other;
    if ((t->n + 1) * 2 > t->cap) {
        if (tally_grow(t) < 0)
            return &t->other;
        return tally_get(t, key);
    }
    t->e[j].key = strdup(key);
    if (t->e[j].key == NULL)
        return &t->other;
    if (t->hll && sv_hll_init(&t->e[j].hll, GROUP_HLL_P) < 0) {
        free(t->e[j].key);
        t->e[j].key = NULL;
        return &t->other;
    }
    t->n++;
    return &t->e[j];
}

static int
by_requests(const void *a, const void *b)
{
    const struct tally_ent *x = *(struct tally_ent *const *)a;
    const struct tally_ent *y = *(struct tally_ent *const *)b;

    if (x->requests != y->requests)
        return x->requests < y->requests ? 1 : -1;
    return strcmp(x->key, y->key);
}

static int
by_key(const void *a, const void *b)
{
    return strcmp((*(struct tally_ent *const *)a)->key,
                  (*(struct tally_ent *const *)b)->key);
}

/* the entries, sorted; *n of them; caller frees the array */
static struct tally_ent **
tally_sorted(struct tally *t, int keyed, size_t *n)
{
    struct tally_ent **v;
    size_t i, k = 0;

    v = calloc(t->n + 1, sizeof(*v));
    if (v == NULL)
        return NULL;
    for (i = 0; i < t->cap; i++)
        if (t->e[i].key != NULL)
            v[k++] = &t->e[i];
    qsort(v, k, sizeof(*v), keyed ? by_key : by_requests);
    *n = k;
    return v;
}

/* ---- paths ---- */

static int
has_ext(const char *name, const char *const *exts)
{
    const char *dot = strrchr(name, '.');
    size_t i;

    if (dot == NULL)
        return 0;
    for (i = 0; exts[i] != NULL; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return 1;
    return 0;
}

static void
put(char *dst, size_t size, const char *s, size_t n)
{
    if (size == 0)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

int
sv_agg_classify(const char *path, const char *cid, int64_t br,
                char *title, size_t tsize, char *rend, size_t rsize)
{
    static const char *const media[] = {
        "m4s", "ts", "mp4", "m4a", "m4v", "aac", "vtt", "cmfv", "cmfa",
        "webm", "mp3", NULL,
    };
    static const char *const lists[] = { "m3u8", "mpd", NULL };
    const char *name, *dir, *pdir;
    size_t dlen;
    int kind = SV_AGG_OTHER;

    title[0] = rend[0] = '\0';
    name = strrchr(path, '/');
    name = name != NULL ? name + 1 : path;
    dir = path;
    dlen = (size_t)(name - path);
    if (dlen > 1)
        dlen--;                 /* without the trailing slash */
    if (has_ext(name, media))
        kind = SV_AGG_MEDIA;
    else if (has_ext(name, lists))
        kind = SV_AGG_PLAYLIST;
    if (kind == SV_AGG_MEDIA) {
        /* <title>/<rendition>/seg-N.m4s, with two directories at least */
        pdir = NULL;
        if (dlen > 1)
            pdir = memrchr(dir, '/', dlen);
        if (pdir != NULL && pdir > dir) {
            put(rend, rsize, pdir + 1, (size_t)(dir + dlen - pdir - 1));
            dlen = (size_t)(pdir - dir);
        } else if (br >= 0) {
            snprintf(rend, rsize, "%lldk", (long long)br);
        }
    } else if (kind == SV_AGG_PLAYLIST) {
        /* <title>/<rendition>.m3u8 beside master.m3u8 */
        if (strcmp(name, "master.m3u8") != 0 &&
            strcmp(name, "index.m3u8") != 0 && has_ext(name, lists + 0) &&
            strcasecmp(strrchr(name, '.'), ".m3u8") == 0)
            put(rend, rsize, name, (size_t)(strrchr(name, '.') - name));
    }
    if (cid != NULL && cid[0] != '\0')
        put(title, tsize, cid, strlen(cid));
    else if (kind != SV_AGG_OTHER)
        put(title, tsize, dir, dlen);
    return kind;
}

int
sv_agg_by_parse(const char *w)
{
    static const char *const names[] = {
        "none", "title", "rendition", "country", "hour", NULL,
    };
    int i;

    for (i = 0; names[i] != NULL; i++)
        if (strcmp(w, names[i]) == 0)
            return i;
    return SV_EUSAGE;
}

/* ---- the aggregate ---- */

int
sv_agg_new(const struct sv_agg_conf *conf, struct sv_agg **out)
{
    struct sv_agg *a;

    if (conf->interval_ms <= 0)
        return SV_EUSAGE;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return -ENOMEM;
    a->c = *conf;
    a->first_ms = INT64_MAX;
    a->last_ms = INT64_MIN;
    a->win_start = INT64_MIN;
    if (sv_hll_init(&a->viewers, HLL_P) < 0 ||
        sv_hll_init(&a->win_viewers, HLL_P) < 0 ||
        tally_init(&a->paths, conf->max_keys, 0) < 0 ||
        tally_init(&a->titles, conf->max_keys, 0) < 0 ||
        tally_init(&a->rends, conf->max_keys, 0) < 0 ||
        tally_init(&a->groups, conf->max_keys, 1) < 0 ||
        sv__sessions_init(&a->sess, conf->max_sessions) < 0 ||
        (a->list = json_array()) == NULL) {
        sv_agg_free(a);
        return -ENOMEM;
    }
    *out = a;
    return 0;
}

void
sv_agg_free(struct sv_agg *a)
{
    if (a == NULL)
        return;
    sv_hll_release(&a->viewers);
    sv_hll_release(&a->win_viewers);
    if (a->paths.e != NULL)
        tally_release(&a->paths);
    if (a->titles.e != NULL)
        tally_release(&a->titles);
    if (a->rends.e != NULL)
        tally_release(&a->rends);
    if (a->groups.e != NULL)
        tally_release(&a->groups);
    if (a->sess.slot != NULL)
        sv__sessions_release(&a->sess);
    json_decref(a->list);
    free(a->b);
    free(a);
}

void
sv_agg_bad_line(struct sv_agg *a)
{
    a->all.lines++;
    a->all.bad++;
    a->win.lines++;
    a->win.bad++;
}

static struct bucket *
bucket_of(struct sv_agg *a, int64_t ts)
{
    int64_t i = ts / a->c.interval_ms;
    struct bucket *nb;
    size_t need, shift;

    if (ts < 0)
        return NULL;
    if (a->nb == 0)
        a->base = i;
    if (i < a->base) {
        shift = (size_t)(a->base - i);
        if (a->nb + shift > MAX_BUCKETS)
            return NULL;
        nb = realloc(a->b, (a->nb + shift) * sizeof(*nb));
        if (nb == NULL)
            return NULL;
        memmove(nb + shift, nb, a->nb * sizeof(*nb));
        memset(nb, 0, shift * sizeof(*nb));
        a->b = nb;
        a->nb += shift;
        a->base = i;
    }
    need = (size_t)(i - a->base) + 1;
    if (need > a->nb) {
        if (need > MAX_BUCKETS)
            return NULL;
        nb = realloc(a->b, need * sizeof(*nb));
        if (nb == NULL)
            return NULL;
        memset(nb + a->nb, 0, (need - a->nb) * sizeof(*nb));
        a->b = nb;
        a->nb = need;
    }
    return &a->b[i - a->base];
}

static void
iso(int64_t ms, char *buf)
{
    sv_time_iso8601(ms, 0, buf, SV_TIME_ISO_MAX);
}

static double
round3(double x)
{
    return (double)(int64_t)(x * 1000.0 + (x < 0 ? -0.5 : 0.5)) / 1000.0;
}

/* the session leaves the table: its QoE goes into the sums (and list) */
static void
finish(struct sv_agg *a, struct sv__session *s)
{
    struct sv_qoe_in in;
    struct sv_qoe q;
    char t0[SV_TIME_ISO_MAX], t1[SV_TIME_ISO_MAX];

    sv__session_qoe(s, a->top_kbps, &in, &q);
    a->q.sessions++;
    a->q.failed += (uint64_t)in.failed;
    a->q.failures += in.failures;
    a->q.switches += in.switches;
    if (in.startup_ms >= 0) {
        a->q.startup_n++;
        a->q.startup_sum += (double)in.startup_ms;
    }
    if (in.bitrate_kbps >= 0) {
        a->q.br_n++;
        a->q.br_sum += in.bitrate_kbps;
    }
    a->q.rebuf_sum += q.rebuffer_ratio;
    a->q.score_sum += q.score;
    if (a->c.list_sessions && json_array_size(a->list) < a->c.max_keys) {
        iso(s->first_ms, t0);
        iso(s->last_ms, t1);
        json_array_append_new(a->list, json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:f, s:o,"
            " s:I, s:I, s:b, s:f}",
            "id", s->id, "title", s->title, "start", t0, "end", t1,
            "requests", (json_int_t)s->requests,
            "bytes", (json_int_t)s->bytes,
            "beacons", (json_int_t)s->beacons,
            "startup_ms", in.startup_ms >= 0 ?
                json_integer(in.startup_ms) : json_null(),
            "played_ms", json_integer(in.played_ms),
            "rebuffer_ratio", round3(q.rebuffer_ratio),
            "bitrate_kbps", in.bitrate_kbps >= 0 ?
                json_real(round3(in.bitrate_kbps)) : json_null(),
            "switches", (json_int_t)in.switches,
            "failures", (json_int_t)in.failures,
            "failed", in.failed,
            "score", round3(q.score)));
    }
    sv__sessions_remove(&a->sess, s);
}

static uint64_t
session_key(const struct sv_logrec *r, char *id, size_t size)
{
    char buf[640];
    uint64_t h;
    int n;

    if (r->sid[0] != '\0') {
        n = snprintf(buf, sizeof(buf), "s:%s", r->sid);
        put(id, size, r->sid, strlen(r->sid));
        return sv_hll_hash(buf, (size_t)n);
    }
    n = snprintf(buf, sizeof(buf), "a:%s%c%s", r->addr, 0, r->ua);
    h = sv_hll_hash(buf, (size_t)n < sizeof(buf) ? (size_t)n :
                    sizeof(buf) - 1);
    snprintf(id, size, "a:%016llx", (unsigned long long)h);
    return h;
}

static struct sv__session *
session_of(struct sv_agg *a, const struct sv_logrec *r, int create)
{
    struct sv__session *s;
    char id[64];
    uint64_t key = session_key(r, id, sizeof(id));

    s = sv__sessions_find(&a->sess, key);
    if (s != NULL && !s->by_sid && s->requests > 0 &&
        r->ts_ms - s->last_ms > a->c.session_timeout_ms) {
        finish(a, s);
        s = NULL;
    }
    if (s != NULL || !create)
        return s;
    s = sv__sessions_add(&a->sess, key);
    if (s == NULL)
        return NULL;
    put(s->id, sizeof(s->id), id, strlen(id));
    s->by_sid = r->sid[0] != '\0';
    a->sessions_total++;
    return s;
}

static void
count(struct counters *c, const struct sv_logrec *r, int media)
{
    c->requests++;
    c->bytes += (uint64_t)r->bytes;
    c->status[r->status / 100 <= 5 ? r->status / 100 : 0]++;
    if (r->cache == 1)
        c->cache_hit++;
    else if (r->cache == 0)
        c->cache_miss++;
    if (media)
        c->media++;
    if (r->bs)
        c->stalls++;
    if (media && r->br >= 0) {
        c->br_n++;
        c->br_sum += (double)r->br;
    }
}

static const char *
group_key(struct sv_agg *a, const struct sv_logrec *r, const char *title,
          const char *rend, char *buf, size_t size)
{
    switch (a->c.group_by) {
    case SV_AGG_BY_TITLE:
        return title[0] != '\0' ? title : "-";
    case SV_AGG_BY_RENDITION:
        return rend[0] != '\0' ? rend : "-";
    case SV_AGG_BY_COUNTRY:
        return r->country[0] != '\0' ? r->country : "-";
    case SV_AGG_BY_HOUR:
        snprintf(buf, size, "%02d", (int)((r->ts_ms / 3600000) % 24));
        return buf;
    }
    return NULL;
}

int
sv_agg_add(struct sv_agg *a, const struct sv_logrec *r)
{
    char title[256], rend[128], gbuf[8], vk[640];
    struct sv__session *s;
    struct tally_ent *e;
    struct bucket *b;
    const char *g;
    uint64_t vh;
    int kind, n;

    a->all.lines++;
    a->win.lines++;
    if (r->kind != SV_LOGLINE_REQUEST && r->kind != SV_LOGLINE_BEACON)
        return 0;
    if (r->ts_ms < a->c.since_ms || r->ts_ms >= a->c.until_ms)
        return 0;
    if (r->ts_ms < a->first_ms)
        a->first_ms = r->ts_ms;
    if (r->ts_ms > a->last_ms)
        a->last_ms = r->ts_ms;
    if (r->kind == SV_LOGLINE_BEACON) {
        a->all.beacons++;
        a->win.beacons++;
        s = session_of(a, r, 1);
        if (s != NULL)
            sv__session_beacon(s, r);
        b = bucket_of(a, r->ts_ms);
        if (b != NULL && r->stall_ms >= 0)
            b->stalls++;
        if (r->stall_ms >= 0) {
            a->all.stalls++;
            a->win.stalls++;
        }
        return 0;
    }
    kind = sv_agg_classify(r->path, r->cid, r->br, title, sizeof(title),
                           rend, sizeof(rend));
    count(&a->all, r, kind == SV_AGG_MEDIA);
    count(&a->win, r, kind == SV_AGG_MEDIA);
    if (r->br > a->top_kbps)
        a->top_kbps = r->br;
    n = snprintf(vk, sizeof(vk), "%s%c%s", r->addr, 0, r->ua);
    vh = sv_hll_hash(vk, (size_t)n < sizeof(vk) ? (size_t)n : sizeof(vk) - 1);
    sv_hll_add_hash(&a->viewers, vh);
    sv_hll_add_hash(&a->win_viewers, vh);
    e = tally_get(&a->paths, r->path);
    e->requests++;
    e->bytes += (uint64_t)r->bytes;
    if (kind == SV_AGG_MEDIA) {
        e = tally_get(&a->titles, title[0] != '\0' ? title : "-");
        e->requests++;
        e->bytes += (uint64_t)r->bytes;
        e = tally_get(&a->rends, rend[0] != '\0' ? rend : "-");
        e->requests++;
        e->bytes += (uint64_t)r->bytes;
    }
    g = group_key(a, r, title, rend, gbuf, sizeof(gbuf));
    if (g != NULL) {
        e = tally_get(&a->groups, g);
        e->requests++;
        e->bytes += (uint64_t)r->bytes;
        sv_hll_add_hash(&e->hll, vh);
    }
    /* a playlist or a segment starts a session; others join one */
    s = session_of(a, r, kind != SV_AGG_OTHER);
    if (s != NULL) {
        sv__session_request(s, r, kind == SV_AGG_MEDIA);
        if (s->title[0] == '\0' && kind == SV_AGG_MEDIA)
            put(s->title, sizeof(s->title), title, strlen(title));
    }
    b = bucket_of(a, r->ts_ms);
    if (b != NULL) {
        b->requests++;
        b->bytes += (uint64_t)r->bytes;
        if (r->bs)
            b->stalls++;
        if (kind == SV_AGG_MEDIA && r->br >= 0) {
            b->br_n++;
            b->br_sum += (double)r->br;
        }
        if (s != NULL && s->bucket != r->ts_ms / a->c.interval_ms) {
            s->bucket = r->ts_ms / a->c.interval_ms;
            b->viewers++;
        }
    }
    if (s != NULL)
        s->win = a->win_n;      /* seen in this --follow window */
    return 0;
}

/* ---- output ---- */

static json_t *
status_json(const struct counters *c)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}",
                     "1xx", (json_int_t)c->status[1],
                     "2xx", (json_int_t)c->status[2],
                     "3xx", (json_int_t)c->status[3],
                     "4xx", (json_int_t)c->status[4],
                     "5xx", (json_int_t)c->status[5]);
}

static json_t *
cache_json(const struct counters *c)
{
    uint64_t n = c->cache_hit + c->cache_miss;

    if (n == 0)
        return json_null();
    return json_pack("{s:I, s:I, s:f}", "hits", (json_int_t)c->cache_hit,
                     "misses", (json_int_t)c->cache_miss,
                     "ratio", round3((double)c->cache_hit / (double)n));
}

static json_t *
share_json(struct tally *t, uint64_t total, size_t most)
{
    struct tally_ent **v;
    json_t *arr = json_array();
    size_t i, n = 0;

    v = tally_sorted(t, 0, &n);
    for (i = 0; v != NULL && i < n && i < most; i++)
        json_array_append_new(arr, json_pack(
            "{s:s, s:I, s:I, s:f}", "name", v[i]->key,
            "requests", (json_int_t)v[i]->requests,
            "bytes", (json_int_t)v[i]->bytes,
            "share", total > 0 ?
                round3((double)v[i]->requests / (double)total) : 0.0));
    if (t->other.requests > 0)
        json_array_append_new(arr, json_pack(
            "{s:s, s:I, s:I, s:f}", "name", "(other)",
            "requests", (json_int_t)t->other.requests,
            "bytes", (json_int_t)t->other.bytes,
            "share", total > 0 ?
                round3((double)t->other.requests / (double)total) : 0.0));
    free(v);
    return arr;
}

static json_t *
groups_json(struct sv_agg *a)
{
    static const char *const names[] = {
        "none", "title", "rendition", "country", "hour",
    };
    struct tally_ent **v;
    json_t *rows = json_array();
    size_t i, n = 0;

    v = tally_sorted(&a->groups, a->c.group_by == SV_AGG_BY_HOUR, &n);
    for (i = 0; v != NULL && i < n; i++)
        json_array_append_new(rows, json_pack(
            "{s:s, s:I, s:I, s:I, s:f}", "key", v[i]->key,
            "requests", (json_int_t)v[i]->requests,
            "bytes", (json_int_t)v[i]->bytes,
            "viewers", (json_int_t)(sv_hll_count(&v[i]->hll) + 0.5),
            "share", a->all.requests > 0 ? round3((double)v[i]->requests /
                                                  (double)a->all.requests)
                                         : 0.0));
    free(v);
    return json_pack("{s:s, s:o}", "by", names[a->c.group_by], "rows", rows);
}

static json_t *
series_json(struct sv_agg *a, uint64_t *peak)
{
    char t[SV_TIME_ISO_MAX];
    json_t *arr = json_array();
    size_t i;

    *peak = 0;
    for (i = 0; i < a->nb; i++) {
        struct bucket *b = &a->b[i];
        iso(((int64_t)i + a->base) * a->c.interval_ms, t);
        if (b->viewers > *peak)
            *peak = b->viewers;
        json_array_append_new(arr, json_pack(
            "{s:s, s:I, s:I, s:I, s:o, s:I}", "t", t,
            "requests", (json_int_t)b->requests,
            "bytes", (json_int_t)b->bytes,
            "viewers", (json_int_t)b->viewers,
            "bitrate", b->br_n > 0 ?
                json_real(round3(b->br_sum / (double)b->br_n)) : json_null(),
            "rebuffer", (json_int_t)b->stalls));
    }
    return arr;
}

static json_t *
mean_or_null(double sum, uint64_t n)
{
    return n > 0 ? json_real(round3(sum / (double)n)) : json_null();
}

static json_t *
qoe_json(struct sv_agg *a)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:I}",
                     "sessions", (json_int_t)a->q.sessions,
                     "startup_ms", mean_or_null(a->q.startup_sum,
                                                a->q.startup_n),
                     "rebuffer_ratio", mean_or_null(a->q.rebuf_sum,
                                                    a->q.sessions),
                     "bitrate_kbps", mean_or_null(a->q.br_sum, a->q.br_n),
                     "score", mean_or_null(a->q.score_sum, a->q.sessions),
                     "switches", (json_int_t)a->q.switches,
                     "failures", (json_int_t)a->q.failures,
                     "failed_sessions", (json_int_t)a->q.failed);
}

static void
finish_all(struct sv_agg *a)
{
    struct sv__session *s;
    size_t i;

    for (i = 0; i < a->sess.nslot; i++)
        while ((s = a->sess.slot[i]) != NULL)
            finish(a, s);
}

static int
by_start(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int c = strcmp(json_string_value(json_object_get(a, "start")),
                   json_string_value(json_object_get(b, "start")));

    return c != 0 ? c : strcmp(json_string_value(json_object_get(a, "id")),
                               json_string_value(json_object_get(b, "id")));
}

/* the finished sessions by start time (they finish in any order) */
static void
sort_list(json_t *list)
{
    size_t i, n = json_array_size(list);
    json_t **v;

    v = calloc(n + 1, sizeof(*v));
    if (v == NULL)
        return;
    for (i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(list, i));
    qsort(v, n, sizeof(*v), by_start);
    json_array_clear(list);
    for (i = 0; i < n; i++)
        json_array_append_new(list, v[i]);
    free(v);
}

json_t *
sv_agg_report(struct sv_agg *a)
{
    char t0[SV_TIME_ISO_MAX] = "", t1[SV_TIME_ISO_MAX] = "";
    struct tally_ent **v;
    json_t *top, *root, *series;
    uint64_t peak;
    size_t i, n = 0;

    finish_all(a);
    if (a->last_ms >= a->first_ms) {
        iso(a->first_ms, t0);
        iso(a->last_ms, t1);
    }
    top = json_array();
    v = tally_sorted(&a->paths, 0, &n);
    for (i = 0; v != NULL && i < n && i < a->c.top; i++)
        json_array_append_new(top, json_pack(
            "{s:s, s:I, s:I}", "path", v[i]->key,
            "requests", (json_int_t)v[i]->requests,
            "bytes", (json_int_t)v[i]->bytes));
    free(v);
    series = series_json(a, &peak);
    root = json_pack(
        "{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o,"
        " s:{s:I, s:f, s:s},"
        " s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
        "from", t0[0] ? json_string(t0) : json_null(),
        "to", t1[0] ? json_string(t1) : json_null(),
        "lines", (json_int_t)a->all.lines,
        "skipped", (json_int_t)a->all.bad,
        "requests", (json_int_t)a->all.requests,
        "bytes", (json_int_t)a->all.bytes,
        "beacons", (json_int_t)a->all.beacons,
        "status", status_json(&a->all),
        "viewers", "unique", (json_int_t)(sv_hll_count(&a->viewers) + 0.5),
        "error", sv_hll_error(&a->viewers),
        "method", "hyperloglog p=14, address and user agent",
        "sessions", "count", (json_int_t)a->sessions_total,
        "peak_concurrent", (json_int_t)peak,
        "untracked", (json_int_t)a->sess.dropped,
        "timeout_ms", (json_int_t)a->c.session_timeout_ms,
        "cache", cache_json(&a->all),
        "titles", share_json(&a->titles, a->all.media, a->c.max_keys),
        "renditions", share_json(&a->rends, a->all.media, a->c.max_keys),
        "top", top,
        "qoe", qoe_json(a),
        "interval_ms", (json_int_t)a->c.interval_ms,
        "series", series);
    if (root == NULL)
        return NULL;
    if (a->c.group_by != SV_AGG_BY_NONE)
        json_object_set_new(root, "groups", groups_json(a));
    if (a->c.list_sessions) {
        sort_list(a->list);
        json_object_set(root, "session_list", a->list);
    }
    return root;
}

json_t *
sv_agg_window(struct sv_agg *a, int64_t now_ms)
{
    char t0[SV_TIME_ISO_MAX], t1[SV_TIME_ISO_MAX];
    struct sv__session *s, *next;
    uint64_t active = 0;
    json_t *w;
    size_t i;

    if (a->win_start == INT64_MIN)
        a->win_start = now_ms;
    iso(a->win_start, t0);
    iso(now_ms, t1);
    /* sessions seen in this window; those idle past the timeout go */
    for (i = 0; i < a->sess.nslot; i++)
        for (s = a->sess.slot[i]; s != NULL; s = next) {
            next = s->next;
            if (s->win == a->win_n)
                active++;
            if (a->last_ms - s->last_ms > a->c.session_timeout_ms)
                finish(a, s);
        }
    w = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I,"
                  " s:o, s:I, s:o}",
                  "t", t0, "end", t1,
                  "lines", (json_int_t)a->win.lines,
                  "skipped", (json_int_t)a->win.bad,
                  "requests", (json_int_t)a->win.requests,
                  "bytes", (json_int_t)a->win.bytes,
                  "beacons", (json_int_t)a->win.beacons,
                  "status", status_json(&a->win),
                  "viewers", (json_int_t)(a->win.requests > 0 ?
                      sv_hll_count(&a->win_viewers) + 0.5 : 0),
                  "sessions", (json_int_t)active,
                  "bitrate", mean_or_null(a->win.br_sum, a->win.br_n),
                  "rebuffer", (json_int_t)a->win.stalls,
                  "cache", cache_json(&a->win));
    memset(&a->win, 0, sizeof(a->win));
    sv_hll_reset(&a->win_viewers);
    a->win_n++;
    a->win_start = now_ms;
    /* the series and the tables are the report's: in --follow only the
     * last buckets matter, and the tables are bounded already */
    if (a->nb > 1440) {
        memmove(a->b, a->b + a->nb - 1440, 1440 * sizeof(*a->b));
        a->base += (int64_t)(a->nb - 1440);
        a->nb = 1440;
    }
    json_array_clear(a->list);
    return w;
}

int
sv_agg_csv(struct sv_agg *a, FILE *f)
{
    char t[SV_TIME_ISO_MAX];
    struct tally_ent **v;
    size_t i, n = 0;

    finish_all(a);
    if (a->c.group_by != SV_AGG_BY_NONE) {
        fprintf(f, "key,requests,bytes,viewers\n");
        v = tally_sorted(&a->groups, a->c.group_by == SV_AGG_BY_HOUR, &n);
        for (i = 0; v != NULL && i < n; i++) {
            const char *k = v[i]->key;
            /* keys are paths or words: quote them when they need it */
            if (strpbrk(k, ",\"\n") != NULL) {
                fputc('"', f);
                for (; *k != '\0'; k++) {
                    if (*k == '"')
                        fputc('"', f);
                    fputc(*k, f);
                }
                fputc('"', f);
            } else {
                fputs(k, f);
            }
            fprintf(f, ",%llu,%llu,%llu\n",
                    (unsigned long long)v[i]->requests,
                    (unsigned long long)v[i]->bytes,
                    (unsigned long long)(sv_hll_count(&v[i]->hll) + 0.5));
        }
        free(v);
    } else {
        fprintf(f, "t,requests,bytes,viewers,bitrate,rebuffer\n");
        for (i = 0; i < a->nb; i++) {
            struct bucket *b = &a->b[i];
            iso(((int64_t)i + a->base) * a->c.interval_ms, t);
            fprintf(f, "%s,%llu,%llu,%llu,", t,
                    (unsigned long long)b->requests,
                    (unsigned long long)b->bytes,
                    (unsigned long long)b->viewers);
            if (b->br_n > 0)
                fprintf(f, "%.3f", b->br_sum / (double)b->br_n);
            fprintf(f, ",%llu\n", (unsigned long long)b->stalls);
        }
    }
    return ferror(f) ? -EIO : 0;
}

/* ---- Prometheus ---- */

static void
shares_prom(struct sv_promtext *p, struct tally *t, const char *name,
            const char *label, const char *help)
{
    struct tally_ent **v;
    size_t i, n = 0;

    sv_promtext_family(p, name, "counter", help);
    v = tally_sorted(t, 1, &n);
    for (i = 0; v != NULL && i < n; i++)
        sv_promtext_sample(p, name, label, v[i]->key,
                           (double)v[i]->requests);
    if (t->other.requests > 0)
        sv_promtext_sample(p, name, label, "(other)",
                           (double)t->other.requests);
    free(v);
}

char *
sv_agg_prometheus(struct sv_agg *a, size_t *len)
{
    static const char *const cls[] = { "", "1xx", "2xx", "3xx", "4xx",
                                       "5xx" };
    struct sv_promtext p = { 0 };
    struct sv_qoe_in in;
    struct sv_qoe q;
    struct sv__session *s;
    double score = 0;
    uint64_t nq = 0;
    size_t i;

    sv_promtext_family(&p, "sv_stats_lines_total", "counter",
                       "log lines read");
    sv_promtext_sample(&p, "sv_stats_lines_total", NULL, NULL,
                       (double)a->all.lines);
    sv_promtext_family(&p, "sv_stats_requests_total", "counter",
                       "requests in the logs, by status class");
    for (i = 1; i <= 5; i++)
        sv_promtext_sample(&p, "sv_stats_requests_total", "status", cls[i],
                           (double)a->all.status[i]);
    sv_promtext_family(&p, "sv_stats_bytes_total", "counter",
                       "bytes sent in the logs");
    sv_promtext_sample(&p, "sv_stats_bytes_total", NULL, NULL,
                       (double)a->all.bytes);
    sv_promtext_family(&p, "sv_stats_beacons_total", "counter",
                       "player beacons");
    sv_promtext_sample(&p, "sv_stats_beacons_total", NULL, NULL,
                       (double)a->all.beacons);
    sv_promtext_family(&p, "sv_stats_rebuffer_events_total", "counter",
                       "buffer starvations (CMCD bs) and stall beacons");
    sv_promtext_sample(&p, "sv_stats_rebuffer_events_total", NULL, NULL,
                       (double)a->all.stalls);
    sv_promtext_family(&p, "sv_stats_unique_viewers", "gauge",
                       "distinct address and user agent pairs "
                       "(hyperloglog, 0.81% standard error)");
    sv_promtext_sample(&p, "sv_stats_unique_viewers", NULL, NULL,
                       floor(sv_hll_count(&a->viewers) + 0.5));
    sv_promtext_family(&p, "sv_stats_sessions_active", "gauge",
                       "sessions seen within the session timeout");
    sv_promtext_sample(&p, "sv_stats_sessions_active", NULL, NULL,
                       (double)a->sess.n);
    sv_promtext_family(&p, "sv_stats_sessions_total", "counter",
                       "sessions started");
    sv_promtext_sample(&p, "sv_stats_sessions_total", NULL, NULL,
                       (double)a->sessions_total);
    if (a->all.cache_hit + a->all.cache_miss > 0) {
        sv_promtext_family(&p, "sv_stats_cache_hit_ratio", "gauge",
                           "cache hits over hits and misses");
        sv_promtext_sample(&p, "sv_stats_cache_hit_ratio", NULL, NULL,
                           (double)a->all.cache_hit /
                           (double)(a->all.cache_hit + a->all.cache_miss));
    }
    /* the score over ended sessions and those still going */
    for (i = 0; i < a->sess.nslot; i++)
        for (s = a->sess.slot[i]; s != NULL; s = s->next) {
            sv__session_qoe(s, a->top_kbps, &in, &q);
            score += q.score;
            nq++;
        }
    sv_promtext_family(&p, "sv_stats_qoe_score", "gauge",
                       "mean experience score of all sessions (0-100)");
    sv_promtext_sample(&p, "sv_stats_qoe_score", NULL, NULL,
                       nq + a->q.sessions > 0 ?
                       (score + a->q.score_sum) /
                       (double)(nq + a->q.sessions) : NAN);
    shares_prom(&p, &a->titles, "sv_stats_title_requests_total", "title",
                "media requests by title");
    shares_prom(&p, &a->rends, "sv_stats_rendition_requests_total",
                "rendition", "media requests by rendition");
    return sv_promtext_take(&p, len);
}
