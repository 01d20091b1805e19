/* fuzz_ladder_json.c -- the ladder JSON that --ladder @FILE reads
 * (sv_ladder_parse_json in lib/media/ladder.c)
 *
 * Input: the file's text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/ladder.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_ladder l;
    char err[256];
    int i;

    if (sv_ladder_parse_json((const char *)data, size, &l, err,
                             sizeof(err)) == 0) {
        /* what a parse promises, whatever the input */
        if (l.n < 1 || l.n > SV_LADDER_MAX)
            abort();
        for (i = 0; i < l.n; i++)
            if (l.r[i].req_h < 16 || l.r[i].req_h > SV_LADDER_MAX_DIM ||
                l.r[i].bitrate < 16000)
                abort();
    } else if (memchr(err, 0, sizeof(err)) == NULL) {
        abort();
    }
    return 0;
}
