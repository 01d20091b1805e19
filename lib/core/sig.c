/* sig.c -- SIGINT/SIGTERM once: stop cleanly; twice: exit now */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/exit.h"
#include "core/sig.h"

volatile sig_atomic_t sv_sig_stop;
volatile sig_atomic_t sv_sig_hup;
static volatile sig_atomic_t which;

void
sv_sig_exit_now(void)
{
    _exit(SV_EXIT_FAIL);
}

static void
on_stop(int sig)
{
    if (sv_sig_stop)
        sv_sig_exit_now();
    which = sig;
    sv_sig_stop = 1;
}

static void
on_hup(int sig)
{
    (void)sig;
    sv_sig_hup = 1;
}

int
sv_sig_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -errno;
    sa.sa_handler = on_hup;
    if (sigaction(SIGHUP, &sa, NULL) < 0)
        return -errno;
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0)
        return -errno;
    return 0;
}

int
sv_sig_which(void)
{
    return which;
}
