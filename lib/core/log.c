/* log.c -- stderr messages: "sv-tool: problem first, lower case" */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

static const char *tool = "sv";
static int level = SV_LOG_INFO;
static int progress_open;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void
sv_log_init(const char *name)
{
    tool = name;
}

const char *
sv_log_tool(void)
{
    return tool;
}

void
sv_log_set_level(int l)
{
    level = l;
}

int
sv_log_level(void)
{
    return level;
}

int
sv_log_tty(void)
{
    return level >= SV_LOG_INFO && isatty(STDERR_FILENO);
}

static void
vlog(int l, const char *kind, const char *fmt, va_list ap)
{
    char line[4096];
    int n;

    if (l > level)
        return;
    n = snprintf(line, sizeof(line), "%s: %s", tool, kind);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    n = (int)strlen(line);
    line[n++] = '\n';
    pthread_mutex_lock(&lock);
    if (progress_open) {
        fputc('\n', stderr);
        progress_open = 0;
    }
    /* one write per message so concurrent tools do not interleave lines */
    fwrite(line, 1, (size_t)n, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}

#define DEFINE_LOG(fn, lvl, kind)                                          \
    void                                                                   \
    fn(const char *fmt, ...)                                               \
    {                                                                      \
        va_list ap;                                                        \
        va_start(ap, fmt);                                                 \
        vlog(lvl, kind, fmt, ap);                                          \
        va_end(ap);                                                        \
    }

DEFINE_LOG(sv_log_error, SV_LOG_ERROR, "")
DEFINE_LOG(sv_log_warn, SV_LOG_WARN, "warning: ")
DEFINE_LOG(sv_log_info, SV_LOG_INFO, "")
DEFINE_LOG(sv_log_debug, SV_LOG_DEBUG, "")

void
sv_log_progress(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (!sv_log_tty())
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    progress_open = 1;
    pthread_mutex_unlock(&lock);
}

void
sv_log_progress_end(void)
{
    pthread_mutex_lock(&lock);
    if (progress_open) {
        fputc('\n', stderr);
        fflush(stderr);
        progress_open = 0;
    }
    pthread_mutex_unlock(&lock);
}
