/* spawn.h -- run a shell pipeline with a pipe on its stdin */
#ifndef SV_SPAWN_H
#define SV_SPAWN_H

#include <sys/types.h>

struct sv_child {
    pid_t pid;
    int stdin_fd;   /* write end of the child's stdin, -1 if not piped */
};

/*
 * Runs "/bin/sh -c cmd" in its own process group with env (NULL-terminated
 * "NAME=value" strings, may be NULL) added to ours.  With want_stdin, the
 * child's stdin is a pipe whose write end is returned in c->stdin_fd
 * (close-on-exec, blocking).  Returns 0 or a negative code.
 */
int sv_spawn_sh(struct sv_child *c, const char *cmd, char *const env[],
                int want_stdin);

/*
 * Waits for the child; stores its exit status (or 128+signal) in *status.
 * Returns 0 or a negative code.
 */
int sv_child_wait(struct sv_child *c, int *status);

#endif
