/* ingest_http.h -- the one HTTP call sv-ingest makes (libcurl) */
#ifndef SV_INGEST_HTTP_H
#define SV_INGEST_HTTP_H

#include <stddef.h>

/*
 * POSTs body (JSON) to url, waiting at most timeout_ms.  Stores the HTTP
 * status in *status.  Returns 0, or a negative code with a message in err
 * (size bytes) when no answer came.  Blocking; thread-safe.
 */
int sv_ingest_http_post_json(const char *url, const char *body,
                             long timeout_ms, long *status, char *err,
                             size_t size);

#endif
