/* key_test.c -- lib/drm/key.c: wiping key documents before they are freed */
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

int
main(void)
{
    RUN(wipes_every_key_and_iv);
    RUN(wipes_only_the_keys_another_document_does_not_hold);
    return DONE();
}
