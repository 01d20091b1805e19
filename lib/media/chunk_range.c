/* chunk_range.c -- which frames a chunk run encodes, and getting there */
#include <inttypes.h>
#include <math.h>

#include "core/err.h"
#include "core/log.h"
#include "media/job.h"

#define PREROLL_US 2000000      /* encoded before a chunk, then dropped */
#define POSTROLL_US 1000000     /* and after it */

/* Frames of the title at the output rate, from what the container says. */
static int64_t
title_frames(const struct sv__input *in)
{
    const AVStream *st = in->fc->streams[in->vidx];
    AVRational ftb = av_inv_q(in->fps);

    if (st->duration > 0)
        return av_rescale_q_rnd(st->duration, st->time_base, ftb,
                                AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
    if (in->duration_us > 0)
        return av_rescale_q_rnd(in->duration_us, AV_TIME_BASE_Q, ftb,
                                AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
    return 0;
}

static double
secs(int64_t frames, AVRational fps)
{
    return (double)frames * fps.den / fps.num;
}

/* A --range end point in seconds to frames; it must be on the grid. */
static int
grid_point(const char *what, double s, AVRational fps, int64_t gop,
           int64_t *out)
{
    int64_t f = llround(s * fps.num / fps.den);

    if (f % gop != 0) {
        sv_log_error("--range %s %gs is not on the keyframe grid (--gop "
                     "%gs): the nearest points are %gs and %gs", what, s,
                     secs(gop, fps), secs(f / gop * gop, fps),
                     secs((f / gop + 1) * gop, fps));
        return SV_EUSAGE;
    }
    *out = f;
    return 0;
}

int
sv__chunk_resolve(struct job *j)
{
    const struct sv_transcode_opts *o = j->o;
    AVRational fps = j->in.fps;
    int64_t gop, frames = title_frames(&j->in), g, pre, post;
    int rc;

    if (o->chunks == 0 && o->range[0] < 0)
        return 0;
    gop = av_rescale_q(o->gop_us, AV_TIME_BASE_Q, av_inv_q(fps));
    if (gop < 1)
        gop = 1;
    j->ranged = 1;
    if (o->chunks > 0) {
        if (frames <= 0) {
            sv_log_error("cannot cut '%s' into chunks: its duration is "
                         "unknown (use --range)", sv__shown(o->input));
            return SV_EUSAGE;
        }
        rc = sv_chunk_bounds(frames, gop, o->chunks, o->chunk, &j->r_start,
                             &j->r_end);
        if (rc < 0) {
            g = (frames + gop - 1) / gop;
            sv_log_error("cannot cut '%s' into %d chunks: it has %" PRId64
                         " keyframe interval%s (--gop %gs)",
                         sv__shown(o->input), o->chunks, g, g == 1 ? "" : "s",
                         secs(gop, fps));
            return rc;
        }
    } else {
        rc = grid_point("start", o->range[0], fps, gop, &j->r_start);
        if (rc < 0)
            return rc;
        j->r_end = SV_CHUNK_OPEN;
        if (o->range[1] >= 0) {
            rc = grid_point("end", o->range[1], fps, gop, &j->r_end);
            if (rc < 0)
                return rc;
        }
        if (frames > 0 && j->r_start >= frames) {
            sv_log_error("--range starts at %gs, after the end of '%s' "
                         "(%gs)", o->range[0], sv__shown(o->input),
                         secs(frames, fps));
            return SV_EUSAGE;
        }
    }
    /* Pre-roll: start encoding PREROLL_S (whole GOPs) before the chunk
     * and drop those packets.  A fresh encoder knows nothing of the
     * pictures before, and its rate control spends the first second
     * badly (3 dB lower on static scenes with x264's CRF); warmed up on
     * the same frames a whole run saw, it starts the chunk where the
     * whole run would.  The chunk's first frame is a keyframe on the
     * grid, so nothing kept refers to the dropped frames. */
    pre = (av_rescale_q(PREROLL_US, AV_TIME_BASE_Q, av_inv_q(fps)) + gop - 1)
          / gop * gop;
    j->r_from = j->r_start > pre ? j->r_start - pre : 0;
    /* Post-roll: the lookahead (x264's macroblock tree) of the chunk's
     * last frames sees the frames after them, as in a whole run. */
    post = (av_rescale_q(POSTROLL_US, AV_TIME_BASE_Q, av_inv_q(fps)) + gop
            - 1) / gop * gop;
    j->r_to = j->r_end == SV_CHUNK_OPEN ? SV_CHUNK_OPEN : j->r_end + post;
    sv_log_debug("chunk: frames %" PRId64 " to %" PRId64 " of %" PRId64,
                 j->r_start, j->r_end, frames);
    return 0;
}

int
sv__chunk_seek(struct job *j)
{
    int64_t ts;
    int rc;

    if (!j->ranged || j->r_from == 0)
        return 0;
    ts = j->in.start + av_rescale_q(j->r_from, av_inv_q(j->in.fps),
                                    AV_TIME_BASE_Q);
    /* the keyframe at or before the chunk; frames before it are dropped
     * after the rate filter, as a whole run would place them */
    rc = avformat_seek_file(j->in.fc, -1, INT64_MIN, ts, ts, 0);
    if (rc < 0) {
        sv_log_error("cannot seek '%s' to %gs: %s", sv__shown(j->o->input),
                     (double)(ts - j->in.start) / AV_TIME_BASE,
                     sv_strerror(rc));
        return rc;
    }
    return 0;
}
