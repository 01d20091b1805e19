/* opts.c -- the option table of sv-drm, pointing into sv_drm_opts */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/opt.h"
#include "core/textenc.h"
#include "verbs.h"

struct sv_drm_opts sv_drm_opts;

#define O sv_drm_opts
#define MAX SV_DRM_MAX_REPEAT

/* --content-id, --label, --sub: 1 to o->max characters */
static int
length(const struct sv_opt *o, const char *arg, size_t max)
{
    if (*arg == '\0' || strlen(arg) > max)
        return sv_opt_usage_error("bad --%s: 1 to %zu characters", o->name,
                                  max);
    return 0;
}

static int
content_id(const struct sv_opt *o, const char *arg)
{
    return length(o, arg, 256);
}

static int
label(const struct sv_opt *o, const char *arg)
{
    return length(o, arg, 64);
}

static int
sub(const struct sv_opt *o, const char *arg)
{
    return length(o, arg, 200);
}

static int
kid(const struct sv_opt *o, const char *arg)
{
    uint8_t b[16];

    if (sv_uuid_parse(arg, b) < 0)
        return sv_opt_usage_error("bad --kid '%s': expected 32 hex digits "
                                  "or a UUID", arg);
    return 0;
}

static int
country(const struct sv_opt *o, const char *arg)
{
    if (strlen(arg) != 2 || arg[0] < 'A' || arg[0] > 'Z' || arg[1] < 'A' ||
        arg[1] > 'Z')
        return sv_opt_usage_error("bad --country '%s': expected two capital "
                                  "letters", arg);
    return 0;
}

static int
path(const struct sv_opt *o, const char *arg)
{
    if (arg[0] != '/')
        return sv_opt_usage_error("bad --path '%s': expected an absolute "
                                  "path", arg);
    return 0;
}

/* a decimal number in [lo, hi] */
static int
number(const struct sv_opt *o, const char *arg, double lo, double hi)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(v >= lo && v <= hi))
        return sv_opt_usage_error("bad --%s '%s': expected a number from "
                                  "%g to %g", o->name, arg, lo, hi);
    return 0;
}

static int
amplitude(const struct sv_opt *o, const char *arg)
{
    return number(o, arg, 0.1, 16);
}

static int
fraction(const struct sv_opt *o, const char *arg)
{
    return number(o, arg, 0, 1);
}

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Keys"),
    { SV_OPT_STRING("store", 0, "<file>", "keystore (encrypted under "
                    "$SV_DRM_MASTER_KEY)", NULL, &O.store),
      .complete = "@file",
      .cmds = "keygen keys cpix encrypt decrypt serve ledger" },
    { SV_OPT_STRING("key", 0, "<file>", "key document (JSON, as keygen "
                    "prints)", NULL, &O.key_file),
      .complete = "@file", .cmds = "keys encrypt decrypt serve" },
    { SV_OPT_STRING("content-id", 0, "<id>", "content id the keys belong to",
                    NULL, &O.content_id),
      .cmds = "keygen keys token cpix encrypt decrypt", .cb = content_id },
    { SV_OPT_LIST("label", 0, "<name>", "one key per label (video, audio, "
                  "sd, hd)", O.labels, &O.nlabels, MAX),
      .cmds = "keygen keys cpix encrypt decrypt", .cb = label },
    { SV_OPT_LIST("kid", 0, "<hex>", "key id (hex or UUID)", O.kids,
                  &O.nkids, MAX),
      .cmds = "keys token cpix encrypt decrypt", .cb = kid },
    { SV_OPT_INT("periods", 0, "<n>", "rotation periods: n keys per label",
                 NULL, 1, 100000, &O.periods), .cmds = "keygen" },
    { SV_OPT_DURATION("period-length", 0, "length of one rotation period",
                      "1h", 1, INT64_MAX, &O.period_us), .cmds = "keygen" },
    { SV_OPT_STRING("output", 'o', "<file>", "write to a new file (mode "
                    "0600), not stdout", NULL, &O.output),
      .complete = "@file", .cmds = "keygen keys cpix ledger" },
    SV_OPT_SECTION("Tokens"),
    { SV_OPT_WORD("alg", 0, "<alg>", "JWT signature algorithm", NULL,
                  "HS256 ES256", &O.alg), .cmds = "token" },
    { SV_OPT_STRING("jwt-key", 0, "<pem>", "EC P-256 key for ES256 (private "
                    "to sign, public to verify)", NULL, &O.jwt_key),
      .complete = "@file", .cmds = "token serve" },
    { SV_OPT_DURATION("ttl", 0, "token lifetime", "1h", 1, INT64_MAX,
                      &O.ttl_us), .cmds = "token" },
    { SV_OPT_DURATION("not-before", 0, "token valid only from now plus this",
                      NULL, 1, INT64_MAX, &O.nbf_us), .cmds = "token" },
    { SV_OPT_LIST("client", 0, "<cidr>", "sign: allowed client range; "
                  "verify: client address", O.clients, &O.nclients, MAX),
      .cmds = "token" },
    { SV_OPT_LIST("country", 0, "<cc>", "allowed country (ISO 3166 "
                  "alpha-2)", O.countries, &O.ncountries, MAX),
      .cmds = "token", .cb = country },
    { SV_OPT_STRING("sub", 0, "<subject>", "subject of the token (a user or "
                    "session)", NULL, &O.sub), .cmds = "token", .cb = sub },
    { SV_OPT_STRING("path", 0, "<prefix>", "a signed-URL token for sv-serve: "
                    "sign for this path prefix, verify for this path", NULL,
                    &O.path), .cmds = "token", .cb = path },
    { SV_OPT_STRING("token-key", 0, "<file>", "signed-URL key file (else "
                    "$SV_TOKEN_KEY)", NULL, &O.token_key),
      .complete = "@file", .cmds = "token" },
    { SV_OPT_STRING("geo", 0, "<file>", "country table: lines 'CC "
                    "address/prefix'", NULL, &O.geo),
      .complete = "@file", .cmds = "token serve" },
    SV_OPT_SECTION("Encryption"),
    { SV_OPT_WORD("scheme", 0, "<scheme>", "encryption scheme (aes-128: "
                  "encrypt only)", "cenc", "cenc cbcs aes-128", &O.scheme),
      .cmds = "cpix encrypt" },
    { SV_OPT_STRING("systems", 0, "<list>", "DRM systems to signal "
                    "(widevine,playready,fairplay,clearkey)",
                    "widevine,playready,fairplay", &O.systems),
      .cmds = "cpix encrypt" },
    { SV_OPT_STRING("key-uri", 0, "<uri>", "HLS key URI for aes-128 and "
                    "ClearKey; {kid} becomes the key id", NULL, &O.key_uri),
      .cmds = "encrypt" },
    { SV_OPT_INT("rotate", 0, "<n>", "aes-128: a new key every n segments",
                 NULL, 1, 1000000, &O.rotate), .cmds = "encrypt" },
    { SV_OPT_INT("crypto-period", 0, "<n>", "cenc/cbcs: key rotation, a new "
                 "key every n segments", NULL, 1, 1000000, &O.crypto_period),
      .cmds = "encrypt" },
    { SV_OPT_DURATION("timeout", 0, "give up on the key server after", "30s",
                      1, INT64_MAX, &O.timeout_us), .cmds = "cpix" },
    SV_OPT_SECTION("Server"),
    { SV_OPT_STRING("listen", 0, "<url>", "serve licenses on "
                    "[http://]addr:port or https://addr:port ([addr] for "
                    "IPv6)", "127.0.0.1:8443", &O.listen), .cmds = "serve" },
    { SV_OPT_STRING("tls-cert", 0, "<file>", "PEM certificate chain for an "
                    "https:// --listen (HTTP/2 by ALPN)", NULL, &O.tls_cert),
      .complete = "@file", .cmds = "serve" },
    { SV_OPT_STRING("tls-key", 0, "<file>", "PEM private key of --tls-cert",
                    NULL, &O.tls_key), .complete = "@file", .cmds = "serve" },
    { SV_OPT_INT("workers", 0, "<n>", "event loops (threads)", "2", 1, 64,
                 &O.workers), .cmds = "serve" },
    { SV_OPT_STRING("cors", 0, "<origin>", "Access-Control-Allow-Origin "
                    "value (empty: none)", "*", &O.cors), .cmds = "serve" },
    { SV_OPT_INT("rate", 0, "<n>", "requests per second per client address "
                 "(0: no limit)", "50", 0, 10000000, &O.rate),
      .cmds = "serve" },
    { SV_OPT_DURATION("stop-timeout", 0, "on SIGTERM, time left to requests "
                      "in flight", "10s", 1, INT64_MAX, &O.stop_timeout_us),
      .cmds = "serve" },
    { SV_OPT_EVENTS("-", &O.events), .cmds = "serve" },
    SV_OPT_SECTION("Ledger"),
    { SV_OPT_STRING("ledger", 0, "<file>", "append every key handed out to "
                    "this ledger (needs --store)", NULL, &O.ledger),
      .complete = "@file", .cmds = "serve" },
    { SV_OPT_INT("checkpoint-every", 0, "<n>", "a signed checkpoint every n "
                 "records", "1000", 1, 100000000, &O.checkpoint_every),
      .cmds = "serve" },
    { SV_OPT_DURATION("checkpoint-interval", 0, "and at most this long "
                      "after a record", "10s", 1000, INT64_MAX,
                      &O.checkpoint_us), .cmds = "serve" },
    { SV_OPT_STRING("pubkey", 0, "<pem>", "verify: check checkpoints with "
                    "this Ed25519 public key", NULL, &O.pubkey),
      .complete = "@file", .cmds = "ledger" },
    { SV_OPT_STRING("checkpoint", 0, "<file>", "verify: a checkpoint "
                    "exported earlier, which the ledger must hold", NULL,
                    &O.checkpoint), .complete = "@file", .cmds = "ledger" },
    { SV_OPT_STRING("since", 0, "<seq|time>", "show: records from this seq "
                    "or UTC time (2026-11-21T16:23)", NULL, &O.since),
      .cmds = "ledger" },
    SV_OPT_SECTION("Watermark"),
    { SV_OPT_STRING("watermark-key", 0, "<file>", "the mark's secret (at "
                    "least 16 bytes; else $SV_WATERMARK_KEY_FILE)", NULL,
                    &O.wm_key), .complete = "@file", .cmds = "watermark" },
    { SV_OPT_STRING("amplitude", 0, "<levels>", "embed: luma levels the "
                    "pattern adds or takes", "1.5", &O.wm_amplitude),
      .cmds = "watermark", .cb = amplitude },
    { SV_OPT_INT("crf", 0, "<n>", "embed: x264 CRF of the variants", "16",
                 0, 51, &O.wm_crf), .cmds = "watermark" },
    { SV_OPT_WORD("preset", 0, "<name>", "embed: x264 preset of the "
                  "variants", "veryfast", "ultrafast superfast veryfast "
                  "faster fast medium slow slower veryslow", &O.wm_preset),
      .cmds = "watermark" },
    { SV_OPT_STRING("package", 0, "<dir>", "detect: the marked package",
                    NULL, &O.package), .complete = "@dir",
      .cmds = "watermark" },
    { SV_OPT_STRING("viewers", 0, "<file>", "detect: candidate subjects, "
                    "one a line", NULL, &O.viewers), .complete = "@file",
      .cmds = "watermark" },
    { SV_OPT_STRING("threshold", 0, "<rho>", "detect: a segment's "
                    "correlation at or below this says nothing", "0.05",
                    &O.wm_threshold), .cmds = "watermark", .cb = fraction },
    { SV_OPT_STRING("max-false", 0, "<p>", "detect: name a viewer only when "
                    "an innocent one is at most this likely to match",
                    "1e-6", &O.wm_max_false), .cmds = "watermark",
      .cb = fraction },
    SV_OPT_END,
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
    { "serve", "(--store <file> | --key <file>) [--ledger <file>]",
      "ClearKey license and HLS key server gated by JWTs" },
    { "ledger", "verify | show | checkpoint <ledger> | pubkey --store <file>",
      "check, list or seal the licence ledger serve writes" },
    { "watermark", "embed <dir> | detect <capture> --package <dir> "
      "--viewers <file>",
      "A/B forensic watermark: mark a package, name a capture's viewer" },
    { NULL, NULL, NULL },
};

const struct sv_tool sv_drm_tool = {
    "sv-drm", "keys, encryption, license server and tokens", usage, cmds,
    rows,
};
