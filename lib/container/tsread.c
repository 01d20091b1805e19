/* tsread.c -- MPEG-TS packets straight from a mapped file: PES assembly,
 * PTS/DTS, keyframes from NAL types, ADTS frames split out of audio PES
 *
 * libavformat's path copies every byte four times before the packager
 * sees it (read(2), its I/O buffer, the PES buffer, the parser); this one
 * copies it once.  Everything is bounded by the input and by a PES size
 * cap; damaged packets are skipped and counted, never trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/tsread.h"
#include "core/err.h"

#define TS 188
#define PES_MAX (32 << 20)      /* a bigger PES is damage, not a frame */
#define DROP_STEP (1 << 20)     /* give read pages back this often */

static int
usable(enum sv_codec c)
{
    return c == SV_CODEC_H264 || c == SV_CODEC_HEVC || c == SV_CODEC_AAC;
}

int
sv_tsread_init_streams(struct sv_tsread *r, const struct sv_demux_stream *st,
                       int n)
{
    int i;

    for (i = 0; i < n && r->npes < SV_TSREAD_MAX; i++) {
        struct sv_tsread_pes *e;
        if (!usable(st[i].codec) || st[i].id <= 0 || st[i].id >= 0x1fff ||
            st[i].tb_num != 1 || st[i].tb_den != 90000)
            continue;
        e = &r->pes[r->npes++];
        e->pid = st[i].id;
        e->stream = st[i].index;
        e->codec = st[i].codec;
        e->sample_rate = st[i].sample_rate > 0 ? st[i].sample_rate : 48000;
        sv_buf_init(&e->buf, PES_MAX);
    }
    return r->npes > 0 ? 0 : SV_ENOMEDIA;
}

int
sv_tsread_init(struct sv_tsread *r, const uint8_t *p, size_t len,
               const struct sv_demux_stream *st, int n)
{
    memset(r, 0, sizeof(*r));
    r->p = p;
    r->len = len;
    r->fd = -1;
    return sv_tsread_init_streams(r, st, n);
}

int
sv_tsread_init_fd(struct sv_tsread *r, int fd, const uint8_t *prefix,
                  size_t len, volatile int *stop)
{
    size_t cap = len > SV_TSREAD_PIPE_BUF ? len : SV_TSREAD_PIPE_BUF;

    memset(r, 0, sizeof(*r));
    r->buf = malloc(cap);
    if (r->buf == NULL)
        return -ENOMEM;
    if (len > 0)
        memcpy(r->buf, prefix, len);
    r->cap = cap;
    r->p = r->buf;
    r->len = len;
    r->fd = fd;
    r->stop = stop;
    return 0;
}

/*
 * Moves what is left of the buffer to its start and reads more, until a
 * whole packet is there or the pipe ends: 0, SV_EINTR or a read error.
 * One read(2) is enough once a packet is there: live input is handed on
 * as it arrives.
 */
static int
refill(struct sv_tsread *r)
{
    ssize_t n;

    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    while (!r->fd_eof && r->len < TS) {
        n = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (n < 0 && errno == EINTR) {
            if (r->stop != NULL && *r->stop)
                return SV_EINTR;
            continue;
        }
        if (n < 0)
            return -errno;
        if (n == 0)
            r->fd_eof = 1;
        r->len += (size_t)n;
    }
    return 0;
}

int
sv_tsread_open(struct sv_tsread *r, const char *path,
               const struct sv_demux_stream *st, int n)
{
    struct stat sb;
    void *m;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < TS) {
        close(fd);
        return SV_ENOMEDIA;
    }
    m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -errno;
    madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
    rc = sv_tsread_init(r, m, (size_t)sb.st_size, st, n);
    if (n == 0 && rc == SV_ENOMEDIA)
        rc = 0;                 /* mapped; the streams come later */
    if (rc < 0) {
        munmap(m, (size_t)sb.st_size);
        return rc;
    }
    r->map = m;
    return 0;
}

void
sv_tsread_release(struct sv_tsread *r)
{
    int i;

    for (i = 0; i < r->npes; i++)
        sv_buf_release(&r->pes[i].buf);
    if (r->map != NULL)
        munmap(r->map, r->len);
    free(r->buf);
    r->buf = NULL;
    r->map = NULL;
    r->npes = 0;
}

static int64_t
timestamp(const uint8_t *b)
{
    return (int64_t)(b[0] >> 1 & 7) << 30 | (int64_t)b[1] << 22 |
           (int64_t)(b[2] >> 1) << 15 | (int64_t)b[3] << 7 | b[4] >> 1;
}

/* Is the first coded slice of this access unit a random access point? */
static int
nal_key(enum sv_codec c, const uint8_t *p, size_t len)
{
    size_t i = 0;
    int t;

    while (i + 3 < len) {
        const uint8_t *z = memchr(p + i, 0, len - i - 3);
        if (z == NULL)
            return 0;
        i = (size_t)(z - p);
        if (p[i + 1] != 0 || p[i + 2] != 1) {
            i++;
            continue;
        }
        i += 3;
        if (c == SV_CODEC_H264) {
            t = p[i] & 0x1f;
            if (t >= 1 && t <= 5)
                return t == 5;
        } else {
            t = p[i] >> 1 & 0x3f;
            if (t < 32)
                return t >= 16 && t <= 21;
        }
    }
    return 0;
}

/* Parses the PES header at the start of a payload; 0 or -1 (skip it). */
static int
pes_start(struct sv_tsread_pes *e, const uint8_t *p, size_t len, int rai)
{
    size_t hl, plen;

    if (len < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1)
        return -1;
    plen = (size_t)p[4] << 8 | p[5];
    hl = 9 + (size_t)p[8];
    if (hl > len || (plen != 0 && plen < hl - 6))
        return -1;
    e->pts = e->dts = SV_NOPTS;
    if ((p[7] & 0x80) && p[8] >= 5)
        e->pts = e->dts = timestamp(p + 9);
    if ((p[7] & 0xc0) == 0xc0 && p[8] >= 10)
        e->dts = timestamp(p + 14);
    e->want = plen != 0 ? plen - (hl - 6) : 0;
    e->rai = rai;
    e->open = 1;
    sv_buf_reset(&e->buf);
    /* a consumer may take the buffer: start the next one big enough not
     * to grow (and copy) a dozen times */
    if (e->hint > 0 && e->buf.alloc < e->hint &&
        sv_buf_reserve(&e->buf, e->hint) < 0)
        return -1;
    return sv_buf_append(&e->buf, p + hl, len - hl) < 0 ? -1 : 0;
}

static void
done(struct sv_tsread *r)
{
    r->ready->open = 0;
    sv_buf_reset(&r->ready->buf);
    r->ready = NULL;
}

/* Hands out the next frame of the ready PES; 1, or 0 when it is used up. */
static int
emit(struct sv_tsread *r, struct sv_demux_packet *pkt)
{
    struct sv_tsread_pes *e = r->ready;
    const uint8_t *b = e->buf.data;
    size_t left = e->buf.len - r->ready_off, fl;

    memset(pkt, 0, sizeof(*pkt));
    pkt->stream = e->stream;
    if (e->codec != SV_CODEC_AAC) {
        if (r->ready_off > 0 || left == 0)
            return 0;
        r->ready_off = e->buf.len;
        pkt->data = b;
        pkt->size = e->buf.len;
        pkt->own = &e->buf;
        e->hint = e->buf.len + e->buf.len / 4 + 4096;
        if (e->hint > PES_MAX)
            e->hint = PES_MAX;
        pkt->pts = e->pts;
        pkt->dts = e->dts;
        pkt->key = e->rai || nal_key(e->codec, b, e->buf.len);
        return 1;
    }
    if (left < 7)
        return 0;
    b += r->ready_off;
    fl = (b[0] == 0xff && (b[1] & 0xf6) == 0xf0)
         ? ((size_t)(b[3] & 3) << 11 | (size_t)b[4] << 3 | b[5] >> 5) : 0;
    if (fl < 7 || fl > left)
        fl = left;              /* not ADTS framing: hand it all out */
    pkt->data = b;
    pkt->size = fl;
    pkt->key = 1;
    if (e->pts != SV_NOPTS) {
        pkt->pts = e->pts + (int64_t)r->ready_frame * 1024 * 90000 /
                   e->sample_rate;
        pkt->dts = pkt->pts;
    } else {
        pkt->pts = pkt->dts = SV_NOPTS;
    }
    r->ready_off += fl;
    r->ready_frame++;
    return 1;
}

static void
make_ready(struct sv_tsread *r, struct sv_tsread_pes *e)
{
    r->ready = e;
    r->ready_off = 0;
    r->ready_frame = 0;
}

int
sv_tsread_next(struct sv_tsread *r, struct sv_demux_packet *pkt)
{
    const uint8_t *t;
    struct sv_tsread_pes *e;
    size_t off, alen;
    int pid, i, rai;

    for (;;) {
        if (r->ready != NULL) {
            if (emit(r, pkt))
                return 1;
            done(r);
            continue;
        }
        if (r->pos + TS > r->len && r->fd >= 0 && !r->fd_eof) {
            int rc = refill(r);
            if (rc < 0)
                return rc;
            continue;
        }
        if (r->pos + TS > r->len) {
            /* the end: what is still being assembled goes out as is */
            r->eof = 1;
            for (i = 0; i < r->npes; i++)
                if (r->pes[i].open && r->pes[i].buf.len > 0) {
                    make_ready(r, &r->pes[i]);
                    break;
                }
            if (r->ready == NULL)
                return 0;
            continue;
        }
        /* read pages stay in the page cache but leave our resident set,
         * so memory stays flat however long the input */
        if (r->map != NULL && r->pos - r->dropped >= 2 * DROP_STEP) {
            madvise((uint8_t *)r->map + r->dropped, DROP_STEP, MADV_DONTNEED);
            r->dropped += DROP_STEP;
        }
        t = r->p + r->pos;
        if (t[0] != 0x47) {
            /* lost sync: the next 0x47 that a packet later repeats */
            size_t k;
            r->bad++;
            for (k = r->pos + 1; k + TS < r->len; k++)
                if (r->p[k] == 0x47 && r->p[k + TS] == 0x47)
                    break;
            r->pos = k + TS < r->len ? k : r->len;
            continue;
        }
        pid = (t[1] & 0x1f) << 8 | t[2];
        e = NULL;
        for (i = 0; i < r->npes; i++)
            if (r->pes[i].pid == pid) {
                e = &r->pes[i];
                break;
            }
        if (e == NULL || (t[1] & 0x80)) {
            r->pos += TS;
            continue;
        }
        off = 4;
        rai = 0;
        if (t[3] & 0x20) {
            alen = t[4];
            if (alen > 0 && (t[5] & 0x40))
                rai = 1;
            off += 1 + alen;
        }
        if (!(t[3] & 0x10) || off >= TS) {
            r->pos += TS;
            continue;
        }
        if (t[1] & 0x40) {
            if (e->open && e->buf.len > 0) {
                /* the previous PES is complete: hand it out first, then
                 * come back to this packet */
                make_ready(r, e);
                continue;
            }
            r->pos += TS;
            if (pes_start(e, t + off, TS - off, rai) < 0) {
                r->bad++;
                e->open = 0;
                continue;
            }
        } else {
            r->pos += TS;
            if (!e->open)
                continue;
            if (sv_buf_append(&e->buf, t + off, TS - off) < 0) {
                r->bad++;       /* past PES_MAX: drop it */
                sv_buf_init(&e->buf, PES_MAX);
                e->open = 0;
                continue;
            }
        }
        if (e->open && e->want > 0 && e->buf.len >= e->want) {
            e->buf.len = e->want;
            make_ready(r, e);
        }
    }
}
