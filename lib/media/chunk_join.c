/* chunk_join.c -- --join: chunk files back into one stream or one file per
 * rung, copying packets, refusing gaps, overlaps and short chunks */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/log.h"
#include "core/sig.h"
#include "media/av.h"
#include "media/chunk.h"
#include "media/job.h"

#define JOIN_PATH 4096

struct part {
    char path[JOIN_PATH];
    int64_t start, end;         /* frames; end SV_CHUNK_OPEN: the last */
};

struct rungset {
    char name[64];
    struct part *p;
    int n, cap;
    int height;
    AVRational fps;
};

/* One stream of the output, read from the parts of a rung in turn. */
struct source {
    struct rungset *rs;
    int audio;                  /* the audio of the first part, only */
    int part;                   /* the part open now */
    AVFormatContext *fc;
    int sidx;
    AVPacket *pkt;              /* the next packet, or NULL at the end */
    int64_t count, minpts;      /* frames and first frame of the part */
    int ost;                    /* its stream in the output */
    AVCodecParameters *par;     /* the first part's, to compare with */
};

static const char *dirname_;

static double
secs(int64_t frames, AVRational fps)
{
    return fps.num > 0 ? (double)frames * fps.den / fps.num : 0;
}

static int
by_start(const void *a, const void *b)
{
    const struct part *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static int
by_height(const void *a, const void *b)
{
    const struct rungset *x = a, *y = b;

    return y->height - x->height;
}

/* Lists the chunk files of dir by rung. */
static int
list_parts(const char *dir, struct rungset **out, int *nout)
{
    struct rungset *rs = NULL, *t;
    struct dirent *e;
    char rung[64];
    const char *ext;
    int64_t a, b;
    int n = 0, i, rc = 0;
    DIR *d = opendir(dir);

    if (d == NULL) {
        rc = -errno;
        sv_log_error("cannot open '%s': %s", dir, sv_strerror(rc));
        return rc;
    }
    while ((e = readdir(d)) != NULL) {
        struct part *p;

        if (e->d_name[0] == '.' ||
            sv_chunk_name_parse(e->d_name, rung, sizeof(rung), &a, &b,
                                &ext) < 0)
            continue;
        for (i = 0; i < n && strcmp(rs[i].name, rung) != 0; i++)
            ;
        if (i == n) {
            t = realloc(rs, (size_t)(n + 1) * sizeof(*rs));
            if (t == NULL) {
                rc = -ENOMEM;
                break;
            }
            rs = t;
            memset(&rs[n], 0, sizeof(rs[n]));
            snprintf(rs[n].name, sizeof(rs[n].name), "%s", rung);
            n++;
        }
        if (rs[i].n == rs[i].cap) {
            int cap = rs[i].cap ? 2 * rs[i].cap : 16;

            p = realloc(rs[i].p, (size_t)cap * sizeof(*p));
            if (p == NULL) {
                rc = -ENOMEM;
                break;
            }
            rs[i].p = p;
            rs[i].cap = cap;
        }
        p = &rs[i].p[rs[i].n++];
        snprintf(p->path, sizeof(p->path), "%s/%s", dir, e->d_name);
        p->start = a;
        p->end = b;
    }
    closedir(d);
    if (rc == 0 && n == 0) {
        sv_log_error("cannot join '%s': it holds no chunk files "
                     "(<rung>.chunk-<start>-<end>.<ext>)", dir);
        rc = SV_ENOMEDIA;
    }
    if (rc < 0) {
        for (i = 0; i < n; i++)
            free(rs[i].p);
        free(rs);
        return rc;
    }
    *out = rs;
    *nout = n;
    return 0;
}

static int
open_part(const char *path, int audio, AVFormatContext **fc, int *sidx)
{
    int rc;

    *fc = NULL;
    rc = avformat_open_input(fc, path, NULL, NULL);
    if (rc >= 0)
        rc = avformat_find_stream_info(*fc, NULL);
    if (rc < 0) {
        sv_log_error("cannot read chunk '%s': %s", path, sv_strerror(rc));
        avformat_close_input(fc);
        return rc;
    }
    rc = av_find_best_stream(*fc, audio ? AVMEDIA_TYPE_AUDIO
                                        : AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (rc < 0) {
        if (!audio)
            sv_log_error("cannot use chunk '%s': it has no video", path);
        avformat_close_input(fc);
        return audio ? 1 : SV_ENOMEDIA;
    }
    *sidx = rc;
    return 0;
}

/*
 * The parts of a rung, in order, must cover frames 0 to the end once:
 * names the first gap or overlap.  Reads the rung's height and rate.
 */
static int
check_rung(struct rungset *r)
{
    AVFormatContext *fc;
    AVStream *st;
    int i, sidx, rc;

    qsort(r->p, (size_t)r->n, sizeof(*r->p), by_start);
    rc = open_part(r->p[0].path, 0, &fc, &sidx);
    if (rc < 0)
        return rc;
    st = fc->streams[sidx];
    r->height = st->codecpar->height;
    r->fps = st->avg_frame_rate.num > 0 ? st->avg_frame_rate
                                        : av_inv_q(st->time_base);
    avformat_close_input(&fc);
    for (i = 0; i < r->n; i++) {
        int64_t want = i == 0 ? 0 : r->p[i - 1].end;
        const struct part *p = &r->p[i];

        if (i > 0 && r->p[i - 1].end == SV_CHUNK_OPEN) {
            sv_log_error("cannot join rung %s: chunks overlap: '%s' runs "
                         "to the end and '%s' starts at frame %" PRId64,
                         r->name, r->p[i - 1].path, p->path, p->start);
            return SV_EUSAGE;
        }
        if (p->start < want) {
            sv_log_error("cannot join rung %s: chunks overlap: '%s' and "
                         "'%s' both hold frames %" PRId64 "-%" PRId64,
                         r->name, r->p[i - 1].path, p->path, p->start,
                         (r->p[i - 1].end < p->end || p->end == SV_CHUNK_OPEN
                          ? r->p[i - 1].end : p->end) - 1);
            return SV_EUSAGE;
        }
        if (p->start > want) {
            sv_log_error("cannot join rung %s: missing chunk: frames %"
                         PRId64 "-%" PRId64 " (%gs-%gs) are in no file "
                         "of '%s'", r->name, want, p->start - 1,
                         secs(want, r->fps), secs(p->start, r->fps),
                         dirname_);
            return SV_EUSAGE;
        }
    }
    if (r->p[r->n - 1].end != SV_CHUNK_OPEN) {
        sv_log_error("cannot join rung %s: missing the last chunk: no file "
                     "of '%s' holds frames from %" PRId64 " (%gs) on",
                     r->name, dirname_, r->p[r->n - 1].end,
                     secs(r->p[r->n - 1].end, r->fps));
        return SV_EUSAGE;
    }
    return 0;
}

/* The part just read must hold the frames its name says. */
static int
check_part(struct source *s)
{
    const struct part *p = &s->rs->p[s->part];

    if (s->audio)
        return 0;
    if (s->count == 0 || s->minpts != p->start ||
        (p->end != SV_CHUNK_OPEN && s->count != p->end - p->start)) {
        sv_log_error("cannot join rung %s: chunk '%s' holds %" PRId64
                     " frames from frame %" PRId64 ", its name says %"
                     PRId64 " from %" PRId64, s->rs->name, p->path, s->count,
                     s->count ? s->minpts : 0,
                     p->end == SV_CHUNK_OPEN ? s->count : p->end - p->start,
                     p->start);
        return SV_ECORRUPT;
    }
    return 0;
}

/* Opens part i of the source and checks it matches the first one. */
static int
source_open(struct source *s, int i)
{
    AVCodecParameters *par;
    int rc;

    avformat_close_input(&s->fc);
    rc = open_part(s->rs->p[i].path, s->audio, &s->fc, &s->sidx);
    if (rc != 0)
        return rc;
    s->part = i;
    s->count = 0;
    s->minpts = INT64_MAX;
    par = s->fc->streams[s->sidx]->codecpar;
    if (s->par == NULL) {
        s->par = avcodec_parameters_alloc();
        if (s->par == NULL)
            return AVERROR(ENOMEM);
        return avcodec_parameters_copy(s->par, par);
    }
    if (par->codec_id != s->par->codec_id || par->width != s->par->width ||
        par->height != s->par->height ||
        par->extradata_size != s->par->extradata_size ||
        (par->extradata_size > 0 &&
         memcmp(par->extradata, s->par->extradata,
                (size_t)par->extradata_size) != 0)) {
        sv_log_error("cannot join rung %s: chunk '%s' was encoded "
                     "otherwise than '%s' (codec, size or headers differ)",
                     s->rs->name, s->rs->p[i].path, s->rs->p[0].path);
        return SV_EFORMAT;
    }
    return 0;
}

/* Reads the source's next packet into s->pkt (NULL at its end). */
static int
source_next(struct source *s)
{
    AVStream *st;
    int64_t f;
    int rc;

    for (;;) {
        if (s->fc == NULL) {
            av_packet_free(&s->pkt);
            return 0;
        }
        rc = av_read_frame(s->fc, s->pkt);
        if (rc == AVERROR_EOF) {
            rc = check_part(s);
            if (rc < 0)
                return rc;
            avformat_close_input(&s->fc);
            if (s->audio || s->part + 1 >= s->rs->n)
                continue;
            rc = source_open(s, s->part + 1);
            if (rc < 0)
                return rc;
            continue;
        }
        if (rc < 0) {
            sv_log_error("cannot read chunk '%s': %s",
                         s->rs->p[s->part].path, sv_strerror(rc));
            return rc;
        }
        if (s->pkt->stream_index != s->sidx) {
            av_packet_unref(s->pkt);
            continue;
        }
        st = s->fc->streams[s->sidx];
        if (!s->audio && s->pkt->pts != AV_NOPTS_VALUE) {
            f = av_rescale_q_rnd(s->pkt->pts, st->time_base,
                                 av_inv_q(s->rs->fps),
                                 AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
            if (f < s->minpts)
                s->minpts = f;
        }
        s->count++;
        /* time in AV_TIME_BASE from here on: one scale for every part */
        av_packet_rescale_ts(s->pkt, st->time_base, AV_TIME_BASE_Q);
        return 0;
    }
}

static int
add_out_stream(AVFormatContext *ofc, struct source *s)
{
    AVStream *st = avformat_new_stream(ofc, NULL);
    int rc;

    if (st == NULL)
        return AVERROR(ENOMEM);
    rc = avcodec_parameters_copy(st->codecpar, s->par);
    if (rc < 0)
        return rc;
    st->codecpar->codec_tag = 0;
    if (s->par->codec_id == AV_CODEC_ID_HEVC &&
        strcmp(ofc->oformat->name, "mp4") == 0)
        st->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');
    st->time_base = s->audio ? (AVRational){ 1, s->par->sample_rate }
                             : av_inv_q(s->rs->fps);
    if (!s->audio)
        st->avg_frame_rate = s->rs->fps;
    s->ost = st->index;
    return 0;
}

/*
 * Writes the sources into one output (url, format fmt): every packet in
 * order of decoding time across the sources.
 */
static int
write_out(const char *url, const char *fmt, struct source *src, int n)
{
    AVFormatContext *ofc = NULL;
    AVDictionary *opts = NULL;
    int i, best, rc;

    rc = avformat_alloc_output_context2(&ofc, NULL, fmt, url);
    if (rc < 0)
        return rc;
    for (i = 0; i < n && rc >= 0; i++)
        rc = add_out_stream(ofc, &src[i]);
    if (rc >= 0)
        rc = avio_open(&ofc->pb, url, AVIO_FLAG_WRITE);
    if (rc < 0)
        goto done;
    if (strcmp(fmt, "mp4") == 0)
        av_dict_set(&opts, "movflags", "+faststart", 0);
    rc = avformat_write_header(ofc, &opts);
    av_dict_free(&opts);
    while (rc >= 0 && !sv_sig_stop) {
        best = -1;
        for (i = 0; i < n; i++)
            if (src[i].pkt != NULL &&
                (best < 0 || src[i].pkt->dts < src[best].pkt->dts))
                best = i;
        if (best < 0)
            break;
        src[best].pkt->stream_index = src[best].ost;
        av_packet_rescale_ts(src[best].pkt, AV_TIME_BASE_Q,
                             ofc->streams[src[best].ost]->time_base);
        rc = av_interleaved_write_frame(ofc, src[best].pkt);
        if (rc >= 0)
            rc = source_next(&src[best]);
    }
    if (rc >= 0 && sv_sig_stop)
        rc = SV_EINTR;
    if (rc >= 0)
        rc = av_write_trailer(ofc);
    if (rc >= 0) {
        avio_flush(ofc->pb);
        rc = ofc->pb->error;
    }
done:
    if (ofc != NULL && ofc->pb != NULL)
        avio_closep(&ofc->pb);
    avformat_free_context(ofc);
    return rc;
}

static int
source_init(struct source *s, struct rungset *rs, int audio)
{
    int rc;

    memset(s, 0, sizeof(*s));
    s->rs = rs;
    s->audio = audio;
    s->pkt = av_packet_alloc();
    if (s->pkt == NULL)
        return AVERROR(ENOMEM);
    rc = source_open(s, 0);
    if (rc == 1) {
        /* no audio in the first chunk: the title has none */
        av_packet_free(&s->pkt);
        return 1;
    }
    if (rc < 0)
        return rc;
    return source_next(s);
}

static void
source_release(struct source *s)
{
    avformat_close_input(&s->fc);
    av_packet_free(&s->pkt);
    avcodec_parameters_free(&s->par);
}

static const char *
format_of(const char *container)
{
    if (strcmp(container, "ts") == 0)
        return "mpegts";
    if (strcmp(container, "mkv") == 0)
        return "matroska";
    return container;
}

/* One output: the video of rungs [from, to) and the first one's audio. */
static int
join_out(const char *url, const char *fmt, struct rungset *rs, int from,
         int to)
{
    struct source src[SV_LADDER_MAX + 1];
    int i, n = 0, rc = 0;

    for (i = from; i < to && rc >= 0; i++) {
        rc = source_init(&src[n], &rs[i], 0);
        n++;
    }
    if (rc >= 0) {
        rc = source_init(&src[n], &rs[from], 1);
        if (rc == 1)
            rc = 0;
        else
            n++;
    }
    if (rc >= 0) {
        rc = write_out(url, fmt, src, n);
        if (rc < 0 && rc != AVERROR(EPIPE) && rc != SV_EINTR &&
            rc != SV_ECORRUPT && rc != SV_EFORMAT)
            sv_log_error("cannot write the joined rung %s: %s", rs[from].name,
                         sv_strerror(rc));
    }
    for (i = 0; i < n; i++)
        source_release(&src[i]);
    return rc;
}

int
sv_transcode_join(const struct sv_transcode_opts *o)
{
    struct rungset *rs = NULL;
    struct sv_afile af = SV_AFILE_INIT;
    char path[JOIN_PATH + 64];
    int n = 0, i, rc;

    dirname_ = o->input;
    rc = list_parts(o->input, &rs, &n);
    if (rc < 0)
        return rc;
    if (n > SV_LADDER_MAX) {
        sv_log_error("cannot join '%s': chunks of %d rungs, at most %d",
                     o->input, n, SV_LADDER_MAX);
        rc = SV_EUSAGE;
        goto out;
    }
    for (i = 0; i < n; i++) {
        rc = check_rung(&rs[i]);
        if (rc < 0)
            goto out;
    }
    /* ladder order: the largest rung first, as the ladder presets */
    qsort(rs, (size_t)n, sizeof(*rs), by_height);
    if (o->outdir == NULL) {
        rc = join_out("pipe:1", o->format, rs, 0, n);
        if (rc == AVERROR(EPIPE))
            rc = 1;             /* the reader went away: a quiet stop */
        goto out;
    }
    rc = sv_mkdir_p(o->outdir);
    if (rc < 0) {
        sv_log_error("cannot create '%s': %s", o->outdir, sv_strerror(rc));
        goto out;
    }
    for (i = 0; i < n && rc >= 0; i++) {
        snprintf(path, sizeof(path), "%s/%s.%s", o->outdir, rs[i].name,
                 o->container);
        rc = sv_afile_open(&af, path, 0644);
        if (rc < 0) {
            sv_log_error("cannot create '%s': %s", path, sv_strerror(rc));
            break;
        }
        rc = join_out(af.tmp, format_of(o->container), rs, i, i + 1);
        if (rc >= 0) {
            rc = sv_afile_commit(&af, 0);
            if (rc < 0)
                sv_log_error("cannot write '%s': %s", path, sv_strerror(rc));
        } else {
            sv_afile_abort(&af);
        }
    }
out:
    for (i = 0; i < n; i++)
        free(rs[i].p);
    free(rs);
    return rc;
}
