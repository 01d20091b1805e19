/* key.h -- content keys: generation, the key document, selection */
#ifndef SV_DRM_KEY_H
#define SV_DRM_KEY_H

#include <stdint.h>

#include "core/json.h"

/*
 * A key document is what `sv-drm keygen` prints and what --key reads:
 *
 *   {"v":1,"keys":[{"kid":HEX32,"key":HEX32,"iv":HEX32,
 *                   "content_id":S,"label":S,"period":N}, ...]}
 *
 * kid, key and iv are 16 bytes as lower-case hex; content_id and label are
 * optional strings (a label tells tracks apart: "video", "audio", "sd",
 * "hd"); period (optional) numbers the rotation period of a live key, with
 * "period_length" (seconds) beside it.
 */

struct sv_drm_key {
    uint8_t kid[16];
    uint8_t key[16];
    uint8_t iv[16];
    const char *content_id;     /* borrowed from the JSON; may be NULL */
    const char *label;          /* may be NULL */
    int64_t period;             /* -1 when not a rotation key */
};

struct sv_drm_keygen {
    const char *content_id;     /* NULL: none */
    const char *const *labels;  /* NULL-terminated; NULL or empty: one key */
    int64_t periods;            /* rotation periods; 0: no rotation */
    int64_t period_us;          /* length of one period */
};

/*
 * Generates keys (one per label and period) from the CSPRNG.  Stores a new
 * key document in *out.  Returns 0 or a negative code.
 */
int sv_drm_keygen(const struct sv_drm_keygen *g, json_t **out);

/*
 * Reads one key object into k (strings borrowed from obj).  On failure
 * writes what is wrong into err and returns SV_EFORMAT.
 */
int sv_drm_key_from_json(const json_t *obj, struct sv_drm_key *k, char *err,
                         size_t size);

/*
 * Checks a key document (every key readable, no key id twice).  On
 * failure writes a message into err and returns SV_EFORMAT.
 */
int sv_drm_keydoc_check(const json_t *doc, char *err, size_t size);

/*
 * Reads and checks a key document file (at most 1 MiB).  Returns 0 and a
 * new reference in *out, or a negative code with a message naming path.
 */
int sv_drm_keydoc_read(const char *path, json_t **out, char *err,
                       size_t size);

/*
 * Returns a new document holding the keys of doc matching content_id,
 * kid (hex or UUID) and label where those are not NULL.  Never NULL except
 * out of memory.
 */
json_t *sv_drm_keydoc_select(const json_t *doc, const char *content_id,
                             const char *kid, const char *label);

/* Returns the key object with key id kid (borrowed) or NULL. */
json_t *sv_drm_keydoc_find(const json_t *doc, const uint8_t kid[16]);

/*
 * A key document's keys decoded once, sorted by key id, for the lookups of
 * a licence server (no JSON walk or hex decoding per request).  Borrows
 * the strings of doc, which must outlive the table.
 */
struct sv_drm_keyent {
    struct sv_drm_key k;
    const json_t *obj;          /* the key object in doc */
};

struct sv_drm_keytab {
    struct sv_drm_keyent *e;
    size_t n;
};

/*
 * Fills t from doc (keys that do not read are left out; of a key id given
 * twice the first is kept).  Returns 0 or -ENOMEM.
 */
int sv_drm_keytab_build(const json_t *doc, struct sv_drm_keytab *t);

/* The key with key id kid, or NULL. */
const struct sv_drm_key *sv_drm_keytab_find(const struct sv_drm_keytab *t,
                                            const uint8_t kid[16]);

/* Wipes the keys and frees the table (t itself is not freed). */
void sv_drm_keytab_free(struct sv_drm_keytab *t);

/* Wipes every key and iv string in doc before it is freed. */
void sv_drm_keydoc_wipe(json_t *doc);

/*
 * Wipes the key and iv strings of the keys of doc that are not also keys
 * of keep (the same objects, shared by reference: a selection or the keys
 * just added), before doc is freed while keep lives on.  keep may be NULL.
 */
void sv_drm_keydoc_wipe_unshared(json_t *doc, const json_t *keep);

#endif
