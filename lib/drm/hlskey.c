/* hlskey.c -- EXT-X-KEY / EXT-X-SESSION-KEY lines in rendered playlists */
#include <string.h>

#include "core/err.h"
#include "drm/hlskey.h"

/* Appends each line of attrs (newline separated) as "#<tag>:<line>\n". */
static int
tags(struct sv_buf *out, const char *tag, const char *attrs)
{
    const char *p = attrs, *e;
    int rc = 0;

    while (rc == 0 && *p != '\0') {
        e = strchr(p, '\n');
        if (e == NULL)
            e = p + strlen(p);
        if (e > p)
            rc = sv_buf_printf(out, "#%s:%.*s\n", tag, (int)(e - p), p);
        p = *e ? e + 1 : e;
    }
    return rc;
}

int
sv_drm_hls_media_keys(const char *pl, size_t len, const char *const *keys,
                      size_t nkeys, size_t every, struct sv_buf *out)
{
    const char *p = pl, *end = pl + len, *nl;
    size_t seg = 0;
    int rc = 0, keyed = 0;

    if (nkeys == 0)
        return SV_EINTERNAL;
    while (rc == 0 && p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        nl = nl != NULL ? nl + 1 : end;
        if ((size_t)(end - p) >= 8 && memcmp(p, "#EXTINF:", 8) == 0) {
            if ((seg == 0 && !keyed) || (every > 0 && seg > 0 &&
                                         seg % every == 0)) {
                size_t k = every > 0 ? seg / every : 0;

                rc = tags(out, "EXT-X-KEY", keys[k % nkeys]);
            }
            keyed = 1;
            seg++;
        } else if (!keyed && (((size_t)(end - p) >= 12 &&
                               memcmp(p, "#EXT-X-PART:", 12) == 0) ||
                              ((size_t)(end - p) >= 20 &&
                               memcmp(p, "#EXT-X-PRELOAD-HINT:", 20) == 0))) {
            /* LL-HLS: the parts of the first segment come before its
             * EXTINF, and a key covers the partial segments it precedes */
            rc = tags(out, "EXT-X-KEY", keys[0]);
            keyed = 1;
        }
        if (rc == 0)
            rc = sv_buf_append(out, p, (size_t)(nl - p));
        p = nl;
    }
    return rc;
}

int
sv_drm_hls_session_keys(const char *pl, size_t len, const char *attrs,
                        struct sv_buf *out)
{
    const char *p = pl, *end = pl + len, *nl;
    int rc = 0, done = 0;

    while (rc == 0 && p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        nl = nl != NULL ? nl + 1 : end;
        /* after the header tags, before the first rendition or variant */
        if (!done && (((size_t)(end - p) >= 13 &&
                       memcmp(p, "#EXT-X-MEDIA:", 13) == 0) ||
                      ((size_t)(end - p) >= 18 &&
                       memcmp(p, "#EXT-X-STREAM-INF:", 18) == 0))) {
            rc = tags(out, "EXT-X-SESSION-KEY", attrs);
            done = 1;
        }
        if (rc == 0)
            rc = sv_buf_append(out, p, (size_t)(nl - p));
        p = nl;
    }
    return rc;
}
