/* ledger_test.c -- lib/drm/ledger.c: records reach the file before their
 * callback, the chain and checkpoints verify, every kind of tampering is
 * located, torn tails and reopening */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/slurp.h"
#include "crypto/ed25519.h"
#include "drm/ledger.h"
#include "t.h"

static char dir[64], path[128];
static uint8_t seed[32], pub[32];
static const uint8_t kid[1][16] = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                      12, 13, 14, 15, 16 } };

struct count {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, bad, lines_seen;
};

static int
file_lines(void)
{
    char *t = NULL;
    size_t len = 0, i;
    int n = 0;

    if (sv_slurp(path, 1 << 26, &t, &len) < 0)
        return -1;
    for (i = 0; i < len; i++)
        n += t[i] == '\n';
    free(t);
    return n;
}

static void
on_done(void *ud, int rc)
{
    struct count *c = ud;
    int lines = file_lines();

    pthread_mutex_lock(&c->mu);
    if (rc != 0)
        c->bad++;
    /* the record is in the file when we are told */
    if (lines > c->lines_seen)
        c->lines_seen = lines;
    c->done++;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void
fresh(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sv-ledger-XXXXXX");
    if (mkdtemp(dir) == NULL)
        exit(1);
    snprintf(path, sizeof(path), "%s/l.jsonl", dir);
}

static void
cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

/* n issued records through a ledger opened and closed once */
static int
write_ledger(int n, uint64_t every)
{
    struct sv_ledger_conf c = { path, seed, every, 0 };
    struct sv_ledger_issue r;
    struct sv_ledger *l;
    struct count cnt = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                         0, 0, 0 };
    char err[256];
    int i;

    if (sv_ledger_open(&c, &l, err, sizeof(err)) < 0) {
        printf("# %s\n", err);
        return -1;
    }
    memset(&r, 0, sizeof(r));
    r.route = "clearkey";
    r.kids = kid;
    r.nkids = 1;
    r.content_id = "movie";
    r.sub = "al\"ice\n";
    r.token = "header.payload.signature";
    r.toklen = strlen(r.token);
    r.client = "127.0.0.1";
    for (i = 0; i < n; i++)
        if (sv_ledger_issue(l, &r, on_done, &cnt) < 0)
            return -1;
    pthread_mutex_lock(&cnt.mu);
    while (cnt.done < n)
        pthread_cond_wait(&cnt.cv, &cnt.mu);
    pthread_mutex_unlock(&cnt.mu);
    CHECK_INT(cnt.bad, 0);
    CHECK(cnt.lines_seen >= n + 1);
    return sv_ledger_close(l);
}

static char *
slurp_ledger(size_t *len)
{
    char *t = NULL;

    if (sv_slurp(path, 1 << 26, &t, len) < 0)
        return NULL;
    return t;
}

static void
writes_a_closed_ledger_that_verifies(void)
{
    struct sv_ledger_report r;
    char *t, err[256];
    size_t len;

    fresh();
    CHECK_INT(write_ledger(25, 10), 0);
    CHECK_INT(sv_ledger_verify_file(path, pub, &r, NULL, NULL, err,
                                    sizeof(err)), 0);
    CHECK_INT(r.state, SV_LEDGER_CLOSED);
    /* start, 25 issued, 2 checkpoints within, stop, the last checkpoint */
    CHECK_INT(r.records, 30);
    CHECK_INT(r.checkpoints, 3);
    CHECK_INT(r.last_checkpoint, 30);
    t = slurp_ledger(&len);
    CHECK(t != NULL && strstr(t, "header.payload") == NULL);
    CHECK(t != NULL && strstr(t, "\"sub\":\"al\\\"ice\\u000a\"") != NULL);
    free(t);
    /* reopened: a second start, the chain goes on */
    CHECK_INT(write_ledger(3, 0), 0);
    CHECK_INT(sv_ledger_verify_file(path, NULL, &r, NULL, NULL, err,
                                    sizeof(err)), 0);
    CHECK_INT(r.state, SV_LEDGER_CLOSED);
    CHECK_INT(r.records, 36);
    cleanup();
}

/* verifies the ledger text with line k replaced by repl (NULL: removed) */
static struct sv_ledger_report
with_line(const char *t, size_t len, int k, const char *repl, int swap)
{
    struct sv_ledger_report r;
    char *out = malloc(len + 4096), *o = out;
    const char *p = t, *lines[64];
    size_t lens[64];
    int n = 0, i;

    while (p < t + len && n < 64) {
        const char *nl = memchr(p, '\n', (size_t)(t + len - p));

        lines[n] = p;
        lens[n] = (size_t)(nl - p);
        n++;
        p = nl + 1;
    }
    for (i = 0; i < n; i++) {
        int j = i;

        if (swap && i == k - 1)
            j = k;
        else if (swap && i == k)
            j = k - 1;
        if (!swap && i == k - 1) {
            if (repl == NULL)
                continue;
            memcpy(o, repl, strlen(repl));
            o += strlen(repl);
            *o++ = '\n';
            if (strcmp(repl, "dup") == 0) {
                o -= 4;
                memcpy(o, lines[j], lens[j]);
                o += lens[j];
                *o++ = '\n';
                memcpy(o, lines[j], lens[j]);
                o += lens[j];
                *o++ = '\n';
            }
            continue;
        }
        memcpy(o, lines[j], lens[j]);
        o += lens[j];
        *o++ = '\n';
    }
    sv_ledger_verify_buf(out, (size_t)(o - out), NULL, &r, NULL, NULL);
    free(out);
    return r;
}

static void
locates_tampering(void)
{
    struct sv_ledger_report r;
    char *t, *edited, *s;
    size_t len;

    fresh();
    CHECK_INT(write_ledger(8, 4), 0);
    t = slurp_ledger(&len);
    if (t == NULL) {
        CHECK(0);
        return;
    }
    /* edit record 3: the sub */
    edited = strdup(t);
    s = strstr(strstr(edited, "\"seq\":3,"), "al\\\"ice");
    s[0] = 'A';
    r = with_line(edited, len, 0, NULL, 0);
    CHECK_INT(r.state, SV_LEDGER_BAD);
    CHECK_INT(r.bad, 3);
    CHECK_INT(r.records, 2);
    free(edited);
    /* delete record 4 */
    r = with_line(t, len, 4, NULL, 0);
    CHECK_INT(r.state, SV_LEDGER_BAD);
    CHECK_INT(r.bad, 4);
    /* duplicate record 5 */
    r = with_line(t, len, 5, "dup", 0);
    CHECK_INT(r.state, SV_LEDGER_BAD);
    CHECK_INT(r.bad, 5);
    /* swap records 4 and 5 */
    r = with_line(t, len, 4, NULL, 1);
    CHECK_INT(r.state, SV_LEDGER_BAD);
    CHECK_INT(r.bad, 4);
    /* a line that is not a record */
    r = with_line(t, len, 2, "{\"seq\":2}", 0);
    CHECK_INT(r.state, SV_LEDGER_BAD);
    CHECK_INT(r.bad, 2);
    /* torn: the tail cut inside the last record */
    sv_ledger_verify_buf(t, len - 7, NULL, &r, NULL, NULL);
    CHECK_INT(r.state, SV_LEDGER_TORN);
    CHECK_INT(r.torn_bytes, len - 7 - r.good_bytes);
    /* cut at a record boundary: open, not closed */
    s = t + len - 2;
    while (*s != '\n')
        s--;
    sv_ledger_verify_buf(t, (size_t)(s - t + 1), NULL, &r, NULL, NULL);
    CHECK_INT(r.state, SV_LEDGER_OPEN);
    /* another key than the ledger's */
    {
        uint8_t other[32], op[32];

        sv_ed25519_generate(other);
        sv_ed25519_public(other, op);
        sv_ledger_verify_buf(t, len, op, &r, NULL, NULL);
        CHECK_INT(r.state, SV_LEDGER_BAD);
        CHECK_INT(r.bad, 1);
    }
    free(t);
    cleanup();
}

static void
refuses_a_second_writer_and_a_torn_ledger(void)
{
    struct sv_ledger_conf c = { NULL, seed, 0, 0 };
    struct sv_ledger *a, *b;
    char err[256];
    int fd;

    fresh();
    c.path = path;
    CHECK_INT(sv_ledger_open(&c, &a, err, sizeof(err)), 0);
    CHECK(sv_ledger_open(&c, &b, err, sizeof(err)) < 0);
    CHECK(strstr(err, "in use by another process") != NULL);
    CHECK_INT(sv_ledger_close(a), 0);
    fd = open(path, O_WRONLY | O_APPEND);
    CHECK(write(fd, "{\"seq\":", 7) == 7);
    close(fd);
    CHECK_INT(sv_ledger_open(&c, &b, err, sizeof(err)), SV_ETRUNC);
    CHECK(strstr(err, "torn record after record 3") != NULL);
    cleanup();
}

static void
signs_a_checkpoint_after_the_interval(void)
{
    struct sv_ledger_conf c = { NULL, seed, 0, 20 };
    struct sv_ledger_issue r;
    struct sv_ledger_report rep;
    struct sv_ledger *l;
    struct count cnt = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                         0, 0, 0 };
    char err[256];
    int tries;

    fresh();
    c.path = path;
    CHECK_INT(sv_ledger_open(&c, &l, err, sizeof(err)), 0);
    memset(&r, 0, sizeof(r));
    r.route = "hls";
    r.kids = kid;
    r.nkids = 1;
    r.client = "::1";
    CHECK_INT(sv_ledger_issue(l, &r, on_done, &cnt), 0);
    /* start, issued, then the checkpoint the 20 ms interval brings */
    for (tries = 0; tries < 500 && file_lines() < 3; tries++)
        usleep(10000);
    CHECK_INT(sv_ledger_verify_file(path, pub, &rep, NULL, NULL, err,
                                    sizeof(err)), 0);
    CHECK_INT(rep.state, SV_LEDGER_OPEN);
    CHECK_INT(rep.last_checkpoint, 3);
    CHECK_INT(sv_ledger_close(l), 0);
    cleanup();
}

/* each answer: every record answered so far is already in the file */
static void
on_done_strict(void *ud, int rc)
{
    struct count *c = ud;
    int lines;

    pthread_mutex_lock(&c->mu);
    lines = file_lines();
    if (rc != 0)
        c->bad++;
    c->done++;
    /* the start record, then at least the c->done records answered */
    if (lines < c->done + 1)
        c->lines_seen = -1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

struct issuer {
    struct sv_ledger *l;
    struct count *cnt;
    int n, rc;
};

static void *
issue_many(void *arg)
{
    struct issuer *is = arg;
    struct sv_ledger_issue r;
    int i;

    memset(&r, 0, sizeof(r));
    r.route = "clearkey";
    r.kids = kid;
    r.nkids = 1;
    r.client = "127.0.0.1";
    for (i = 0; i < is->n && is->rc == 0; i++)
        is->rc = sv_ledger_issue(is->l, &r, on_done_strict, is->cnt);
    return NULL;
}

/* issue 17: several syncs in flight answer no record before it is written */
static void
answers_only_written_records_with_syncs_in_flight(void)
{
    struct sv_ledger_conf c = { NULL, seed, 50, 0 };
    struct sv_ledger_report rep;
    struct sv_ledger *l;
    struct count cnt = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                         0, 0, 0 };
    struct issuer is[4];
    pthread_t t[4];
    char err[256];
    int i;

    fresh();
    c.path = path;
    CHECK_INT(sv_ledger_open(&c, &l, err, sizeof(err)), 0);
    for (i = 0; i < 4; i++) {
        is[i].l = l;
        is[i].cnt = &cnt;
        is[i].n = 100;
        is[i].rc = 0;
        CHECK_INT(pthread_create(&t[i], NULL, issue_many, &is[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(is[i].rc, 0);
    }
    pthread_mutex_lock(&cnt.mu);
    while (cnt.done < 400)
        pthread_cond_wait(&cnt.cv, &cnt.mu);
    pthread_mutex_unlock(&cnt.mu);
    CHECK_INT(cnt.bad, 0);
    CHECK_INT(cnt.lines_seen, 0);
    CHECK_INT(sv_ledger_close(l), 0);
    CHECK_INT(sv_ledger_verify_file(path, pub, &rep, NULL, NULL, err,
                                    sizeof(err)), 0);
    CHECK_INT(rep.state, SV_LEDGER_CLOSED);
    /* start, 400 issued, 8 checkpoints (every 50), stop, checkpoint */
    CHECK_INT(rep.records, 411);
    cleanup();
}

int
main(void)
{
    sv_ed25519_generate(seed);
    sv_ed25519_public(seed, pub);
    RUN(writes_a_closed_ledger_that_verifies);
    RUN(locates_tampering);
    RUN(refuses_a_second_writer_and_a_torn_ledger);
    RUN(signs_a_checkpoint_after_the_interval);
    RUN(answers_only_written_records_with_syncs_in_flight);
    return DONE();
}
