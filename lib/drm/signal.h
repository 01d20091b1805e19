/* signal.h -- keys and signalling of Common Encryption (pssh boxes, HLS
 * key tags, DASH ContentProtection, package.json's "encryption"): one
 * implementation for sv-drm encrypt and sv-package --encrypt */
#ifndef SV_DRM_SIGNAL_H
#define SV_DRM_SIGNAL_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "drm/cenc.h"
#include "model/model.h"

struct sv_drm_signal {
    int cbcs;                   /* cbcs, else cenc */
    unsigned systems;           /* sv_drm_system bits to signal */
    const char *key_uri;        /* HLS key URI; "{kid}" is replaced */
};

/*
 * Reads the keys: from the keystore store (master key from the
 * environment) or else the key document key_file, keeping those matching
 * content_id, kid and label where not NULL.  Stores a new reference in
 * *out.  Errors (message in err): SV_EUSAGE (no master key), the errors
 * of sv_drm_keystore_load() and sv_drm_keydoc_read().
 */
int sv_drm_keys_load(const char *store, const char *key_file,
                     const char *content_id, const char *kid,
                     const char *label, json_t **out, char *err,
                     size_t size);

/* The content key usage class of rendition r: "audio", "sd" (up to
 * 768x576 pixels), "hd" (up to 1920x1080) or "uhd". */
const char *sv_drm_key_class(const struct sv_model_rend *r);

/*
 * The key for rendition r in rotation period period (-1: no rotation,
 * any period), by the first label that matches: the rendition id, its
 * class (sv_drm_key_class()), its track type ("video"/"audio"); else the
 * first key of the period.  Borrowed, NULL when doc has none.
 */
const json_t *sv_drm_key_for(const json_t *doc, const struct sv_model_rend *r,
                             int64_t period);

/* out = tmpl with "{kid}" replaced by kid. */
void sv_drm_key_uri(const char *tmpl, const char *kid, char *out,
                    size_t size);

/* A new "encryption" record for package.json: tool, scheme, time, no
 * keys yet.  NULL when out of memory. */
json_t *sv_drm_enc_record(const char *tool, const char *scheme,
                          const char *key_uri);

/* The key entry enc records for rendition id (borrowed), or NULL. */
const json_t *sv_drm_enc_entry(const json_t *enc, const char *id);

/*
 * Sets up the encryption of rendition rend with key object kobj: fills t
 * for sv_cenc_init() (scheme, kid, key, IV; a random IV start for cenc),
 * appends its pssh boxes (one per system in sg) to boxes, and records its
 * key and signalling in enc (the first key becomes the default the
 * manifests name).  Returns 0 or a negative code (SV_EUSAGE: no usable
 * key) with a message in err.
 */
int sv_drm_cenc_track(const struct sv_drm_signal *sg, const json_t *kobj,
                      const char *rend, struct sv_cenc_track *t,
                      struct sv_buf *boxes, json_t *enc, char *err,
                      size_t size);

/*
 * Key rotation: moves t (set up by sv_drm_cenc_track()) to the key kobj
 * of the crypto period starting at segment first: kid and key, t->rotate,
 * the moof's pssh boxes in boxes (reset first; the caller points
 * t->moof_pssh at them), and records the period (kid, first_segment, HLS
 * key lines) in rendition rend's entry of enc.  Returns 0 or a negative
 * code (SV_EUSAGE: no usable key) with a message in err.
 */
int sv_drm_cenc_period(const struct sv_drm_signal *sg, const json_t *kobj,
                       const char *rend, int64_t first,
                       struct sv_cenc_track *t, struct sv_buf *boxes,
                       json_t *enc, char *err, size_t size);

/*
 * After the last period of rendition rend: its MPD signalling gets a
 * ClearKey pssh naming the periods' key ids (at most
 * SV_DRM_PSSH_MAX_KIDS) and its playlist one EXT-X-KEY line set per
 * period.  Returns 0 or a negative code with a message in err.
 */
int sv_drm_cenc_rotation_end(const char *rend, json_t *enc, char *err,
                             size_t size);

/*
 * Appends the rendered multivariant playlist pl with EXT-X-SESSION-KEY
 * tags for every key enc records (pl as is when enc is NULL).
 */
int sv_drm_hls_master_keys(const json_t *enc, const char *pl, size_t len,
                           struct sv_buf *out);

/*
 * Appends the rendered media playlist pl of rendition rend with the
 * EXT-X-KEY tags enc gives it (its own key, the default or the key
 * periods of aes-128 rotation).
 */
int sv_drm_hls_rendition_keys(const json_t *enc, const char *rend,
                              const char *pl, size_t len,
                              struct sv_buf *out);

#endif
