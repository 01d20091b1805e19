/* fuzz_logline.c -- access-log lines: sv-serve JSON, combined (lib/stats) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/agg.h"
#include "stats/logline.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct sv_logrec r;
    char title[256], rend[128];
    int64_t ms;

    sv_logline_parse(s, size, &r);
    sv_logline_parse_json(s, size, &r);
    if (sv_logline_parse_combined(s, size, &r) == SV_LOGLINE_REQUEST)
        sv_agg_classify(r.path, r.cid, r.br, title, sizeof(title), rend,
                        sizeof(rend));
    sv_logline_time_iso(s, size, &ms);
    sv_logline_time_clf(s, size < 26 ? size : 26, &ms);
    return 0;
}
