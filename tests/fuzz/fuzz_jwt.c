/* fuzz_jwt.c -- JWT verification and claim checks (lib/drm/jwt.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/textenc.h"
#include "crypto/cipher.h"
#include "crypto/hmac.h"
#include "drm/jwt.h"

static const uint8_t secret[] = "fuzzing-secret-fuzzing-secret-32";

static void
check(const char *tok, size_t len)
{
    struct sv_drm_jwt_keys k = { secret, sizeof(secret) - 1, NULL };
    struct sv_drm_jwt_want w = { 0 };
    uint8_t kid[1][16] = { { 1 } }, addr[16];
    char err[256];
    json_t *c;

    if (sv_drm_jwt_verify(tok, len, &k, 1000, 30, &c, err, sizeof(err)) < 0)
        return;
    sv_drm_addr_parse("192.0.2.1", addr);
    w.content_id = "movie";
    w.kids = (const uint8_t (*)[16])kid;
    w.nkids = 1;
    w.addr = addr;
    sv_drm_jwt_allow(c, &w, err, sizeof(err));
    json_decref(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char hdr[] = "eyJhbGciOiJIUzI1NiJ9.";   /* {"alg":"HS256"} */
    uint8_t mac[32];
    char *tok;
    size_t n, h = sizeof(hdr) - 1;

    /* the input as a token */
    check((const char *)data, size);
    /* the input as the claims of a correctly signed token */
    if (size > SV_DRM_JWT_MAX)
        return 0;
    tok = malloc(h + sv_b64_len(size, 1) + 2 + sv_b64_len(32, 1) + 1);
    if (tok == NULL)
        return 0;
    memcpy(tok, hdr, h);
    sv_b64_encode(data, size, tok + h, 1);
    n = strlen(tok);
    sv_hmac_sha256(secret, sizeof(secret) - 1, tok, n, mac);
    tok[n] = '.';
    sv_b64_encode(mac, 32, tok + n + 1, 1);
    check(tok, strlen(tok));
    free(tok);
    return 0;
}
