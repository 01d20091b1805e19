/* sigv4_test.c -- lib/publish/sigv4.c: AWS's own S3 examples, encoding */
#include <string.h>

#include "core/err.h"
#include "publish/sigv4.h"
#include "t.h"

static const struct sv_sigv4_key aws = {
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL,
    "us-east-1", "s3",
};

/* 2013-05-24T00:00:00Z, the date of AWS's SigV4 S3 examples */
#define WHEN ((time_t)1369353600)
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* "Example: GET Object" of the S3 API reference (sig-v4-header-based-auth) */
static void
get_object_matches_aws_example(void)
{
    const struct sv_sigv4_hdr h[] = {
        { "x-amz-date", "20130524T000000Z" },
        { "range", "bytes=0-9" },
        { "host", "examplebucket.s3.amazonaws.com" },
        { "x-amz-content-sha256", EMPTY },
    };
    char auth[512];

    CHECK_INT(sv_sigv4_sign(&aws, "GET", "/test.txt", "", h, 4, EMPTY, WHEN,
                            auth, sizeof(auth)), 0);
    CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
              "20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;"
              "x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857"
              "bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

/* "Example: GET Bucket Lifecycle" and "Get Bucket (List Objects)" */
static void
list_objects_matches_aws_example(void)
{
    const struct sv_sigv4_hdr h[] = {
        { "host", "examplebucket.s3.amazonaws.com" },
        { "x-amz-content-sha256", EMPTY },
        { "x-amz-date", "20130524T000000Z" },
    };
    const char *q[] = { "prefix", "J", "max-keys", "2", NULL };
    char query[256], auth[512];

    CHECK_INT(sv_sigv4_query(q, query, sizeof(query)), 19);
    CHECK_STR(query, "max-keys=2&prefix=J");
    CHECK_INT(sv_sigv4_sign(&aws, "GET", "/", query, h, 3, EMPTY, WHEN, auth,
                            sizeof(auth)), 0);
    CHECK(strstr(auth, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc5"
                 "9db6670ed5711ef69dc6f7") != NULL);
}

static void
query_sorts_and_writes_empty_values_with_equals(void)
{
    const char *q[] = { "uploads", "", "prefix", "a b/é", "list-type", "2",
                        "uploadId", NULL, NULL };
    char out[256];

    CHECK(sv_sigv4_query(q, out, sizeof(out)) > 0);
    CHECK_STR(out, "list-type=2&prefix=a%20b%2F%C3%A9&uploadId=&uploads=");
    CHECK_INT(sv_sigv4_query(q, out, 10), SV_ELIMIT);
}

static void
encode_keeps_unreserved_and_slashes_when_asked(void)
{
    char out[64];

    CHECK_INT(sv_sigv4_encode("v0/seg 1~_.-+.m4s", 1, out, sizeof(out)), 21);
    CHECK_STR(out, "v0/seg%201~_.-%2B.m4s");
    sv_sigv4_encode("a/b", 0, out, sizeof(out));
    CHECK_STR(out, "a%2Fb");
    CHECK_INT(sv_sigv4_encode("abcd", 0, out, 4), SV_ELIMIT);
}

int
main(void)
{
    RUN(get_object_matches_aws_example);
    RUN(list_objects_matches_aws_example);
    RUN(query_sorts_and_writes_empty_values_with_equals);
    RUN(encode_keeps_unreserved_and_slashes_when_asked);
    return DONE();
}
