/* main.c -- sv-drm: keys, tokens, CPIX, license server */
#include <string.h>

#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "verbs.h"

/* one row per subcommand, as git's builtin table (keep in --help's order) */
static const struct {
    const char *name;
    int (*run)(struct sv_drm_opts *o);
} verbs[] = {
    { "keygen", sv_drm_cmd_keygen },
    { "keys", sv_drm_cmd_keys },
    { "token", sv_drm_cmd_token },
    { "cpix", sv_drm_cmd_cpix },
    { "encrypt", sv_drm_cmd_encrypt },
    { "decrypt", sv_drm_cmd_decrypt },
    { "serve", sv_drm_cmd_serve },
    { "ledger", sv_drm_cmd_ledger },
    { "watermark", sv_drm_cmd_watermark },
};

int
main(int argc, char **argv)
{
    struct sv_drm_opts *o = &sv_drm_opts;
    struct sv_opt_result r;
    size_t i;

    sv_log_init("sv-drm");
    if (sv_opt_parse(&sv_drm_tool, argc, argv, &r) < 0)
        return SV_EXIT_USAGE;
    if (r.done)
        return SV_EXIT_OK;
    o->cmd = r.cmd;
    o->args = r.argv;
    o->nargs = r.argc;
    o->scheme_set = sv_opt_given(&r, "scheme");
    if (sv_opt_conflict(o->store != NULL, "store", o->key_file != NULL,
                        "key") < 0)
        return SV_EXIT_USAGE;
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verbs[i].name, o->cmd) == 0)
            return verbs[i].run(o);
    /* sv_opt_parse() knows the same names from the table's cmds */
    sv_log_error("internal error: no command '%s'", o->cmd);
    return SV_EXIT_FAIL;
}
