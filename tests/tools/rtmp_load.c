/* rtmp_load.c -- many RTMP publishers in one thread: a load client on libsv */
/*
 * Publishes one FLV file to N RTMP streams at its own pace (as ffmpeg -re
 * would), all connections on one libuv loop.  The file's tags are chunked
 * once into one shared byte stream; each connection runs lib/rtmp's client
 * engine for the handshake and the commands, then sends that stream from
 * its own offset as the clock allows, putting its acknowledgements and
 * pongs between messages.  So a publisher costs a socket and its writes,
 * and thousands fit on a core beside the server under test.
 *
 *   rtmp_load --url rtmp://127.0.0.1:1935/live/s --flv FILE -n 2000 \
 *       [--rate 200] [--lead-ms 200]
 *
 * Connection i (from 1) publishes key s<i>; --rate connections are opened
 * a second.  At the end it prints one JSON object: how many reached
 * publishing and sent the whole file, the first refusal, bytes sent, and
 * how far behind the file's clock the slowest publisher fell (a server that
 * stops reading shows there).
 *
 * Exit status: 0 when every publisher sent the whole file, 1 otherwise,
 * 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <uv.h>

#include "core/buf.h"
#include "core/err.h"
#include "rtmp/rtmp_chunk.h"
#include "rtmp/rtmp_client.h"

#define OUT_CHUNK 4096          /* what the engine announces */
#define TICK_MS 10
#define OPEN_TIMEOUT_MS 15000
#define MAX_FLV (1u << 30)

enum { P_WAIT, P_CONNECTING, P_SETUP, P_LIVE, P_DONE, P_FAILED };

struct tag {
    uint32_t ts;                /* ms */
    size_t off;                 /* where its chunks start in G.stream */
};

struct pub {
    int idx;
    int state;
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_shutdown_t sreq;
    int open;
    struct sv_rtmp_client *cl;
    struct sv_buf ctl;          /* the engine's bytes not sent yet */
    size_t ctl_off;
    size_t pos;                 /* sent of G.stream */
    size_t tag;                 /* the first tag not wholly sent */
    uint64_t start_ms, live_ms;
    uint64_t lag_ms;            /* the most it fell behind the file */
    char err[160];
};

static struct {
    const char *url, *flv;
    int n, rate;
    uint64_t lead_ms;
    struct sv_rtmp_url u;
    uint32_t msid;
    struct sv_buf stream;
    struct tag *tags;
    size_t ntags;
    struct pub *p;
    uv_loop_t *loop;
    uv_timer_t tick;
    uint64_t t0;
    int started, finished;
    uint64_t sent;
    struct sockaddr_storage addr;
} G;

static uint64_t
now_ms(void)
{
    return uv_hrtime() / 1000000;
}

/* ---- the file: FLV tags chunked once ---- */

static uint32_t
be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int
load_flv(const char *path, uint32_t msid)
{
    FILE *f = fopen(path, "rb");
    struct sv_buf file = SV_BUF_INIT(MAX_FLV);
    uint8_t chunk[65536];
    size_t n, off, cap = 0;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "rtmp_load: cannot open '%s': %s\n", path,
                strerror(errno));
        return -errno;
    }
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = sv_buf_append(&file, chunk, n);
    fclose(f);
    if (rc < 0 || file.len < 13 || memcmp(file.data, "FLV", 3) != 0) {
        fprintf(stderr, "rtmp_load: '%s' is not an FLV file\n", path);
        sv_buf_release(&file);
        return SV_EFORMAT;
    }
    sv_buf_init(&G.stream, MAX_FLV);
    off = 9 + 4;    /* the header, PreviousTagSize0 */
    while (off + 11 <= file.len) {
        const uint8_t *h = file.data + off;
        uint32_t size = be24(h + 1);
        uint32_t ts = be24(h + 4) | (uint32_t)h[7] << 24;
        uint8_t type = h[0] & 0x1f;

        if (off + 11 + size > file.len)
            break;
        /* audio, video, and onMetaData as @setDataFrame would carry it */
        if (type == 8 || type == 9 || type == 18) {
            if (G.ntags == cap) {
                struct tag *t;

                cap = cap ? cap * 2 : 4096;
                t = realloc(G.tags, cap * sizeof(*t));
                if (t == NULL) {
                    rc = -ENOMEM;
                    break;
                }
                G.tags = t;
            }
            G.tags[G.ntags].ts = type == 18 ? 0 : ts;
            G.tags[G.ntags].off = G.stream.len;
            G.ntags++;
            rc = sv_rtmp_write_msg(&G.stream, OUT_CHUNK,
                                   type == 8 ? 4 : type == 9 ? 6 : 5, type,
                                   msid, type == 18 ? 0 : ts, h + 11, size);
            if (rc < 0)
                break;
        }
        off += 11 + size + 4;
    }
    sv_buf_release(&file);
    if (rc == 0 && G.ntags == 0)
        rc = SV_EFORMAT;
    if (rc < 0)
        fprintf(stderr, "rtmp_load: cannot read the tags of '%s'\n", path);
    return rc;
}

/* ---- a publisher ---- */

static void
fail(struct pub *p, const char *why)
{
    if (p->state == P_FAILED || p->state == P_DONE)
        return;
    if (p->err[0] == '\0')
        snprintf(p->err, sizeof(p->err), "%s", why);
    p->state = P_FAILED;
    G.finished++;
    if (p->open) {
        p->open = 0;
        uv_close((uv_handle_t *)&p->tcp, NULL);
    }
}

/* what the socket takes now; -1 when it failed */
static ssize_t
send_some(struct pub *p, const uint8_t *data, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    int n;

    if (len == 0)
        return 0;
    n = uv_try_write((uv_stream_t *)&p->tcp, &b, 1);
    if (n == UV_EAGAIN)
        return 0;
    if (n < 0) {
        fail(p, uv_strerror(n));
        return -1;
    }
    G.sent += (uint64_t)n;
    return n;
}

/* the engine's bytes first, then media up to the clock's tag */
static void
pump(struct pub *p, uint64_t now)
{
    size_t want_tag, end;
    ssize_t n;

    for (;;) {
        /* control messages go only between media messages */
        int boundary = p->tag >= G.ntags || p->pos == G.tags[p->tag].off;

        if (p->ctl.len > p->ctl_off && boundary) {
            n = send_some(p, p->ctl.data + p->ctl_off,
                          p->ctl.len - p->ctl_off);
            if (n < 0)
                return;
            p->ctl_off += (size_t)n;
            if (p->ctl_off < p->ctl.len)
                return;     /* the socket is full */
            sv_buf_reset(&p->ctl);
            p->ctl_off = 0;
        }
        if (p->state != P_LIVE)
            return;
        /* tags due by now (plus the lead a real encoder's buffer gives) */
        want_tag = p->tag;
        while (want_tag < G.ntags &&
               G.tags[want_tag].ts <= now - p->live_ms + G.lead_ms)
            want_tag++;
        if (p->tag < G.ntags && p->tag < want_tag) {
            uint64_t behind = now - p->live_ms - G.tags[p->tag].ts;

            if (G.tags[p->tag].ts < now - p->live_ms && behind > p->lag_ms)
                p->lag_ms = behind;
        }
        if (want_tag == p->tag && p->pos == (p->tag < G.ntags
                                             ? G.tags[p->tag].off
                                             : G.stream.len)) {
            if (p->tag < G.ntags)
                return;     /* nothing due yet */
            /* all sent: unpublish, then our FIN after what is queued;
             * the socket closes at the server's EOF (closing with unread
             * bytes would reset it and lose what is still queued) */
            if (sv_rtmp_client_unpublish(p->cl, &p->ctl) < 0) {
                fail(p, "cannot unpublish");
                return;
            }
            n = send_some(p, p->ctl.data, p->ctl.len);
            if (n < 0)
                return;
            p->state = P_DONE;
            G.finished++;
            if (uv_shutdown(&p->sreq, (uv_stream_t *)&p->tcp, NULL) < 0) {
                p->open = 0;
                uv_close((uv_handle_t *)&p->tcp, NULL);
            }
            return;
        }
        /* one message at a time while control bytes wait */
        if (p->ctl.len > p->ctl_off)
            end = p->tag + 1 < G.ntags ? G.tags[p->tag + 1].off
                                       : G.stream.len;
        else
            end = want_tag < G.ntags ? G.tags[want_tag].off : G.stream.len;
        n = send_some(p, G.stream.data + p->pos, end - p->pos);
        if (n < 0)
            return;
        p->pos += (size_t)n;
        while (p->tag < G.ntags &&
               (p->tag + 1 < G.ntags ? G.tags[p->tag + 1].off
                                     : G.stream.len) <= p->pos)
            p->tag++;
        if (p->pos < end)
            return;         /* the socket is full */
    }
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char rbuf[65536];

    buf->base = rbuf;
    buf->len = sizeof(rbuf);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct pub *p = s->data;
    int rc;

    if (n == 0 || p->state == P_FAILED)
        return;
    if (p->state == P_DONE) {
        if (n < 0 && p->open) {
            p->open = 0;
            uv_close((uv_handle_t *)&p->tcp, NULL);
        }
        return;
    }
    if (n < 0) {
        fail(p, n == UV_EOF ? "the server closed" : uv_strerror((int)n));
        return;
    }
    rc = sv_rtmp_client_feed(p->cl, (const uint8_t *)buf->base, (size_t)n,
                             &p->ctl);
    if (rc < 0) {
        fail(p, rc == SV_EAUTH ? sv_rtmp_client_error(p->cl)
                               : sv_strerror(rc));
        return;
    }
    if (p->state == P_SETUP &&
        sv_rtmp_client_state(p->cl) == SV_RTMP_CL_LIVE) {
        if (sv_rtmp_client_msid(p->cl) != G.msid) {
            fail(p, "the server gave another message stream id");
            return;
        }
        p->state = P_LIVE;
        p->live_ms = now_ms();
    }
    pump(p, now_ms());
}

static void
on_connect(uv_connect_t *req, int status)
{
    struct pub *p = req->data;
    struct sv_rtmp_url u;

    if (status < 0) {
        fail(p, uv_strerror(status));
        return;
    }
    u = G.u;
    snprintf(u.key, sizeof(u.key), "%.1000s%d", G.u.key, p->idx + 1);
    sv_buf_init(&p->ctl, 4u << 20);
    if (sv_rtmp_client_new(&p->cl, &u, &p->ctl) < 0) {
        fail(p, "out of memory");
        return;
    }
    p->state = P_SETUP;
    uv_tcp_nodelay(&p->tcp, 1);
    if (uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read) < 0) {
        fail(p, "cannot read");
        return;
    }
    pump(p, now_ms());
}

static void
start(struct pub *p, uint64_t now)
{
    uv_tcp_init(G.loop, &p->tcp);
    p->tcp.data = p;
    p->open = 1;
    p->creq.data = p;
    p->state = P_CONNECTING;
    p->start_ms = now;
    if (uv_tcp_connect(&p->creq, &p->tcp, (struct sockaddr *)&G.addr,
                       on_connect) < 0)
        fail(p, "cannot connect");
}

static void
on_tick(uv_timer_t *t)
{
    uint64_t now = now_ms();
    int due = (int)((now - G.t0) * (uint64_t)G.rate / 1000) + 1, i;

    while (G.started < G.n && G.started < due)
        start(&G.p[G.started++], now);
    for (i = 0; i < G.started; i++) {
        struct pub *p = &G.p[i];

        if (p->state == P_LIVE)
            pump(p, now);
        else if ((p->state == P_CONNECTING || p->state == P_SETUP) &&
                 now - p->start_ms > OPEN_TIMEOUT_MS)
            fail(p, "timed out before publishing");
    }
    if (G.finished == G.n)
        uv_timer_stop(t);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int
report(void)
{
    uint64_t *lag = calloc((size_t)G.n, sizeof(*lag));
    struct rusage ru;
    int i, done = 0, failed = 0, m = 0;
    const char *first = "";
    double cpu = 0;

    for (i = 0; i < G.n; i++) {
        if (G.p[i].state == P_DONE) {
            done++;
            if (lag != NULL)
                lag[m++] = G.p[i].lag_ms;
        } else {
            failed++;
            if (first[0] == '\0')
                first = G.p[i].err[0] != '\0' ? G.p[i].err : "unfinished";
        }
    }
    if (lag != NULL && m > 0)
        qsort(lag, (size_t)m, sizeof(*lag), cmp_u64);
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
              (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("{\"publishers\":%d,\"whole\":%d,\"failed\":%d,"
           "\"first_error\":\"%s\",\"bytes_sent\":%llu,"
           "\"lag_ms_p50\":%llu,\"lag_ms_max\":%llu,\"cpu_s\":%.2f,"
           "\"wall_s\":%.2f}\n", G.n, done, failed, first,
           (unsigned long long)G.sent,
           (unsigned long long)(m > 0 ? lag[m / 2] : 0),
           (unsigned long long)(m > 0 ? lag[m - 1] : 0), cpu,
           (double)(now_ms() - G.t0) / 1000);
    free(lag);
    return failed == 0 ? 0 : 1;
}

static void
usage(void)
{
    fprintf(stderr, "usage: rtmp_load --url rtmp://HOST:PORT/APP/PREFIX "
            "--flv FILE [-n N] [--rate CONNS_PER_S] [--lead-ms MS]\n");
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "url", required_argument, NULL, 'u' },
        { "flv", required_argument, NULL, 'f' },
        { "rate", required_argument, NULL, 'r' },
        { "lead-ms", required_argument, NULL, 'l' },
        { NULL, 0, NULL, 0 },
    };
    struct rlimit rl;
    int c, i, rc;

    G.n = 1;
    G.rate = 200;
    G.lead_ms = 200;
    G.msid = 1;
    while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
        switch (c) {
        case 'u': G.url = optarg; break;
        case 'f': G.flv = optarg; break;
        case 'n': G.n = atoi(optarg); break;
        case 'r': G.rate = atoi(optarg); break;
        case 'l': G.lead_ms = (uint64_t)atol(optarg); break;
        default: usage(); return 2;
        }
    }
    if (G.url == NULL || G.flv == NULL || optind != argc || G.n < 1 ||
        G.n > 100000 || G.rate < 1 || sv_rtmp_url_parse(G.url, &G.u) < 0 ||
        G.u.tls) {
        usage();
        return 2;
    }
    if (uv_ip4_addr(G.u.host, G.u.port, (struct sockaddr_in *)&G.addr) < 0 &&
        uv_ip6_addr(G.u.host, G.u.port, (struct sockaddr_in6 *)&G.addr) < 0) {
        fprintf(stderr, "rtmp_load: the host must be an address\n");
        return 2;
    }
    /* a socket per publisher */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* sv-ingest and nginx-rtmp both answer createStream with stream 1 */
    if (load_flv(G.flv, G.msid) < 0)
        return 1;
    G.p = calloc((size_t)G.n, sizeof(*G.p));
    if (G.p == NULL)
        return 1;
    for (i = 0; i < G.n; i++)
        G.p[i].idx = i;
    G.loop = uv_default_loop();
    uv_timer_init(G.loop, &G.tick);
    G.t0 = now_ms();
    uv_timer_start(&G.tick, on_tick, 0, TICK_MS);
    uv_run(G.loop, UV_RUN_DEFAULT);
    rc = report();
    uv_close((uv_handle_t *)&G.tick, NULL);
    uv_run(G.loop, UV_RUN_DEFAULT);
    for (i = 0; i < G.n; i++) {
        sv_rtmp_client_free(G.p[i].cl);
        sv_buf_release(&G.p[i].ctl);
    }
    free(G.p);
    free(G.tags);
    sv_buf_release(&G.stream);
    return rc;
}
