/* logs.c -- placeholder until the logs command lands (never on main) */
#include "core/exit.h"
#include "core/log.h"
#include "verbs.h"

int
sv_stats_cmd_logs(struct sv_stats_opts *o)
{
    sv_log_error("logs: not built yet");
    return SV_EXIT_FAIL;
}
