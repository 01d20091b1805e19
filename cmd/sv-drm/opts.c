/* opts.c -- the option table of sv-drm, and how each row sets the options */
#include <string.h>

#include "core/opt.h"
#include "core/parse.h"
#include "run.h"

enum {
    K_STORE = 256, K_KEY, K_CONTENT_ID, K_LABEL, K_KID, K_PERIODS,
    K_PERIOD_LENGTH, K_ALG, K_JWT_KEY, K_TTL, K_NOT_BEFORE, K_CLIENT,
    K_COUNTRY, K_GEO, K_SYSTEMS, K_TIMEOUT, K_LISTEN, K_CORS, K_RATE,
    K_EVENTS, K_SCHEME, K_KEY_URI, K_ROTATE, K_WORKERS, K_PATH, K_TOKEN_KEY,
    K_SUB, K_TLS_CERT, K_TLS_KEY, K_STOP_TIMEOUT,
};

static const struct sv_opt rows[] = {
    { NULL, 0, NULL, "Keys", NULL, NULL, NULL, 0 },
    { "store", K_STORE, "<file>",
      "keystore (encrypted under $SV_DRM_MASTER_KEY)", NULL, "@file",
      "keygen keys cpix encrypt decrypt serve", 0 },
    { "key", K_KEY, "<file>", "key document (JSON, as keygen prints)", NULL,
      "@file", "keys encrypt decrypt serve", 0 },
    { "content-id", K_CONTENT_ID, "<id>", "content id the keys belong to",
      NULL, NULL, "keygen keys token cpix encrypt decrypt", 0 },
    { "label", K_LABEL, "<name>",
      "one key per label (video, audio, sd, hd); repeatable", NULL, NULL,
      "keygen keys cpix encrypt decrypt", SV_OPT_REPEAT },
    { "kid", K_KID, "<hex>", "key id (hex or UUID); repeatable", NULL, NULL,
      "keys token cpix encrypt decrypt", SV_OPT_REPEAT },
    { "periods", K_PERIODS, "<n>", "rotation periods: n keys per label",
      NULL, NULL, "keygen", 0 },
    { "period-length", K_PERIOD_LENGTH, "<dur>",
      "length of one rotation period", "1h", NULL, "keygen", 0 },
    { "output", 'o', "<file>", "write to a new file (mode 0600), not stdout",
      NULL, "@file", "keygen keys cpix", 0 },
    { NULL, 0, NULL, "Tokens", NULL, NULL, NULL, 0 },
    { "alg", K_ALG, "<alg>", "JWT signature algorithm", NULL,
      "HS256 ES256", "token", 0 },
    { "jwt-key", K_JWT_KEY, "<pem>",
      "EC P-256 key for ES256 (private to sign, public to verify)", NULL,
      "@file", "token serve", 0 },
    { "ttl", K_TTL, "<dur>", "token lifetime", "1h", NULL, "token", 0 },
    { "not-before", K_NOT_BEFORE, "<dur>",
      "token valid only from now plus this", NULL, NULL, "token", 0 },
    { "client", K_CLIENT, "<cidr>",
      "sign: allowed client range, repeatable; verify: client address",
      NULL, NULL, "token", SV_OPT_REPEAT },
    { "country", K_COUNTRY, "<cc>",
      "allowed country (ISO 3166 alpha-2); repeatable", NULL, NULL, "token",
      SV_OPT_REPEAT },
    { "sub", K_SUB, "<subject>", "subject of the token (a user or session)",
      NULL, NULL, "token", 0 },
    { "path", K_PATH, "<prefix>",
      "a signed-URL token for sv-serve: sign for this path prefix, verify "
      "for this path", NULL, NULL, "token", 0 },
    { "token-key", K_TOKEN_KEY, "<file>",
      "signed-URL key file (else $SV_TOKEN_KEY)", NULL, "@file", "token",
      0 },
    { "geo", K_GEO, "<file>", "country table: lines 'CC address/prefix'",
      NULL, "@file", "token serve", 0 },
    { NULL, 0, NULL, "CPIX", NULL, NULL, NULL, 0 },
    { NULL, 0, NULL, "Encryption", NULL, NULL, NULL, 0 },
    { "scheme", K_SCHEME, "<scheme>",
      "encryption scheme (aes-128: encrypt only)", "cenc",
      "cenc cbcs aes-128", "cpix encrypt", 0 },
    { "systems", K_SYSTEMS, "<list>",
      "DRM systems to signal (widevine,playready,fairplay,clearkey)",
      "widevine,playready,fairplay", NULL, "cpix encrypt", 0 },
    { "key-uri", K_KEY_URI, "<uri>",
      "HLS key URI for aes-128 and ClearKey; {kid} becomes the key id",
      NULL, NULL, "encrypt", 0 },
    { "rotate", K_ROTATE, "<n>", "aes-128: a new key every n segments",
      NULL, NULL, "encrypt", 0 },
    { "timeout", K_TIMEOUT, "<dur>", "give up on the key server after",
      "30s", NULL, "cpix", 0 },
    { NULL, 0, NULL, "Server", NULL, NULL, NULL, 0 },
    { "listen", K_LISTEN, "<url>",
      "serve licenses on [http://]addr:port or https://addr:port ([addr] "
      "for IPv6)", "127.0.0.1:8443", NULL, "serve", 0 },
    { "tls-cert", K_TLS_CERT, "<file>",
      "PEM certificate chain for an https:// --listen (HTTP/2 by ALPN)",
      NULL, "@file", "serve", 0 },
    { "tls-key", K_TLS_KEY, "<file>", "PEM private key of --tls-cert", NULL,
      "@file", "serve", 0 },
    { "workers", K_WORKERS, "<n>", "event loops (threads)", "2", NULL,
      "serve", 0 },
    { "cors", K_CORS, "<origin>",
      "Access-Control-Allow-Origin value (empty: none)", "*", NULL, "serve",
      0 },
    { "rate", K_RATE, "<n>",
      "requests per second per client address (0: no limit)", "50", NULL,
      "serve", 0 },
    { "stop-timeout", K_STOP_TIMEOUT, "<dur>",
      "on SIGTERM, time left to requests in flight", "10s", NULL, "serve",
      0 },
    { "events", K_EVENTS, "<path>",
      "JSON events (drm.key.issued) to a path or fd:N", "-", "@file",
      "serve", 0 },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
};

static const char *const usage[] = {
    "<command> [options] [args]",
    NULL,
};

static const struct sv_subcmd cmds[] = {
    { "keygen", "[--content-id <id>] [--label <name>]... [--store <file>]",
      "make keys (key id, key, IV) from a CSPRNG" },
    { "keys", "(--store <file> | --key <file>) [--content-id <id>]",
      "export keys from a keystore" },
    { "token", "sign | verify <token>|-",
      "sign or check a license JWT (HS256, ES256) or a signed-URL token" },
    { "cpix", "<url> --content-id <id>",
      "fetch keys and DRM signalling from a CPIX key server" },
    { "encrypt", "--scheme <scheme> (--key <file> | --store <file>) <dir>",
      "encrypt a package (CENC cenc/cbcs or HLS AES-128)" },
    { "decrypt", "(--key <file> | --store <file>) <dir>",
      "decrypt a package sv-drm encrypted" },
    { "serve", "(--store <file> | --key <file>)",
      "ClearKey license and HLS key server gated by JWTs" },
    { NULL, NULL, NULL },
};

const struct sv_tool sv_drm_tool = {
    "sv-drm", "keys, encryption, license server and tokens", usage, cmds,
    rows,
};

static int
repeat(const char **list, int *n, const char *arg, const char *name)
{
    if (*n >= SV_DRM_MAX_REPEAT)
        return sv_opt_usage_error("too many --%s", name);
    list[(*n)++] = arg;
    list[*n] = NULL;
    return 0;
}

static int
duration(const char *arg, const char *name, int64_t *out)
{
    if (sv_parse_duration(arg, out) < 0 || *out <= 0)
        return sv_opt_usage_error("bad --%s '%s': expected a duration",
                                  name, arg);
    return 0;
}

int
sv_drm_opt_cb(void *ud, int key, const char *arg)
{
    struct sv_drm_opts *o = ud;

    switch (key) {
    case K_STORE: o->store = arg; break;
    case K_KEY: o->key_file = arg; break;
    case K_CONTENT_ID:
        if (*arg == '\0' || strlen(arg) > 256)
            return sv_opt_usage_error("bad --content-id: 1 to 256 "
                                      "characters");
        o->content_id = arg;
        break;
    case K_LABEL:
        if (*arg == '\0' || strlen(arg) > 64)
            return sv_opt_usage_error("bad --label: 1 to 64 characters");
        return repeat(o->labels, &o->nlabels, arg, "label");
    case K_KID: return repeat(o->kids, &o->nkids, arg, "kid");
    case K_PERIODS:
        if (sv_parse_int(arg, 1, 100000, &o->periods) < 0)
            return sv_opt_usage_error("bad --periods '%s': expected 1 to "
                                      "100000", arg);
        break;
    case K_PERIOD_LENGTH:
        return duration(arg, "period-length", &o->period_us);
    case 'o': o->output = arg; break;
    case K_ALG:
        if (strcmp(arg, "HS256") != 0 && strcmp(arg, "ES256") != 0)
            return sv_opt_usage_error("bad --alg '%s': expected HS256 or "
                                      "ES256", arg);
        o->alg = arg;
        break;
    case K_JWT_KEY: o->jwt_key = arg; break;
    case K_TTL: return duration(arg, "ttl", &o->ttl_us);
    case K_NOT_BEFORE: return duration(arg, "not-before", &o->nbf_us);
    case K_CLIENT: return repeat(o->clients, &o->nclients, arg, "client");
    case K_COUNTRY:
        if (strlen(arg) != 2 || arg[0] < 'A' || arg[0] > 'Z' ||
            arg[1] < 'A' || arg[1] > 'Z')
            return sv_opt_usage_error("bad --country '%s': expected two "
                                      "capital letters", arg);
        return repeat(o->countries, &o->ncountries, arg, "country");
    case K_GEO: o->geo = arg; break;
    case K_PATH:
        if (arg[0] != '/')
            return sv_opt_usage_error("bad --path '%s': expected an absolute "
                                      "path", arg);
        o->path = arg;
        break;
    case K_TOKEN_KEY: o->token_key = arg; break;
    case K_SUB:
        if (*arg == '\0' || strlen(arg) > 200)
            return sv_opt_usage_error("bad --sub: 1 to 200 characters");
        o->sub = arg;
        break;
    case K_SYSTEMS: o->systems = arg; break;
    case K_SCHEME:
        if (strcmp(arg, "cenc") != 0 && strcmp(arg, "cbcs") != 0 &&
            strcmp(arg, "aes-128") != 0)
            return sv_opt_usage_error("bad --scheme '%s': expected cenc, "
                                      "cbcs or aes-128", arg);
        o->scheme = arg;
        o->scheme_set = 1;
        break;
    case K_KEY_URI: o->key_uri = arg; break;
    case K_ROTATE:
        if (sv_parse_int(arg, 1, 1000000, &o->rotate) < 0)
            return sv_opt_usage_error("bad --rotate '%s': expected 1 to "
                                      "1000000", arg);
        break;
    case K_TIMEOUT: return duration(arg, "timeout", &o->timeout_us);
    case K_LISTEN: o->listen = arg; break;
    case K_TLS_CERT: o->tls_cert = arg; break;
    case K_TLS_KEY: o->tls_key = arg; break;
    case K_STOP_TIMEOUT:
        return duration(arg, "stop-timeout", &o->stop_timeout_us);
    case K_CORS: o->cors = arg; break;
    case K_RATE:
        if (sv_parse_int(arg, 0, 10000000, &o->rate) < 0)
            return sv_opt_usage_error("bad --rate '%s': expected 0 to "
                                      "10000000", arg);
        break;
    case K_EVENTS: o->events = arg; break;
    case K_WORKERS:
        if (sv_parse_int(arg, 1, 64, &o->workers) < 0)
            return sv_opt_usage_error("bad --workers '%s': expected 1 to 64",
                                      arg);
        break;
    }
    return 0;
}
