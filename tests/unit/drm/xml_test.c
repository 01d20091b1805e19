/* xml_test.c -- lib/drm/xml.c and lib/drm/cpix.c */
#include "core/err.h"
#include "core/textenc.h"
#include "drm/cpix.h"
#include "drm/xml.h"
#include "t.h"

static struct sv_xml *
parse(const char *s, int want)
{
    struct sv_xml *x = NULL;
    char err[128];

    CHECK_INT(sv_xml_parse(s, strlen(s), &x, err, sizeof(err)), want);
    return x;
}

static void
reads_names_namespaces_text_and_entities(void)
{
    struct sv_xml *x;
    struct sv_xml_node *r, *c;

    x = parse("<?xml version='1.0'?><!-- c --><p:a xmlns:p='urn:p' "
              "xmlns='urn:d' k=\"&lt;&#x41;&#66;&quot;\">t&amp;"
              "<![CDATA[<r>]]><b/><p:c>x</p:c><b>2</b></p:a>\n", 0);
    r = sv_xml_root(x);
    CHECK_STR(r->local, "a");
    CHECK_STR(r->ns, "urn:p");
    CHECK_STR(sv_xml_attr(r, "k"), "<AB\"");
    CHECK_STR(r->text, "t&<r>");
    c = sv_xml_child(r, "urn:d", "b");
    CHECK(c != NULL);
    CHECK_STR(c->text, "");
    c = sv_xml_next(c, "urn:d", "b");
    CHECK_STR(c->text, "2");
    CHECK(sv_xml_child(r, "urn:d", "c") == NULL);
    CHECK_STR(sv_xml_child(r, "urn:p", "c")->text, "x");
    sv_xml_free(x);
}

static void
refuses_what_it_must(void)
{
    char deep[200];
    int i;

    parse("<a>", SV_EFORMAT);
    parse("<a></b>", SV_EFORMAT);
    parse("<a x='1' x='2'/>", SV_EFORMAT);
    parse("<a>&unknown;</a>", SV_EFORMAT);
    parse("<a>&#0;</a>", SV_EFORMAT);
    parse("<!DOCTYPE a><a/>", SV_EFORMAT);
    parse("<p:a/>", SV_EFORMAT);               /* undeclared prefix */
    parse("<a/><b/>", SV_EFORMAT);
    parse("", SV_EFORMAT);
    for (i = 0; i < 40; i++)
        memcpy(deep + 3 * i, "<a>", 3);
    deep[120] = '\0';
    parse(deep, SV_ELIMIT);
}

static void
cpix_request_round_trips_through_the_reader(void)
{
    struct sv_cpix_req req;
    struct sv_xml *x;
    struct sv_xml_node *r, *n;
    char *doc, err[128];
    size_t len;
    int count = 0;

    memset(&req, 0, sizeof(req));
    req.content_id = "a&b";
    req.scheme = "cbcs";
    req.systems = 1 | 4;
    req.nkeys = 2;
    req.keys[0].kid[0] = 1;
    req.keys[1].kid[0] = 2;
    req.keys[1].label = "audio";
    CHECK_INT(sv_cpix_request(&req, &doc, &len), 0);
    CHECK_INT(sv_xml_parse(doc, len, &x, err, sizeof(err)), 0);
    r = sv_xml_root(x);
    CHECK_STR(sv_xml_attr(r, "contentId"), "a&b");
    n = sv_xml_child(sv_xml_child(r, SV_CPIX_NS, "DRMSystemList"),
                     SV_CPIX_NS, "DRMSystem");
    for (; n != NULL; n = sv_xml_next(n, SV_CPIX_NS, "DRMSystem"))
        count++;
    CHECK_INT(count, 4);
    n = sv_xml_child(sv_xml_child(r, SV_CPIX_NS, "ContentKeyList"),
                     SV_CPIX_NS, "ContentKey");
    CHECK_STR(sv_xml_attr(n, "kid"), "01000000-0000-0000-0000-000000000000");
    CHECK_STR(sv_xml_attr(n, "commonEncryptionScheme"), "cbcs");
    sv_xml_free(x);
    free(doc);
}

int
main(void)
{
    RUN(reads_names_namespaces_text_and_entities);
    RUN(refuses_what_it_must);
    RUN(cpix_request_round_trips_through_the_reader);
    return DONE();
}
