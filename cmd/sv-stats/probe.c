/* probe.c -- placeholder until the probe command lands (never on main) */
#include "core/exit.h"
#include "core/log.h"
#include "verbs.h"

int
sv_stats_cmd_probe(struct sv_stats_opts *o)
{
    sv_log_error("probe: not built yet");
    return SV_EXIT_FAIL;
}
