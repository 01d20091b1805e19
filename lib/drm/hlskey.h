/* hlskey.h -- EXT-X-KEY / EXT-X-SESSION-KEY lines in rendered playlists */
#ifndef SV_DRM_HLSKEY_H
#define SV_DRM_HLSKEY_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Inserts lines (each ending in '\n', the tag without its name: "METHOD=
 * ...") into a media playlist: keys[k] before the segment numbered
 * k * every (0-based, counting #EXTINF), as EXT-X-KEY tags.  every 0: one
 * key for all, placed before the first segment, partial segment or
 * preload hint.  Appends the result to out.  Returns 0 or a negative code.
 */
int sv_drm_hls_media_keys(const char *pl, size_t len,
                          const char *const *keys, size_t nkeys,
                          size_t every, struct sv_buf *out);

/*
 * Inserts EXT-X-SESSION-KEY tags (attrs as above) into a multivariant
 * playlist after its header tags.
 */
int sv_drm_hls_session_keys(const char *pl, size_t len, const char *attrs,
                            struct sv_buf *out);

#endif
