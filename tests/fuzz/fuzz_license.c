/* fuzz_license.c -- ClearKey license requests (lib/drm/license.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drm/license.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t secret[] = "fuzzing-secret-fuzzing-secret-32";
    struct sv_drm_jwt_keys jwt = { secret, sizeof(secret) - 1, NULL };
    struct sv_drm_license_req r, t;
    uint8_t addr[16] = { 0 };
    struct sv_drm_keytab tab;
    json_t *keys, *claims;
    const uint8_t *nl;
    char err[256], *out;
    size_t len, tlen = 0;

    /* "token\nbody" or just a body */
    nl = memchr(data, '\n', size);
    if (nl != NULL)
        tlen = (size_t)(nl - data);
    memset(&r, 0, sizeof(r));
    if (sv_drm_license_parse((const char *)data + (nl ? tlen + 1 : 0),
                             size - (nl ? tlen + 1 : 0), &r, err,
                             sizeof(err)) < 0)
        return 0;
    /* the scanner's answer is the JSON tree's */
    memset(&t, 0, sizeof(t));
    if (sv_drm_license_parse_tree((const char *)data + (nl ? tlen + 1 : 0),
                                  size - (nl ? tlen + 1 : 0), &t, err,
                                  sizeof(err)) < 0 ||
        t.nkids != r.nkids || strcmp(t.type, r.type) != 0 ||
        memcmp(t.kids, r.kids, r.nkids * 16) != 0)
        abort();
    keys = json_pack("{s:i,s:[{s:s,s:s,s:s}]}", "v", 1, "keys", "kid",
                     "00112233445566778899aabbccddeeff", "key",
                     "000102030405060708090a0b0c0d0e0f", "content_id",
                     "movie");
    if (sv_drm_keytab_build(keys, &tab) < 0) {
        json_decref(keys);
        return 0;
    }
    if (sv_drm_license_authorize(&tab, &jwt, NULL, (const char *)data, tlen,
                                 addr, (const uint8_t (*)[16])r.kids,
                                 r.nkids, 1000, &claims, err,
                                 sizeof(err)) == 0) {
        if (sv_drm_license_response(&tab, (const uint8_t (*)[16])r.kids,
                                    r.nkids, r.type, &out, &len) == 0)
            free(out);
        json_decref(claims);
    }
    sv_drm_keytab_free(&tab);
    json_decref(keys);
    return 0;
}
