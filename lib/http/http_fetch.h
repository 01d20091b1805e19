/* http_fetch.h -- one HTTP POST for the CPIX client, through libcurl */
#ifndef SV_DRM_HTTP_FETCH_H
#define SV_DRM_HTTP_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct sv_drm_http_reply {
    long status;                /* HTTP status code */
    char *body;                 /* NUL-terminated; free() it */
    size_t len;
    char content_type[128];     /* "" when absent */
    char speke_version[32];     /* X-Speke-Version, "" when absent */
};

/*
 * POSTs body (len bytes) to url with the given extra header lines
 * (NULL-terminated), following no redirects, reading at most max bytes of
 * reply, giving up after timeout_us.  On success fills r (any HTTP status
 * counts as success here).  On failure writes a message naming url into
 * err and returns a negative code (SV_EPROTO for transport errors,
 * SV_ELIMIT for a reply over max).
 */
int sv_drm_http_post(const char *url, const char *const *headers,
                     const char *body, size_t len, int64_t timeout_us,
                     size_t max, struct sv_drm_http_reply *r, char *err,
                     size_t size);

void sv_drm_http_reply_release(struct sv_drm_http_reply *r);

#endif
