/* tsprobe.h -- the streams of an MPEG-TS input from its own tables and
 * first frames (PAT, PMT, SPS, ADTS), so that the packager reads TS
 * without libavformat */
#ifndef SV_TSPROBE_H
#define SV_TSPROBE_H

#include <stddef.h>
#include <stdint.h>

#include "container/tsread.h"

#define SV_TSPROBE_WINDOW (8 << 20)     /* bytes looked at, at most */

struct sv_tsprobe {
    struct sv_demux_stream st[SV_TSREAD_MAX];
    char lang[SV_TSREAD_MAX][4];
    int n;
};

/*
 * Describes the streams of the first program in p[0..len), looking at no
 * more than SV_TSPROBE_WINDOW bytes: the PMT's order is the stream order,
 * the PID the id, times are 1/90000.  Returns 0 when every audio and video
 * stream is one sv_tsread hands out (H.264, HEVC, AAC in ADTS) and each
 * was described from its first frame; SV_ENOMEDIA when some stream is
 * not (libavformat's reader is the one for such an input); SV_EFORMAT
 * when no PAT and PMT were found.  With more set (a pipe, whose next
 * bytes are still to come), SV_ETRUNC instead when the bytes ran out
 * before it could tell, within the window.  Bounded by len; never reads
 * past it.
 */
int sv_tsprobe_scan(struct sv_tsprobe *pr, const uint8_t *p, size_t len,
                    int more);

#endif
