/* fuzz_graph_pages.c -- the Page pick from /me/accounts' answer
 * (lib/publish/graph_auth.c), JSON from the network */
#include <stdint.h>
#include <stdlib.h>

#include "core/json.h"
#include "publish/platform_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[64], tok[4096], err[512];
    json_t *o = json_loadb((const char *)data, size, 0, NULL);

    sv__graph_pick_page(o, NULL, id, sizeof(id), tok, sizeof(tok), err,
                        sizeof(err));
    sv__graph_pick_page(o, "1234567890", id, sizeof(id), tok, sizeof(tok),
                        err, sizeof(err));
    /* short buffers: a long id or token is refused, not cut */
    sv__graph_pick_page(o, NULL, id, 4, tok, 8, err, 16);
    json_decref(o);
    return 0;
}
