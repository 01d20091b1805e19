/* main.c -- sv-drm: keys, tokens, CPIX, license server */
#include <string.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/textenc.h"
#include "drm/cidr.h"
#include "drm/cpix.h"
#include "run.h"

extern const struct sv_tool sv_drm_tool;
int sv_drm_opt_cb(void *ud, int key, const char *arg);

/* Checks operands and option combinations per command. */
static int
check(struct sv_drm_opts *o)
{
    const char *c = o->cmd;
    uint8_t b[16];
    int i;

    for (i = 0; i < o->nkids; i++)
        if (sv_drm_uuid_parse(o->kids[i], b) < 0)
            return sv_opt_usage_error("bad --kid '%s': expected 32 hex "
                                      "digits or a UUID", o->kids[i]);
    if (sv_opt_conflict(o->store != NULL, "--store", o->key_file != NULL,
                        "--key") < 0)
        return SV_EUSAGE;
    if (strcmp(c, "keygen") == 0) {
        if (o->nargs > 0)
            return sv_opt_usage_error("unexpected argument '%s'",
                                      o->args[0]);
    } else if (strcmp(c, "keys") == 0 || strcmp(c, "serve") == 0) {
        if (o->nargs > 0)
            return sv_opt_usage_error("unexpected argument '%s'",
                                      o->args[0]);
        if (o->store == NULL && o->key_file == NULL)
            return sv_opt_usage_error("%s needs --store or --key", c);
        if ((o->tls_cert == NULL) != (o->tls_key == NULL))
            return sv_opt_usage_error("--tls-cert and --tls-key go "
                                      "together");
        if (strncmp(o->listen, "https://", 8) == 0 && o->tls_cert == NULL)
            return sv_opt_usage_error("an https:// --listen needs "
                                      "--tls-cert and --tls-key");
        if (strncmp(o->listen, "https://", 8) != 0 && o->tls_cert != NULL)
            return sv_opt_usage_error("--tls-cert needs an https:// "
                                      "--listen");
    } else if (strcmp(c, "token") == 0) {
        if (o->nargs < 1 || (strcmp(o->args[0], "sign") != 0 &&
                             strcmp(o->args[0], "verify") != 0))
            return sv_opt_usage_error("token needs 'sign' or 'verify'");
        if (strcmp(o->args[0], "sign") == 0 ? o->nargs != 1 : o->nargs != 2)
            return sv_opt_usage_error(strcmp(o->args[0], "sign") == 0
                                      ? "token sign takes no argument"
                                      : "token verify needs one token "
                                        "or -");
        if (strcmp(o->args[0], "verify") == 0 && o->nclients > 1)
            return sv_opt_usage_error("token verify takes one --client");
        if (strcmp(o->args[0], "verify") == 0 && o->nclients == 1 &&
            sv_drm_addr_parse(o->clients[0], b) < 0)
            return sv_opt_usage_error("bad --client '%s': expected an "
                                      "address", o->clients[0]);
        o->client = o->nclients == 1 ? o->clients[0] : NULL;
    } else if (strcmp(c, "cpix") == 0) {
        if (o->nargs != 1)
            return sv_opt_usage_error("cpix needs one URL");
        if (o->content_id == NULL)
            return sv_opt_usage_error("cpix needs --content-id");
        if (o->nkids > SV_CPIX_MAX_KEYS || o->nlabels > SV_CPIX_MAX_KEYS)
            return sv_opt_usage_error("cpix asks for at most %d keys",
                                      SV_CPIX_MAX_KEYS);
        if (strcmp(o->scheme, "aes-128") == 0)
            return sv_opt_usage_error("cpix takes --scheme cenc or cbcs");
    } else if (strcmp(c, "encrypt") == 0 || strcmp(c, "decrypt") == 0) {
        if (o->nargs != 1)
            return sv_opt_usage_error("%s needs one package directory", c);
        if (o->store == NULL && o->key_file == NULL)
            return sv_opt_usage_error("%s needs --store or --key", c);
        if (!o->scheme_set && strcmp(c, "encrypt") == 0)
            return sv_opt_usage_error("encrypt needs --scheme");
        if (strcmp(c, "encrypt") == 0 && strcmp(o->scheme, "aes-128") == 0 &&
            o->key_uri == NULL)
            return sv_opt_usage_error("--scheme aes-128 needs --key-uri");
        if (o->rotate > 0 && strcmp(o->scheme, "aes-128") != 0)
            return sv_opt_usage_error("--rotate applies to --scheme aes-128");
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct sv_drm_opts o;
    struct sv_opt_result r;
    int rc;

    sv_log_init("sv-drm");
    memset(&o, 0, sizeof(o));
    o.period_us = 3600000000LL;
    o.ttl_us = 3600000000LL;
    o.timeout_us = 30000000LL;
    o.systems = "widevine,playready,fairplay";
    o.scheme = "cenc";
    o.listen = "127.0.0.1:8443";
    o.cors = "*";
    o.stop_timeout_us = 10000000LL;
    o.rate = 50;
    o.events = "-";
    o.workers = 2;
    rc = sv_opt_parse(&sv_drm_tool, argc, argv, sv_drm_opt_cb, &o, &r);
    if (rc < 0)
        return SV_EXIT_USAGE;
    if (r.done)
        return SV_EXIT_OK;
    o.cmd = r.cmd;
    o.args = r.argv;
    o.nargs = r.argc;
    if (check(&o) < 0)
        return SV_EXIT_USAGE;
    if (strcmp(o.cmd, "keygen") == 0)
        return sv_drm_run_keygen(&o);
    if (strcmp(o.cmd, "keys") == 0)
        return sv_drm_run_keys(&o);
    if (strcmp(o.cmd, "token") == 0)
        return sv_drm_run_token(&o);
    if (strcmp(o.cmd, "cpix") == 0)
        return sv_drm_run_cpix(&o);
    if (strcmp(o.cmd, "encrypt") == 0)
        return sv_drm_run_encrypt(&o);
    if (strcmp(o.cmd, "serve") == 0)
        return sv_drm_run_serve(&o);
    return sv_drm_run_decrypt(&o);
}
