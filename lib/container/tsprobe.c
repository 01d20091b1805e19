/* tsprobe.c -- MPEG-TS streams from the PAT, the PMT and each stream's
 * first frame: what libavformat's probe gave the packager, without
 * loading libavformat (its libraries alone cost 27 MiB of resident pages)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/codec.h"
#include "container/tsprobe.h"
#include "core/err.h"

#define TS 188
#define FPS_PTS 16              /* video timestamps looked at for the rate */

/* The section a PSI packet starts, or NULL; *n its bytes in the packet. */
static const uint8_t *
section(const uint8_t *t, size_t *n)
{
    size_t off = 4, ptr, slen;

    if (!(t[1] & 0x40) || !(t[3] & 0x10))
        return NULL;
    if (t[3] & 0x20)
        off += 1 + (size_t)t[4];
    if (off >= TS)
        return NULL;
    ptr = t[off];
    off += 1 + ptr;
    if (off + 8 > TS)
        return NULL;
    slen = ((size_t)(t[off + 1] & 0x0f) << 8 | t[off + 2]) + 3;
    /* a table that does not fit one packet is left to libavformat */
    if (slen < 12 || off + slen > TS)
        return NULL;
    *n = slen - 4;              /* without the CRC */
    return t + off;
}

static void
add_stream(struct sv_tsprobe *pr, int type, int pid, const uint8_t *d,
           size_t dlen)
{
    struct sv_demux_stream *s = &pr->st[pr->n];
    size_t k;

    memset(s, 0, sizeof(*s));
    s->index = pr->n;
    s->id = pid;
    s->tb_num = 1;
    s->tb_den = 90000;
    s->bit_depth = 8;
    s->chroma_420 = 1;
    s->primaries = s->transfer = s->matrix = 2;
    snprintf(pr->lang[pr->n], sizeof(pr->lang[0]), "und");
    for (k = 0; k + 2 <= dlen && k + 2 + d[k + 1] <= dlen; k += 2 + d[k + 1])
        if (d[k] == 0x0a && d[k + 1] >= 3 && d[k + 2] >= 'a' &&
            d[k + 2] <= 'z') {
            memcpy(pr->lang[pr->n], d + k + 2, 3);
            pr->lang[pr->n][3] = '\0';
        }
    s->language = pr->lang[pr->n];
    switch (type) {
    case 0x1b:
        s->kind = SV_KIND_VIDEO;
        s->codec = SV_CODEC_H264;
        s->codec_name = "h264";
        break;
    case 0x24:
        s->kind = SV_KIND_VIDEO;
        s->codec = SV_CODEC_HEVC;
        s->codec_name = "hevc";
        break;
    case 0x0f:
        s->kind = SV_KIND_AUDIO;
        s->codec = SV_CODEC_AAC;
        s->codec_name = "aac";
        break;
    case 0x01: case 0x02: case 0x10: case 0x42: case 0xea:
        s->kind = SV_KIND_VIDEO;
        s->codec = SV_CODEC_OTHER;
        s->codec_name = "other";
        break;
    case 0x03: case 0x04: case 0x11: case 0x81: case 0x87:
        s->kind = SV_KIND_AUDIO;
        s->codec = SV_CODEC_OTHER;
        s->codec_name = "other";
        break;
    default:
        /* private data may be Opus, AC-3, subtitles... libavformat
         * tells them apart; here they mark the input as not ours */
        s->kind = type == 0x06 ? SV_KIND_AUDIO : SV_KIND_OTHER;
        s->codec = SV_CODEC_OTHER;
        s->codec_name = "other";
        break;
    }
    pr->n++;
}

/* The PMT's streams; 0, or -1 when the table is damaged. */
static int
read_pmt(struct sv_tsprobe *pr, const uint8_t *s, size_t n)
{
    size_t pil, k;

    if (s[0] != 0x02 || n < 12)
        return -1;
    pil = (size_t)(s[10] & 0x0f) << 8 | s[11];
    for (k = 12 + pil; k + 5 <= n; ) {
        int type = s[k], pid = (s[k + 1] & 0x1f) << 8 | s[k + 2];
        size_t el = (size_t)(s[k + 3] & 0x0f) << 8 | s[k + 4];
        if (k + 5 + el > n)
            return -1;
        if (pr->n == SV_TSREAD_MAX)
            return -1;
        add_stream(pr, type, pid, s + k + 5, el);
        k += 5 + el;
    }
    return pr->n > 0 ? 0 : -1;
}

static int
cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* The frame rate from the smallest step between presentation times. */
static void
frame_rate(struct sv_demux_stream *s, int64_t *pts, int n)
{
    int64_t step = 0, a, b, t;
    int i;

    qsort(pts, (size_t)n, sizeof(*pts), cmp64);
    for (i = 1; i < n; i++)
        if (pts[i] > pts[i - 1] && (step == 0 || pts[i] - pts[i - 1] < step))
            step = pts[i] - pts[i - 1];
    if (step <= 0 || step > 90000)
        return;
    a = 90000;
    b = step;
    while (b != 0) {
        t = a % b;
        a = b;
        b = t;
    }
    s->fps_num = (int)(90000 / a);
    s->fps_den = (int)(step / a);
}

int
sv_tsprobe_scan(struct sv_tsprobe *pr, const uint8_t *p, size_t len,
                int more)
{
    struct sv_tsread r;
    struct sv_demux_packet pkt;
    int64_t pts[SV_TSREAD_MAX][FPS_PTS];
    int npts[SV_TSREAD_MAX], described[SV_TSREAD_MAX];
    size_t pos, n, k, win = len < SV_TSPROBE_WINDOW ? len : SV_TSPROBE_WINDOW;
    const uint8_t *s;
    int pmt = -1, i, left, rc;

    memset(pr, 0, sizeof(*pr));
    for (pos = 0; pos + TS <= win && pr->n == 0; pos += TS) {
        const uint8_t *t = p + pos;
        int pid = (t[1] & 0x1f) << 8 | t[2];
        if (t[0] != 0x47)
            return SV_EFORMAT;  /* not packet-aligned: libavformat's */
        if (t[1] & 0x80)
            continue;
        if (pid == 0 && pmt < 0 && (s = section(t, &n)) != NULL &&
            s[0] == 0x00) {
            for (k = 8; k + 4 <= n; k += 4)
                if ((s[k] << 8 | s[k + 1]) != 0) {
                    pmt = (s[k + 2] & 0x1f) << 8 | s[k + 3];
                    break;
                }
        } else if (pmt > 0 && pid == pmt && (s = section(t, &n)) != NULL) {
            if (read_pmt(pr, s, n) < 0)
                return SV_EFORMAT;
        }
    }
    if (pr->n == 0)
        return more && len < SV_TSPROBE_WINDOW ? SV_ETRUNC : SV_EFORMAT;
    more = more && len < SV_TSPROBE_WINDOW;
    left = 0;
    for (i = 0; i < pr->n; i++) {
        const struct sv_demux_stream *st = &pr->st[i];
        if (st->kind != SV_KIND_OTHER && st->codec == SV_CODEC_OTHER)
            return SV_ENOMEDIA;
        npts[i] = 0;
        described[i] = st->kind == SV_KIND_OTHER;
        left += !described[i];
    }
    if (left == 0)
        return SV_ENOMEDIA;
    rc = sv_tsread_init(&r, p, win, pr->st, pr->n);
    if (rc < 0)
        return rc;
    while (sv_tsread_next(&r, &pkt) == 1) {
        struct sv_demux_stream *st = &pr->st[pkt.stream];
        if (st->kind == SV_KIND_VIDEO && npts[pkt.stream] < FPS_PTS &&
            pkt.pts != SV_NOPTS)
            pts[pkt.stream][npts[pkt.stream]++] = pkt.pts;
        if (!described[pkt.stream] && (st->kind != SV_KIND_VIDEO || pkt.key)
            && sv_codec_describe(st, pkt.data, pkt.size) == 0) {
            described[pkt.stream] = 1;
            left--;
        }
        if (left == 0) {
            for (i = 0; i < pr->n; i++)
                if (pr->st[i].kind == SV_KIND_VIDEO &&
                    npts[i] < FPS_PTS)
                    break;
            if (i == pr->n)
                break;
        }
    }
    sv_tsread_release(&r);
    for (i = 0; more && left == 0 && i < pr->n; i++)
        if (pr->st[i].kind == SV_KIND_VIDEO && npts[i] < FPS_PTS)
            left = 1;       /* the rate is not sure yet */
    if (left > 0)
        return more ? SV_ETRUNC : SV_ENOMEDIA;
    for (i = 0; i < pr->n; i++)
        if (pr->st[i].kind == SV_KIND_VIDEO)
            frame_rate(&pr->st[i], pts[i], npts[i]);
    return 0;
}
