/* filesend.c -- whole regular files answered with sendfile(2)
 *
 * h2o 2.2.5's file handler reads a file into a buffer with pread and
 * writes the buffer: two copies and two system calls per 64 KiB.  On a
 * cleartext HTTP/1.x connection the body can go from the page cache to
 * the socket instead: h2o writes the headers, then each turn the body goes
 * by sendfile() until the socket is full, and a small piece is handed to
 * h2o, whose write waits for the socket to drain and calls us back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#include "http/filesend.h"

#define SMALL_FILE (16 * 1024)      /* read and written with the headers */
#define BOUNCE (16 * 1024)          /* the piece h2o writes when full */
#define TURN_MAX (4 * 1024 * 1024)  /* sent per loop turn, per response */

struct filegen {
    h2o_generator_t super;
    int fd;
    int sock;
    off_t off;
    off_t end;
    char *bounce;
};

static void
filegen_close(struct filegen *g)
{
    if (g->fd >= 0) {
        close(g->fd);
        g->fd = -1;
    }
}

static void
filegen_dispose(void *p)
{
    filegen_close(p);
}

static void
filegen_stop(h2o_generator_t *self, h2o_req_t *req)
{
    (void)req;
    filegen_close((struct filegen *)self);
}

/* The socket's previous write is complete: send on from g->off. */
static void
filegen_proceed(h2o_generator_t *self, h2o_req_t *req)
{
    struct filegen *g = (struct filegen *)self;
    size_t turn = 0, want;
    h2o_iovec_t v;
    ssize_t n;

    while (g->off < g->end && turn < TURN_MAX) {
        want = (size_t)(g->end - g->off);
        if (want > TURN_MAX - turn)
            want = TURN_MAX - turn;
        n = sendfile(g->sock, g->fd, &g->off, want);
        if (n > 0) {
            req->bytes_sent += (size_t)n;
            turn += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* the peer went away, or the file shrank under us */
        filegen_close(g);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    if (g->off >= g->end) {
        filegen_close(g);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    /* full (or our turn is over): h2o's write of a piece waits for room */
    want = (size_t)(g->end - g->off) < BOUNCE ? (size_t)(g->end - g->off) :
        BOUNCE;
    do
        n = pread(g->fd, g->bounce, want, g->off);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        filegen_close(g);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    g->off += n;
    v = h2o_iovec_init(g->bounce, (size_t)n);
    if (g->off >= g->end) {
        filegen_close(g);
        h2o_send(req, &v, 1, H2O_SEND_STATE_FINAL);
    } else {
        h2o_send(req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
    }
}

/* Whether req is a plain GET of the whole entity on cleartext HTTP/1.x. */
static int
takes(h2o_req_t *req, h2o_socket_t **sock)
{
    static const h2o_token_t *const refused[] = {
        H2O_TOKEN_RANGE, H2O_TOKEN_IF_NONE_MATCH,
        H2O_TOKEN_IF_MODIFIED_SINCE, H2O_TOKEN_IF_MATCH,
        H2O_TOKEN_IF_UNMODIFIED_SINCE, H2O_TOKEN_IF_RANGE,
    };
    size_t i;

    if (req->version >= 0x200 || !h2o_memis(req->method.base, req->method.len,
                                            H2O_STRLIT("GET")))
        return 0;
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (h2o_find_header(&req->headers, refused[i], -1) != -1)
            return 0;
    if (req->conn->callbacks->get_socket == NULL)
        return 0;
    *sock = req->conn->callbacks->get_socket(req->conn);
    return *sock != NULL && (*sock)->ssl == NULL;
}

int
sv_http_send_file(h2o_req_t *req, int fd, const struct stat *st,
                  const char *ctype)
{
    struct filegen *g;
    h2o_socket_t *sock;
    struct tm gmt;
    char *lm, *etag, *small = NULL;
    h2o_iovec_t v;
    ssize_t n;
    int sfd;

    if (!S_ISREG(st->st_mode) || !takes(req, &sock) ||
        (sfd = h2o_socket_get_fd(sock)) < 0)
        return -1;
    if (st->st_size <= SMALL_FILE) {
        small = h2o_mem_alloc_pool(&req->pool, (size_t)st->st_size + 1);
        do
            n = pread(fd, small, (size_t)st->st_size, 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)st->st_size)
            return -1;  /* changing under us: h2o's handler copes */
    }
    /* the validators h2o's file handler gives, so that a later conditional
     * request (answered there) matches what was sent here */
    lm = h2o_mem_alloc_pool(&req->pool, H2O_TIMESTR_RFC1123_LEN + 1);
    gmtime_r(&st->st_mtime, &gmt);
    h2o_time2str_rfc1123(lm, &gmt);
    etag = h2o_mem_alloc_pool(&req->pool, 32);
    snprintf(etag, 32, "\"%08x-%zx\"", (unsigned)st->st_mtime,
             (size_t)st->st_size);
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = (size_t)st->st_size;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   ctype, strlen(ctype));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LAST_MODIFIED,
                   NULL, lm, H2O_TIMESTR_RFC1123_LEN);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, etag,
                   strlen(etag));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCEPT_RANGES,
                   NULL, H2O_STRLIT("bytes"));

    g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), filegen_dispose);
    memset(g, 0, sizeof(*g));
    g->super.proceed = filegen_proceed;
    g->super.stop = filegen_stop;
    g->fd = fd;
    g->sock = sfd;
    g->off = 0;
    g->end = st->st_size;
    if (small != NULL) {
        /* the body leaves with the headers, in one write */
        filegen_close(g);
        v = h2o_iovec_init(small, (size_t)st->st_size);
        h2o_start_response(req, &g->super);
        h2o_send(req, &v, 1, H2O_SEND_STATE_FINAL);
        return 0;
    }
    g->bounce = h2o_mem_alloc_pool(&req->pool, BOUNCE);
    h2o_start_response(req, &g->super);
    /* the headers alone; the body starts once they are written */
    h2o_send(req, NULL, 0, H2O_SEND_STATE_IN_PROGRESS);
    return 0;
}
