/* fuzz_query.c -- query parameters, percent-decoding, CMCD (lib/http) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    char out[256];
    json_t *o;

    sv_query_get(q, size, "_HLS_msn", out, sizeof(out));
    sv_query_get(q, size, "token", out, sizeof(out));
    sv_query_get(q, size, "CMCD", out, 8);
    sv_query_strip(q, size, "token", out, sizeof(out));
    sv_pct_decode(q, size, out, sizeof(out));
    o = json_object();
    sv_cmcd_parse(q, size, o);
    json_decref(o);
    return 0;
}
