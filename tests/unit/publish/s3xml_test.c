/* s3xml_test.c -- lib/publish/s3xml.c: S3 replies, entities, bounds */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "publish/s3xml.h"
#include "t.h"

struct seen {
    char log[2048];
};

static int
collect(void *ud, const char *path, const char *text, size_t len)
{
    struct seen *s = ud;
    size_t n = strlen(s->log);

    (void)len;
    snprintf(s->log + n, sizeof(s->log) - n, "%s=%s;", path,
             text != NULL ? text : "(end)");
    return 0;
}

static void
reads_an_error_reply(void)
{
    const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<Error><Code>SignatureDoesNotMatch</Code>"
                    "<Message>a &amp; b &lt;c&gt; &#233;&#x41;</Message>"
                    "<RequestId/></Error>";
    struct seen s = { "" };

    CHECK_INT(sv_s3xml_parse(x, strlen(x), collect, &s), 0);
    CHECK_STR(s.log, "Error/Code=SignatureDoesNotMatch;"
              "Error/Message=a & b <c> \xc3\xa9" "A;Error/RequestId=;");
}

static void
reads_list_parts_with_namespace_and_records(void)
{
    const char *x = "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/"
                    "2006-03-01/\"><IsTruncated>false</IsTruncated>"
                    "<Part><PartNumber>1</PartNumber><ETag>&quot;ab&quot;"
                    "</ETag></Part><!-- c --><s3:Part><PartNumber>2"
                    "</PartNumber></s3:Part></ListPartsResult>";
    struct seen s = { "" };

    CHECK_INT(sv_s3xml_parse(x, strlen(x), collect, &s), 0);
    CHECK_STR(s.log, "ListPartsResult/IsTruncated=false;"
              "ListPartsResult/Part/PartNumber=1;"
              "ListPartsResult/Part/ETag=\"ab\";ListPartsResult/Part=(end);"
              "ListPartsResult/Part/PartNumber=2;ListPartsResult/Part=(end);");
}

static void
refuses_malformed_and_oversized_input(void)
{
    static const char *const bad[] = {
        "", "text", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>",
        "<a>&#0;</a>", "<a>&#x110000;</a>", "<a></a><b></b>",
        "<!DOCTYPE a><a/>", "<a><![CDATA[x]]></a>", "<a x=\"1></a>",
        "<a>&#12345678;</a>", "</a>", "<a><?pi?></a>", NULL,
    };
    char deep[512] = "", big[SV_S3XML_MAX_TEXT + 32];
    struct seen s;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        memset(&s, 0, sizeof(s));
        if (sv_s3xml_parse(bad[i], strlen(bad[i]), collect, &s) !=
            SV_EFORMAT) {
            printf("#   accepted: %s\n", bad[i]);
            t_failed_++;
        }
    }
    for (i = 0; i <= SV_S3XML_MAX_DEPTH; i++)
        strcat(deep, "<a>");
    CHECK_INT(sv_s3xml_parse(deep, strlen(deep), collect, &s), SV_EFORMAT);
    memset(big, 'x', sizeof(big));
    memcpy(big, "<a>", 3);
    memcpy(big + sizeof(big) - 5, "</a>", 5);
    memset(&s, 0, sizeof(s));
    CHECK_INT(sv_s3xml_parse(big, strlen(big), collect, &s), SV_EFORMAT);
}

static int
stop_at_second(void *ud, const char *path, const char *text, size_t len)
{
    int *n = ud;

    (void)path;
    (void)text;
    (void)len;
    return ++*n == 2 ? 7 : 0;
}

static void
a_callback_can_stop_the_parse(void)
{
    const char *x = "<r><a>1</a><b>2</b><c>3</c></r>";
    int n = 0;

    CHECK_INT(sv_s3xml_parse(x, strlen(x), stop_at_second, &n), 7);
    CHECK_INT(n, 2);
}

int
main(void)
{
    RUN(reads_an_error_reply);
    RUN(reads_list_parts_with_namespace_and_records);
    RUN(refuses_malformed_and_oversized_input);
    RUN(a_callback_can_stop_the_parse);
    return DONE();
}
