/* wm_int.h -- lib/drm internal: what embedding and detection share */
#ifndef SV_DRM_WM_INT_H
#define SV_DRM_WM_INT_H

#include <stddef.h>

#include "core/buf.h"

/* "v0/seg-1.m4s" and 'a' -> "v0/a/seg-1.m4s".  0 or SV_ELIMIT. */
int sv__wmark_variant_uri(const char *uri, int v, char *out, size_t size);

/* Appends the package file dir/uri to b; 0 or a code, reason in err. */
int sv__wmark_read_into(const char *dir, const char *uri, struct sv_buf *b,
                        char *err, size_t size);

#endif
