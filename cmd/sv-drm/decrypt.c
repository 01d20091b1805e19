/* decrypt.c -- `sv-drm decrypt`: undo what encrypt did to a package */
#include "core/exit.h"
#include "core/opt.h"
#include "verbs.h"

int
sv_drm_cmd_decrypt(struct sv_drm_opts *o)
{
    if (o->nargs != 1) {
        sv_opt_usage_error("decrypt needs one package directory");
        return SV_EXIT_USAGE;
    }
    if (o->store == NULL && o->key_file == NULL) {
        sv_opt_usage_error("decrypt needs --store or --key");
        return SV_EXIT_USAGE;
    }
    /* --rotate does not apply to decrypt, so only encrypt checks it */
    return sv__drm_protect(o, 0);
}
