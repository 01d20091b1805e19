/* client_test.c -- lib/http/client.c against a tiny server on 127.0.0.1 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "http/client.h"
#include "t.h"

static int lfd = -1;
static int port;
static char base[64];

/* Reads one request (head and Content-Length body) into buf. */
static ssize_t
read_request(int fd, char *buf, size_t size, char **body)
{
    size_t len = 0, need = 0;
    char *end, *cl;
    ssize_t n;

    *body = NULL;
    for (;;) {
        if (len == size - 1)
            return -1;
        n = recv(fd, buf + len, size - 1 - len, 0);
        if (n <= 0)
            return -1;
        len += n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        if (*body == NULL) {
            *body = end + 4;
            cl = strcasestr(buf, "\r\nContent-Length:");
            need = cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
        }
        if ((size_t)(buf + len - *body) >= need)
            return len;
    }
}

static void
say(int fd, const char *s, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        n -= w;
    }
}

static void
answer(int fd)
{
    char req[8192], out[8192], big[1000], *body, *hdr;
    struct pollfd p = { fd, POLLIN, 0 };
    char method[16], path[256];
    size_t n;

    if (read_request(fd, req, sizeof(req), &body) < 0)
        return;
    if (sscanf(req, "%15s %255s", method, path) != 2)
        return;
    if (strcmp(path, "/hello") == 0) {
        n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
                     "Content-Type: text/plain\r\n"
                     "X-Speke-Version:   2.0  \r\n"
                     "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
    } else if (strcmp(path, "/echo") == 0) {
        hdr = strcasestr(req, "\r\nX-Test: ");
        n = snprintf(out, sizeof(out), "%s %.*s %s", method,
                     hdr != NULL ? (int)strcspn(hdr + 10, "\r") : 0,
                     hdr != NULL ? hdr + 10 : "", body);
        n = snprintf(req, sizeof(req), "HTTP/1.1 201 Created\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     n, out);
        memcpy(out, req, n + 1);
    } else if (strcmp(path, "/big") == 0) {
        memset(big, 'x', sizeof(big));
        n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
                     "Content-Length: 1000\r\nConnection: close\r\n\r\n"
                     "%.*s", (int)sizeof(big), big);
    } else if (strcmp(path, "/redir") == 0) {
        n = snprintf(out, sizeof(out), "HTTP/1.1 302 Found\r\n"
                     "Location: /hello\r\nX-First: 1\r\n"
                     "Content-Length: 0\r\n\r\n");
    } else if (strcmp(path, "/slow") == 0) {
        /* no answer: wait (bounded) until the client gives up */
        poll(&p, 1, 10000);
        return;
    } else {
        n = snprintf(out, sizeof(out), "HTTP/1.1 404 Not Found\r\n"
                     "Content-Length: 9\r\nConnection: close\r\n\r\n"
                     "not found");
    }
    say(fd, out, n);
}

static void *
serve(void *ud)
{
    int fd;

    for (;;) {
        fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            return NULL;        /* shutdown() of lfd ends the loop */
        answer(fd);
        close(fd);
    }
}

static int
listen_any(int *out_port)
{
    struct sockaddr_in a = { 0 };
    socklen_t alen = sizeof(a);
    int fd;

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0 ||
        listen(fd, 16) < 0)
        return -1;
    *out_port = ntohs(a.sin_port);
    return fd;
}

static void
url(char *buf, size_t size, const char *path)
{
    snprintf(buf, size, "%s%s", base, path);
}

static void
test_status_and_body(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256];

    url(u, sizeof(u), "/hello");
    q.url = u;
    q.max_reply = 1024;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "hello");
    CHECK_INT(r.len, 5);
    CHECK_STR(r.error, "");
    sv_http_reply_release(&r);

    url(u, sizeof(u), "/nothing-here");
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.status, 404);
    CHECK_STR(r.body, "not found");
    sv_http_reply_release(&r);
}

static void
test_headers_by_name(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256];

    url(u, sizeof(u), "/hello");
    q.url = u;
    q.max_reply = 1024;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_STR(sv_http_reply_header(&r, "Content-Type"), "text/plain");
    CHECK_STR(sv_http_reply_header(&r, "content-type"), "text/plain");
    CHECK_STR(sv_http_reply_header(&r, "X-SPEKE-VERSION"), "2.0");
    CHECK_STR(sv_http_reply_header(&r, "Content-Length"), "5");
    CHECK(sv_http_reply_header(&r, "X-Missing") == NULL);
    CHECK(sv_http_reply_header(&r, "Content") == NULL);
    sv_http_reply_release(&r);
}

static void
test_method_headers_and_body_sent(void)
{
    static const char *const hdr[] = { "X-Test: one two", NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256];

    url(u, sizeof(u), "/echo");
    q.url = u;
    q.headers = hdr;
    q.body = "a=1&b=2";
    q.body_len = 7;
    q.max_reply = 1024;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.status, 201);
    CHECK_STR(r.body, "POST one two a=1&b=2");
    sv_http_reply_release(&r);

    q.method = "PUT";
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_STR(r.body, "PUT one two a=1&b=2");
    sv_http_reply_release(&r);

    q.method = NULL;
    q.body = NULL;
    q.headers = NULL;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_STR(r.body, "GET  ");
    sv_http_reply_release(&r);
}

static void
test_body_cap(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256], want[256];

    url(u, sizeof(u), "/big");
    q.url = u;
    q.max_reply = 999;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), SV_ELIMIT);
    snprintf(want, sizeof(want), "reply from '%s' is larger than 999 bytes",
             u);
    CHECK_STR(err, want);
    CHECK(r.body == NULL);
    sv_http_reply_release(&r);

    q.max_reply = 1000;         /* exactly the cap is fine */
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.len, 1000);
    CHECK_INT(r.body[1000], '\0');
    sv_http_reply_release(&r);

    q.max_reply = 0;            /* read and dropped */
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "");
    CHECK_INT(r.len, 0);
    sv_http_reply_release(&r);
}

static void
test_redirects(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256];

    url(u, sizeof(u), "/redir");
    q.url = u;
    q.max_reply = 1024;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.status, 302);
    CHECK_STR(sv_http_reply_header(&r, "location"), "/hello");
    sv_http_reply_release(&r);

    q.follow = 1;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "hello");
    /* only the final response's headers */
    CHECK(sv_http_reply_header(&r, "X-First") == NULL);
    CHECK_STR(sv_http_reply_header(&r, "Content-Type"), "text/plain");
    sv_http_reply_release(&r);
}

static void
test_timeout(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256], want[256];

    url(u, sizeof(u), "/slow");
    q.url = u;
    q.max_reply = 1024;
    q.timeout_us = 200000;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), SV_EPROTO);
    snprintf(want, sizeof(want), "cannot reach '%s': ", u);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(strstr(err, "timed out") != NULL);
    CHECK(strstr(r.error, "timed out") != NULL);
    CHECK(r.body == NULL);
    sv_http_reply_release(&r);
}

static void
test_connection_refused(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256], want[256];
    int fd, p;

    /* a port that was just free: listened on, then closed */
    fd = listen_any(&p);
    CHECK(fd >= 0);
    close(fd);
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/x", p);
    q.url = u;
    q.max_reply = 1024;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), SV_EPROTO);
    snprintf(want, sizeof(want), "cannot reach '%s': ", u);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(r.error[0] != '\0');
    sv_http_reply_release(&r);
}

static void
test_other_scheme_refused(void)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char err[256];

    q.url = "file:///etc/passwd";
    q.max_reply = 1024;
    CHECK_INT(sv_http_send(&q, &r, err, sizeof(err)), SV_EPROTO);
    CHECK(strncmp(err, "cannot reach 'file:///etc/passwd': ", 35) == 0);
    sv_http_reply_release(&r);
}

static void *
worker(void *ud)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char u[128], err[256];
    intptr_t bad = 0;
    int i;

    url(u, sizeof(u), "/hello");
    q.url = u;
    q.max_reply = 1024;
    for (i = 0; i < 5; i++) {
        if (sv_http_send(&q, &r, err, sizeof(err)) != 0 ||
            strcmp(r.body, "hello") != 0)
            bad++;
        sv_http_reply_release(&r);
    }
    return (void *)bad;
}

static void
test_threads(void)
{
    pthread_t t[4];
    void *bad;
    int i;

    for (i = 0; i < 4; i++)
        CHECK_INT(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], &bad);
        CHECK_INT((intptr_t)bad, 0);
    }
}

int
main(void)
{
    pthread_t th;

    lfd = listen_any(&port);
    if (lfd < 0) {
        printf("Bail out! cannot listen on 127.0.0.1\n");
        return 1;
    }
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    pthread_create(&th, NULL, serve, NULL);
    RUN(test_status_and_body);
    RUN(test_headers_by_name);
    RUN(test_method_headers_and_body_sent);
    RUN(test_body_cap);
    RUN(test_redirects);
    RUN(test_timeout);
    RUN(test_connection_refused);
    RUN(test_other_scheme_refused);
    RUN(test_threads);
    shutdown(lfd, SHUT_RDWR);
    pthread_join(th, NULL);
    close(lfd);
    return DONE();
}
