/* main.c -- sv-publish: put packages and live streams where audiences are */
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "modes.h"

int
main(int argc, char **argv)
{
    struct sv_publish_opts *o = &sv_publish_opts;
    struct sv_opt_result r;

    sv_log_init("sv-publish");
    if (sv_opt_parse(&sv_publish_tool, argc, argv, &r) < 0)
        return SV_EXIT_USAGE;
    if (r.done)
        return SV_EXIT_OK;
    o->args = r.argv;
    o->nargs = r.argc;
    if (o->nsimulcast > 0)
        return sv_publish_cmd_simulcast(o);
    return sv_publish_cmd_store(o);
}
