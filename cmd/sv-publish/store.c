/* store.c -- placeholder until the store mode lands (never on main) */
#include "core/exit.h"
#include "core/log.h"
#include "modes.h"

int
sv_publish_cmd_store(struct sv_publish_opts *o)
{
    sv_log_error("store: not built yet");
    return SV_EXIT_FAIL;
}
