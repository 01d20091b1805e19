/* av_open.h -- lib/media internal: the one libavformat opener of inputs */
#ifndef SV_MEDIA_AV_OPEN_H
#define SV_MEDIA_AV_OPEN_H

#include <libavformat/avformat.h>

/* The call sv__av_open() failed in, for the caller's message. */
enum sv__av_step {
    SV__AV_OPEN,    /* avformat_open_input(), or accept refused it */
    SV__AV_INFO,    /* avformat_find_stream_info() */
};

/*
 * Opens url with libavformat ("-" is stdin, as "pipe:0") and reads its
 * stream info.  fmt and opts (used as avformat_open_input() uses them) may
 * be NULL; *fc may come allocated, with custom I/O or an interrupt
 * callback.  accept, when not NULL, judges the container once it is open:
 * 0 refuses it as AVERROR_INVALIDDATA.  On failure *fc is freed and NULL,
 * *step (when not NULL) says which call failed, and the libav code comes
 * back as it is: callers word it and map it (AVERROR_INVALIDDATA is
 * SV_EFORMAT to the tools).  Custom I/O stays the caller's to free.
 */
int sv__av_open(AVFormatContext **fc, const char *url,
                const AVInputFormat *fmt, AVDictionary **opts,
                int (*accept)(const AVFormatContext *fc),
                enum sv__av_step *step);

#endif
