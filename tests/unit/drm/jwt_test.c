/* jwt_test.c -- lib/drm/jwt.c and lib/drm/cidr.c */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/textenc.h"
#include "drm/cidr.h"
#include "drm/jwt.h"
#include "t.h"

/* RFC 7515 appendix A.1: an HS256 JWS (exp 1300819380) */
static void
verifies_rfc7515_example(void)
{
    static const char key64[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_"
                                "T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    static const char tok[] =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
        "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    struct sv_drm_jwt_keys k = { 0 };
    uint8_t secret[64];
    char err[128];
    json_t *c = NULL;
    long n;

    n = sv_b64_decode(key64, strlen(key64), secret, sizeof(secret), 1);
    CHECK_INT(n, 64);
    k.secret = secret;
    k.secret_len = (size_t)n;
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1300819000, 0, &c,
                                err, sizeof(err)), 0);
    CHECK_STR(json_string_value(json_object_get(c, "iss")), "joe");
    json_decref(c);
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1300819381, 0, &c,
                                err, sizeof(err)), SV_EAUTH);
    CHECK_STR(err, "token expired");
    secret[0] ^= 1;
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1300819000, 0, &c,
                                err, sizeof(err)), SV_EAUTH);
    CHECK_STR(err, "bad signature");
}

static void
signs_and_refuses_none_and_tampering(void)
{
    struct sv_drm_jwt_keys k = { (const uint8_t *)"0123456789abcdef0123456789"
                                 "abcdef", 32, NULL };
    json_t *cl = json_pack("{s:i,s:s}", "exp", 2000, "cid", "movie"), *c;
    char *tok, err[128], *p;

    CHECK_INT(sv_drm_jwt_sign("HS256", &k, cl, &tok), 0);
    CHECK_INT(sv_drm_jwt_sign("ES256", &k, cl, &p), SV_EUSAGE);
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1000, 0, &c, err,
                                sizeof(err)), 0);
    CHECK_STR(json_string_value(json_object_get(c, "cid")), "movie");
    json_decref(c);
    /* nbf in the future */
    json_object_set_new(cl, "nbf", json_integer(1500));
    free(tok);
    sv_drm_jwt_sign("HS256", &k, cl, &tok);
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1000, 0, &c, err,
                                sizeof(err)), SV_EAUTH);
    CHECK_STR(err, "token is not valid yet");
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1000, 600, &c, err,
                                sizeof(err)), 0);
    json_decref(c);
    /* a changed claims part no longer matches the signature */
    p = strchr(tok, '.') + 2;
    *p = *p == 'A' ? 'B' : 'A';
    CHECK(sv_drm_jwt_verify(tok, strlen(tok), &k, 1000, 0, &c, err,
                            sizeof(err)) < 0);
    free(tok);
    /* alg none: {"alg":"none"} . {"exp":2000} . */
    tok = "eyJhbGciOiJub25lIn0.eyJleHAiOjIwMDB9.";
    CHECK_INT(sv_drm_jwt_verify(tok, strlen(tok), &k, 1000, 0, &c, err,
                                sizeof(err)), SV_EAUTH);
    CHECK_STR(err, "algorithm 'none' is not accepted");
    CHECK_INT(sv_drm_jwt_verify("a.b", 3, &k, 1000, 0, &c, err, sizeof(err)),
              SV_EFORMAT);
    json_decref(cl);
}

static void
allow_checks_content_keys_address_country(void)
{
    json_t *cl = json_pack("{s:s,s:[s],s:[s,s],s:[s]}", "cid", "movie",
                           "kids", "00112233445566778899aabbccddeeff",
                           "ip", "192.0.2.0/24", "2001:db8::/32",
                           "countries", "FR");
    struct sv_drm_geo *geo;
    struct sv_drm_jwt_want w = { 0 };
    uint8_t kid[1][16], addr[16];
    const char *table = "# test\nDE 192.0.2.0/24\nFR 192.0.2.128/25\n"
                        "FR 2001:db8::/32\n";
    char err[128];

    CHECK_INT(sv_drm_geo_parse(table, strlen(table), "t", &geo, err,
                               sizeof(err)), 0);
    sv_uuid_parse("00112233445566778899aabbccddeeff", kid[0]);
    w.content_id = "movie";
    w.kids = (const uint8_t (*)[16])kid;
    w.nkids = 1;
    sv_drm_addr_parse("192.0.2.200", addr);
    w.addr = addr;
    w.geo = geo;
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), 0);
    sv_drm_addr_parse("192.0.2.5", addr);      /* in range, but DE */
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), -EACCES);
    CHECK_STR(err, "client country DE is not allowed");
    sv_drm_addr_parse("2001:db8::1", addr);
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), 0);
    sv_drm_addr_parse("198.51.100.1", addr);
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), -EACCES);
    CHECK_STR(err, "token is for another client address");
    sv_drm_addr_parse("192.0.2.200", addr);
    w.content_id = "other";
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), -EACCES);
    w.content_id = NULL;
    kid[0][0] = 9;
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), -EACCES);
    CHECK_STR(err, "token does not grant key 1");
    w.geo = NULL;
    kid[0][0] = 0;
    CHECK_INT(sv_drm_jwt_allow(cl, &w, err, sizeof(err)), -EACCES);
    sv_drm_geo_free(geo);
    json_decref(cl);
}

static void
cidr_parses_and_matches(void)
{
    struct sv_drm_cidr c;
    uint8_t a[16];

    CHECK_INT(sv_drm_cidr_parse("10.1.0.0/16", &c), 0);
    sv_drm_addr_parse("10.1.255.7", a);
    CHECK(sv_drm_cidr_contains(&c, a));
    sv_drm_addr_parse("10.2.0.1", a);
    CHECK(!sv_drm_cidr_contains(&c, a));
    CHECK_INT(sv_drm_cidr_parse("10.0.0.0/33", &c), SV_EFORMAT);
    CHECK_INT(sv_drm_cidr_parse("10.0.0.0/", &c), SV_EFORMAT);
    CHECK_INT(sv_drm_cidr_parse("fe80::/10", &c), 0);
    sv_drm_addr_parse("febf::1", a);
    CHECK(sv_drm_cidr_contains(&c, a));
    sv_drm_addr_parse("fec0::1", a);
    CHECK(!sv_drm_cidr_contains(&c, a));
    CHECK_INT(sv_drm_cidr_parse("0.0.0.0/0", &c), 0);
    sv_drm_addr_parse("2001:db8::1", a);
    CHECK(!sv_drm_cidr_contains(&c, a));   /* IPv4 /0 is not all of v6 */
}

/* "h.c.sig" of a header written by hand, signed with secret */
static char *
hand_token(const char *hdr, const uint8_t *secret, size_t slen)
{
    static const char cl[] = "{\"exp\":2000,\"cid\":\"movie\"}";
    size_t hl = strlen(hdr), n;
    uint8_t mac[32];
    char *t = malloc(2048);

    sv_b64_encode((const uint8_t *)hdr, hl, t, 1);
    n = strlen(t);
    t[n++] = '.';
    sv_b64_encode((const uint8_t *)cl, sizeof(cl) - 1, t + n, 1);
    n += strlen(t + n);
    sv_hmac_sha256(secret, slen, t, n, mac);
    t[n++] = '.';
    sv_b64_encode(mac, 32, t + n, 1);
    return t;
}

/* headers of any spelling: the quick read and the JSON tree agree */
static void
headers_read_alike_with_a_prepared_key_or_not(void)
{
    static const struct { const char *h; int rc; const char *err; } c[] = {
        { "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 0, "" },
        { " { \"typ\" : \"JWT\" ,\n\"alg\":\"HS256\" } ", 0, "" },
        { "{\"alg\":\"HS\\u0032\\u00356\"}", 0, "" },
        { "{\"alg\":\"HS256\",\"kid\":{\"x\":[1]}}", 0, "" },
        { "{\"alg\":\"HS256\",\"alg\":\"none\"}", SV_EFORMAT,
          "token header or claims are not base64url JSON" },
        { "{\"typ\":\"JWT\"}", SV_EFORMAT, "token header has no alg" },
        { "{\"alg\":\"none\"}", SV_EAUTH,
          "algorithm 'none' is not accepted" },
        { "{\"alg\":\"HS256\"", SV_EFORMAT,
          "token header or claims are not base64url JSON" },
    };
    static const uint8_t secret[] = "0123456789abcdef0123456789abcdef";
    struct sv_drm_jwt_keys k = { secret, 32, NULL, NULL };
    char err[128], *t;
    json_t *cl;
    size_t i;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        if (pass == 1)
            CHECK_INT(sv_drm_jwt_prepare(&k), 0);
        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
            t = hand_token(c[i].h, secret, 32);
            err[0] = '\0';
            cl = NULL;
            CHECK_INT(sv_drm_jwt_verify(t, strlen(t), &k, 1000, 0, &cl, err,
                                        sizeof(err)), c[i].rc);
            CHECK_STR(err, c[i].err);
            if (c[i].rc == 0)
                CHECK_STR(json_string_value(json_object_get(cl, "cid")),
                          "movie");
            json_decref(cl);
            free(t);
        }
    }
    CHECK(k.hs256 != NULL);
    sv_drm_jwt_keys_release(&k);
    CHECK(k.hs256 == NULL);
}

int
main(void)
{
    RUN(verifies_rfc7515_example);
    RUN(signs_and_refuses_none_and_tampering);
    RUN(headers_read_alike_with_a_prepared_key_or_not);
    RUN(allow_checks_content_keys_address_country);
    RUN(cidr_parses_and_matches);
    return DONE();
}
