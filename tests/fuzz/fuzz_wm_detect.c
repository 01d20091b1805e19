/* fuzz_wm_detect.c -- what `sv-drm watermark detect` reads before it
 * decodes anything: the --viewers list (sv_wmark_viewers_parse) and the
 * package.json watermark record (sv_wmark_package_check, lib/drm) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drm/watermark.h"

/* the seeds' key_id is this key's: ff476947... (see corpus/wm_detect/) */
static const char KEY[] = "fuzz-watermark-key-0123456789";

static void
viewers(const uint8_t *data, size_t size)
{
    const char **list;
    char err[128], *text = malloc(size + 1);
    size_t n, i;

    if (text == NULL)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    if (sv_wmark_viewers_parse(text, size, &list, &n, err, sizeof(err)) == 0) {
        if (n == 0 || n > SV_WMARK_VIEWERS_MAX)
            abort();
        for (i = 0; i < n; i++) {
            /* each name lies in the text, cut at its line's end */
            if (list[i] < text || list[i] >= text + size ||
                list[i] + strlen(list[i]) > text + size ||
                list[i][0] == '\0' || list[i][0] == '#' ||
                list[i][0] == ' ' || list[i][0] == '\t' ||
                strpbrk(list[i], "\r\n") != NULL)
                abort();
            if (i < 4 && sv_wmark_bit(KEY, sizeof(KEY) - 1, list[i], i) < 0)
                abort();
        }
        free(list);
    }
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    size_t segs;
    json_t *root;

    viewers(data, size);
    root = json_loadb((const char *)data, size, 0, NULL);
    if (root != NULL) {
        if (sv_wmark_package_check(root, "pkg", (const uint8_t *)KEY,
                                   sizeof(KEY) - 1, &segs, err,
                                   sizeof(err)) == 0 &&
            segs > size)
            abort();    /* every segment takes bytes of the input */
        json_decref(root);
    }
    return 0;
}
