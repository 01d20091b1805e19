/* fuzz_parse.c -- option value parsers (lib/core/parse.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    int64_t v;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    sv_parse_duration(s, &v);
    sv_parse_bitrate(s, &v);
    sv_parse_size(s, &v);
    sv_parse_int(s, -100, 100, &v);
    free(s);
    return 0;
}
