/* pssh.h -- Protection System Specific Header boxes for each DRM system */
#ifndef SV_DRM_PSSH_H
#define SV_DRM_PSSH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "drm/system.h"

/*
 * Appends a 'pssh' box for system s and key kid: Widevine (version 0, a
 * WidevinePsshData message with the key id, content id and protection
 * scheme), PlayReady (version 0, a PlayReady Object with a WRMHEADER 4.0
 * for cenc or 4.3 for cbcs) or W3C ClearKey (version 1, the key id and no
 * data).  content_id may be NULL; cbcs selects the scheme.  FairPlay has
 * no pssh (SV_EUSAGE).  Returns 0 or a negative code.
 */
int sv_drm_pssh(struct sv_buf *out, const struct sv_drm_system *s,
                const uint8_t kid[16], const char *content_id, int cbcs);

/* At most this many key ids in one ClearKey pssh: as many as one licence
 * request may ask for. */
#define SV_DRM_PSSH_MAX_KIDS 32

/*
 * Appends a W3C ClearKey 'pssh' box (version 1) naming the n key ids
 * (1 to SV_DRM_PSSH_MAX_KIDS, else SV_EUSAGE): the keys of every crypto
 * period, so that one licence request asks for them all.
 */
int sv_drm_pssh_clearkey(struct sv_buf *out, const uint8_t (*kids)[16],
                         size_t n);

/*
 * Checks that p[0..len) is exactly one pssh box; stores its system id.
 * Returns 0 or SV_EFORMAT.
 */
int sv_drm_pssh_check(const uint8_t *p, size_t len, uint8_t system[16]);

#endif
