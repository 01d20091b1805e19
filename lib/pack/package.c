/* package.c -- a packaging run: inputs through the segmenter into files,
 * the model, and manifests rendered from it (VOD at the end, live as it
 * grows; media always before the playlist that names it) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "core/time.h"
#include "pack/source.h"
#include "pack/pack_int.h"

#define LIVE_PARTS_KEPT 4       /* segments whose parts stay listed */
#define HOLD_US 4000000         /* input held, at most, to find its start */
#define HOLD_BYTES (32 << 20)

void
sv_pack_defaults(struct sv_pack_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->segment_us = 4000000;
    o->part_us = 500000;
    o->window_us = 60000000;
    o->gap_us = 2000000;
    o->hls = o->dash = 1;
    o->max_queue = 256 << 20;
}

int
sv__fail(struct sv__pack *p, int rc, const char *fmt, ...)
{
    va_list ap;

    if (p->err[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(p->err, p->errsize, fmt, ap);
        va_end(ap);
    }
    return rc < 0 ? rc : SV_EINTERNAL;
}

static int
put_buf(struct sv__pack *p, const char *rel, const struct sv_buf *b)
{
    struct iovec iov = { b->data, b->len };

    return sv_out_put(p->out, rel, &iov, 1);
}

static int
write_media_playlist(struct sv__pack *p, int i)
{
    struct sv_buf b = SV_BUF_INIT(64 << 20);
    char uri[128];
    int rc;

    if (!p->o->hls)
        return 0;
    rc = sv_hls_media(&p->m, i, &b);
    if (rc == 0)
        rc = sv__enc_media(p, i, &b);
    sv_model_playlist_uri(&p->m.r[i], uri, sizeof(uri));
    if (rc == 0)
        rc = put_buf(p, uri, &b);
    sv_buf_release(&b);
    return rc;
}

static int
write_master(struct sv__pack *p)
{
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    int rc;

    if (!p->o->hls)
        return 0;
    rc = sv_hls_master(&p->m, &b);
    if (rc == 0)
        rc = sv__enc_master(p, &b);
    if (rc == 0)
        rc = put_buf(p, SV_MODEL_MASTER, &b);
    sv_buf_release(&b);
    p->master_written = rc == 0;
    return rc;
}

static int
write_mpd(struct sv__pack *p)
{
    struct sv_buf b = SV_BUF_INIT(64 << 20);
    int rc;

    if (!p->o->dash)
        return 0;
    rc = sv_dash_mpd(&p->m, &b);
    if (rc == 0)
        rc = put_buf(p, SV_MODEL_MPD, &b);
    sv_buf_release(&b);
    return rc;
}

static int
write_json(struct sv__pack *p)
{
    json_t *root = sv_model_to_json(&p->m);
    char *s;
    struct iovec iov[2];
    int rc;

    if (root == NULL)
        return -ENOMEM;
    s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (s == NULL)
        return -ENOMEM;
    iov[0].iov_base = s;
    iov[0].iov_len = strlen(s);
    iov[1].iov_base = "\n";
    iov[1].iov_len = 1;
    rc = sv_out_put(p->out, SV_MODEL_JSON, iov, 2);
    free(s);
    return rc;
}

int
sv__publish_init(struct sv__pack *p, struct sv__track *t)
{
    struct sv_buf b = SV_BUF_INIT(1 << 20);
    char uri[128];
    int rc;

    /* tracks and renditions live in arrays that grow: point late */
    t->ft.cfg = &t->cfg;
    t->ft.language = p->m.r[t->rend].lang;
    rc = sv_fmp4_init(&b, &t->ft);
    if (rc == 0)
        rc = sv__enc_init(p, t, &b);
    if (rc < 0)
        return sv__fail(p, rc, "cannot write the init segment of %s",
                        p->m.r[t->rend].id);
    if (p->o->single_file) {
        t->init = b;
        return 0;
    }
    sv_model_init_uri(&p->m, &p->m.r[t->rend], uri, sizeof(uri));
    rc = put_buf(p, uri, &b);
    sv_buf_release(&b);
    return rc < 0 ? sv__fail(p, rc, "cannot write '%s'", uri) : 0;
}

int
sv__publish_part(struct sv__pack *p, struct sv__track *t,
                 const struct iovec *iov, int n, uint64_t size,
                 uint32_t ticks, int independent)
{
    struct sv_model_rend *r = &p->m.r[t->rend];
    struct sv_model_part *pt;
    char uri[128];
    int rc;

    r->cur_number = t->seg_idx;
    r->cur_start = t->seg_start;
    r->cur_discontinuity = t->seg_disc;
    sv_model_part_uri(r, r->cur_number, r->ncur, uri, sizeof(uri));
    rc = sv_out_put(p->out, uri, iov, n);
    if (rc < 0)
        return sv__fail(p, rc, "cannot write '%s'", uri);
    if (r->ncur < SV_MODEL_MAX_PARTS) {
        pt = &r->cur[r->ncur++];
        pt->duration = ticks;
        pt->size = size;
        pt->independent = independent;
    }
    /*
     * The playlist's preload hint names the next part of this segment:
     * true, since the sample after this part is known to be in it (seg.c
     * decides a cut before it flushes a part), except for the last part,
     * which close_segment() publishes right before the segment and its
     * playlist.
     */
    if (p->o->live && p->master_written && p->o->ll_hls && !t->closing)
        return write_media_playlist(p, t->rend);
    return 0;
}

static int
gone_push(struct sv__pack *p, int rend, const struct sv_model_seg *s)
{
    struct sv__gone *g;

    if (p->ngone == p->gonecap) {
        size_t cap = p->gonecap ? p->gonecap * 2 : 64;
        g = realloc(p->gone, cap * sizeof(*g));
        if (g == NULL)
            return -ENOMEM;
        p->gone = g;
        p->gonecap = cap;
    }
    g = &p->gone[p->ngone++];
    g->rend = rend;
    g->number = s->number;
    g->nparts = SV_MODEL_MAX_PARTS;
    g->left_us = p->now_us;
    return 0;
}

static void
on_gone(void *ud, const struct sv_model_rend *r, const struct sv_model_seg *s)
{
    struct sv__pack *p = ud;

    gone_push(p, (int)(r - p->m.r), s);
}

/* Deletes the files of segments that left the window a grace ago. */
static void
collect_gone(struct sv__pack *p)
{
    /* RFC 8216 6.2.2: available for the segment's duration plus that of
     * the longest playlist that listed it */
    int64_t grace = p->o->window_us + p->o->segment_us;
    struct sv_model_rend *r;
    char uri[128];
    size_t i, k = 0;
    int j;

    for (i = 0; i < p->ngone; i++) {
        struct sv__gone *g = &p->gone[i];
        if (g->left_us + grace > p->now_us) {
            p->gone[k++] = *g;
            continue;
        }
        r = &p->m.r[g->rend];
        sv_model_seg_uri(&p->m, r, g->number, uri, sizeof(uri));
        sv_out_remove(p->out, uri);
        for (j = 0; (p->o->ll_hls || p->o->ll_dash) && j < g->nparts; j++) {
            char path[PATH_MAX];
            struct stat st;
            sv_model_part_uri(r, g->number, j, uri, sizeof(uri));
            snprintf(path, sizeof(path), "%s/%s", p->o->out, uri);
            if (stat(path, &st) < 0)
                break;
            sv_out_remove(p->out, uri);
        }
    }
    p->ngone = k;
}

static int
all_started(const struct sv__pack *p)
{
    int i;

    for (i = 0; i < p->m.nrend; i++)
        if (p->m.r[i].nseg == 0)
            return 0;
    return 1;
}

int
sv__publish_segment(struct sv__pack *p, struct sv__track *t,
                    const struct iovec *iov, int n, uint64_t size)
{
    struct sv_model_rend *r = &p->m.r[t->rend];
    struct sv_model_seg s;
    char uri[128];
    int i, rc = 0;
    int64_t end_us;

    memset(&s, 0, sizeof(s));
    s.number = t->seg_idx;
    s.start = t->seg_start;
    s.duration = (uint32_t)t->seg_ticks;
    s.size = size;
    s.discontinuity = t->seg_disc;
    if (p->o->single_file) {
        s.offset = t->single_off;
        for (i = 0; rc == 0 && i < n; i++) {
            const uint8_t *b = iov[i].iov_base;
            size_t left = iov[i].iov_len;
            while (left > 0) {
                ssize_t w = write(t->single_fd, b, left);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w < 0) {
                    rc = -errno;
                    break;
                }
                b += w;
                left -= (size_t)w;
            }
        }
        t->single_off += size;
        if (rc < 0)
            return sv__fail(p, rc, "cannot write the media of %s: %s",
                            r->id, sv_strerror(rc));
    } else {
        sv_model_seg_uri(&p->m, r, s.number, uri, sizeof(uri));
        rc = sv_out_put(p->out, uri, iov, n);
        if (rc < 0)
            return sv__fail(p, rc, "cannot write '%s'", uri);
    }
    if (p->o->live)
        s.pdt_ms = p->m.ast_ms + sv__us(t, s.start - t->lead) / 1000;
    if (s.discontinuity && t->ref) {
        rc = sv_model_add_disc(&p->m, s.number,
                               (double)(s.start - t->lead) / t->timescale);
        if (rc < 0)
            return sv__fail(p, rc, "out of memory");
    }
    rc = sv_model_add_segment(r, &s);
    if (rc < 0)
        return sv__fail(p, rc, "out of memory");
    p->segments++;
    sv_model_update_target(&p->m);
    sv_event_emit("package.segment.written", json_pack(
        "{s:s,s:I,s:f,s:I}", "rendition", r->id, "number",
        (json_int_t)s.number, "duration", (double)s.duration / t->timescale,
        "bytes", (json_int_t)size));
    end_us = sv__us(t, s.start + s.duration - t->lead);
    if (end_us > p->now_us)
        p->now_us = end_us;
    if (!p->o->live) {
        if (sv_log_tty())
            sv_log_progress("%s segment %llu, %.1fs", r->id,
                            (unsigned long long)s.number,
                            (double)end_us / 1e6);
        return 0;
    }
    /* live: slide, publish the playlist that names the new media */
    p->m.now_ms = sv_time_now_ms();

    if (!p->o->dvr)
        sv_model_slide(r, (double)p->o->window_us / 1e6, on_gone, p);
    sv_model_trim_parts(r, LIVE_PARTS_KEPT);
    collect_gone(p);
    /* the last segments of the last input: finalize() writes the ended
     * playlists; one written here would hint at a next segment that never
     * comes */
    if (t->eof && t->input == p->o->ninputs - 1)
        return 0;
    if (!p->master_written && all_started(p)) {
        for (i = 0; rc == 0 && i < p->m.nrend; i++)
            rc = write_media_playlist(p, i);
        if (rc == 0)
            rc = write_master(p);
    } else if (p->master_written) {
        rc = write_media_playlist(p, t->rend);
    }
    if (rc == 0 && p->master_written && t->ref) {
        rc = write_mpd(p);
        if (rc == 0)
            rc = write_json(p);
    }
    return rc < 0 ? sv__fail(p, rc, "cannot update the playlists") : 0;
}

/* ---- single files: init + sidx + the segments, addressed by ranges ---- */

static int
assemble_single(struct sv__pack *p, struct sv__track *t)
{
    struct sv_model_rend *r = &p->m.r[t->rend];
    struct sv_buf sidx = SV_BUF_INIT(16 << 20);
    struct sv_sidx_ref *refs;
    struct iovec iov[3];
    void *media = NULL;
    char uri[128];
    size_t i;
    int rc;

    if (r->nseg == 0 || r->nseg > 65535)
        return sv__fail(p, SV_ELIMIT, "rendition %s has %zu segments, a "
                        "single file holds 1 to 65535", r->id, r->nseg);
    refs = calloc(r->nseg, sizeof(*refs));
    if (refs == NULL)
        return -ENOMEM;
    for (i = 0; i < r->nseg; i++) {
        refs[i].size = (uint32_t)r->seg[i].size;
        refs[i].duration = r->seg[i].duration;
        refs[i].sap = 1;
    }
    rc = sv_fmp4_sidx(&sidx, &t->ft, (uint64_t)r->seg[0].start, 0, refs,
                      r->nseg);
    free(refs);
    if (rc < 0)
        return sv__fail(p, rc, "cannot index rendition %s", r->id);
    r->init_size = t->init.len;
    r->index_size = sidx.len;
    for (i = 0; i < r->nseg; i++)
        r->seg[i].offset += t->init.len + sidx.len;
    if (t->single_off > 0) {
        media = mmap(NULL, t->single_off, PROT_READ, MAP_SHARED,
                     t->single_fd, 0);
        if (media == MAP_FAILED) {
            sv_buf_release(&sidx);
            return sv__fail(p, -errno, "cannot map the media of %s",
                            r->id);
        }
    }
    iov[0].iov_base = t->init.data;
    iov[0].iov_len = t->init.len;
    iov[1].iov_base = sidx.data;
    iov[1].iov_len = sidx.len;
    iov[2].iov_base = media;
    iov[2].iov_len = t->single_off;
    sv_model_seg_uri(&p->m, r, 1, uri, sizeof(uri));
    rc = sv_out_put(p->out, uri, iov, 3);
    if (media != NULL)
        munmap(media, t->single_off);
    sv_buf_release(&sidx);
    return rc < 0 ? sv__fail(p, rc, "cannot write '%s'", uri) : 0;
}

/* ---- inputs ---- */

static int
supported(const struct sv_demux_stream *s)
{
    if (s->kind == SV_KIND_VIDEO)
        return s->codec == SV_CODEC_H264 || s->codec == SV_CODEC_HEVC ||
               s->codec == SV_CODEC_VP9 || s->codec == SV_CODEC_AV1;
    if (s->kind == SV_KIND_AUDIO)
        return s->codec == SV_CODEC_AAC || s->codec == SV_CODEC_OPUS;
    return 0;
}

static int
add_rendition(struct sv__pack *p, const struct sv_demux_stream *s,
              int *nvideo, int *naudio)
{
    struct sv_model_rend *r;

    r = realloc(p->m.r, (size_t)(p->m.nrend + 1) * sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    p->m.r = r;
    r = &p->m.r[p->m.nrend];
    memset(r, 0, sizeof(*r));
    r->video = s->kind == SV_KIND_VIDEO;
    if (r->video) {
        snprintf(r->id, sizeof(r->id), "v%d", (*nvideo)++);
        r->width = s->width;
        r->height = s->height;
        r->fps = s->fps_den > 0 ? (double)s->fps_num / s->fps_den : 0;
        r->timescale = s->tb_num == 1 && s->tb_den >= 1000 &&
                       s->tb_den <= 1000000 ? (uint32_t)s->tb_den : 90000;
    } else {
        snprintf(r->id, sizeof(r->id), "a%d", (*naudio)++);
        r->channels = s->channels;
        r->sample_rate = s->sample_rate;
        r->timescale = s->sample_rate > 0 ? (uint32_t)s->sample_rate
                                          : 48000;
        snprintf(r->lang, sizeof(r->lang), "%s", s->language);
        snprintf(r->group, sizeof(r->group), "audio");
        r->is_default = *naudio == 1;
    }
    r->single_file = p->o->single_file;
    r->cur_number = 1;
    return p->m.nrend++;
}

static int
add_track(struct sv__pack *p, int input, const char *url,
          const struct sv_demux_stream *s, int rend)
{
    struct sv__track *t;

    t = realloc(p->t, (size_t)(p->nt + 1) * sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    p->t = t;
    t = &p->t[p->nt++];
    memset(t, 0, sizeof(*t));
    t->input = input;
    t->stream = s->index;
    t->url = url;
    t->rend = rend;
    t->info = *s;
    t->video = s->kind == SV_KIND_VIDEO;
    t->timescale = p->m.r[rend].timescale;
    t->ft.id = 1;
    t->ft.video = t->video;
    t->ft.timescale = t->timescale;
    t->ft.width = s->width;
    t->ft.height = s->height;
    t->single_fd = -1;
    sv_buf_init(&t->segbuf, (size_t)p->o->max_queue);
    sv_buf_init(&t->init, 1 << 20);
    return 0;
}

static int
open_single(struct sv__pack *p, struct sv__track *t)
{
    char path[PATH_MAX];
    int fd;

    if (p->out != NULL && strcmp(p->o->out, "-") != 0) {
        snprintf(path, sizeof(path), "%s/.%s.media.XXXXXX", p->o->out,
                 p->m.r[t->rend].id);
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(path, sizeof(path), "%s/.sv-package.XXXXXX",
                 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0)
        return sv__fail(p, -errno, "cannot create a temporary file for %s: "
                        "%s", p->m.r[t->rend].id, strerror(errno));
    t->single_fd = fd;
    return 0;
}

/*
 * The start of an input.  Its first packets are held until every track
 * has shown where it starts (video: its first keyframe), or HOLD_US of
 * input went by.  Presentation time 0 is then the first video frame's
 * (the earliest audio frame's in an input without video); tracks that
 * start before it keep their samples, on a media timeline moved by an
 * edit list (seg.c).
 */
struct held {
    struct sv_demux_packet pkt;
    struct sv_buf buf;          /* the bytes, owned */
};

struct gate {
    struct held *h;
    size_t n, cap;
    uint64_t bytes;
    int64_t lo_us, hi_us;       /* decode times held */
    int open;                   /* no longer holding */
};

static void
gate_release(struct gate *g)
{
    size_t i;

    for (i = 0; i < g->n; i++)
        sv_buf_release(&g->h[i].buf);
    free(g->h);
    memset(g, 0, sizeof(*g));
    g->open = 1;
}

static int64_t
in_us(const struct sv__track *t, int64_t v)
{
    return sv_time_rescale(v, t->info.tb_num, t->info.tb_den, 1,
                           1000000);
}

static int
gate_hold(struct gate *g, const struct sv__track *t,
          const struct sv_demux_packet *pkt)
{
    struct held *h;
    int64_t dts = pkt->dts != SV_NOPTS ? pkt->dts : pkt->pts;

    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        h = realloc(g->h, cap * sizeof(*h));
        if (h == NULL)
            return -ENOMEM;
        g->h = h;
        g->cap = cap;
    }
    h = &g->h[g->n];
    h->pkt = *pkt;
    sv_buf_init(&h->buf, SIZE_MAX);
    if (pkt->own != NULL && pkt->own->data == pkt->data &&
        pkt->own->len == pkt->size) {
        h->buf.alloc = pkt->own->alloc;
        h->buf.data = sv_buf_take(pkt->own, &h->buf.len);
    } else if (sv_buf_append(&h->buf, pkt->data, pkt->size) < 0) {
        return -ENOMEM;
    }
    h->pkt.own = NULL;          /* the array moves: set when fed */
    g->n++;
    g->bytes += pkt->size;
    if (dts != SV_NOPTS) {
        int64_t us = in_us(t, dts);
        if (g->n == 1 || us < g->lo_us)
            g->lo_us = us;
        if (g->n == 1 || us > g->hi_us)
            g->hi_us = us;
    }
    return 0;
}

/* Has every track of the input [first, p->nt) shown its start? */
static int
gate_full(const struct sv__pack *p, const struct gate *g, int first,
          const int *map)
{
    int i;
    size_t k;

    if (g->hi_us - g->lo_us > HOLD_US || g->bytes > HOLD_BYTES)
        return 1;
    for (i = first; i < p->nt; i++) {
        const struct sv__track *t = &p->t[i];
        for (k = 0; k < g->n; k++)
            if (&p->t[map[g->h[k].pkt.stream]] == t &&
                (!t->video || g->h[k].pkt.key))
                break;
        if (k == g->n)
            return 0;
    }
    return 1;
}

/* Sets the input's origin from what the gate holds. */
static void
gate_origin(struct sv__pack *p, const struct gate *g, int first,
            const int *map)
{
    int64_t vmin = INT64_MAX, amin = INT64_MAX, dmin = INT64_MAX, us, o;
    int i, keyed;
    size_t k;

    for (i = first; i < p->nt; i++) {
        const struct sv__track *t = &p->t[i];
        keyed = !t->video;
        for (k = 0; k < g->n; k++) {
            const struct sv_demux_packet *pk = &g->h[k].pkt;
            if (&p->t[map[pk->stream]] != t)
                continue;
            keyed |= pk->key;
            if (!keyed || pk->pts == SV_NOPTS)
                continue;
            us = in_us(t, pk->pts);
            if (t->video && us < vmin)
                vmin = us;
            if (!t->video && us < amin)
                amin = us;
            us = in_us(t, pk->dts != SV_NOPTS ? pk->dts : pk->pts);
            if (us < dmin)
                dmin = us;
        }
    }
    o = vmin != INT64_MAX ? vmin : amin;
    if (o == INT64_MAX)
        return;             /* no time yet: the first packet's (seg.c) */
    p->offset_us = -o;
    p->lead_us = dmin < o ? o - dmin : 0;
    p->have_origin = 1;
}

/* Tells the reader which of its bytes the queues of its tracks (from
 * first on) still point at: each track's first sample that points (a
 * reader hands a track's stable samples out in file order). */
static void
hold_input(struct sv__pack *p, struct sv__source *in, int first)
{
    size_t k;
    int i;

    sv__source_hold(in, NULL);
    for (i = first; i < p->nt; i++) {
        const struct sv__track *t = &p->t[i];
        for (k = 0; k < t->nq; k++)
            if (t->q[k].blk == NULL)
                break;
        if (k < t->nq)
            sv__source_hold(in, t->q[k].data);
    }
}

/* One packet of track t through the segmenter. */
static int
feed(struct sv__pack *p, int first, struct sv__track *t,
     const struct sv_demux_packet *pkt)
{
    int i, rc;

    rc = sv__track_push(p, t, pkt);
    if (rc == 0)
        rc = sv__track_process(p, t);
    for (i = first; rc == 0 && t->ref && i < p->nt; i++)
        if (!p->t[i].ref)
            rc = sv__track_process(p, &p->t[i]);
    return rc;
}

/* Opens the gate: the origin, then what it held through the segmenter. */
static int
gate_open(struct sv__pack *p, struct gate *g, int first, const int *map)
{
    size_t k;
    int rc = 0;

    if (g->open)
        return 0;
    gate_origin(p, g, first, map);
    for (k = 0; rc == 0 && k < g->n; k++) {
        struct held *h = &g->h[k];
        h->pkt.data = h->buf.data;
        h->pkt.own = &h->buf;
        rc = feed(p, first, &p->t[map[h->pkt.stream]], &h->pkt);
    }
    gate_release(g);
    return rc;
}

/* Reads one input to its end through the segmenter. */
static int
run_input(struct sv__pack *p, int input, const char *url)
{
    struct sv__source *in;
    struct sv_demux_packet pkt;
    struct gate g;
    const struct sv_demux_stream *s;
    struct sv__track *t;
    int *map = NULL, first = p->nt, i, n, rc, nv = 0, skipped = 0, nav = 0;

    memset(&g, 0, sizeof(g));
    in = calloc(1, sizeof(*in));
    if (in == NULL)
        return sv__fail(p, -ENOMEM, "out of memory");
    rc = sv__source_open(in, url, p->o->format,
                         (volatile int *)&sv_sig_stop);
    if (rc < 0) {
        free(in);
        return sv__fail(p, rc, "cannot read '%s': %s", url,
                        sv_strerror(rc));
    }
    /* libavformat reads any text as an ANSI art "video" */
    if (strcmp(sv__source_format(in), "tty") == 0) {
        rc = sv__fail(p, SV_EFORMAT, "cannot read '%s': not audio or video",
                      url);
        goto done;
    }
    n = sv__source_count(in);
    map = malloc((size_t)(n > 0 ? n : 1) * sizeof(*map));
    if (map == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (i = 0; i < n; i++) {
        map[i] = -1;
        s = sv__source_stream(in, i);
        nav += s->kind == SV_KIND_VIDEO || s->kind == SV_KIND_AUDIO;
        if (!supported(s)) {
            if (s->kind == SV_KIND_VIDEO || s->kind == SV_KIND_AUDIO) {
                sv_log_warn("'%s': stream %d (%s) cannot be packaged, "
                            "skipped", url, i, s->codec_name);
                skipped++;
            }
            continue;
        }
        if (s->kind == SV_KIND_VIDEO)
            nv++;
        rc = add_rendition(p, s, &p->nvideo, &p->naudio);
        if (rc >= 0 && p->o->ts && s->codec != SV_CODEC_H264 &&
            s->codec != SV_CODEC_HEVC && s->codec != SV_CODEC_AAC) {
            rc = sv__fail(p, SV_ENOMEDIA, "rendition %s: %s cannot go in "
                          "MPEG-TS segments", p->m.r[rc].id, s->codec_name);
            goto done;
        }
        if (rc >= 0)
            rc = add_track(p, input, url, s, rc);
        if (rc >= 0)
            rc = sv__enc_track(p, &p->t[p->nt - 1]);
        if (rc < 0)
            goto done;
        map[i] = p->nt - 1;
        if (p->o->single_file) {
            rc = open_single(p, &p->t[p->nt - 1]);
            if (rc < 0)
                goto done;
        }
    }
    if (nav == 0) {
        rc = sv__fail(p, SV_EFORMAT, "cannot read '%s': not audio or video",
                      url);
        goto done;
    }
    if (input == 0 && nv == 0) {
        rc = sv__fail(p, SV_ENOMEDIA, skipped ? "no video stream in '%s' "
                      "that can be packaged" : "no video stream in '%s'",
                      url);
        goto done;
    }
    if (input == 0) {
        for (i = first; i < p->nt; i++)
            if (p->t[i].video) {
                p->t[i].ref = 1;
                break;
            }
    }
    /* the audio group exists once any audio does */
    for (i = 0; i < p->m.nrend; i++)
        if (p->m.r[i].video && p->naudio > 0)
            snprintf(p->m.r[i].group, sizeof(p->m.r[i].group), "audio");
    p->have_origin = 0;
    if (p->o->live && p->m.ast_ms == 0)
        p->m.ast_ms = sv_time_now_ms();
    for (;;) {
        rc = sv__source_read(in, &pkt, (volatile int *)&sv_sig_stop);
        if (rc == 0 || rc == SV_EINTR)
            break;
        if (rc < 0) {
            sv_log_warn("'%s': %s; ending the package here", url,
                        sv_strerror(rc));
            break;
        }
        if (pkt.stream < 0 || pkt.stream >= n || map[pkt.stream] < 0 ||
            pkt.size == 0)
            continue;
        t = &p->t[map[pkt.stream]];
        if (!g.open) {
            rc = gate_hold(&g, t, &pkt);
            if (rc == 0 && gate_full(p, &g, first, map))
                rc = gate_open(p, &g, first, map);
        } else {
            rc = feed(p, first, t, &pkt);
            if (pkt.stable)
                hold_input(p, in, first);
        }
        if (rc < 0)
            goto done;
    }
    rc = gate_open(p, &g, first, map);
    if (rc < 0)
        goto done;
    /* the end: the reference first, so every cut is known to the rest */
    for (i = first; i < p->nt; i++)
        if (p->t[i].ref) {
            p->horizon_us = INT64_MAX;
            rc = sv__track_finish(p, &p->t[i]);
            if (rc < 0)
                goto done;
        }
    for (i = first; i < p->nt; i++)
        if (!p->t[i].ref) {
            rc = sv__track_finish(p, &p->t[i]);
            if (rc < 0)
                goto done;
        }
    rc = 0;
done:
    if (sv__source_bad(in) > 0)
        sv_log_warn(in->kind == SV__SOURCE_TS
                    ? "'%s': %llu damaged MPEG-TS packets skipped"
                    : "'%s': %llu samples outside the file skipped", url,
                    (unsigned long long)sv__source_bad(in));
    gate_release(&g);
    free(map);
    /* what is still queued outlives the input's map */
    for (i = first; i < p->nt; i++)
        if (sv__track_unborrow(&p->t[i]) < 0 && rc == 0)
            rc = sv__fail(p, -ENOMEM, "out of memory");
    sv__source_close(in);
    free(in);
    return rc;
}

static int
check_complete(struct sv__pack *p)
{
    const struct sv_model_rend *ref = NULL;
    int i;

    for (i = 0; i < p->nt; i++)
        if (p->t[i].ref)
            ref = &p->m.r[p->t[i].rend];
    if (ref == NULL || ref->nseg == 0)
        return sv__fail(p, SV_ENOMEDIA, "no complete segment in '%s': no "
                        "video keyframe", p->o->inputs[0]);
    for (i = 0; i < p->m.nrend; i++) {
        const struct sv_model_rend *r = &p->m.r[i];
        if (r->nseg == 0)
            return sv__fail(p, SV_ENOMEDIA, "rendition %s has no samples",
                            r->id);
        if (!p->o->live && r->video && r->nseg != ref->nseg)
            return sv__fail(p, SV_EFORMAT, "keyframes of rendition %s are "
                            "not aligned with rendition %s: %zu segments "
                            "against %zu", r->id, ref->id, r->nseg,
                            ref->nseg);
    }
    return 0;
}

static int
finalize(struct sv__pack *p)
{
    int i, rc = 0;

    for (i = 0; rc == 0 && p->o->single_file && i < p->nt; i++)
        rc = assemble_single(p, &p->t[i]);
    if (rc == 0 && p->o->thumbnails != NULL)
        rc = sv__images_link(p, p->o->thumbnails);
    if (rc < 0)
        return rc;
    p->m.ended = 1;
    p->m.now_ms = sv_time_now_ms();
    sv_model_update_target(&p->m);
    for (i = 0; rc == 0 && i < p->m.nrend; i++)
        rc = write_media_playlist(p, i);
    if (rc == 0)
        rc = write_mpd(p);
    if (rc == 0)
        rc = write_master(p);
    if (rc == 0)
        rc = write_json(p);
    if (rc < 0)
        return sv__fail(p, rc, "cannot write the manifests: %s",
                        sv_strerror(rc));
    return 0;
}

int
sv_pack_run(const struct sv_pack_opts *o, char *err, size_t size)
{
    struct sv__pack p;
    int i, rc;

    memset(&p, 0, sizeof(p));
    p.o = o;
    p.err = err;
    p.errsize = size;
    err[0] = '\0';
    p.m.live = o->live;
    p.m.dvr = o->dvr;
    p.m.ll_hls = o->ll_hls;
    p.m.ll_dash = o->ll_dash;
    p.m.ts = o->ts;
    p.m.hls = o->hls;
    p.m.dash = o->dash;
    p.m.seg_dur = (double)o->segment_us / 1e6;
    p.m.part_dur = o->ll_hls || o->ll_dash ? (double)o->part_us / 1e6 : 0;
    p.m.part_target = p.m.part_dur;
    p.m.window = (double)o->window_us / 1e6;
    p.m.steering = o->steering != NULL ? json_deep_copy(o->steering) : NULL;
    p.horizon_us = INT64_MIN;
    if (strcmp(o->out, "-") == 0)
        rc = sv_out_tar(&p.out, STDOUT_FILENO);
    else
        rc = sv_out_dir(&p.out, o->out);
    if (rc < 0) {
        sv__fail(&p, rc, "cannot write to '%s': %s", o->out,
                 sv_strerror(rc));
        goto done;
    }
    rc = sv__enc_open(&p);
    if (rc < 0)
        goto done;
    for (i = 0; i < o->ninputs && !sv_sig_stop; i++) {
        rc = run_input(&p, i, o->inputs[i]);
        if (rc < 0)
            goto done;
    }
    sv_log_progress_end();
    rc = check_complete(&p);
    if (rc == 0)
        rc = finalize(&p);
    if (rc == 0)
        sv_event_emit("package.complete", json_pack(
            "{s:s,s:i,s:I,s:f,s:I}", "output", o->out,
            "renditions", p.m.nrend, "segments", (json_int_t)p.segments,
            "duration", p.m.nrend > 0 ? p.m.r[0].seconds : 0.0,
            "bytes", (json_int_t)sv_out_bytes(p.out)));
done:
    sv_log_progress_end();
    if (rc < 0 && err[0] == '\0')
        snprintf(err, size, "%s", sv_strerror(rc));
    if (rc == 0)
        rc = sv_out_close(p.out);
    else
        sv_out_close(p.out);
    for (i = 0; i < p.nt; i++) {
        if (p.t[i].single_fd >= 0)
            close(p.t[i].single_fd);
        sv_buf_release(&p.t[i].init);
        sv__track_release(&p.t[i]);
        sv__enc_release(&p.t[i]);
    }
    free(p.t);
    free(p.cuts);
    free(p.gone);
    sv_model_release(&p.m);
    return rc;
}
