/* fuzz_ladder.c -- the --ladder spec parser and fitting (lib/media/ladder.c)
 *
 * Input: two bytes each of source width and height, then the spec.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/ladder.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_ladder l;
    char err[256], *s;
    int w, h, i;

    if (size < 4)
        return 0;
    w = (data[0] << 8 | data[1]) & 0x3fff;
    h = (data[2] << 8 | data[3]) & 0x3fff;
    s = malloc(size - 4 + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data + 4, size - 4);
    s[size - 4] = '\0';
    if (sv_ladder_parse(s, &l, err, sizeof(err)) == 0 &&
        sv_ladder_fit(&l, w, h, err, sizeof(err)) == 0) {
        /* what a fit promises, whatever the input */
        if (l.n < 1 || l.n > SV_LADDER_MAX)
            abort();
        for (i = 0; i < l.n; i++)
            if (l.r[i].width % 2 || l.r[i].height % 2 ||
                l.r[i].width > w || l.r[i].height > h || l.r[i].width < 2 ||
                l.r[i].height < 2 || memchr(l.r[i].name, 0, 24) == NULL)
                abort();
    }
    free(s);
    return 0;
}
