/* token_test.c -- lib/drm/token.c: signed URL tokens */
#include "core/err.h"
#include "drm/token.h"
#include "t.h"

static const char key[] = "0123456789abcdef";

/* made with basenc and openssl dgst -hmac, not with this code */
static const char vector[] =
    "dj0xJnA9L2xpdmUvJmU9MjAwMDAwMDAwMCZzPWFsaWNl."
    "t8dqEEnyN1nHp9bpF1jzdVj8oJ5U2mmH1mx59ctMrp4";

static void
signs_the_documented_format(void)
{
    struct sv_token t = { "/live/", 2000000000, "", "alice" };
    char out[SV_TOKEN_MAX];

    CHECK_INT(sv_token_sign(key, 16, &t, out, sizeof(out)),
              (int)strlen(vector));
    CHECK_STR(out, vector);
}

static void
verifies_and_reads_the_fields(void)
{
    struct sv_token t;

    CHECK_INT(sv_token_verify(key, 16, vector, strlen(vector),
                              "/live/a.m3u8", "10.0.0.1", 1999999999, &t),
              SV_TOKEN_OK);
    CHECK_STR(t.prefix, "/live/");
    CHECK_STR(t.subject, "alice");
    CHECK_STR(t.addr, "");
    CHECK_INT(t.expires, 2000000000);
}

static void
refuses_expired_wrong_path_and_bad_mac(void)
{
    char bad[sizeof(vector)], padded[sizeof(vector) + 1];

    CHECK_INT(sv_token_verify(key, 16, vector, strlen(vector), "/live/x",
                              NULL, 2000000000, NULL), SV_TOKEN_EXPIRED);
    CHECK_INT(sv_token_verify(key, 16, vector, strlen(vector), "/vod/x",
                              NULL, 0, NULL), SV_TOKEN_WRONG_PATH);
    CHECK_INT(sv_token_verify("0123456789abcdeX", 16, vector, strlen(vector),
                              "/live/x", NULL, 0, NULL), SV_TOKEN_BAD_MAC);
    memcpy(bad, vector, sizeof(vector));
    bad[10] ^= 1;   /* payload changed: the mac no longer matches */
    CHECK(sv_token_verify(key, 16, bad, strlen(bad), "/live/x", NULL, 0,
                          NULL) != SV_TOKEN_OK);
    CHECK_INT(sv_token_verify(key, 16, "abc", 3, "/live/x", NULL, 0, NULL),
              SV_TOKEN_MALFORMED);
    /* base64url padding is not part of the format, even where it fits */
    snprintf(padded, sizeof(padded), "%s=", vector);
    CHECK_INT(sv_token_verify(key, 16, padded, strlen(padded), "/live/x",
                              NULL, 0, NULL), SV_TOKEN_MALFORMED);
    CHECK_INT(sv_token_verify(key, 16, "", 0, "/live/x", NULL, 0, NULL),
              SV_TOKEN_MALFORMED);
}

static void
binds_to_an_address_when_asked(void)
{
    struct sv_token t = { "/", 100, "192.0.2.7", "" };
    char out[SV_TOKEN_MAX];
    int n = sv_token_sign(key, 16, &t, out, sizeof(out));

    CHECK(n > 0);
    CHECK_INT(sv_token_verify(key, 16, out, (size_t)n, "/a", "192.0.2.7", 1,
                              NULL), SV_TOKEN_OK);
    CHECK_INT(sv_token_verify(key, 16, out, (size_t)n, "/a", "192.0.2.8", 1,
                              NULL), SV_TOKEN_WRONG_ADDR);
    CHECK_INT(sv_token_verify(key, 16, out, (size_t)n, "/a", NULL, 1, NULL),
              SV_TOKEN_WRONG_ADDR);
}

static void
escapes_fields_that_need_it(void)
{
    struct sv_token t = { "/a b&c=d%/", 100, "", "x&s=root" }, u;
    char out[SV_TOKEN_MAX];
    int n = sv_token_sign(key, 16, &t, out, sizeof(out));

    CHECK(n > 0);
    CHECK_INT(sv_token_verify(key, 16, out, (size_t)n, "/a b&c=d%/f", NULL,
                              1, &u), SV_TOKEN_OK);
    CHECK_STR(u.subject, "x&s=root");
    CHECK_STR(u.prefix, "/a b&c=d%/");
}

static void
refuses_to_sign_without_a_prefix_or_room(void)
{
    struct sv_token t = { "live", 1, "", "" }, ok = { "/l/", 1, "", "" };
    char out[16];

    CHECK_INT(sv_token_sign(key, 16, &t, out, sizeof(out)), SV_EUSAGE);
    CHECK_INT(sv_token_sign(key, 16, &ok, out, sizeof(out)), SV_ELIMIT);
    t.prefix[0] = '/';
    t.subject[0] = '\n';
    CHECK_INT(sv_token_sign(key, 16, &t, out, 0), SV_EUSAGE);
}

int
main(void)
{
    RUN(signs_the_documented_format);
    RUN(verifies_and_reads_the_fields);
    RUN(refuses_expired_wrong_path_and_bad_mac);
    RUN(binds_to_an_address_when_asked);
    RUN(escapes_fields_that_need_it);
    RUN(refuses_to_sign_without_a_prefix_or_room);
    return DONE();
}
