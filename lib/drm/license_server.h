/* license_server.h -- the licence and key server of `sv-drm serve` */
#ifndef SV_LICENSE_SERVER_H
#define SV_LICENSE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "drm/cidr.h"
#include "drm/jwt.h"

struct sv_ledger;

/* Loads the key document (at start and on SIGHUP): 0 or a negative code. */
typedef int (*sv_license_load_fn)(void *ud, json_t **doc);

struct sv_license_conf {
    const char *const *listen;          /* "[http[s]://]ADDR:PORT", ... */
    size_t nlisten;
    unsigned workers;                   /* event loops (threads) */
    const char *tls_cert, *tls_key;     /* PEM, for https://, or NULL */
    uint64_t stop_timeout_ms;           /* graceful stop bound */
    const char *cors;                   /* allowed origin, "*", or NULL */
    double rate;                        /* requests/s per address; 0 none */
    const struct sv_drm_jwt_keys *jwt;
    const struct sv_drm_geo *geo;       /* NULL: no country table */
    sv_license_load_fn load;
    void *ud;
    struct sv_ledger *ledger;           /* NULL: none; closed at the end */
};

/*
 * Serves until SIGTERM or SIGINT (graceful, bounded by stop_timeout_ms):
 *   POST /license          W3C ClearKey: JSON request in, JWK set out
 *   GET  /hls/key/<kid>    the 16 key bytes (HLS AES-128 key delivery)
 *   OPTIONS                CORS preflight
 * Each needs a JWT ("Authorization: Bearer" or "?token="): 401 when it is
 * missing, bad or expired, 403 when it does not grant the key, 400 for a
 * bad request, 404 for an unknown key, 429 past the rate.  Emits one
 * drm.key.issued event per key handed out.  With a ledger, every answer
 * that hands out keys waits until its record is on disk (a 500 when it
 * cannot be written).  SIGHUP reloads the keys.
 * Returns 0 after a stop, or a negative code when it could not start.
 */
int sv_license_serve(const struct sv_license_conf *c);

#endif
