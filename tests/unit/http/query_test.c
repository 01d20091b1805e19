/* query_test.c -- lib/http/query.c and lib/http/cmcd.c */
#include <errno.h>

#include "core/err.h"
#include "http/query.h"
#include "t.h"

static void
finds_and_decodes_parameters(void)
{
    const char *q = "a=1&_HLS_msn=12&b&name=x%20y%2Fz&a=2";
    char v[32];

    CHECK_INT(sv_query_get(q, strlen(q), "_HLS_msn", v, sizeof(v)), 2);
    CHECK_STR(v, "12");
    CHECK_INT(sv_query_get(q, strlen(q), "a", v, sizeof(v)), 1);
    CHECK_STR(v, "1");
    CHECK_INT(sv_query_get(q, strlen(q), "b", v, sizeof(v)), 0);
    CHECK_STR(v, "");
    CHECK_INT(sv_query_get(q, strlen(q), "name", v, sizeof(v)), 5);
    CHECK_STR(v, "x y/z");
    CHECK_INT(sv_query_get(q, strlen(q), "nope", v, sizeof(v)), -ENOENT);
    CHECK_INT(sv_query_get(NULL, 0, "a", v, sizeof(v)), -ENOENT);
}

static void
refuses_bad_escapes_and_small_buffers(void)
{
    char v[4];

    CHECK_INT(sv_pct_decode("%zz", 3, v, sizeof(v)), SV_EFORMAT);
    CHECK_INT(sv_pct_decode("%2", 2, v, sizeof(v)), SV_EFORMAT);
    CHECK_INT(sv_pct_decode("%00", 3, v, sizeof(v)), SV_EFORMAT);
    CHECK_INT(sv_pct_decode("abcd", 4, v, sizeof(v)), SV_ELIMIT);
    CHECK_INT(sv_pct_decode("a+b", 3, v, sizeof(v)), 3);
    CHECK_STR(v, "a+b");
}

static void
terminates_the_output_on_every_error(void)
{
    char v[8];

    /* an over-long value is an error and leaves the empty string, never
     * the first bytes of the value without a terminator */
    memset(v, 'x', sizeof(v));
    CHECK_INT(sv_pct_decode("000000009", 9, v, sizeof(v)), SV_ELIMIT);
    CHECK_STR(v, "");
    memset(v, 'x', sizeof(v));
    CHECK_INT(sv_query_get("_HLS_msn=000000000000000000000009", 32,
                           "_HLS_msn", v, sizeof(v)), SV_ELIMIT);
    CHECK_STR(v, "");
    memset(v, 'x', sizeof(v));
    CHECK_INT(sv_pct_decode("12%zz", 5, v, sizeof(v)), SV_EFORMAT);
    CHECK_STR(v, "");
    memset(v, 'x', sizeof(v));
    CHECK_INT(sv_pct_decode("1234567", 7, v, sizeof(v)), 7);
    CHECK_STR(v, "1234567");
}

static void
strips_one_parameter(void)
{
    const char *q = "token=abc&CMCD=x&token=def&z";
    char out[64];

    CHECK_INT(sv_query_strip(q, strlen(q), "token", out, sizeof(out)), 8);
    CHECK_STR(out, "CMCD=x&z");
    CHECK_INT(sv_query_strip("token=1", 7, "token", out, sizeof(out)), 0);
    CHECK_STR(out, "");
}

static void
parses_cmcd(void)
{
    const char *s = "br=3200,bs,d=4004,mtp=25400,ot=v,sid=\"6e2f,b\",su";
    json_t *o = json_object();
    char *dump;

    CHECK_INT(sv_cmcd_parse(s, strlen(s), o), 7);
    dump = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    CHECK_STR(dump, "{\"br\":3200,\"bs\":true,\"d\":4004,\"mtp\":25400,"
              "\"ot\":\"v\",\"sid\":\"6e2f,b\",\"su\":true}");
    free(dump);
    CHECK_INT(sv_cmcd_parse("BR=1", 4, o), SV_EFORMAT);
    CHECK_INT(sv_cmcd_parse("sid=\"open", 9, o), SV_EFORMAT);
    CHECK_INT(sv_cmcd_parse("x=", 2, o), SV_EFORMAT);
    CHECK_INT(sv_cmcd_parse("", 0, o), 0);
    json_decref(o);
}

int
main(void)
{
    RUN(finds_and_decodes_parameters);
    RUN(refuses_bad_escapes_and_small_buffers);
    RUN(terminates_the_output_on_every_error);
    RUN(strips_one_parameter);
    RUN(parses_cmcd);
    return DONE();
}
