/* s3.h -- S3 requests: addressing, signing, errors, the listing calls */
#ifndef SV_S3_H
#define SV_S3_H

#include <stddef.h>
#include <stdint.h>

#include "http/client.h"
#include "publish/awsconf.h"
#include "publish/sigv4.h"

#define SV_S3_URL_MAX 4096
#define SV_S3_HDR_MAX 16

struct sv_s3 {
    char base[1300];            /* "http://127.0.0.1:8000" (no slash) */
    char host[1200];            /* the Host header: what was signed */
    char bucket[256];
    int virtual_host;           /* bucket.host/key, not host/bucket/key */
    struct sv_sigv4_key key;    /* points into conf */
    const struct sv_awsconf *conf;
};

/*
 * A signed request, ready for sv_http_send() or a batch: q points into the
 * call, so it lives as long as the call.
 */
struct sv_s3_call {
    char url[SV_S3_URL_MAX];
    char store[8192];           /* the header lines */
    const char *hdrs[SV_S3_HDR_MAX + 1];
    char sha[65];               /* the payload hash sent */
    struct sv_http_req q;
};

/*
 * Sets s up for bucket at endpoint (http:// or https://, may carry a port
 * and no path).  conf must outlive s.  Returns 0 or SV_EUSAGE with a
 * message in err.
 */
int sv_s3_init(struct sv_s3 *s, const char *endpoint, const char *bucket,
               int virtual_host, const struct sv_awsconf *conf, char *err,
               size_t size);

/*
 * Builds and signs method on key (NULL or "": the bucket) with the query
 * pairs q (name, value, ..., NULL) and the extra headers h (lower-case
 * name, value, ..., NULL).  The payload hash is sha (hex) when not NULL,
 * else that of body/len.  The body is set by the caller on c->q after.
 * Returns 0 or SV_ELIMIT (a key or header too long).
 */
int sv_s3_call(const struct sv_s3 *s, struct sv_s3_call *c,
               const char *method, const char *key, const char *const *q,
               const char *const *h, const char *sha, const void *body,
               size_t len);

/*
 * Writes "<status> <Code>: <Message>" from an S3 error reply (or "<status>
 * <reason>" when it has no XML body) into out.
 */
void sv_s3_error(const struct sv_http_reply *r, char *out, size_t size);

/* Nonzero when an answer or a failure is worth another try (5xx, 429,
 * 408, a transport error). */
int sv_s3_retryable(int rc, long status);

/*
 * Sends a call, with up to retries more tries on retryable failures
 * (backoff 250 ms doubling).  Returns 0 with r filled (any status), or the
 * transport's negative code with a message in err.
 */
int sv_s3_send(struct sv_s3_call *c, int retries, struct sv_http_reply *r,
               char *err, size_t size);

/* One object of a listing. */
struct sv_s3_obj {
    char *key;                  /* the whole key */
    int64_t size;
    char etag[80];              /* without quotes */
};

/*
 * Lists the objects under prefix (ListObjectsV2, paged), sorted by key.
 * *objs is malloc'ed; free with sv_s3_objs_free.  Returns 0 or a negative
 * code with a message in err (S3 errors as sv_s3_error writes them).
 */
int sv_s3_list(const struct sv_s3 *s, const char *prefix, int retries,
               struct sv_s3_obj **objs, int *n, char *err, size_t size);
void sv_s3_objs_free(struct sv_s3_obj *objs, int n);

/* A part of a multipart upload as ListParts tells it. */
struct sv_s3_part {
    int number;
    int64_t size;
    char etag[80];
};

/*
 * The newest unfinished multipart upload of key (ListMultipartUploads),
 * its id into id (size bytes); returns 1 found, 0 none, or negative.
 */
int sv_s3_find_upload(const struct sv_s3 *s, const char *key, int retries,
                      char *id, size_t idsize, char *err, size_t size);

/* All parts of an upload (ListParts, paged); *parts malloc'ed. */
int sv_s3_list_parts(const struct sv_s3 *s, const char *key, const char *id,
                     int retries, struct sv_s3_part **parts, int *n,
                     char *err, size_t size);

/* Reads UploadId from a CreateMultipartUpload reply. */
int sv_s3_upload_id(const struct sv_http_reply *r, char *id, size_t size);

#endif
