/* key.c -- content keys: generation, the key document, selection */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/cipher.h"
#include "drm/key.h"

#define KEYDOC_MAX (1 << 20)

static json_t *
hexstr(const uint8_t *p, size_t n)
{
    char h[65];

    sv_hex_encode(p, n, h);
    return json_string(h);
}

static int
add_key(json_t *keys, const struct sv_drm_keygen *g, const char *label,
        int64_t period)
{
    uint8_t rnd[48];
    json_t *k;
    int rc;

    rc = sv_drm_random(rnd, sizeof(rnd));
    if (rc < 0)
        return rc;
    k = json_object();
    if (k == NULL)
        goto nomem;
    json_object_set_new(k, "kid", hexstr(rnd, 16));
    json_object_set_new(k, "key", hexstr(rnd + 16, 16));
    json_object_set_new(k, "iv", hexstr(rnd + 32, 16));
    if (g->content_id != NULL)
        json_object_set_new(k, "content_id", json_string(g->content_id));
    if (label != NULL)
        json_object_set_new(k, "label", json_string(label));
    if (period >= 0) {
        json_object_set_new(k, "period", json_integer(period));
        json_object_set_new(k, "period_length",
                            json_real((double)g->period_us / 1e6));
    }
    explicit_bzero(rnd, sizeof(rnd));
    if (json_array_append_new(keys, k) != 0)
        return -ENOMEM;
    return 0;
nomem:
    explicit_bzero(rnd, sizeof(rnd));
    return -ENOMEM;
}

int
sv_drm_keygen(const struct sv_drm_keygen *g, json_t **out)
{
    static const char *const none[] = { NULL, NULL };
    const char *const *labels = none;
    json_t *doc, *keys;
    int64_t p, np = g->periods > 0 ? g->periods : 1;
    int rc, i, nl = 1;

    if (g->labels != NULL && g->labels[0] != NULL) {
        labels = g->labels;
        for (nl = 0; labels[nl] != NULL; nl++)
            ;
    }
    doc = json_object();
    keys = json_array();
    if (doc == NULL || keys == NULL) {
        json_decref(doc);
        json_decref(keys);
        return -ENOMEM;
    }
    json_object_set_new(doc, "v", json_integer(1));
    json_object_set_new(doc, "keys", keys);
    for (p = 0; p < np; p++) {
        for (i = 0; i < nl; i++) {
            rc = add_key(keys, g, labels[i], g->periods > 0 ? p : -1);
            if (rc < 0) {
                sv_drm_keydoc_wipe(doc);
                json_decref(doc);
                return rc;
            }
        }
    }
    *out = doc;
    return 0;
}

static int
hexfield(const json_t *obj, const char *name, uint8_t out[16], char *err,
         size_t size)
{
    const json_t *v = json_object_get(obj, name);

    if (!json_is_string(v)) {
        snprintf(err, size, "key has no \"%s\" string", name);
        return SV_EFORMAT;
    }
    if (sv_uuid_parse(json_string_value(v), out) < 0) {
        snprintf(err, size, "key \"%s\" is not 16 bytes of hex", name);
        return SV_EFORMAT;
    }
    return 0;
}

int
sv_drm_key_from_json(const json_t *obj, struct sv_drm_key *k, char *err,
                     size_t size)
{
    struct sv_drm_key t;
    const json_t *v;

    memset(&t, 0, sizeof(t));
    t.period = -1;
    if (!json_is_object(obj)) {
        snprintf(err, size, "key is not an object");
        return SV_EFORMAT;
    }
    if (hexfield(obj, "kid", t.kid, err, size) < 0 ||
        hexfield(obj, "key", t.key, err, size) < 0)
        goto fail;
    if (json_object_get(obj, "iv") != NULL &&
        hexfield(obj, "iv", t.iv, err, size) < 0)
        goto fail;
    v = json_object_get(obj, "content_id");
    if (v != NULL && !json_is_string(v)) {
        snprintf(err, size, "key \"content_id\" is not a string");
        goto fail;
    }
    t.content_id = json_string_value(v);
    v = json_object_get(obj, "label");
    if (v != NULL && !json_is_string(v)) {
        snprintf(err, size, "key \"label\" is not a string");
        goto fail;
    }
    t.label = json_string_value(v);
    v = json_object_get(obj, "period");
    if (v != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(err, size, "key \"period\" is not a count");
            goto fail;
        }
        t.period = json_integer_value(v);
    }
    *k = t;
    explicit_bzero(&t, sizeof(t));
    return 0;
fail:
    explicit_bzero(&t, sizeof(t));
    return SV_EFORMAT;
}

int
sv_drm_keydoc_check(const json_t *doc, char *err, size_t size)
{
    const json_t *keys = json_object_get(doc, "keys");
    struct sv_drm_key k;
    size_t i, j;
    char e[160];

    if (!json_is_array(keys)) {
        snprintf(err, size, "no \"keys\" array");
        return SV_EFORMAT;
    }
    for (i = 0; i < json_array_size(keys); i++) {
        uint8_t kid[16];

        if (sv_drm_key_from_json(json_array_get(keys, i), &k, e,
                                 sizeof(e)) < 0) {
            snprintf(err, size, "key %zu: %s", i + 1, e);
            return SV_EFORMAT;
        }
        memcpy(kid, k.kid, 16);
        explicit_bzero(&k, sizeof(k));
        for (j = 0; j < i; j++) {
            struct sv_drm_key o;

            sv_drm_key_from_json(json_array_get(keys, j), &o, e, sizeof(e));
            if (memcmp(o.kid, kid, 16) == 0) {
                snprintf(err, size, "key %zu: key id repeats key %zu",
                         i + 1, j + 1);
                explicit_bzero(&o, sizeof(o));
                return SV_EFORMAT;
            }
            explicit_bzero(&o, sizeof(o));
        }
    }
    return 0;
}

int
sv_drm_keydoc_read(const char *path, json_t **out, char *err, size_t size)
{
    json_t *doc;
    char e[200];
    int rc;

    rc = sv_json_read_file(path, KEYDOC_MAX, &doc, err, size);
    if (rc < 0)
        return rc;
    rc = sv_drm_keydoc_check(doc, e, sizeof(e));
    if (rc < 0) {
        snprintf(err, size, "bad key file '%s': %s", path, e);
        sv_drm_keydoc_wipe(doc);
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

static int
matches(const json_t *k, const char *content_id, const uint8_t *kid,
        const char *label)
{
    struct sv_drm_key key;
    char e[160];
    int ok;

    if (sv_drm_key_from_json(k, &key, e, sizeof(e)) < 0)
        return 0;
    ok = (content_id == NULL || (key.content_id != NULL &&
                                 strcmp(key.content_id, content_id) == 0)) &&
         (label == NULL || (key.label != NULL &&
                            strcmp(key.label, label) == 0)) &&
         (kid == NULL || memcmp(key.kid, kid, 16) == 0);
    explicit_bzero(&key, sizeof(key));
    return ok;
}

json_t *
sv_drm_keydoc_select(const json_t *doc, const char *content_id,
                     const char *kid, const char *label)
{
    const json_t *keys = json_object_get(doc, "keys");
    uint8_t kb[16];
    json_t *out, *sel, *k;
    size_t i;

    if (kid != NULL && sv_uuid_parse(kid, kb) < 0)
        memset(kb, 0xff, sizeof(kb));   /* matches no generated key */
    out = json_object();
    sel = json_array();
    if (out == NULL || sel == NULL) {
        json_decref(out);
        json_decref(sel);
        return NULL;
    }
    json_object_set_new(out, "v", json_integer(1));
    json_object_set_new(out, "keys", sel);
    json_array_foreach(keys, i, k) {
        if (matches(k, content_id, kid != NULL ? kb : NULL, label))
            json_array_append(sel, k);
    }
    return out;
}

json_t *
sv_drm_keydoc_find(const json_t *doc, const uint8_t kid[16])
{
    const json_t *keys = json_object_get(doc, "keys");
    json_t *k;
    char hex[33];
    size_t i;

    /* keys we write carry lower-case hex ids: compare text first */
    sv_hex_encode(kid, 16, hex);
    json_array_foreach(keys, i, k) {
        const char *s = json_string_value(json_object_get(k, "kid"));

        if (s != NULL && strlen(s) == 32 && strcasecmp(s, hex) == 0 &&
            matches(k, NULL, kid, NULL))
            return k;
    }
    json_array_foreach(keys, i, k) {
        const char *s = json_string_value(json_object_get(k, "kid"));

        if (s != NULL && strlen(s) != 32 && matches(k, NULL, kid, NULL))
            return k;
    }
    return NULL;
}

/* by key id, then by place in the document (the first one wins) */
static int
keyent_cmp(const void *a, const void *b)
{
    const struct sv_drm_keyent *x = a, *y = b;
    int c = memcmp(x->k.kid, y->k.kid, 16);

    if (c != 0)
        return c;
    return (x->obj > y->obj) - (x->obj < y->obj);
}

int
sv_drm_keytab_build(const json_t *doc, struct sv_drm_keytab *t)
{
    const json_t *keys = json_object_get(doc, "keys");
    size_t n = json_array_size(keys), i, j;
    json_t *k;
    char e[160];

    t->n = 0;
    t->e = calloc(n > 0 ? n : 1, sizeof(*t->e));
    if (t->e == NULL)
        return -ENOMEM;
    json_array_foreach(keys, i, k) {
        if (sv_drm_key_from_json(k, &t->e[t->n].k, e, sizeof(e)) == 0)
            t->e[t->n++].obj = (const json_t *)(uintptr_t)i;
    }
    /* sorted with the index standing in for obj, then obj set */
    qsort(t->e, t->n, sizeof(*t->e), keyent_cmp);
    for (i = j = 0; i < t->n; i++) {
        if (j > 0 && memcmp(t->e[j - 1].k.kid, t->e[i].k.kid, 16) == 0) {
            explicit_bzero(&t->e[i], sizeof(t->e[i]));
            continue;
        }
        if (j != i) {
            t->e[j] = t->e[i];
            explicit_bzero(&t->e[i], sizeof(t->e[i]));
        }
        j++;
    }
    t->n = j;
    for (i = 0; i < t->n; i++)
        t->e[i].obj = json_array_get(keys, (size_t)(uintptr_t)t->e[i].obj);
    return 0;
}

const struct sv_drm_key *
sv_drm_keytab_find(const struct sv_drm_keytab *t, const uint8_t kid[16])
{
    size_t lo = 0, hi = t->n, mid;
    int c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = memcmp(t->e[mid].k.kid, kid, 16);
        if (c == 0)
            return &t->e[mid].k;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void
sv_drm_keytab_free(struct sv_drm_keytab *t)
{
    if (t->e != NULL)
        explicit_bzero(t->e, t->n * sizeof(*t->e));
    free(t->e);
    t->e = NULL;
    t->n = 0;
}

static void
wipe_string(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);

    /* jansson keeps its own copy; overwrite it in place before freeing */
    if (json_is_string(v))
        explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

void
sv_drm_keydoc_wipe(json_t *doc)
{
    sv_drm_keydoc_wipe_unshared(doc, NULL);
}

/* Whether the key object k is one of the keys of doc (the same object). */
static int
holds(const json_t *doc, const json_t *k)
{
    const json_t *keys = json_object_get(doc, "keys"), *x;
    size_t i;

    json_array_foreach(keys, i, x) {
        if (x == k)
            return 1;
    }
    return 0;
}

void
sv_drm_keydoc_wipe_unshared(json_t *doc, const json_t *keep)
{
    json_t *keys = json_object_get(doc, "keys"), *k;
    size_t i;

    json_array_foreach(keys, i, k) {
        if (keep != NULL && holds(keep, k))
            continue;
        wipe_string(k, "key");
        wipe_string(k, "iv");
    }
    /* the keystore's ledger signing key is never shared with a selection */
    wipe_string(doc, "ledger_key");
}
