/* key_test.c -- lib/drm/key.c: wiping key documents before they are freed */
#include <string.h>

#include "drm/key.h"
#include "t.h"

#define KID_A "00112233445566778899aabbccddeeff"
#define KID_B "ffeeddccbbaa99887766554433221100"
#define KEY "0123456789abcdef0123456789abcdef"

static json_t *
two_keys(void)
{
    return json_pack("{s:i,s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "v", 1,
                     "keys", "kid", KID_A, "key", KEY, "iv", KEY,
                     "kid", KID_B, "key", KEY, "iv", KEY);
}

/* Whether the string member name of key i of doc is all zero bytes. */
static int
wiped(const json_t *doc, size_t i, const char *name)
{
    const json_t *v;
    const char *s;
    size_t j, n;

    v = json_object_get(json_array_get(json_object_get(doc, "keys"), i),
                        name);
    s = json_string_value(v);
    n = json_string_length(v);
    if (s == NULL || n != strlen(KEY))
        return 0;
    for (j = 0; j < n; j++)
        if (s[j] != '\0')
            return 0;
    return 1;
}

static void
wipes_every_key_and_iv(void)
{
    json_t *doc = two_keys();

    CHECK(doc != NULL);
    sv_drm_keydoc_wipe(doc);
    CHECK(wiped(doc, 0, "key") && wiped(doc, 0, "iv"));
    CHECK(wiped(doc, 1, "key") && wiped(doc, 1, "iv"));
    /* the key ids are not secret and stay */
    CHECK_STR(json_string_value(json_object_get(
        json_array_get(json_object_get(doc, "keys"), 1), "kid")), KID_B);
    json_decref(doc);
}

static void
wipes_only_the_keys_another_document_does_not_hold(void)
{
    json_t *doc = two_keys(), *sel, *k;

    sel = sv_drm_keydoc_select(doc, NULL, KID_B, NULL);
    CHECK(sel != NULL);
    CHECK_INT(json_array_size(json_object_get(sel, "keys")), 1);
    sv_drm_keydoc_wipe_unshared(doc, sel);
    CHECK(wiped(doc, 0, "key") && wiped(doc, 0, "iv"));
    CHECK(!wiped(doc, 1, "key") && !wiped(doc, 1, "iv"));
    json_decref(doc);
    /* the selection keeps its key, intact */
    k = json_array_get(json_object_get(sel, "keys"), 0);
    CHECK_STR(json_string_value(json_object_get(k, "key")), KEY);
    CHECK_STR(json_string_value(json_object_get(k, "iv")), KEY);
    sv_drm_keydoc_wipe(sel);
    json_decref(sel);
    /* no document to keep: everything goes */
    doc = two_keys();
    sv_drm_keydoc_wipe_unshared(doc, NULL);
    CHECK(wiped(doc, 0, "key") && wiped(doc, 1, "key"));
    json_decref(doc);
}

/* the table finds each key by id, keeps the first of a doubled id and
 * leaves out what does not read */
static void
table_finds_keys_by_id(void)
{
    json_t *doc = json_pack(
        "{s:i,s:[{s:s,s:s,s:s},{s:s,s:s},{s:s,s:s,s:s},{s:s,s:s}]}", "v", 1,
        "keys",
        "kid", "ffeeddccbbaa99887766554433221100",
        "key", "0123456789abcdef0123456789abcdef", "content_id", "b",
        "kid", "not hex", "key", "0123456789abcdef0123456789abcdef",
        "kid", "00112233-4455-6677-8899-aabbccddeeff",
        "key", "fedcba9876543210fedcba9876543210", "content_id", "a",
        "kid", "ffeeddccbbaa99887766554433221100",
        "key", "00000000000000000000000000000000");
    static const uint8_t a[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                   0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                                   0xee, 0xff };
    uint8_t b[16], none[16];
    const struct sv_drm_key *k;
    struct sv_drm_keytab t;
    int i;

    for (i = 0; i < 16; i++)
        b[i] = a[15 - i];
    memset(none, 0x42, sizeof(none));
    CHECK_INT(sv_drm_keytab_build(doc, &t), 0);
    CHECK_INT(t.n, 2);
    k = sv_drm_keytab_find(&t, a);
    CHECK(k != NULL && k->key[0] == 0xfe && strcmp(k->content_id, "a") == 0);
    k = sv_drm_keytab_find(&t, b);
    CHECK(k != NULL && k->key[0] == 0x01 && strcmp(k->content_id, "b") == 0);
    CHECK(sv_drm_keytab_find(&t, none) == NULL);
    sv_drm_keytab_free(&t);
    CHECK(t.e == NULL && t.n == 0);
    json_decref(doc);
}

int
main(void)
{
    RUN(wipes_every_key_and_iv);
    RUN(wipes_only_the_keys_another_document_does_not_hold);
    RUN(table_finds_keys_by_id);
    return DONE();
}
