/* webhook_test.c -- lib/publish/webhook.c against a real HTTP receiver on
 * 127.0.0.1 (a socket and a thread here, answering as it is told) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/time.h"
#include "publish/webhook.h"
#include "t.h"

static const char secret[] = "0123456789abcdef0123456789abcdef";

/* ---- signatures ---- */

static void
signs_and_verifies(void)
{
    char sig[SV_WEBHOOK_SIG_MAX], bad[SV_WEBHOOK_SIG_MAX + 80];
    const char *body = "{\"a\":1}";
    size_t n = strlen(body);
    int64_t t = 1700000000;

    CHECK_INT(sv_webhook_sign(secret, 32, t, body, n, sig), 0);
    /* the same as openssl dgst -sha256 -hmac over "1700000000.{"a":1}" */
    CHECK_STR(sig, "t=1700000000,v1=f05f2539e3ae1c49aec5f8cfdad75ef6b06480b1"
              "33973ffbb7ec9e18827af177");
    CHECK_INT(sv_webhook_verify(secret, 32, sig, body, n, t, 300), 0);
    CHECK_INT(sv_webhook_verify(secret, 32, sig, body, n, t + 300, 300), 0);
    /* replayed later, signed in the future, tampered, another secret */
    CHECK_INT(sv_webhook_verify(secret, 32, sig, body, n, t + 301, 300),
              SV_EAUTH);
    CHECK_INT(sv_webhook_verify(secret, 32, sig, body, n, t - 301, 300),
              SV_EAUTH);
    CHECK_INT(sv_webhook_verify(secret, 32, sig, "{\"a\":2}", n, t, 300),
              SV_EAUTH);
    CHECK_INT(sv_webhook_verify("x123456789abcdef0123456789abcdef", 32, sig,
                                body, n, t, 300), SV_EAUTH);
    /* a moved timestamp breaks the MAC */
    snprintf(bad, sizeof(bad), "t=1700000001%s", sig + 12);
    CHECK_INT(sv_webhook_verify(secret, 32, bad, body, n, t, 300), SV_EAUTH);
    /* several v1 (a rotated secret), other schemes skipped */
    snprintf(bad, sizeof(bad), "t=1700000000,v0=zz,v1=%064d,%s", 0, sig + 13);
    CHECK_INT(sv_webhook_verify(secret, 32, bad, body, n, t, 300), 0);
    /* headers that do not parse */
    CHECK_INT(sv_webhook_verify(secret, 32, "", body, n, t, 300), SV_EFORMAT);
    CHECK_INT(sv_webhook_verify(secret, 32, "t=1700000000", body, n, t, 300),
              SV_EFORMAT);
    CHECK_INT(sv_webhook_verify(secret, 32, sig + 13, body, n, t, 300),
              SV_EFORMAT);
    CHECK_INT(sv_webhook_verify(secret, 32, "t=17x,v1=00", body, n, t, 300),
              SV_EFORMAT);
    snprintf(bad, sizeof(bad), "t=1700000000,v1=%.63sg", sig + 16);
    CHECK_INT(sv_webhook_verify(secret, 32, bad, body, n, t, 300),
              SV_EFORMAT);
}

static void
refuses_bad_configurations(void)
{
    const char *urls[2] = { "http://127.0.0.1:9/", "ftp://x/" };
    struct sv_webhook_conf c = { 0 };
    struct sv_webhook *w = NULL;
    char err[256];

    c.urls = urls;
    c.nurls = 1;
    c.secret = secret;
    c.secret_len = 31;
    CHECK_INT(sv_webhook_start(&c, &w, err, sizeof(err)), SV_EUSAGE);
    CHECK_STR(err, "the webhook secret is too short (31 bytes, 32 at least)");
    c.secret_len = 32;
    c.nurls = 2;
    CHECK_INT(sv_webhook_start(&c, &w, err, sizeof(err)), SV_EUSAGE);
    CHECK_STR(err, "bad webhook URL 'ftp://x/': expected http:// or https://");
    c.nurls = 0;
    CHECK_INT(sv_webhook_start(&c, &w, err, sizeof(err)), SV_EUSAGE);
    CHECK_STR(err, "no webhook URL");
    CHECK(w == NULL);
}

/* ---- a receiver ---- */

enum { OK, E503, E400, E429, DROP, STALL };

#define MAX_REQ 64

struct receiver {
    int fd, port;
    pthread_t th;
    volatile int stop;
    const int *script;          /* what to answer to request i; OK after */
    int nscript;
    pthread_mutex_t mu;
    int n;                      /* requests read */
    char sig[MAX_REQ][SV_WEBHOOK_SIG_MAX + 8];
    char id[MAX_REQ][64];
    char body[MAX_REQ][512];
    int verified[MAX_REQ];      /* 0 ok by sv_webhook_verify */
};

static const char *
header(const char *req, const char *name, char *out, size_t n)
{
    const char *p = req, *e;
    size_t l = strlen(name);

    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, l) == 0 && p[l] == ':') {
            p += l + 1;
            while (*p == ' ')
                p++;
            e = strstr(p, "\r\n");
            snprintf(out, n, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
            return out;
        }
    }
    out[0] = '\0';
    return NULL;
}

static void
serve_one(struct receiver *r, int c)
{
    char buf[8192], cl[32], *end;
    size_t got = 0, want;
    ssize_t k;
    int i, act;
    struct pollfd pf = { c, POLLIN, 0 };

    while (got < sizeof(buf) - 1) {
        if (poll(&pf, 1, 100) <= 0) {
            if (r->stop)
                return;
            continue;
        }
        k = read(c, buf + got, sizeof(buf) - 1 - got);
        if (k <= 0)
            return;
        got += (size_t)k;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        header(buf, "Content-Length", cl, sizeof(cl));
        want = (size_t)(end + 4 - buf) + (size_t)atoi(cl);
        if (got >= want)
            break;
    }
    end = strstr(buf, "\r\n\r\n");
    if (end == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    i = r->n < MAX_REQ ? r->n : MAX_REQ - 1;
    r->n++;
    header(buf, "SV-Signature", r->sig[i], sizeof(r->sig[i]));
    header(buf, "SV-Delivery", r->id[i], sizeof(r->id[i]));
    snprintf(r->body[i], sizeof(r->body[i]), "%s", end + 4);
    r->verified[i] = sv_webhook_verify(secret, 32, r->sig[i], end + 4,
                                       strlen(end + 4),
                                       sv_time_now_ms() / 1000, 300);
    act = i < r->nscript ? r->script[i] : OK;
    pthread_mutex_unlock(&r->mu);
    if (act == STALL) {
        while (!r->stop)
            poll(NULL, 0, 20);
        return;
    }
    if (act == DROP)
        return;
    snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\nContent-Length: 0\r\n"
             "Connection: close\r\n\r\n",
             act == E503 ? "503 Service Unavailable" : act == E400 ?
             "400 Bad Request" : act == E429 ? "429 Too Many Requests" :
             "200 OK");
    if (write(c, buf, strlen(buf)) < 0)
        return;
}

static void *
receive(void *arg)
{
    struct receiver *r = arg;
    struct pollfd pf = { r->fd, POLLIN, 0 };
    int c;

    while (!r->stop) {
        if (poll(&pf, 1, 50) <= 0)
            continue;
        c = accept(r->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve_one(r, c);
        close(c);
    }
    return NULL;
}

static int
receiver_start(struct receiver *r, const int *script, int n)
{
    struct sockaddr_in a = { 0 };
    socklen_t al = sizeof(a);

    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    r->script = script;
    r->nscript = n;
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(r->fd, 16) < 0 ||
        getsockname(r->fd, (struct sockaddr *)&a, &al) < 0)
        return -errno;
    r->port = ntohs(a.sin_port);
    return pthread_create(&r->th, NULL, receive, r) == 0 ? 0 : -1;
}

static void
receiver_stop(struct receiver *r)
{
    r->stop = 1;
    pthread_join(r->th, NULL);
    close(r->fd);
    pthread_mutex_destroy(&r->mu);
}

static int
start(struct sv_webhook **w, const char *url, int attempts, size_t queue,
      int64_t timeout_us)
{
    static const char *urls[1];
    struct sv_webhook_conf c = { 0 };
    char err[256];

    urls[0] = url;
    c.urls = urls;
    c.nurls = 1;
    c.secret = secret;
    c.secret_len = 32;
    c.attempts = attempts;
    c.queue_max = queue;
    c.backoff_us = 10000;
    c.timeout_us = timeout_us;
    c.user_agent = "sv-test";
    return sv_webhook_start(&c, w, err, sizeof(err));
}

/* 503, a dropped connection, 429, then 200: one event, four signed tries
 * of the same delivery, each verified by the receiver */
static void
retries_5xx_and_dropped_connections(void)
{
    static const int script[] = { E503, DROP, E429, OK };
    struct receiver r;
    struct sv_webhook *w = NULL;
    struct sv_webhook_stats st;
    char url[64];
    int i;

    CHECK_INT(receiver_start(&r, script, 4), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
    CHECK_INT(start(&w, url, 5, 0, 2000000), 0);
    CHECK_INT(sv_webhook_post(w, "{\"event\":\"x\"}", 13), 0);
    sv_webhook_stop(w, 20000000, &st);
    receiver_stop(&r);
    CHECK_INT(r.n, 4);
    for (i = 0; i < 4 && i < r.n; i++) {
        CHECK_INT(r.verified[i], 0);
        CHECK_STR(r.body[i], "{\"event\":\"x\"}");
        CHECK_STR(r.id[i], r.id[0]);
    }
    CHECK(r.id[0][0] != '\0');
    CHECK_INT(st.queued, 1);
    CHECK_INT(st.sent, 1);
    CHECK_INT(st.retries, 3);
    CHECK_INT(st.failed, 0);
    CHECK_INT(st.dropped, 0);
}

/* a 4xx is the receiver's answer: no retry; attempts are bounded */
static void
gives_up_on_4xx_and_after_its_attempts(void)
{
    static const int refuse[] = { E400 };
    static const int down[] = { E503, E503, E503, E503 };
    struct receiver r;
    struct sv_webhook *w = NULL;
    struct sv_webhook_stats st;
    char url[64];

    CHECK_INT(receiver_start(&r, refuse, 1), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    CHECK_INT(start(&w, url, 5, 0, 2000000), 0);
    CHECK_INT(sv_webhook_post(w, "{}", 2), 0);
    sv_webhook_stop(w, 20000000, &st);
    receiver_stop(&r);
    CHECK_INT(r.n, 1);
    CHECK_INT(st.failed, 1);
    CHECK_INT(st.retries, 0);

    CHECK_INT(receiver_start(&r, down, 4), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    CHECK_INT(start(&w, url, 3, 0, 2000000), 0);
    CHECK_INT(sv_webhook_post(w, "{}", 2), 0);
    sv_webhook_stop(w, 20000000, &st);
    receiver_stop(&r);
    CHECK_INT(r.n, 3);
    CHECK_INT(st.failed, 1);
    CHECK_INT(st.retries, 2);
    CHECK_INT(st.sent, 0);
}

/* nobody listening: connection errors are retried, then given up */
static void
retries_a_refused_connection(void)
{
    struct receiver r;
    struct sv_webhook *w = NULL;
    struct sv_webhook_stats st;
    char url[64];

    /* a port that was just free: bound, then closed */
    CHECK_INT(receiver_start(&r, NULL, 0), 0);
    receiver_stop(&r);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    CHECK_INT(start(&w, url, 3, 0, 2000000), 0);
    CHECK_INT(sv_webhook_post(w, "{}", 2), 0);
    sv_webhook_stop(w, 20000000, &st);
    CHECK_INT(st.failed, 1);
    CHECK_INT(st.retries, 2);
}

/*
 * A receiver that never answers: posting never waits on it, the queue is
 * bounded (what does not fit is dropped and counted), and the drain ends
 * at its bound with the rest dropped.
 */
static void
a_stalled_receiver_never_blocks_the_caller(void)
{
    static const int script[] = { STALL };
    struct receiver r;
    struct sv_webhook *w = NULL;
    struct sv_webhook_stats st;
    char url[64];
    int i, full = 0;

    CHECK_INT(receiver_start(&r, script, 1), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    CHECK_INT(start(&w, url, 2, 4, 500000), 0);
    for (i = 0; i < 50; i++)
        full += sv_webhook_post(w, "{}", 2) == SV_ELIMIT;
    /* one in flight at most, four queued: the rest were dropped */
    CHECK(full >= 45);
    sv_webhook_stop(w, 200000, &st);
    receiver_stop(&r);
    CHECK_INT(st.queued + (uint64_t)full, 50);
    CHECK_INT(st.sent, 0);
    CHECK_INT(st.sent + st.failed + st.dropped, 50);
}

/* the tap: every event emitted goes out, as the event object */
static void
forwards_every_emitted_event(void)
{
    struct receiver r;
    struct sv_webhook *w = NULL;
    struct sv_webhook_stats st;
    json_t *ev;
    char url[64];

    sv_log_init("sv-test");
    CHECK_INT(receiver_start(&r, NULL, 0), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    CHECK_INT(start(&w, url, 3, 0, 2000000), 0);
    sv_webhook_tap(w);
    sv_event_emit("publish.complete", json_pack("{s:i}", "files", 3));
    sv_event_error(-ENOENT, "cannot open 'x'", NULL);
    sv_webhook_stop(w, 20000000, &st);
    sv_event_emit("publish.after", NULL);    /* no tap any more */
    receiver_stop(&r);
    CHECK_INT(st.sent, 2);
    CHECK_INT(r.n, 2);
    ev = json_loads(r.body[0], 0, NULL);
    CHECK_STR(json_string_value(json_object_get(ev, "event")),
              "publish.complete");
    CHECK_STR(json_string_value(json_object_get(ev, "tool")), "sv-test");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ev, "data"),
                                                 "files")), 3);
    json_decref(ev);
    ev = json_loads(r.body[1], 0, NULL);
    CHECK_STR(json_string_value(json_object_get(ev, "event")), "error");
    json_decref(ev);
    CHECK_INT(r.verified[0], 0);
    CHECK_INT(r.verified[1], 0);
    CHECK(strcmp(r.id[0], r.id[1]) != 0);
}

/*
 * The receiver of the CLI tests (tests/cli/webhook_receiver.py, which
 * checks signatures with Python's hmac as man sv-publish says) accepts
 * what this code signs: another implementation of the recipe.
 */
static void
python_receiver_accepts_the_signatures(void)
{
    char log[] = "/tmp/sv-hook-log-XXXXXX", line[512], url[64];
    struct sv_webhook *w = NULL;
    struct sv_webhook_stats st;
    int fds[2], lfd, port = 0, status;
    pid_t pid;
    FILE *f;

    lfd = mkstemp(log);
    CHECK(lfd >= 0);
    close(lfd);
    CHECK_INT(pipe(fds), 0);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        setenv("SV_WEBHOOK_SECRET", secret, 1);
        execlp("python3", "python3", "tests/cli/webhook_receiver.py", "--log",
               log, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (f != NULL && fgets(line, sizeof(line), f) != NULL)
        sscanf(line, "{\"port\": %d}", &port);
    CHECK(port > 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
    CHECK_INT(start(&w, url, 3, 0, 2000000), 0);
    CHECK_INT(sv_webhook_post(w, "{\"event\":\"publish.complete\"}", 28), 0);
    CHECK_INT(sv_webhook_post(w, "{\"event\":\"error\"}", 17), 0);
    sv_webhook_stop(w, 20000000, &st);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    if (f != NULL)
        fclose(f);
    CHECK_INT(st.sent, 2);
    f = fopen(log, "r");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK(fgets(line, sizeof(line), f) != NULL);
        CHECK(strstr(line, "\"verdict\": \"ok\"") != NULL);
        CHECK(strstr(line, "\"event\": \"publish.complete\"") != NULL);
        CHECK(strstr(line, "\"type\": \"application/json\"") != NULL);
        CHECK(fgets(line, sizeof(line), f) != NULL);
        CHECK(strstr(line, "\"verdict\": \"ok\"") != NULL);
        CHECK(fgets(line, sizeof(line), f) == NULL);
        fclose(f);
    }
    unlink(log);
}

int
main(void)
{
    RUN(signs_and_verifies);
    RUN(refuses_bad_configurations);
    RUN(retries_5xx_and_dropped_connections);
    RUN(gives_up_on_4xx_and_after_its_attempts);
    RUN(retries_a_refused_connection);
    RUN(a_stalled_receiver_never_blocks_the_caller);
    RUN(forwards_every_emitted_event);
    if (access("tests/cli/webhook_receiver.py", R_OK) == 0)
        RUN(python_receiver_accepts_the_signatures);
    else
        SKIP(python_receiver_accepts_the_signatures,
             "run from the top of the tree");
    return DONE();
}
