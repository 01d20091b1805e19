/* session.c -- viewing sessions: the table and what each request adds */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats_int.h"

/* a stall CMCD shows (bs) ends with the next non-urgent request, or here */
#define STALL_MAX_MS 60000

int
sv__sessions_init(struct sv__sessions *t, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->nslot = 1024;
    t->slot = calloc(t->nslot, sizeof(*t->slot));
    t->max = max;
    return t->slot == NULL ? -ENOMEM : 0;
}

void
sv__sessions_release(struct sv__sessions *t)
{
    struct sv__session *s, *next;
    size_t i;

    for (i = 0; i < t->nslot; i++)
        for (s = t->slot[i]; s != NULL; s = next) {
            next = s->next;
            free(s);
        }
    free(t->slot);
    t->slot = NULL;
}

struct sv__session *
sv__sessions_find(struct sv__sessions *t, uint64_t key)
{
    struct sv__session *s;

    for (s = t->slot[key & (t->nslot - 1)]; s != NULL; s = s->next)
        if (s->key == key)
            return s;
    return NULL;
}

static void
grow(struct sv__sessions *t)
{
    struct sv__session **slot, *s, *next;
    size_t i, n = t->nslot * 2;

    slot = calloc(n, sizeof(*slot));
    if (slot == NULL)
        return;                 /* longer chains, still correct */
    for (i = 0; i < t->nslot; i++)
        for (s = t->slot[i]; s != NULL; s = next) {
            next = s->next;
            s->next = slot[s->key & (n - 1)];
            slot[s->key & (n - 1)] = s;
        }
    free(t->slot);
    t->slot = slot;
    t->nslot = n;
}

struct sv__session *
sv__sessions_add(struct sv__sessions *t, uint64_t key)
{
    struct sv__session *s;

    if (t->n >= t->max) {
        t->dropped++;
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    if (t->n + 1 > t->nslot)
        grow(t);
    s->key = key;
    s->bucket = s->win = INT64_MIN;
    s->startup_ms = s->br_last = s->br_max = s->tb = s->d_last = -1;
    s->b_startup = s->b_stall_ms = s->b_played = s->b_bitrate = -1;
    s->next = t->slot[key & (t->nslot - 1)];
    t->slot[key & (t->nslot - 1)] = s;
    t->n++;
    return s;
}

void
sv__sessions_remove(struct sv__sessions *t, struct sv__session *s)
{
    struct sv__session **p = &t->slot[s->key & (t->nslot - 1)];

    while (*p != NULL && *p != s)
        p = &(*p)->next;
    if (*p == s) {
        *p = s->next;
        t->n--;
        free(s);
    }
}

void
sv__session_request(struct sv__session *s, const struct sv_logrec *r,
                    int media)
{
    int video;

    if (s->requests == 0)
        s->first_ms = r->ts_ms;
    if (r->ts_ms < s->first_ms)
        s->first_ms = r->ts_ms;
    if (r->ts_ms > s->last_ms)
        s->last_ms = r->ts_ms;
    s->requests++;
    s->bytes += (uint64_t)r->bytes;
    if (r->status >= 400)
        s->errors++;
    if (!media)
        return;
    s->media++;
    if (r->status >= 200 && r->status < 300)
        s->media_ok++;
    /* startup: from the first media request sent with su to the first
     * one without it */
    if (s->media == 1 && r->su && s->startup_ms < 0)
        s->startup_open = 1;
    else if (s->startup_open && !r->su) {
        s->startup_ms = r->ts_ms - s->first_ms;
        s->startup_open = 0;
    }
    /* stalls: bs starts one, the next request without su ends it */
    if (s->stall_open && !r->su) {
        int64_t d = r->ts_ms - s->stall_from;
        s->stall_ms += d < STALL_MAX_MS ? d : STALL_MAX_MS;
        s->stall_open = 0;
    }
    if (r->bs) {
        s->stalls++;
        if (!s->stall_open) {
            s->stall_open = 1;
            s->stall_from = r->ts_ms;
        }
    }
    if (r->d >= 0)
        s->d_last = r->d;
    if (r->tb > s->tb)
        s->tb = r->tb;
    video = r->ot[0] == '\0' || strcmp(r->ot, "v") == 0 ||
            strcmp(r->ot, "av") == 0;
    if (video && r->br >= 0) {
        double w = r->d > 0 ? (double)r->d : 1.0;
        if (s->br_last >= 0 && r->br != s->br_last)
            s->switches++;
        s->br_last = r->br;
        s->br_sum += w * (double)r->br;
        s->br_w += w;
        if (r->br > s->br_max)
            s->br_max = r->br;
    }
}

void
sv__session_beacon(struct sv__session *s, const struct sv_logrec *r)
{
    s->beacons++;
    if (r->startup_ms >= 0 && s->b_startup < 0)
        s->b_startup = r->startup_ms;
    if (r->stall_ms >= 0) {
        s->b_stall_ms = (s->b_stall_ms < 0 ? 0 : s->b_stall_ms) + r->stall_ms;
        s->b_stalls++;
    }
    if (r->played_ms > s->b_played)
        s->b_played = r->played_ms;
    if (r->bitrate >= 0)
        s->b_bitrate = r->bitrate;
    if (r->error)
        s->b_error = 1;
    if (s->requests == 0 && s->beacons == 1)
        s->first_ms = s->last_ms = r->ts_ms;
}

void
sv__session_qoe(const struct sv__session *s, int64_t top_kbps,
                struct sv_qoe_in *in, struct sv_qoe *q)
{
    int64_t span = s->last_ms - s->first_ms;

    memset(in, 0, sizeof(*in));
    in->startup_ms = s->b_startup >= 0 ? s->b_startup : s->startup_ms;
    if (s->b_played >= 0)
        in->played_ms = s->b_played;
    else
        in->played_ms = span + (s->d_last > 0 ? s->d_last : 0);
    if (s->b_stall_ms >= 0)
        in->rebuffer_ms = s->b_stall_ms;
    else
        in->rebuffer_ms = s->stall_ms;
    in->bitrate_kbps = s->br_w > 0 ? s->br_sum / s->br_w :
                       s->b_bitrate >= 0 ? (double)s->b_bitrate : -1;
    in->top_kbps = s->tb > 0 ? s->tb : top_kbps;
    in->switches = s->switches;
    in->failures = s->errors + (uint64_t)s->b_error;
    in->failed = s->b_error || (s->errors > 0 && s->media_ok == 0);
    sv_qoe_compute(in, q);
}
