/* fuzz_srt_streamid.c -- SRT stream ids and RTMP app/name pairs */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/streamid.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_streamid sid;
    char *s = malloc(size + 1), *nl;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (sv_streamid_parse(s, &sid) == 0 &&
        (!sv_streamid_name_ok(sid.app) || !sv_streamid_name_ok(sid.name)))
        abort();    /* a name that would reach a path unchecked */
    nl = strchr(s, '\n');
    if (nl != NULL) {
        *nl = '\0';
        if (sv_streamid_from_rtmp(s, nl + 1, &sid) == 0 &&
            !sv_streamid_name_ok(sid.name))
            abort();
    }
    free(s);
    return 0;
}
