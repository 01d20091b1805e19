/* main.c -- sv-stats: probe media, measure quality, analyse audiences */
#include <string.h>

#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "verbs.h"

/* one row per subcommand (keep in --help's order) */
static const struct {
    const char *name;
    int (*run)(struct sv_stats_opts *o);
} verbs[] = {
    { "probe", sv_stats_cmd_probe },
    { "quality", sv_stats_cmd_quality },
    { "logs", sv_stats_cmd_logs },
    { "plot", sv_stats_cmd_plot },
    { "report", sv_stats_cmd_report },
    { "forecast", sv_stats_cmd_forecast },
};

int
main(int argc, char **argv)
{
    struct sv_stats_opts *o = &sv_stats_opts;
    struct sv_opt_result r;
    size_t i;

    sv_log_init("sv-stats");
    if (sv_opt_parse(&sv_stats_tool, argc, argv, &r) < 0)
        return SV_EXIT_USAGE;
    if (r.done)
        return SV_EXIT_OK;
    o->cmd = r.cmd;
    o->args = r.argv;
    o->nargs = r.argc;
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verbs[i].name, o->cmd) == 0)
            return verbs[i].run(o);
    /* sv_opt_parse() knows the same names from the table's cmds */
    sv_log_error("internal error: no command '%s'", o->cmd);
    return SV_EXIT_FAIL;
}
