/* steering.c -- content steering policy: parse it, order pathways per
 * client, render the steering manifest */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "serve/steering.h"

#define COUNTRIES_MAX 300

static int
bad(char *err, size_t size, const char *name, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(err, size, "'%s': %s", name, what);
    return SV_EFORMAT;
}

/* HLS PATHWAY-ID characters: 0-9 a-z A-Z . - _ */
static int
id_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > SV_STEER_ID_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* printable ASCII without blanks or quotes: safe in JSON and in logs */
static int
text_ok(const char *s, size_t max)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
            return 0;
    return 1;
}

static int
find(const struct sv_steer_policy *p, const char *id)
{
    int i;

    for (i = 0; i < p->npw; i++)
        if (strcmp(p->pw[i].id, id) == 0)
            return i;
    return -1;
}

/* Only these keys, so that a typo ("wieght") is an error, not a default. */
static int
keys_ok(json_t *o, const char *const *allowed, const char **badkey)
{
    const char *k;
    json_t *v;
    int i;

    json_object_foreach(o, k, v) {
        for (i = 0; allowed[i] != NULL; i++)
            if (strcmp(k, allowed[i]) == 0)
                break;
        if (allowed[i] == NULL) {
            *badkey = k;
            return 0;
        }
    }
    return 1;
}

static int
uint_of(json_t *v, unsigned lo, unsigned hi, unsigned *out)
{
    json_int_t x;

    if (!json_is_integer(v))
        return -1;
    x = json_integer_value(v);
    if (x < (json_int_t)lo || x > (json_int_t)hi)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int
pathway(struct sv_steer_policy *p, json_t *o, int clone, const char *name,
        char *err, size_t size)
{
    static const char *const pkeys[] = {
        "id", "weight", "down", "health", NULL,
    };
    static const char *const ckeys[] = {
        "id", "weight", "down", "health", "base", "host", NULL,
    };
    const char *what = clone ? "clone" : "pathway", *k = NULL, *s;
    struct sv_steer_pathway *w;
    json_t *v;

    if (!json_is_object(o))
        return bad(err, size, name, "a %s is not an object", what);
    if (!keys_ok(o, clone ? ckeys : pkeys, &k))
        return bad(err, size, name, "unknown key '%.40s' in a %s", k, what);
    if (p->npw == SV_STEER_MAX)
        return bad(err, size, name, "more than %d pathways and clones",
                   SV_STEER_MAX);
    w = &p->pw[p->npw];
    s = json_string_value(json_object_get(o, "id"));
    if (s == NULL || !id_ok(s))
        return bad(err, size, name, "a %s needs an id of 1 to %d of "
                   "0-9 a-z A-Z . - _", what, SV_STEER_ID_MAX);
    if (find(p, s) >= 0)
        return bad(err, size, name, "pathway '%s' is named twice", s);
    w->weight = 1;
    w->base = -1;
    v = json_object_get(o, "weight");
    if (v != NULL && uint_of(v, 0, 1000, &w->weight) < 0)
        return bad(err, size, name, "%s '%s': weight is not 0 to 1000",
                   what, s);
    v = json_object_get(o, "down");
    if (v != NULL && !json_is_boolean(v))
        return bad(err, size, name, "%s '%s': down is not true or false",
                   what, s);
    w->down = json_is_true(v);
    v = json_object_get(o, "health");
    if (v != NULL) {
        const char *u = json_string_value(v);

        if (u == NULL || !text_ok(u, 1024) ||
            (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
            return bad(err, size, name, "%s '%s': health is not an http(s) "
                       "URL", what, s);
        w->health = strdup(u);
        if (w->health == NULL)
            return -ENOMEM;
    }
    memcpy(w->id, s, strlen(s) + 1);
    p->npw++;   /* from here on, sv_steer_free releases w */
    if (clone) {
        const char *b = json_string_value(json_object_get(o, "base"));
        const char *h = json_string_value(json_object_get(o, "host"));

        w->base = b != NULL ? find(p, b) : -1;
        if (w->base < 0 || p->pw[w->base].base >= 0)
            return bad(err, size, name, "clone '%s': base is not one of the "
                       "pathways", s);
        if (h == NULL || !text_ok(h, 255) || strpbrk(h, "/?#@") != NULL)
            return bad(err, size, name, "clone '%s': host is not a host "
                       "name", s);
        w->host = strdup(h);
        if (w->host == NULL)
            return -ENOMEM;
    }
    return 0;
}

static int
countries(struct sv_steer_policy *p, json_t *o, const char *name, char *err,
          size_t size)
{
    const char *cc;
    json_t *list, *v;
    size_t i;
    int j;

    if (!json_is_object(o))
        return bad(err, size, name, "countries is not an object");
    if (json_object_size(o) > COUNTRIES_MAX)
        return bad(err, size, name, "more than %d countries", COUNTRIES_MAX);
    p->cc = calloc(json_object_size(o) + 1, sizeof(*p->cc));
    if (p->cc == NULL)
        return -ENOMEM;
    json_object_foreach(o, cc, list) {
        struct sv_steer_country *c = &p->cc[p->ncc];

        if (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' ||
            cc[1] > 'Z')
            return bad(err, size, name, "country '%.8s' is not two capital "
                       "letters", cc);
        if (!json_is_array(list) || json_array_size(list) == 0 ||
            json_array_size(list) > SV_STEER_MAX)
            return bad(err, size, name, "country %s: not a list of 1 to %d "
                       "pathways", cc, SV_STEER_MAX);
        memcpy(c->cc, cc, 3);
        json_array_foreach(list, i, v) {
            const char *id = json_string_value(v);
            int k = id != NULL ? find(p, id) : -1;

            if (k < 0)
                return bad(err, size, name, "country %s: '%.40s' is not a "
                           "pathway", cc, id != NULL ? id : "?");
            for (j = 0; j < c->n; j++)
                if (c->order[j] == k)
                    return bad(err, size, name, "country %s: '%s' is listed "
                               "twice", cc, id);
            c->order[c->n++] = k;
        }
        p->ncc++;
    }
    return 0;
}

int
sv_steer_parse(const char *text, size_t len, const char *name,
               struct sv_steer_policy **out, char *err, size_t size)
{
    static const char *const keys[] = {
        "ttl", "pathways", "clones", "countries", "geo", "health_interval",
        "forwarded", NULL,
    };
    struct sv_steer_policy *p;
    json_error_t je;
    json_t *root, *v;
    const char *k = NULL;
    size_t i;
    int rc;

    if (len > SV_STEER_TEXT_MAX)
        return bad(err, size, name, "larger than %d bytes",
                   SV_STEER_TEXT_MAX);
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return bad(err, size, name, "not JSON: line %d: %s", je.line,
                   je.text);
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        json_decref(root);
        return -ENOMEM;
    }
    p->ttl = 10;
    p->health_ms = 2000;
    rc = SV_EFORMAT;
    if (!json_is_object(root)) {
        bad(err, size, name, "not a JSON object");
        goto fail;
    }
    if (!keys_ok(root, keys, &k)) {
        bad(err, size, name, "unknown key '%.40s'", k);
        goto fail;
    }
    v = json_object_get(root, "ttl");
    if (v != NULL && uint_of(v, 1, 86400, &p->ttl) < 0) {
        bad(err, size, name, "ttl is not 1 to 86400 seconds");
        goto fail;
    }
    v = json_object_get(root, "health_interval");
    if (v != NULL) {
        unsigned s;

        if (uint_of(v, 1, 3600, &s) < 0) {
            bad(err, size, name, "health_interval is not 1 to 3600 seconds");
            goto fail;
        }
        p->health_ms = s * 1000;
    }
    v = json_object_get(root, "forwarded");
    if (v != NULL && !json_is_boolean(v)) {
        bad(err, size, name, "forwarded is not true or false");
        goto fail;
    }
    p->forwarded = json_is_true(v);
    v = json_object_get(root, "pathways");
    if (!json_is_array(v) || json_array_size(v) == 0) {
        bad(err, size, name, "pathways is not a list of at least one");
        goto fail;
    }
    for (i = 0; i < json_array_size(v); i++) {
        rc = pathway(p, json_array_get(v, i), 0, name, err, size);
        if (rc < 0)
            goto fail;
    }
    v = json_object_get(root, "clones");
    if (v != NULL && !json_is_array(v)) {
        rc = bad(err, size, name, "clones is not a list");
        goto fail;
    }
    for (i = 0; v != NULL && i < json_array_size(v); i++) {
        rc = pathway(p, json_array_get(v, i), 1, name, err, size);
        if (rc < 0)
            goto fail;
    }
    v = json_object_get(root, "countries");
    if (v != NULL) {
        rc = countries(p, v, name, err, size);
        if (rc < 0)
            goto fail;
    }
    v = json_object_get(root, "geo");
    if (v != NULL) {
        const char *g = json_string_value(v);

        if (g == NULL || g[0] == '\0' || strlen(g) > 1024) {
            rc = bad(err, size, name, "geo is not a file name");
            goto fail;
        }
        p->geo = strdup(g);
        if (p->geo == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
    }
    json_decref(root);
    *out = p;
    return 0;
fail:
    if (rc == -ENOMEM)
        snprintf(err, size, "'%s': out of memory", name);
    json_decref(root);
    sv_steer_free(p);
    return rc;
}

void
sv_steer_free(struct sv_steer_policy *p)
{
    int i;

    if (p == NULL)
        return;
    for (i = 0; i < p->npw; i++) {
        free(p->pw[i].health);
        free(p->pw[i].host);
    }
    free(p->cc);
    free(p->geo);
    free(p);
}

uint64_t
sv_steer_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* splitmix64's finaliser: spreads a hash over all 64 bits */
static uint64_t
mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/*
 * Weighted rendezvous hashing: each (client, pathway) draws u in (0,1)
 * and scores weight / -ln(u); sorting by score puts a pathway first for a
 * share of clients proportional to its weight, the same pathway for the
 * same client every time, and moves only the clients of a pathway that
 * goes down.
 */
static double
score(const struct sv_steer_pathway *w, uint64_t client)
{
    uint64_t h = mix(client ^ sv_steer_hash(w->id, strlen(w->id)));
    double u = ((double)(h >> 11) + 0.5) / 9007199254740992.0;

    return w->weight == 0 ? 0 : (double)w->weight / -log(u);
}

int
sv_steer_order(const struct sv_steer_policy *p, const char *country,
               uint64_t client, uint32_t down_mask, int *order)
{
    const struct sv_steer_country *c = NULL;
    double sc[SV_STEER_MAX];
    int taken[SV_STEER_MAX] = { 0 }, n = 0, i, j, all_down, best;

    all_down = 1;
    for (i = 0; i < p->npw; i++)
        if (!p->pw[i].down && !(down_mask & (1u << i)))
            all_down = 0;
    for (i = 0; i < p->npw; i++) {
        sc[i] = score(&p->pw[i], client);
        if (!all_down && (p->pw[i].down || (down_mask & (1u << i))))
            taken[i] = 1;
    }
    for (i = 0; country != NULL && i < p->ncc; i++)
        if (strcmp(p->cc[i].cc, country) == 0)
            c = &p->cc[i];
    for (i = 0; c != NULL && i < c->n; i++) {
        if (!taken[c->order[i]]) {
            taken[c->order[i]] = 1;
            order[n++] = c->order[i];
        }
    }
    for (;;) {
        best = -1;
        for (j = 0; j < p->npw; j++)
            if (!taken[j] && (best < 0 || sc[j] > sc[best]))
                best = j;
        if (best < 0)
            break;
        taken[best] = 1;
        order[n++] = best;
    }
    return n;
}

json_t *
sv_steer_manifest(const struct sv_steer_policy *p, const int *order, int n)
{
    json_t *m, *list, *clones = NULL, *c;
    int i, rc = 0;

    m = json_pack("{s:i, s:i}", "VERSION", 1, "TTL", (json_int_t)p->ttl);
    list = json_array();
    for (i = 0; i < n; i++)
        rc |= json_array_append_new(list, json_string(p->pw[order[i]].id));
    for (i = 0; i < p->npw; i++) {
        if (p->pw[i].base < 0)
            continue;
        if (clones == NULL)
            clones = json_array();
        c = json_pack("{s:s, s:s, s:{s:s}}", "BASE-ID",
                      p->pw[p->pw[i].base].id, "ID", p->pw[i].id,
                      "URI-REPLACEMENT", "HOST", p->pw[i].host);
        rc |= json_array_append_new(clones, c);
    }
    if (m == NULL || list == NULL || rc != 0) {
        json_decref(m);
        json_decref(list);
        json_decref(clones);
        return NULL;
    }
    /* one list, under the name each player reads */
    json_object_set(m, "PATHWAY-PRIORITY", list);
    json_object_set_new(m, "SERVICE-LOCATION-PRIORITY", list);
    if (clones != NULL)
        json_object_set_new(m, "PATHWAY-CLONES", clones);
    return m;
}
