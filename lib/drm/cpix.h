/* cpix.h -- DASH-IF CPIX 2.3 documents as SPEKE v2 exchanges them */
#ifndef SV_DRM_CPIX_H
#define SV_DRM_CPIX_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

#define SV_CPIX_NS "urn:dashif:org:cpix"
#define SV_PSKC_NS "urn:ietf:params:xml:ns:keyprov:pskc"
#define SV_CPIX_MAX_KEYS 64

struct sv_cpix_req {
    const char *content_id;
    const char *scheme;         /* cenc | cbcs */
    unsigned systems;           /* set of sv_drm_system bits */
    size_t nkeys;
    struct {
        uint8_t kid[16];
        const char *label;      /* "video", "audio", ...; NULL: all tracks */
    } keys[SV_CPIX_MAX_KEYS];
};

/*
 * Writes the request document: a ContentKey per key id (no key data), a
 * DRMSystem per key and system asking for PSSH, ContentProtectionData and
 * HLS signalling, and a ContentKeyUsageRule per key (its label as the
 * intended track type).  Stores a new string in *out (free() it).
 */
int sv_cpix_request(const struct sv_cpix_req *req, char **out, size_t *len);

/*
 * Parses a response document into a key document (see key.h) whose keys
 * also carry "scheme" and "drm": [{"system","system_id","pssh",
 * "content_protection_data","hls_media","hls_master"}] (base64 text as the
 * server sent it, checked).  With req, the response must answer it: the
 * same content id and every key id asked for, no other.  Keys without an
 * explicitIV get none.  On failure writes the reason into err and returns
 * SV_EFORMAT (or SV_ELIMIT).
 */
int sv_cpix_parse(const char *xml, size_t len, const struct sv_cpix_req *req,
                  json_t **out, char *err, size_t size);

#endif
