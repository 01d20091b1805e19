/* fuzz_s3xml.c -- the XML of S3 replies (lib/publish/s3xml.c, s3.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/client.h"
#include "publish/s3.h"
#include "publish/s3xml.h"

static int
count(void *ud, const char *path, const char *text, size_t len)
{
    size_t *n = ud;

    *n += strlen(path) + (text != NULL ? len : 0);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_http_reply r;
    char out[700], id[512];
    size_t n = 0;

    sv_s3xml_parse((const char *)data, size, count, &n);
    /* the reply readers of s3.c, on a copy with the NUL a reply has */
    memset(&r, 0, sizeof(r));
    r.body = malloc(size + 1);
    if (r.body == NULL)
        return 0;
    memcpy(r.body, data, size);
    r.body[size] = '\0';
    r.len = size;
    r.status = 403;
    sv_s3_error(&r, out, sizeof(out));
    sv_s3_upload_id(&r, id, sizeof(id));
    free(r.body);
    return 0;
}
