/* textenc_test.c -- lib/core/textenc.c */
#include <stdint.h>

#include "core/err.h"
#include "core/textenc.h"
#include "t.h"

static void
base64_matches_rfc4648(void)
{
    static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba",
                                "foobar" };
    static const char *std[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
                                 "Zm9vYmE=", "Zm9vYmFy" };
    static const char *url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
                                 "Zm9vYmE", "Zm9vYmFy" };
    char out[32];
    uint8_t back[16];
    size_t i;

    for (i = 0; i < 7; i++) {
        sv_b64_encode((const uint8_t *)in[i], strlen(in[i]), out, 0);
        CHECK_STR(out, std[i]);
        CHECK_INT(sv_b64_len(strlen(in[i]), 0), strlen(std[i]));
        sv_b64_encode((const uint8_t *)in[i], strlen(in[i]), out, 1);
        CHECK_STR(out, url[i]);
        CHECK_INT(sv_b64_decode(std[i], strlen(std[i]), back,
                                    sizeof(back), 0), strlen(in[i]));
        CHECK(memcmp(back, in[i], strlen(in[i])) == 0);
        CHECK_INT(sv_b64_decode(url[i], strlen(url[i]), back,
                                    sizeof(back), 1), strlen(in[i]));
    }
}

static void
base64_rejects_bad_text(void)
{
    uint8_t b[4];

    CHECK_INT(sv_b64_decode("Zg=x", 4, b, 4, 0), SV_EFORMAT);
    CHECK_INT(sv_b64_decode("Z", 1, b, 4, 0), SV_EFORMAT);
    CHECK_INT(sv_b64_decode("Zh", 2, b, 4, 1), SV_EFORMAT); /* pad bits */
    CHECK_INT(sv_b64_decode("a+b/", 4, b, 4, 1), SV_EFORMAT);
    CHECK_INT(sv_b64_decode("Zm9vYmFy", 8, b, 4, 0), SV_ELIMIT);
}

static void
hex_and_uuid(void)
{
    uint8_t b[16];
    char s[37];

    CHECK_INT(sv_uuid_parse("00112233-4455-6677-8899-AABBCCDDEEFF", b),
              0);
    sv_hex_encode(b, 16, s);
    CHECK_STR(s, "00112233445566778899aabbccddeeff");
    sv_uuid_format(b, s);
    CHECK_STR(s, "00112233-4455-6677-8899-aabbccddeeff");
    CHECK_INT(sv_uuid_parse("0011223344556677", b), SV_EFORMAT);
    CHECK_INT(sv_uuid_parse("00112233-4455-6677-8899_aabbccddeeff", b),
              SV_EFORMAT);
    CHECK_INT(sv_hex_decode("0g", b, 1), SV_EFORMAT);
}

int
main(void)
{
    RUN(base64_matches_rfc4648);
    RUN(base64_rejects_bad_text);
    RUN(hex_and_uuid);
    return DONE();
}
