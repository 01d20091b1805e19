/* simulcast.c -- placeholder until the simulcast mode lands (never on main) */
#include "core/exit.h"
#include "core/log.h"
#include "modes.h"

int
sv_publish_cmd_simulcast(struct sv_publish_opts *o)
{
    sv_log_error("simulcast: not built yet");
    return SV_EXIT_FAIL;
}
