/* license_test.c -- lib/drm/license.c: ClearKey requests and responses */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
    RUN(response_is_the_jwk_set_of_the_keys_asked_for);
    RUN(response_refuses_an_unknown_key_or_type);
    RUN(request_round_trips);
    return DONE();
}
