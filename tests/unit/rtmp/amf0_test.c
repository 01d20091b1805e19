/* amf0_test.c -- lib/rtmp/amf0.c */
#include "core/err.h"
#include "rtmp/amf0.h"
#include "t.h"

static void
round_trip(void)
{
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    json_t *in, *out = NULL;
    char *s;

    in = json_pack("[s,f,{s:s,s:b,s:n,s:f},[i,s]]", "connect", 1.0, "app",
                   "live", "fpad", 0, "x", "audioCodecs", 3191.0, 7, "z");
    CHECK_INT(sv_amf0_encode(&b, json_array_get(in, 0)), 0);
    CHECK_INT(sv_amf0_encode(&b, json_array_get(in, 1)), 0);
    CHECK_INT(sv_amf0_encode(&b, json_array_get(in, 2)), 0);
    CHECK_INT(sv_amf0_encode(&b, json_array_get(in, 3)), 0);
    CHECK_INT(sv_amf0_decode_all(b.data, b.len, &out), 0);
    s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(s, "[\"connect\",1.0,{\"app\":\"live\",\"fpad\":false,"
                 "\"x\":null,\"audioCodecs\":3191.0},[7.0,\"z\"]]");
    free(s);
    json_decref(in);
    json_decref(out);
    sv_buf_release(&b);
}

static void
ecma_array_and_date(void)
{
    /* onMetaData as encoders send it: an ECMA array with a count */
    static const uint8_t p[] = {
        0x08, 0, 0, 0, 1, 0, 5, 'w', 'i', 'd', 't', 'h',
        0x00, 0x40, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
        0x0b, 0x42, 0x78, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    json_t *out = NULL;
    char *s;

    CHECK_INT(sv_amf0_decode_all(p, sizeof(p), &out), 0);
    s = json_dumps(out, JSON_COMPACT);
    CHECK_STR(s, "[{\"width\":640.0},1649267441664.0]");
    free(s);
    json_decref(out);
}

static void
bad_input(void)
{
    static const uint8_t trunc[] = { 0x02, 0, 10, 'a' };
    static const uint8_t marker[] = { 0x42 };
    static const uint8_t noend[] = { 0x03, 0, 1, 'a', 0x05, 0, 0, 0x05 };
    static const uint8_t hugearr[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x05 };
    uint8_t deep[120];
    json_t *out = NULL;
    size_t used, i;

    CHECK_INT(sv_amf0_decode(trunc, sizeof(trunc), &used, &out), SV_ETRUNC);
    CHECK_INT(sv_amf0_decode(marker, 1, &used, &out), SV_EFORMAT);
    CHECK_INT(sv_amf0_decode(noend, sizeof(noend), &used, &out), SV_EFORMAT);
    CHECK_INT(sv_amf0_decode(hugearr, sizeof(hugearr), &used, &out),
              SV_ETRUNC);
    /* strict arrays of one element nested past the limit */
    for (i = 0; i + 5 <= sizeof(deep); i += 5) {
        deep[i] = 0x0a;
        deep[i + 1] = deep[i + 2] = deep[i + 3] = 0;
        deep[i + 4] = 1;
    }
    CHECK_INT(sv_amf0_decode(deep, sizeof(deep), &used, &out), SV_EFORMAT);
    CHECK(out == NULL);
}

int
main(void)
{
    RUN(round_trip);
    RUN(ecma_array_and_date);
    RUN(bad_input);
    return DONE();
}
