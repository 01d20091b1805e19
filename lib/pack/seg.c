/* seg.c -- the segmenter: per-track sample queues, keyframe-aligned cuts
 * shared by every rendition, parts, and timestamp repair for messy input
 *
 * The first video stream (the reference) decides where segments start: at
 * its first keyframe at least a segment duration after the previous cut.
 * Every other track follows those cuts: other video renditions must have a
 * keyframe at each cut (or the input is rejected as misaligned), audio cuts
 * at the sample nearest to it.  A sample of another track is placed only
 * once the reference has presented past it, so a cut is never decided
 * after samples beyond it were published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container/box.h"
#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/time.h"
#include "pack/pack_int.h"

#define TOL_US 40000            /* keyframes this close count as aligned */
#define BACK_JUMP_US 500000     /* decode time going back this far: reset */
#define MAX_SEGMENTS 4          /* live: longest segment, in durations */
#define JUMP_MARGIN_US 500000   /* room left at a timestamp jump */

int64_t
sv__us(const struct sv__track *t, int64_t ticks)
{
    return sv_time_rescale(ticks, 1, t->timescale, 1, 1000000);
}

static int64_t
ticks(const struct sv__track *t, int64_t us)
{
    return sv_time_rescale(us, 1, 1000000, 1, t->timescale);
}

/* A media time of t on the package timeline, in microseconds: what tracks
 * compare with each other. */
static int64_t
pres_us(const struct sv__track *t, int64_t media)
{
    return sv__us(t, media - t->lead);
}

void
sv__track_release(struct sv__track *t)
{
    size_t i;

    for (i = 0; i < t->nq; i++)
        free(t->q[i].blk);
    free(t->q);
    t->q = NULL;
    t->nq = 0;
    free(t->iov);
    t->iov = NULL;
    sv_ts_release(&t->ts);
    sv_buf_release(&t->segbuf);
}

static void
timestamp_event(struct sv__pack *p, struct sv__track *t, int64_t jump_us)
{
    const char *id = p->m.r[t->rend].id;
    double s = (double)jump_us / 1e6;

    if (jump_us > 0) {
        sv_log_warn("gap of %.3fs in the input of rendition %s", s, id);
        sv_event_emit("package.gap", json_pack("{s:s,s:f}", "rendition", id,
                                               "seconds", s));
    } else {
        sv_log_warn("timestamps of rendition %s jumped back %.3fs", id, -s);
    }
    sv_event_emit("package.discontinuity", json_pack(
        "{s:s,s:f,s:s}", "rendition", id, "jump", s,
        "reason", jump_us > 0 ? "gap" : "reset"));
}

/* Puts input times on the package timeline and repairs jumps. */
static int
restamp(struct sv__pack *p, struct sv__track *t,
        const struct sv_demux_packet *pkt, int64_t *dts, int64_t *pts)
{
    const struct sv_demux_stream *s = &t->info;
    int64_t din = pkt->dts != SV_NOPTS ? pkt->dts : pkt->pts;
    int64_t pin = pkt->pts != SV_NOPTS ? pkt->pts : din;
    int64_t raw, praw, d, pp, expected, delta_us;

    if (din == SV_NOPTS) {
        if (!t->have_last)
            return 0;
        *dts = t->last_dts + (t->last_dur ? t->last_dur : 1);
        *pts = *dts;
        return 1;
    }
    if (!p->have_origin) {
        p->offset_us = -sv_time_rescale(din, s->tb_num, s->tb_den, 1,
                                        1000000);
        p->have_origin = 1;
    }
    raw = sv_time_rescale(din, s->tb_num, s->tb_den, 1, t->timescale);
    praw = sv_time_rescale(pin, s->tb_num, s->tb_den, 1, t->timescale);
    if (!t->have_last) {
        /* the first sample: a decode time before the package's start (the
         * delay of B-frames, audio before the first video frame) moves the
         * track's media timeline, and its edit list says by how much */
        t->offset = ticks(t, p->offset_us);
        t->epoch = p->epoch;
        t->lead = p->o->ts ? ticks(t, p->lead_us)
                  : raw + t->offset < 0 ? -(raw + t->offset) : 0;
        t->offset += t->lead;
    }
    d = raw + t->offset;
    pp = praw + t->offset;
    if (t->have_last) {
        expected = t->last_dts + (t->last_dur ? t->last_dur
                                  : t->pkt_dur ? t->pkt_dur : 1);
        delta_us = sv__us(t, d - expected);
        if ((delta_us < -BACK_JUMP_US || delta_us > p->o->gap_us) &&
            t->epoch < p->epoch) {
            /* another track of this input jumped already: take the same
             * mapping, so renditions stay aligned after the jump */
            int64_t o = ticks(t, p->offset_us) + t->lead;
            if (raw + o > t->last_dts) {
                timestamp_event(p, t, delta_us);
                t->offset = o;
                t->epoch = p->epoch;
                d = raw + o;
                pp = praw + o;
                t->disc_pending = 1;
                delta_us = 0;
            }
        }
        if (delta_us < -BACK_JUMP_US || delta_us > p->o->gap_us) {
            /* the first track to see the jump sets the new mapping, a
             * little later than its own end so that the other tracks,
             * which may have lost more or less, land after theirs */
            int64_t shift = expected + ticks(t, JUMP_MARGIN_US) - d;
            timestamp_event(p, t, delta_us);
            t->offset += shift;
            pp += shift;
            d += shift;
            t->disc_pending = 1;
            p->offset_us = sv__us(t, t->offset - t->lead);
            t->epoch = ++p->epoch;
        } else if (!t->video && d != expected &&
                   llabs(d - expected) <= 2 * (int64_t)t->last_dur) {
            /* audio frames follow each other: ignore PES jitter */
            pp += expected - d;
            d = expected;
        } else if (d <= t->last_dts) {
            pp += t->last_dts + 1 - d;
            d = t->last_dts + 1;
        }
    }
    if (d < 0)
        return 0;           /* before the package's start */
    if (pp < d)
        pp = d;
    *dts = d;
    *pts = pp;
    return 1;
}

int
sv__track_push(struct sv__pack *p, struct sv__track *t,
               const struct sv_demux_packet *pkt)
{
    struct sv__sample *s;
    int64_t dts, pts;
    uint8_t *blk = NULL;
    const uint8_t *data;
    long n;
    int rc;

    if (!t->ready) {
        if (t->video && !pkt->key)
            return 0;       /* start on a keyframe */
        rc = sv_codec_cfg_make(&t->cfg, &t->info, pkt->data, pkt->size);
        if (rc < 0)
            return sv__fail(p, rc, "cannot read the %s configuration of "
                            "stream %d in '%s'", t->info.codec_name,
                            t->stream, t->url);
        t->ft.cfg = &t->cfg;
        snprintf(p->m.r[t->rend].codecs, sizeof(p->m.r[t->rend].codecs),
                 "%s", t->cfg.codecs);
        if (t->video) {
            p->m.r[t->rend].primaries = t->cfg.primaries;
            p->m.r[t->rend].transfer = t->cfg.transfer;
            p->m.r[t->rend].matrix = t->cfg.matrix;
        }
        if (!t->video && t->cfg.sample_rate > 0)
            p->m.r[t->rend].sample_rate = t->cfg.sample_rate;
        t->ready = 1;
        if (p->o->ts) {
            rc = sv_ts_init(&t->ts, &t->cfg, t->video, t->timescale);
            if (rc < 0)
                return sv__fail(p, rc, "rendition %s: %s cannot go in "
                                "MPEG-TS segments", p->m.r[t->rend].id,
                                t->info.codec_name);
        }
        if (rc < 0)
            return rc;
    }
    if (!restamp(p, t, pkt, &dts, &pts))
        return 0;
    if (!t->init_done) {
        /* its edit list is known once its first sample is placed */
        t->ft.media_time = t->lead;
        p->m.r[t->rend].media_time = t->lead;
        rc = p->o->ts ? 0 : sv__publish_init(p, t);
        if (rc < 0)
            return rc;
        t->init_done = 1;
    }
    if (t->video && t->disc_pending && !pkt->key) {
        /* after a jump, frames before the next keyframe refer to pictures
         * that are gone: drop them, keep the timeline going */
        t->last_dts = dts;
        t->last_pts = pts;
        return 0;
    }
    if (pkt->duration > 0)
        t->pkt_dur = (uint32_t)sv_time_rescale(pkt->duration,
                                               t->info.tb_num, t->info.tb_den,
                                               1, t->timescale);
    if (t->nq == t->qcap) {
        size_t cap = t->qcap ? t->qcap * 2 : 256;
        s = realloc(t->q, cap * sizeof(*s));
        if (s == NULL)
            return sv__fail(p, -ENOMEM, "out of memory");
        t->q = s;
        t->qcap = cap;
    }
    if (pkt->own != NULL && pkt->own->data == pkt->data &&
        pkt->own->len == pkt->size) {
        /* the reader's buffer becomes the sample: converted in place */
        size_t cap = pkt->own->alloc, len;
        blk = sv_buf_take(pkt->own, &len);
        n = sv_codec_sample_inplace(&t->cfg, &blk, len, &cap);
        data = blk;
    } else if (pkt->stable && pkt->size <= UINT32_MAX &&
               sv_codec_sample_as_is(&t->cfg, pkt->data, pkt->size)) {
        /* the input's bytes stay until it closes (a mapped MP4): the
         * sample points at them, and they go out from there */
        n = (long)pkt->size;
        data = pkt->data;
    } else {
        struct sv_buf b = SV_BUF_INIT((size_t)p->o->max_queue);
        n = sv_buf_reserve(&b, pkt->size + 64);
        if (n == 0)
            n = sv_codec_sample(&t->cfg, pkt->data, pkt->size, &b);
        blk = sv_buf_take(&b, NULL);
        data = blk;
    }
    if (n >= 0 && t->qbytes + (uint64_t)n > (uint64_t)p->o->max_queue)
        n = SV_ELIMIT;
    if (n < 0) {
        free(blk);
        return sv__fail(p, (int)n, "rendition %s buffers more than it may "
                        "(%s)", p->m.r[t->rend].id, sv_strerror((int)n));
    }
    t->qbytes += (uint64_t)n;
    if (t->nq > 0) {
        struct sv__sample *prev = &t->q[t->nq - 1];
        prev->dur = dts > prev->dts ? (uint32_t)(dts - prev->dts) : 1;
    }
    if (t->have_last) {
        /* the expected step to the next sample: a gap that was let through
         * is not a frame duration */
        int64_t step = dts - t->last_dts;
        if (step > 0 && (t->last_dur == 0 || step <= 2 * t->last_dur))
            t->last_dur = (uint32_t)step;
    }
    s = &t->q[t->nq++];
    s->blk = blk;
    s->data = data;
    s->dts = dts;
    s->pts = pts;
    s->size = (uint32_t)n;
    s->dur = 0;
    s->key = t->video ? pkt->key : 1;
    s->disc = t->disc_pending;
    t->disc_pending = 0;
    t->last_dts = dts;
    t->last_pts = pts;
    t->have_last = 1;
    if (t->ref && pres_us(t, pts) > p->horizon_us)
        p->horizon_us = pres_us(t, pts);
    return 0;
}

int
sv__track_unborrow(struct sv__track *t)
{
    size_t i;

    for (i = 0; i < t->nq; i++) {
        struct sv__sample *s = &t->q[i];
        if (s->blk != NULL)
            continue;
        s->blk = malloc(s->size > 0 ? s->size : 1);
        if (s->blk == NULL)
            return -ENOMEM;
        memcpy(s->blk, s->data, s->size);
        s->data = s->blk;
    }
    return 0;
}

static void
drop_prefix(struct sv__track *t, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        t->qbytes -= t->q[i].size;
        free(t->q[i].blk);
    }
    memmove(t->q, t->q + n, (t->nq - n) * sizeof(*t->q));
    t->nq -= n;
    t->ndone = 0;
    t->done_bytes = 0;
    t->part_ticks = 0;
}

/* iov[0] = head, then the bytes of the ndone samples at the head of the
 * queue.  Returns the number of pieces or -ENOMEM. */
static int
pieces(struct sv__track *t, const struct sv_buf *head)
{
    size_t i;

    if (t->iovcap < t->ndone + 1) {
        struct iovec *v = realloc(t->iov, (t->ndone + 64) * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        t->iov = v;
        t->iovcap = t->ndone + 64;
    }
    t->iov[0].iov_base = head->data;
    t->iov[0].iov_len = head->len;
    for (i = 0; i < t->ndone; i++) {
        t->iov[i + 1].iov_base = (void *)t->q[i].data;
        t->iov[i + 1].iov_len = t->q[i].size;
    }
    return (int)t->ndone + 1;
}

/* Builds the fragment of the ndone samples at the head of the queue into
 * moof (moof + mdat header); the samples' bytes follow it. */
static int
fragment(struct sv__track *t, struct sv_buf *moof)
{
    struct sv_fmp4_sample *fs;
    size_t i;
    int rc;

    fs = malloc(t->ndone * sizeof(*fs));
    if (fs == NULL)
        return -ENOMEM;
    for (i = 0; i < t->ndone; i++) {
        fs[i].size = t->q[i].size;
        fs[i].duration = t->q[i].dur;
        fs[i].flags = t->q[i].key ? SV_FMP4_SYNC : SV_FMP4_NONSYNC;
        fs[i].cto = (int32_t)(t->q[i].pts - t->q[i].dts);
    }
    rc = sv_fmp4_fragment(moof, ++t->frag_seq, &t->ft, (uint64_t)t->q[0].dts,
                          fs, t->ndone);
    free(fs);
    return rc;
}

static int
flush_part(struct sv__pack *p, struct sv__track *t)
{
    struct sv_buf moof = SV_BUF_INIT(1 << 24);
    int rc, n, i, key = t->q[0].key;
    uint32_t dur = (uint32_t)t->part_ticks;
    uint64_t size;

    rc = fragment(t, &moof);
    if (rc < 0)
        return sv__fail(p, rc, "cannot build a fragment of rendition %s",
                        p->m.r[t->rend].id);
    size = moof.len + t->done_bytes;
    n = pieces(t, &moof);
    if (n > 0)
        n = sv__enc_fragment(p, t, n, &size);
    rc = n < 0 ? n : sv__publish_part(p, t, t->iov, n, size, dur, key);
    for (i = 0; rc == 0 && i < n; i++)
        rc = sv_buf_append(&t->segbuf, t->iov[i].iov_base,
                           t->iov[i].iov_len);
    sv_buf_release(&moof);
    if (rc < 0)
        return sv__fail(p, rc, "cannot keep the parts of rendition %s",
                        p->m.r[t->rend].id);
    t->seg_ticks += dur;
    t->nparts++;
    drop_prefix(t, t->ndone);
    return 0;
}

/* The queued samples of the open segment as one MPEG-TS segment. */
static int
ts_segment(struct sv__pack *p, struct sv__track *t)
{
    struct iovec iov;
    size_t i;
    int rc;

    sv_buf_reset(&t->segbuf);
    t->ts.cfg = &t->cfg;        /* the track array may have moved */
    rc = sv_ts_tables(&t->ts, &t->segbuf);
    for (i = 0; rc == 0 && i < t->ndone; i++) {
        const struct sv__sample *s = &t->q[i];
        rc = sv_ts_sample(&t->ts, &t->segbuf, s->data, s->size, s->dts,
                          s->pts, s->key && t->video);
    }
    if (rc < 0)
        return sv__fail(p, rc, "cannot build an MPEG-TS segment of "
                        "rendition %s", p->m.r[t->rend].id);
    t->seg_ticks += t->part_ticks;
    iov.iov_base = t->segbuf.data;
    iov.iov_len = t->segbuf.len;
    rc = sv__publish_segment(p, t, &iov, 1, t->segbuf.len);
    drop_prefix(t, t->ndone);
    return rc;
}

static int
close_segment(struct sv__pack *p, struct sv__track *t)
{
    struct sv_buf moof = SV_BUF_INIT(1 << 24);
    struct iovec iov[1];
    uint64_t size;
    int rc, n;

    if (p->o->ts) {
        rc = t->ndone > 0 ? ts_segment(p, t) : 0;
    } else if (p->o->ll_hls || p->o->ll_dash) {
        if (t->ndone > 0) {
            /* no playlist between the last part and the segment: its
             * preload hint would name a part that never comes */
            t->closing = 1;
            rc = flush_part(p, t);
            t->closing = 0;
            if (rc < 0)
                return rc;
        }
        iov[0].iov_base = t->segbuf.data;
        iov[0].iov_len = t->segbuf.len;
        rc = sv__publish_segment(p, t, iov, 1, t->segbuf.len);
        sv_buf_reset(&t->segbuf);
    } else {
        if (t->ndone == 0)
            return 0;
        rc = fragment(t, &moof);
        size = moof.len + t->done_bytes;
        n = rc < 0 ? rc : pieces(t, &moof);
        if (n > 0)
            n = sv__enc_fragment(p, t, n, &size);
        if (n < 0) {
            sv_buf_release(&moof);
            return sv__fail(p, n, "cannot build a fragment of rendition %s",
                            p->m.r[t->rend].id);
        }
        t->seg_ticks += t->part_ticks;
        rc = sv__publish_segment(p, t, t->iov, n, size);
        sv_buf_release(&moof);
        drop_prefix(t, t->ndone);
    }
    t->seg_open = 0;
    return rc;
}

static int
add_cut(struct sv__pack *p, int64_t us, int disc, int forced)
{
    if (p->ncuts == p->cutcap) {
        size_t cap = p->cutcap ? p->cutcap * 2 : 256;
        struct sv__cut *c = realloc(p->cuts, cap * sizeof(*c));
        if (c == NULL)
            return -ENOMEM;
        p->cuts = c;
        p->cutcap = cap;
    }
    p->cuts[p->ncuts].us = us;
    p->cuts[p->ncuts].disc = disc;
    p->cuts[p->ncuts].forced = forced;
    p->ncuts++;
    return 0;
}

/* Does sample s start the next segment of t?  1 yes, 0 no, or an error. */
static int
starts_segment(struct sv__pack *p, struct sv__track *t,
               const struct sv__sample *s, uint32_t dur)
{
    int64_t us = pres_us(t, s->pts), c;

    if (t->ref) {
        if (s->key && (p->ncuts == 0 || s->disc ||
                       us >= p->cuts[p->ncuts - 1].us + p->o->segment_us -
                             TOL_US))
            return add_cut(p, us, s->disc && p->ncuts > 0, 0) < 0
                   ? -ENOMEM : 1;
        /* a live source that stopped sending keyframes must not make a
         * segment without end: cut anyway, and say so */
        if (p->o->live && p->ncuts > 0 &&
            us >= p->cuts[p->ncuts - 1].us + MAX_SEGMENTS * p->o->segment_us) {
            sv_log_warn("no keyframe in rendition %s for %.1fs: segment %zu "
                        "starts without one", p->m.r[t->rend].id,
                        (double)(us - p->cuts[p->ncuts - 1].us) / 1e6,
                        p->ncuts + 1);
            return add_cut(p, us, 0, 1) < 0 ? -ENOMEM : 1;
        }
        return 0;
    }
    if (t->seg_idx >= p->ncuts)
        return 0;
    /* audio from its first frame, before the first video frame or not */
    if (!t->video && t->seg_idx == 0)
        return 1;
    c = p->cuts[t->seg_idx].us;
    if (t->video && p->cuts[t->seg_idx].forced)
        return us >= c - TOL_US;
    if (t->video) {
        if (s->key && llabs(us - c) <= TOL_US)
            return 1;
        if (us > c + TOL_US)
            return sv__fail(p, SV_EFORMAT, "keyframes of rendition %s are "
                            "not aligned with rendition %s: no keyframe at "
                            "%.3fs", p->m.r[t->rend].id, p->m.r[0].id,
                            (double)c / 1e6);
        return 0;
    }
    return us + sv__us(t, dur) / 2 >= c;
}

int
sv__track_process(struct sv__pack *p, struct sv__track *t)
{
    struct sv__sample *s;
    uint32_t dur, part_max = 0;
    int rc;

    if (p->o->ll_hls || p->o->ll_dash)
        part_max = (uint32_t)ticks(t, p->o->part_us);
    while (t->ndone < t->nq) {
        s = &t->q[t->ndone];
        if (t->ndone + 1 == t->nq && !t->eof)
            break;          /* its duration is not known yet */
        dur = t->ndone + 1 < t->nq ? s->dur
              : t->pkt_dur ? t->pkt_dur : t->last_dur ? t->last_dur : 1;
        if (!t->ref && !t->eof &&
            (pres_us(t, s->pts) >= p->horizon_us || p->ncuts == 0) &&
            sv__us(t, t->q[t->nq - 1].dts - s->dts) < 3 * p->o->segment_us)
            break;          /* the reference has not got this far, or has
                               not cut its first segment */
        rc = starts_segment(p, t, s, dur);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            if (t->seg_open) {
                rc = close_segment(p, t);
                if (rc < 0)
                    return rc;
            }
            t->seg_disc = p->cuts[t->seg_idx].disc;
            t->seg_idx++;
            t->seg_open = 1;
            t->seg_ticks = 0;
            t->nparts = 0;
            s = &t->q[t->ndone];
            t->seg_start = s->pts;
        }
        if (!t->seg_open) {
            drop_prefix(t, 1);
            continue;
        }
        if (part_max > 0 && t->ndone > 0 && t->part_ticks + dur > part_max) {
            rc = flush_part(p, t);
            if (rc < 0)
                return rc;
            s = &t->q[t->ndone];
        }
        s->dur = dur;
        t->ndone++;
        t->done_bytes += s->size;
        t->part_ticks += dur;
    }
    return 0;
}

int
sv__track_finish(struct sv__pack *p, struct sv__track *t)
{
    int rc;

    t->eof = 1;
    rc = sv__track_process(p, t);
    if (rc == 0 && t->seg_open)
        rc = close_segment(p, t);
    return rc;
}
