/* fuzz_cpix.c -- the XML reader and the CPIX reply parser (lib/drm) */
#include <stdint.h>
#include <string.h>

#include "drm/cpix.h"
#include "drm/xml.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_cpix_req req;
    struct sv_xml *x;
    json_t *doc;
    char err[256];

    if (sv_xml_parse((const char *)data, size, &x, err, sizeof(err)) == 0)
        sv_xml_free(x);
    if (sv_cpix_parse((const char *)data, size, NULL, &doc, err,
                      sizeof(err)) == 0)
        json_decref(doc);
    memset(&req, 0, sizeof(req));
    req.content_id = "movie";
    req.scheme = "cenc";
    req.nkeys = 1;
    memcpy(req.keys[0].kid, "\x98\xee\x55\x96\xcd\x3e\xa2\x0d\x16\x3a\xe3"
           "\x82\x42\x0c\x6e\xff", 16);
    if (sv_cpix_parse((const char *)data, size, &req, &doc, err,
                      sizeof(err)) == 0)
        json_decref(doc);
    return 0;
}
