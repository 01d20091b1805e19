/* license_test.c -- lib/drm/license.c: ClearKey requests and responses */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/textenc.h"
#include "drm/license.h"
#include "t.h"

#define KID_A "00112233445566778899aabbccddeeff"
#define KID_B "ffeeddccbbaa99887766554433221100"
#define KEY_A "0123456789abcdef0123456789abcdef"
#define KEY_B "fedcba9876543210fedcba9876543210"

static json_t *
two_keys(void)
{
    return json_pack("{s:i,s:[{s:s,s:s},{s:s,s:s}]}", "v", 1, "keys",
                     "kid", KID_A, "key", KEY_A, "kid", KID_B, "key", KEY_B);
}

/* base64url of the 16 bytes in hex */
static void
b64(const char *hex, char out[32])
{
    uint8_t b[16];

    sv_hex_decode(hex, b, sizeof(b));
    sv_b64_encode(b, 16, out, 1);
}

/* the answer is the W3C JWK set, and it parses back as JSON to the keys */
static void
response_is_the_jwk_set_of_the_keys_asked_for(void)
{
    json_t *doc = two_keys(), *j, *k;
    struct sv_drm_keytab t;
    uint8_t kids[2][16];
    char *out = NULL, want[512], ka[32], kb[32], kia[32], kib[32];
    size_t len = 0;

    CHECK_INT(sv_drm_keytab_build(doc, &t), 0);
    sv_hex_decode(KID_B, kids[0], 16);
    sv_hex_decode(KID_A, kids[1], 16);
    CHECK_INT(sv_drm_license_response(&t, (const uint8_t (*)[16])kids, 2,
                                      "temporary", &out, &len), 0);
    b64(KID_A, kia);
    b64(KID_B, kib);
    b64(KEY_A, ka);
    b64(KEY_B, kb);
    snprintf(want, sizeof(want), "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"%s\","
             "\"k\":\"%s\"},{\"kty\":\"oct\",\"kid\":\"%s\",\"k\":\"%s\"}],"
             "\"type\":\"temporary\"}", kib, kb, kia, ka);
    CHECK_STR(out, want);
    CHECK_INT(len, strlen(want));
    j = json_loadb(out, len, 0, NULL);
    k = json_array_get(json_object_get(j, "keys"), 1);
    CHECK_STR(json_string_value(json_object_get(k, "k")), ka);
    json_decref(j);
    free(out);
    /* one key, the other type */
    CHECK_INT(sv_drm_license_response(&t, (const uint8_t (*)[16])kids, 1,
                                      "persistent-license", &out, &len), 0);
    CHECK(strstr(out, "],\"type\":\"persistent-license\"}") != NULL);
    CHECK_INT(len, strlen(out));
    free(out);
    sv_drm_keytab_free(&t);
    json_decref(doc);
}

static void
response_refuses_an_unknown_key_or_type(void)
{
    json_t *doc = two_keys();
    struct sv_drm_keytab t;
    uint8_t kids[2][16];
    char *out = NULL;
    size_t len = 0;

    CHECK_INT(sv_drm_keytab_build(doc, &t), 0);
    sv_hex_decode(KID_A, kids[0], 16);
    memset(kids[1], 0x42, 16);
    CHECK_INT(sv_drm_license_response(&t, (const uint8_t (*)[16])kids, 2,
                                      "temporary", &out, &len), -ENOENT);
    CHECK(out == NULL);
    CHECK_INT(sv_drm_license_response(&t, (const uint8_t (*)[16])kids, 1,
                                      "forever\"", &out, &len), -EINVAL);
    CHECK(out == NULL);
    sv_drm_keytab_free(&t);
    json_decref(doc);
}

/* parse and response meet: what a request asks for comes back */
static void
request_round_trips(void)
{
    struct sv_drm_license_req r;
    json_t *doc = two_keys();
    struct sv_drm_keytab t;
    char req[128], kia[32], err[128], *out = NULL;
    size_t len;

    CHECK_INT(sv_drm_keytab_build(doc, &t), 0);
    b64(KID_A, kia);
    snprintf(req, sizeof(req), "{ \"kids\" : [\"%s\"] }", kia);
    CHECK_INT(sv_drm_license_parse(req, strlen(req), &r, err, sizeof(err)),
              0);
    CHECK_INT(r.nkids, 1);
    CHECK_STR(r.type, "temporary");
    CHECK_INT(sv_drm_license_response(&t, (const uint8_t (*)[16])r.kids,
                                      r.nkids, r.type, &out, &len), 0);
    CHECK(strstr(out, kia) != NULL);
    free(out);
    sv_drm_keytab_free(&t);
    json_decref(doc);
}

/* the usual shape is read without a tree, and says what the tree says */
static void
request_shapes_read_as_the_json_tree_reads_them(void)
{
    static const char *ok[] = {
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"],\"type\":\"temporary\"}",
        " {\n \"type\" : \"persistent-license\" ,\t\"kids\":[ "
        "\"ABEiM0RVZneImaq7zN3u_w\" , \"_-7dzLuqmYh3ZlVEMyIRAA\" ] }\r\n",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"]}",
        /* not the usual shape: the tree reads these */
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u\\u005fw\"],\"type\":\"temporary\"}",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"],\"extra\":{\"a\":1}}",
    };
    static const char *bad[] = {
        "", "{", "{}", "[]", "{\"kids\":[]}", "{\"kids\":[\"ABEi\"]}",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\",]}",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"]} x",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"],\"type\":\"forever\"}",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"],"
        "\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"]}",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"],\"type\":\"temporary\","
        "\"type\":\"temporary\"}",
        "{\"kids\":[\"ABEiM0RVZneImaq7zN3u_w\"]",
    };
    struct sv_drm_license_req a, b;
    char err[128], many[2048];
    size_t i, n;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        CHECK_INT(sv_drm_license_parse(ok[i], strlen(ok[i]), &a, err,
                                       sizeof(err)), 0);
        CHECK_INT(sv_drm_license_parse_tree(ok[i], strlen(ok[i]), &b, err,
                                            sizeof(err)), 0);
        CHECK_INT(a.nkids, b.nkids);
        CHECK_STR(a.type, b.type);
        CHECK(memcmp(a.kids, b.kids, a.nkids * 16) == 0);
        CHECK_INT(a.kids[0][0], 0x00);
        CHECK_INT(a.kids[0][15], 0xff);
    }
    CHECK_STR(a.type, "temporary");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK(sv_drm_license_parse(bad[i], strlen(bad[i]), &a, err,
                                   sizeof(err)) < 0);
        CHECK(err[0] != '\0');
    }
    /* one key id more than allowed: the limit, named */
    n = (size_t)snprintf(many, sizeof(many), "{\"kids\":[");
    for (i = 0; i <= SV_DRM_LICENSE_MAX_KIDS; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "%s"
                              "\"ABEiM0RVZneImaq7zN3u_w\"", i ? "," : "");
    n += (size_t)snprintf(many + n, sizeof(many) - n, "]}");
    CHECK_INT(sv_drm_license_parse(many, n, &a, err, sizeof(err)),
              SV_ELIMIT);
}

int
main(void)
{
    RUN(response_is_the_jwk_set_of_the_keys_asked_for);
    RUN(response_refuses_an_unknown_key_or_type);
    RUN(request_round_trips);
    RUN(request_shapes_read_as_the_json_tree_reads_them);
    return DONE();
}
