/* demux_ops.c -- libavformat's input as a table of functions, the entry
 * point of the sv-demux.so plugin that sv-package loads on demand */
#include "media/av_demux.h"

const struct sv_demux_ops sv_demux_ops = {
    .version = SV_DEMUX_OPS_VERSION,
    .open = sv_demux_open,
    .open_fd = sv_demux_open_fd,
    .count = sv_demux_count,
    .stream = sv_demux_stream,
    .read = sv_demux_read,
    .format = sv_demux_format,
    .close = sv_demux_close,
    .strerror_r = sv_demux_strerror_r,
};
