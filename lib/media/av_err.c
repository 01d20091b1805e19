/* av_err.c -- AVERROR messages for lib/core/err, libav logs into ours */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

#include "core/err.h"
#include "core/log.h"
#include "media/transcode.h"

static const char *
av_message(int code, char *buf, unsigned size)
{
    if (av_strerror(code, buf, size) < 0)
        snprintf(buf, size, "error %d", code);
    /* our messages are lower case, libav's start with a capital */
    if (buf[0] != '\0' && isupper((unsigned char)buf[0]) &&
        !isupper((unsigned char)buf[1]))
        buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

/* libav's own chatter shows only with -vv, as debug lines */
static void
av_log_cb(void *avcl, int level, const char *fmt, va_list ap)
{
    char line[1024];
    size_t n;

    if (level > AV_LOG_WARNING || sv_log_level() < SV_LOG_TRACE)
        return;
    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    if (n > 0)
        sv_log_debug("libav: %s", line);
}

void
sv_media_init(void)
{
    sv_err_set_fallback(av_message);
    av_log_set_callback(av_log_cb);
}
