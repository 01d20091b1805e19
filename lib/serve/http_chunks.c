/* http_chunks.c -- low-latency DASH over plain files: a media segment asked
 * for before it is complete is streamed (chunked) from its part files
 *
 * The packager writes a segment NAME.m4s as whole part files NAME.0.m4s,
 * NAME.1.m4s, ... (each a moof+mdat, renamed into place), then the whole
 * segment, which is the parts' bytes one after the other.  A request for
 * NAME.m4s that is not there yet gets 200 at once when part 0 is there (or
 * when it appears): each part is sent as it appears, and once the whole
 * segment is there its bytes past those sent finish the response.  Each file
 * is waited for up to the timeout from the one before it (the response as a
 * whole may take longer: a segment asked for early).  Two holds
 * of the LL-HLS registry (the next part, the whole segment) wait for files:
 * no thread and no polling per request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "http/metrics.h"
#include "serve/http_internal.h"

#define CHUNK_MAX (64 << 20)    /* bytes we read of one part or segment */

struct chunks {
    h2o_generator_t gen;
    struct sv_llhls_hold part_hold, seg_hold;
    h2o_req_t *req;
    struct sv_llhls *reg;
    int dirfd;
    int started, sending, finished, held;
    int next;                   /* the part to send next */
    uint64_t sent;
    uint64_t deadline;          /* loop time (ms) the next file is due */
    uint64_t timeout_ms;        /* how long each file is waited for */
    char *buf;
    char dir[PATH_MAX];
    char stem[256];             /* NAME */
    char seg[256];              /* NAME.m4s */
    char part[280];             /* NAME.<next>.m4s */
};

static void pump(struct chunks *c);

static void
unhold(struct chunks *c)
{
    if (c->held) {
        c->held = 0;
        sv_llhls_hold_cancel(&c->part_hold);
        sv_llhls_hold_cancel(&c->seg_hold);
        sv_metrics_held(-1);
    }
}

static void
chunks_dispose(void *p)
{
    struct chunks *c = p;

    c->finished = 1;
    unhold(c);
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
    free(c->buf);
    c->buf = NULL;
}

/* Reads name from offset on; 0 with *len set, or a negative errno. */
static int
read_from(struct chunks *c, const char *name, uint64_t off, size_t *len)
{
    struct stat st;
    size_t n, got = 0;
    ssize_t r;
    int fd, rc = 0;

    fd = openat(c->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    if ((uint64_t)st.st_size < off || st.st_size - (off_t)off > CHUNK_MAX) {
        close(fd);
        return -EFBIG;
    }
    n = (size_t)(st.st_size - (off_t)off);
    free(c->buf);
    c->buf = malloc(n > 0 ? n : 1);
    if (c->buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    while (got < n) {
        r = pread(fd, c->buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EIO;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return rc;
}

static void
send_bytes(struct chunks *c, size_t len, h2o_send_state_t state)
{
    h2o_iovec_t v = h2o_iovec_init(c->buf, len);

    if (!c->started) {
        c->started = 1;
        c->req->res.status = 200;
        c->req->res.reason = "OK";
        h2o_start_response(c->req, &c->gen);
    }
    c->sending = state == H2O_SEND_STATE_IN_PROGRESS;
    if (state != H2O_SEND_STATE_IN_PROGRESS)
        c->finished = 1;
    c->sent += len;
    h2o_send(c->req, &v, 1, state);
}

static void
set_hdr(h2o_req_t *req, const char *name, const char *value)
{
    h2o_set_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
                          1, value, strlen(value), 1);
}

/* Nothing came in time (or the server stops): 503, or a cut response. */
static void
give_up(struct chunks *c)
{
    static const char body[] = "503 Service Unavailable\n";

    unhold(c);
    c->finished = 1;
    if (c->started) {
        h2o_send(c->req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    c->req->res.status = 503;
    c->req->res.reason = "Service Unavailable";
    c->req->res.content_length = sizeof(body) - 1;
    set_hdr(c->req, "cache-control", "no-store");
    set_hdr(c->req, "retry-after", "1");
    set_hdr(c->req, "content-type", "text/plain; charset=utf-8");
    h2o_send_inline(c->req, body, sizeof(body) - 1);
}

static void
on_file(struct sv_llhls_hold *h, int ready, const char *data, size_t len)
{
    struct chunks *c = h->ud;

    (void)data;
    (void)len;
    unhold(c);
    if (c->finished)
        return;
    if (!ready)
        give_up(c);
    else
        pump(c);
}

static void
on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    struct chunks *c = (struct chunks *)g;

    (void)req;
    c->sending = 0;
    pump(c);
}

static void
on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    struct chunks *c = (struct chunks *)g;

    (void)req;
    c->finished = 1;
    unhold(c);
}

static int
hold_both(struct chunks *c, uint64_t left)
{
    int rc;

    c->part_hold.name = c->part;
    c->seg_hold.name = c->seg;
    c->part_hold.msn = c->seg_hold.msn = -1;
    c->part_hold.part = c->seg_hold.part = -1;
    c->part_hold.cb = c->seg_hold.cb = on_file;
    c->part_hold.ud = c->seg_hold.ud = c;
    rc = sv_llhls_hold_add(c->reg, &c->part_hold, c->dir, left);
    if (rc < 0)
        return rc;
    rc = sv_llhls_hold_add(c->reg, &c->seg_hold, c->dir, left);
    if (rc < 0) {
        sv_llhls_hold_cancel(&c->part_hold);
        return rc;
    }
    c->held = 1;
    sv_metrics_held(1);
    return 0;
}

/* Sends what is there now, or waits for the next file. */
static void
pump(struct chunks *c)
{
    uint64_t now;
    size_t len;
    int rc;

    if (c->sending || c->finished || c->held)
        return;
    rc = read_from(c, c->seg, c->sent, &len);
    if (rc == 0) {
        send_bytes(c, len, H2O_SEND_STATE_FINAL);
        return;
    }
    if (rc != -ENOENT) {
        give_up(c);
        return;
    }
    snprintf(c->part, sizeof(c->part), "%s.%d.m4s", c->stem, c->next);
    rc = read_from(c, c->part, 0, &len);
    now = uv_now(&sv_http_worker_of(c->req)->loop);
    if (rc == 0) {
        /*
         * The bound is on each wait, not on the whole response: a viewer
         * that asked a segment early (and a cache's one request for all
         * its viewers) waits for part 0, then a whole segment duration.
         */
        c->next++;
        c->deadline = now + c->timeout_ms;
        send_bytes(c, len, H2O_SEND_STATE_IN_PROGRESS);
        return;
    }
    if (rc != -ENOENT || now >= c->deadline ||
        hold_both(c, c->deadline - now) < 0)
        give_up(c);
}

int
sv__chunks_serve(h2o_req_t *req, struct sv_llhls *reg, int dirfd,
                 const char *dir, const char *name, uint64_t timeout_ms)
{
    struct chunks *c;
    size_t n = strlen(name);

    if (n <= 4 || strcmp(name + n - 4, ".m4s") != 0 ||
        n - 4 >= sizeof(c->stem) || strlen(dir) >= sizeof(c->dir)) {
        close(dirfd);
        return SV_EUSAGE;
    }
    c = h2o_mem_alloc_shared(&req->pool, sizeof(*c), chunks_dispose);
    memset(c, 0, sizeof(*c));
    c->gen.proceed = on_proceed;
    c->gen.stop = on_stop;
    c->req = req;
    c->reg = reg;
    c->dirfd = dirfd;
    memcpy(c->stem, name, n - 4);
    memcpy(c->seg, name, n + 1);
    memcpy(c->dir, dir, strlen(dir) + 1);
    c->timeout_ms = timeout_ms;
    c->deadline = uv_now(&sv_http_worker_of(req)->loop) + timeout_ms;
    pump(c);
    return 0;
}
