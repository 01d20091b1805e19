/* fuzz_ledger.c -- the ledger reader and checker (lib/drm/ledger.c) */
#include <stdint.h>
#include <stdlib.h>

#include "drm/ledger.h"

static int
each(void *ud, uint64_t seq, const char *line, size_t len, const json_t *rec)
{
    (*(uint64_t *)ud)++;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_ledger_report r;
    uint64_t n = 0;
    json_t *cp;

    sv_ledger_verify_buf((const char *)data, size, NULL, &r, each, &n);
    if (r.state != SV_LEDGER_BAD && n != r.records)
        abort();
    if (r.good_bytes > size)
        abort();
    /* the same bytes as an exported checkpoint */
    cp = json_loadb((const char *)data, size, 0, NULL);
    if (cp != NULL) {
        char err[128];
        static const uint8_t key[32] = { 1 };

        sv_ledger_checkpoint_check(cp, key, err, sizeof(err));
        json_decref(cp);
    }
    return 0;
}
