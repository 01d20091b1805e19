/* av_ingest.c -- sv-ingest's tracks: copies, names, comparisons */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av_ingest.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *
av_message(int code, char *buf, unsigned size)
{
    if (av_strerror(code, buf, size) < 0)
        snprintf(buf, size, "error %d", code);
    return buf;
}

static void
init(void)
{
    /* libav* talks at our -v level: errors only unless asked */
    av_log_set_level(sv_log_level() >= SV_LOG_TRACE ? AV_LOG_VERBOSE
                     : sv_log_level() >= SV_LOG_DEBUG ? AV_LOG_WARNING
                                                      : AV_LOG_FATAL);
    sv_err_set_fallback(av_message);
}

void
sv_av_ingest_init(void)
{
    pthread_once(&once, init);
}

int
sv_av_track_copy(struct sv_ingest_track *dst,
                 const struct sv_ingest_track *src)
{
    struct sv_ingest_track t = *src;

    t.extra = NULL;
    t.par = NULL;
    if (src->extra_len > 0) {
        t.extra = malloc(src->extra_len);
        if (t.extra == NULL)
            return -ENOMEM;
        memcpy(t.extra, src->extra, src->extra_len);
    }
    if (src->par != NULL) {
        t.par = avcodec_parameters_alloc();
        if (t.par == NULL ||
            avcodec_parameters_copy(t.par, src->par) < 0) {
            avcodec_parameters_free((AVCodecParameters **)&t.par);
            free(t.extra);
            return -ENOMEM;
        }
    }
    *dst = t;
    return 0;
}

void
sv_av_track_release(struct sv_ingest_track *t)
{
    free(t->extra);
    avcodec_parameters_free((AVCodecParameters **)&t->par);
    memset(t, 0, sizeof(*t));
}

const char *
sv_av_codec_name(const struct sv_ingest_track *t)
{
    static const char *const names[] = {
        [SV_CODEC_NONE] = "none", [SV_CODEC_H264] = "h264",
        [SV_CODEC_HEVC] = "hevc", [SV_CODEC_AV1] = "av1",
        [SV_CODEC_VP9] = "vp9", [SV_CODEC_AAC] = "aac",
        [SV_CODEC_MP3] = "mp3", [SV_CODEC_OPUS] = "opus",
        [SV_CODEC_AC3] = "ac3",
    };

    if (t->par != NULL)
        return avcodec_get_name(((AVCodecParameters *)t->par)->codec_id);
    if (t->codec > 0 && t->codec < SV_CODEC_OTHER)
        return names[t->codec];
    return "unknown";
}

int
sv_av_track_same(const struct sv_ingest_track *a,
                 const struct sv_ingest_track *b)
{
    if (a->codec != b->codec || a->extra_len != b->extra_len)
        return 0;
    return a->extra_len == 0 || memcmp(a->extra, b->extra, a->extra_len) == 0;
}
