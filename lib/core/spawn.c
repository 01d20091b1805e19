/* spawn.c -- posix_spawn of "sh -c", so pipelines are one string */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/spawn.h"

extern char **environ;

static char **
merge_env(char *const add[])
{
    size_t n = 0, m = 0, i, j, k = 0;
    char **out;

    while (environ[n] != NULL)
        n++;
    while (add != NULL && add[m] != NULL)
        m++;
    out = calloc(n + m + 1, sizeof(*out));
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        /* drop inherited variables the caller overrides */
        const char *eq = strchr(environ[i], '=');
        size_t len = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        for (j = 0; j < m; j++)
            if (strncmp(add[j], environ[i], len) == 0 && add[j][len] == '=')
                break;
        if (j == m)
            out[k++] = environ[i];
    }
    for (j = 0; j < m; j++)
        out[k++] = add[j];
    return out;
}

int
sv_spawn_sh(struct sv_child *c, const char *cmd, char *const env[],
            int want_stdin)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    char *argv[] = { "sh", "-c", (char *)cmd, NULL };
    char **envp;
    int p[2] = { -1, -1 };
    int rc;

    envp = merge_env(env);
    if (envp == NULL)
        return -ENOMEM;
    if (want_stdin && pipe2(p, O_CLOEXEC) < 0) {
        rc = -errno;
        free(envp);
        return rc;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                        POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
    {
        sigset_t all, none;
        sigfillset(&all);
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setsigmask(&attr, &none);
    }
    if (want_stdin)
        posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
    rc = -posix_spawn(&c->pid, "/bin/sh", &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(envp);
    if (want_stdin)
        close(p[0]);
    if (rc < 0) {
        if (want_stdin)
            close(p[1]);
        return rc;
    }
    c->stdin_fd = want_stdin ? p[1] : -1;
    return 0;
}

int
sv_child_wait(struct sv_child *c, int *status)
{
    int st;

    if (c->stdin_fd >= 0) {
        close(c->stdin_fd);
        c->stdin_fd = -1;
    }
    while (waitpid(c->pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}
