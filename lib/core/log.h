/* log.h -- human messages on stderr, prefixed with the tool's name */
#ifndef SV_LOG_H
#define SV_LOG_H

enum sv_log_level {
    SV_LOG_QUIET = 0,   /* -q: errors only */
    SV_LOG_ERROR = 0,
    SV_LOG_WARN = 1,
    SV_LOG_INFO = 2,    /* default */
    SV_LOG_DEBUG = 3,   /* -v */
    SV_LOG_TRACE = 4,   /* -vv */
};

/* Sets the prefix ("sv-package") used by every later message. */
void sv_log_init(const char *tool);

const char *sv_log_tool(void);

void sv_log_set_level(int level);
int sv_log_level(void);

/* Nonzero when stderr is a terminal and messages are not muted. */
int sv_log_tty(void);

void sv_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Writes a progress line (no newline, carriage return first) to stderr when
 * it is a terminal and the level is at least info; sv_log_progress_end()
 * ends the line.  Other messages end a pending progress line first.
 */
void sv_log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_progress_end(void);

#endif
