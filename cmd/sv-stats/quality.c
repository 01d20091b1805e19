/* quality.c -- placeholder until the quality command lands (never on main) */
#include "core/exit.h"
#include "core/log.h"
#include "verbs.h"

int
sv_stats_cmd_quality(struct sv_stats_opts *o)
{
    sv_log_error("quality: not built yet");
    return SV_EXIT_FAIL;
}
