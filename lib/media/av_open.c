/* av_open.c -- the one libavformat opener: "-" is stdin, streams probed */
#include <string.h>

#include "media/av_open.h"

int
sv__av_open(AVFormatContext **fc, const char *url, const AVInputFormat *fmt,
            AVDictionary **opts, int (*accept)(const AVFormatContext *fc),
            enum sv__av_step *step)
{
    int rc;

    if (step != NULL)
        *step = SV__AV_OPEN;
    rc = avformat_open_input(fc, strcmp(url, "-") == 0 ? "pipe:0" : url,
                             fmt, opts);
    if (rc < 0)
        return rc;          /* avformat_open_input() freed *fc */
    if (accept != NULL && !accept(*fc)) {
        avformat_close_input(fc);
        return AVERROR_INVALIDDATA;
    }
    if (step != NULL)
        *step = SV__AV_INFO;
    rc = avformat_find_stream_info(*fc, NULL);
    if (rc < 0) {
        avformat_close_input(fc);
        return rc;
    }
    return 0;
}
