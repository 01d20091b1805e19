/* ledger.c -- the licence ledger: group-committed hash chain, checkpoints */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/textenc.h"
#include "core/time.h"
#include "crypto/cipher.h"
#include "crypto/digest.h"
#include "drm/ledger.h"

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"
#define BATCH_MAX (256u << 20)

/* ---- shared ------------------------------------------------------------- */

int
sv_ledger_signed_text(const char *ledger, uint64_t seq, const char *time,
                      const char *prev, char *out, size_t size)
{
    int n = snprintf(out, size, "sv-drm ledger checkpoint v1\n%s\n%" PRIu64
                     "\n%s\n%s\n", ledger, seq, time, prev);

    return n < 0 || (size_t)n >= size ? SV_ELIMIT : n;
}

static int
is_hex(const char *s, size_t n)
{
    size_t i;

    if (s == NULL || strlen(s) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* A checkpoint's signature (base64, 64 bytes) over its fields, under key. */
static int
check_sig(const char *ledger, uint64_t seq, const char *time,
          const char *prev, const char *sig64, const uint8_t *key)
{
    uint8_t sig[SV_ED25519_SIG + 2];
    char text[256];
    int n;

    if (time == NULL || sig64 == NULL)
        return SV_EFORMAT;
    n = sv_ledger_signed_text(ledger, seq, time, prev, text, sizeof(text));
    if (n < 0)
        return SV_EFORMAT;
    if (sv_b64_decode(sig64, strlen(sig64), sig, sizeof(sig), 0) !=
        SV_ED25519_SIG)
        return SV_EFORMAT;
    return sv_ed25519_verify(key, text, (size_t)n, sig);
}

/* ---- reading ------------------------------------------------------------ */

static const char *
str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void
bad(struct sv_ledger_report *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
bad(struct sv_ledger_report *r, uint64_t line, const char *fmt, ...)
{
    va_list ap;

    r->state = SV_LEDGER_BAD;
    r->bad = line;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
}

/* The checks of one record's own fields, by type (i: its line number). */
static void
check_fields(struct sv_ledger_report *r, uint64_t i, const json_t *rec,
             const uint8_t *key, int *closing)
{
    const char *type = str(rec, "type"), *prev = str(rec, "prev");
    const char *id = str(rec, "ledger"), *kh = str(rec, "key");
    uint8_t k[SV_ED25519_PUB];
    const json_t *kids, *x;
    size_t j;

    if (type == NULL || str(rec, "time") == NULL) {
        bad(r, i, "record %" PRIu64 " has no type or time", i);
        return;
    }
    if (strcmp(type, "start") == 0) {
        if (!is_hex(id, 32) || !is_hex(kh, 64) ||
            sv_hex_decode(kh, k, sizeof(k)) < 0) {
            bad(r, i, "start record %" PRIu64 " has no ledger id or key", i);
            return;
        }
        if (r->ledger[0] == '\0') {
            memcpy(r->ledger, id, 33);
            memcpy(r->key, key != NULL ? key : k, sizeof(r->key));
            r->have_key = 1;
        } else if (strcmp(r->ledger, id) != 0) {
            bad(r, i, "start record %" PRIu64 " names another ledger", i);
            return;
        }
        if (memcmp(r->key, k, sizeof(k)) != 0) {
            bad(r, i, "start record %" PRIu64 " names another signing key%s",
                i, key != NULL ? " than --pubkey" : "");
            return;
        }
        *closing = 0;
        return;
    }
    if (r->ledger[0] == '\0') {
        bad(r, i, "record 1 is not a start record");
        return;
    }
    if (strcmp(type, "checkpoint") == 0) {
        if (id == NULL || strcmp(id, r->ledger) != 0) {
            bad(r, i, "checkpoint %" PRIu64 " names another ledger", i);
            return;
        }
        if (check_sig(id, i, str(rec, "time"), prev, str(rec, "sig"),
                      r->key) < 0) {
            bad(r, i, "checkpoint %" PRIu64 " has a bad signature: records "
                "after checkpoint %" PRIu64 " and before it were rewritten, "
                "or it was", i, r->last_checkpoint);
            return;
        }
        r->checkpoints++;
        r->last_checkpoint = i;
        if (*closing == 1)
            *closing = 2;
        return;
    }
    if (strcmp(type, "issued") == 0) {
        kids = json_object_get(rec, "kids");
        if (!json_is_array(kids) || json_array_size(kids) == 0 ||
            !is_hex(str(rec, "token_sha256"), 64)) {
            bad(r, i, "issued record %" PRIu64 " has no kids or token hash",
                i);
            return;
        }
        json_array_foreach(kids, j, x) {
            if (!is_hex(json_string_value(x), 32)) {
                bad(r, i, "issued record %" PRIu64 " has a bad key id", i);
                return;
            }
        }
        *closing = 0;
        return;
    }
    if (strcmp(type, "stop") == 0) {
        *closing = 1;
        return;
    }
    bad(r, i, "record %" PRIu64 " has an unknown type", i);
}

int
sv_ledger_verify_buf(const char *data, size_t len, const uint8_t *key,
                     struct sv_ledger_report *r, sv_ledger_record_fn fn,
                     void *ud)
{
    uint8_t h1[32], h2[32];     /* hashes of lines i-1 and i-2 */
    char hex1[65], hex2[65];
    size_t off = 0, n;
    uint64_t i = 0;
    int closing = 0, rc;

    memset(r, 0, sizeof(*r));
    memset(h1, 0, sizeof(h1));
    memcpy(hex1, ZERO64, 65);
    memcpy(hex2, ZERO64, 65);
    hex2[0] = 'x';              /* no line -1 */
    while (off < len) {
        const char *line = data + off, *nl, *prev;
        json_error_t je;
        json_t *rec;
        json_int_t seq;

        nl = memchr(line, '\n', len - off);
        n = nl != NULL ? (size_t)(nl - line) : len - off;
        i++;
        if (nl == NULL) {
            r->state = SV_LEDGER_TORN;
            r->torn_bytes = n;
            snprintf(r->msg, sizeof(r->msg), "record %" PRIu64 " is torn: "
                     "%zu bytes without an end of line", i, n);
            goto end;
        }
        rec = n <= SV_LEDGER_LINE_MAX ?
              json_loadb(line, n, JSON_REJECT_DUPLICATES, &je) : NULL;
        if (rec == NULL || !json_is_object(rec) ||
            !json_is_integer(json_object_get(rec, "seq")) ||
            !is_hex(str(rec, "prev"), 64)) {
            json_decref(rec);
            bad(r, i, "line %" PRIu64 " is not a ledger record", i);
            goto end;
        }
        seq = json_integer_value(json_object_get(rec, "seq"));
        prev = str(rec, "prev");
        if (strcmp(prev, hex1) != 0) {
            /* say which record is wrong, not only where it shows */
            if (strcmp(prev, hex2) == 0 && seq == (json_int_t)i - 1)
                bad(r, i - 1, "line %" PRIu64 " was inserted: record %"
                    PRIu64 " follows record %" PRIu64, i - 1, i - 1, i - 2);
            else if (seq == (json_int_t)i)
                bad(r, i - 1, "record %" PRIu64 " was changed: its SHA-256 "
                    "is not the one record %" PRIu64 " holds", i - 1, i);
            else if (seq > (json_int_t)i)
                bad(r, i, "record %" PRIu64 " is missing: line %" PRIu64
                    " holds record %lld (deleted or moved)", i, i,
                    (long long)seq);
            else
                bad(r, i, "line %" PRIu64 " holds record %lld again, not %"
                    PRIu64 " (inserted or moved)", i, (long long)seq, i);
            json_decref(rec);
            goto end;
        }
        if (seq != (json_int_t)i) {
            bad(r, i, "line %" PRIu64 " holds record %lld, not %" PRIu64, i,
                (long long)seq, i);
            json_decref(rec);
            goto end;
        }
        check_fields(r, i, rec, key, &closing);
        if (r->state == SV_LEDGER_BAD) {
            json_decref(rec);
            goto end;
        }
        if (fn != NULL) {
            rc = fn(ud, i, line, n, rec);
            if (rc != 0) {
                json_decref(rec);
                return rc;
            }
        }
        json_decref(rec);
        memcpy(h2, h1, sizeof(h2));
        memcpy(hex2, hex1, sizeof(hex2));
        rc = sv_sha256(line, n, h1);
        if (rc < 0)
            return rc;
        sv_hex_encode(h1, 32, hex1);
        r->records = i;
        off += n + 1;
        r->good_bytes = off;
        memcpy(r->head, h1, 32);
    }
    r->state = closing == 2 ? SV_LEDGER_CLOSED : SV_LEDGER_OPEN;
end:
    (void)h2;
    if (r->state == SV_LEDGER_BAD && r->bad > 0 && r->bad <= r->records) {
        /* the bad record is behind us: it does not count as good */
        r->records = r->bad - 1;
    }
    return 0;
}

int
sv_ledger_verify_file(const char *path, const uint8_t *key,
                      struct sv_ledger_report *r, sv_ledger_record_fn fn,
                      void *ud, char *err, size_t size)
{
    struct stat st;
    void *p = NULL;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, size, "'%s' is not a regular file", path);
        close(fd);
        return SV_EFORMAT;
    }
    if (st.st_size > 0) {
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            rc = -errno;
            snprintf(err, size, "cannot read '%s': %s", path,
                     sv_strerror(rc));
            close(fd);
            return rc;
        }
    }
    close(fd);
    rc = sv_ledger_verify_buf(p != NULL ? p : "", (size_t)st.st_size, key, r,
                              fn, ud);
    if (p != NULL)
        munmap(p, (size_t)st.st_size);
    if (rc < 0 && rc != SV_EINTR)
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
    return rc;
}

int
sv_ledger_checkpoint_check(const json_t *cp, const uint8_t *key, char *err,
                           size_t size)
{
    const char *f = str(cp, "format"), *id = str(cp, "ledger");
    const char *head = str(cp, "head");
    const json_t *seq = json_object_get(cp, "seq");

    if (f == NULL || strcmp(f, "sv-drm-ledger-checkpoint") != 0 ||
        json_integer_value(json_object_get(cp, "v")) != 1 ||
        !is_hex(id, 32) || !is_hex(head, 64) || !json_is_integer(seq) ||
        json_integer_value(seq) < 2) {
        snprintf(err, size, "not an sv-drm ledger checkpoint");
        return SV_EFORMAT;
    }
    if (check_sig(id, (uint64_t)json_integer_value(seq), str(cp, "time"),
                  head, str(cp, "sig"), key) < 0) {
        snprintf(err, size, "the signature does not verify with this key");
        return SV_EAUTH;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

struct waiter {
    sv_ledger_done_fn done;
    void *ud;
};

/*
 * Syncs in flight at once.  One fdatasync(2) covers every write before it
 * began, so a batch is durable as soon as any sync that began after its
 * write returns; with several in flight a batch need not wait for the
 * whole of the sync before it to start its own.  On ext4 over virtio, four
 * threads appending and syncing completed 37-44 times as many durable
 * appends per second as one (222/s against 8,400-9,700/s).
 */
#define SYNC_MAX 4

/*
 * A second (third, fourth) sync starts only for a batch of at least this
 * many answers; a smaller one waits for the sync in flight to end.  Each
 * sync costs about 40 us of CPU on a virtual disk (a write, the page
 * writeback and a flush, measured with four threads syncing at once), so
 * a sync for one or two records costs more than the licences it answers.
 * With 256 clients this took a batch from 11 to 21 licences on average,
 * with 32 from 4.6 to 6.6 (fdatasyncs counted with perf stat).
 */
#define SYNC_MIN_WAITERS 8

/* One sync thread's batch, between its take and its release. */
struct slot {
    struct sv_ledger *l;
    uint64_t id;                /* order of writing: 1, 2, ... */
    struct sv_buf out;
    struct waiter *w;           /* under mu: emptied on release */
    size_t nw, aw;
};

struct sv_ledger {
    int fd;
    uint8_t seed[SV_ED25519_SEED];
    char id[33];
    char key[65];
    int64_t every, interval_ms;

    pthread_mutex_t mu;
    pthread_cond_t work;
    pthread_mutex_t wmu;        /* held from a take through its write */
    pthread_t thread[SYNC_MAX];
    unsigned running;
    struct slot slot[SYNC_MAX];
    /* under mu */
    uint64_t taken;             /* id of the last batch taken */
    uint64_t durable;           /* every batch up to this one is synced */
    unsigned syncing;           /* batches taken, not yet answered */
    uint64_t seq;               /* of the last record made */
    char head[65];              /* its SHA-256, hex */
    uint64_t unsigned_n;        /* records since the last checkpoint */
    int64_t first_unsigned_ms;
    struct sv_buf batch;        /* records not yet written */
    struct waiter *w;           /* their callbacks */
    size_t nw, aw;
    int failed;                 /* a write failed: refuse everything */
    int closing;
};

/* JSON string text of s (valid UTF-8 from jansson: only escapes needed). */
static int
put_str(struct sv_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    int rc = sv_buf_u8(b, '"');
    const unsigned char *p;

    for (p = (const unsigned char *)s; rc == 0 && *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            rc = sv_buf_u8(b, '\\');
            if (rc == 0)
                rc = sv_buf_u8(b, *p);
        } else if (*p < 0x20) {
            char e[7] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

            rc = sv_buf_append(b, e, 6);
        } else {
            rc = sv_buf_u8(b, *p);
        }
    }
    return rc == 0 ? sv_buf_u8(b, '"') : rc;
}

/* Starts a record of type in b: {"seq":n,"time":"...","type":"..." */
static int
begin(struct sv_buf *b, uint64_t seq, const char *type, char *when)
{
    sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, when, SV_TIME_ISO_MAX);
    return sv_buf_printf(b, "{\"seq\":%" PRIu64 ",\"time\":\"%s\","
                         "\"type\":\"%s\"", seq, when, type);
}

/*
 * Ends the record in rec with prev, chains it and moves it to the batch
 * (under mu).  rec is released.
 */
static int
commit(struct sv_ledger *l, struct sv_buf *rec)
{
    uint8_t h[32];
    int rc;

    rc = sv_buf_printf(rec, ",\"prev\":\"%s\"}", l->head);
    if (rc == 0)
        rc = sv_sha256(rec->data, rec->len, h);
    if (rc < 0) {
        sv_buf_release(rec);
        return rc;
    }
    rc = sv_buf_append(&l->batch, rec->data, rec->len);
    if (rc == 0)
        rc = sv_buf_u8(&l->batch, '\n');
    sv_buf_release(rec);
    if (rc < 0) {
        /* the batch is gone with the records of others: fail them all */
        l->failed = rc;
        return rc;
    }
    sv_hex_encode(h, 32, l->head);
    return 0;
}

/* Appends a checkpoint sealing every record so far (under mu). */
static int
checkpoint(struct sv_ledger *l)
{
    struct sv_buf b = SV_BUF_INIT(1024);
    uint8_t sig[SV_ED25519_SIG];
    char when[SV_TIME_ISO_MAX], text[256], s64[128];
    uint64_t seq = l->seq + 1;
    int rc, n;

    rc = begin(&b, seq, "checkpoint", when);
    n = sv_ledger_signed_text(l->id, seq, when, l->head, text, sizeof(text));
    if (rc == 0 && n < 0)
        rc = n;
    if (rc == 0)
        rc = sv_ed25519_sign(l->seed, text, (size_t)n, sig);
    if (rc == 0) {
        sv_b64_encode(sig, sizeof(sig), s64, 0);
        rc = sv_buf_printf(&b, ",\"ledger\":\"%s\",\"sig\":\"%s\"", l->id,
                           s64);
    }
    if (rc == 0)
        rc = commit(l, &b);
    sv_buf_release(&b);
    if (rc < 0)
        return rc;
    l->seq = seq;
    l->unsigned_n = 0;
    return 0;
}

/* A record with no fields of its own but ledger and key (start) or none. */
static int
plain(struct sv_ledger *l, const char *type)
{
    struct sv_buf b = SV_BUF_INIT(1024);
    char when[SV_TIME_ISO_MAX];
    int rc;

    rc = begin(&b, l->seq + 1, type, when);
    if (rc == 0 && strcmp(type, "start") == 0)
        rc = sv_buf_printf(&b, ",\"ledger\":\"%s\",\"key\":\"%s\"", l->id,
                           l->key);
    if (rc == 0)
        rc = commit(l, &b);
    sv_buf_release(&b);
    if (rc < 0)
        return rc;
    l->seq++;
    return 0;
}

static int
push_waiter(struct sv_ledger *l, sv_ledger_done_fn done, void *ud)
{
    struct waiter *w;

    if (l->nw == l->aw) {
        size_t na = l->aw ? l->aw * 2 : 64;

        w = realloc(l->w, na * sizeof(*w));
        if (w == NULL)
            return -ENOMEM;
        l->w = w;
        l->aw = na;
    }
    l->w[l->nw].done = done;
    l->w[l->nw].ud = ud;
    l->nw++;
    return 0;
}

int
sv_ledger_issue(struct sv_ledger *l, const struct sv_ledger_issue *r,
                sv_ledger_done_fn done, void *ud)
{
    struct sv_buf b = SV_BUF_INIT(SV_LEDGER_LINE_MAX - 100);
    uint8_t th[32];
    char when[SV_TIME_ISO_MAX], hex[65];
    size_t i;
    int rc;

    rc = sv_sha256(r->token != NULL ? r->token : "", r->toklen, th);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&l->mu);
    if (l->failed < 0 || l->closing) {
        rc = l->failed < 0 ? l->failed : -ESHUTDOWN;
        goto out;
    }
    rc = begin(&b, l->seq + 1, "issued", when);
    if (rc == 0)
        rc = sv_buf_printf(&b, ",\"route\":\"%s\",\"kids\":[", r->route);
    for (i = 0; rc == 0 && i < r->nkids; i++) {
        sv_hex_encode(r->kids[i], 16, hex);
        rc = sv_buf_printf(&b, "%s\"%s\"", i ? "," : "", hex);
    }
    if (rc == 0)
        rc = sv_buf_u8(&b, ']');
    if (rc == 0 && r->content_id != NULL)
        rc = sv_buf_printf(&b, ",\"content_id\":");
    if (rc == 0 && r->content_id != NULL)
        rc = put_str(&b, r->content_id);
    if (rc == 0 && r->sub != NULL)
        rc = sv_buf_printf(&b, ",\"sub\":");
    if (rc == 0 && r->sub != NULL)
        rc = put_str(&b, r->sub);
    if (rc == 0 && r->jti != NULL)
        rc = sv_buf_printf(&b, ",\"jti\":");
    if (rc == 0 && r->jti != NULL)
        rc = put_str(&b, r->jti);
    sv_hex_encode(th, 32, hex);
    if (rc == 0)
        rc = sv_buf_printf(&b, ",\"token_sha256\":\"%s\",\"client\":", hex);
    if (rc == 0)
        rc = put_str(&b, r->client != NULL ? r->client : "");
    /* the waiter first: a record must never be on disk unanswered-for */
    if (rc == 0)
        rc = push_waiter(l, done, ud);
    if (rc == 0) {
        rc = commit(l, &b);
        if (rc < 0)
            l->nw--;
    }
    if (rc < 0)
        goto out;
    l->seq++;
    if (l->unsigned_n++ == 0)
        l->first_unsigned_ms = sv_time_now_ms();
    if (l->every > 0 && l->unsigned_n >= (uint64_t)l->every) {
        rc = checkpoint(l);
        if (rc < 0) {
            /* the record is in the batch already: let it be written */
            rc = 0;
        }
    }
    pthread_cond_signal(&l->work);
out:
    pthread_mutex_unlock(&l->mu);
    sv_buf_release(&b);
    return rc;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/*
 * Answers the waiters of every batch the syncs so far cover (rc 0), or of
 * every batch not yet answered once the ledger has failed (under mu).
 */
static void
release(struct sv_ledger *l)
{
    struct slot *t;
    size_t i;
    unsigned k;

    for (k = 0; k < SYNC_MAX; k++) {
        t = &l->slot[k];
        if (t->nw == 0 || (l->failed == 0 && t->id > l->durable))
            continue;
        for (i = 0; i < t->nw; i++)
            t->w[i].done(t->w[i].ud, l->failed);
        t->nw = 0;
    }
}

/* Waits for records (making interval checkpoints); 0 once closed (mu). */
static int
wait_work(struct sv_ledger *l)
{
    struct timespec ts;
    int64_t due;

    while (!l->closing && ((l->batch.len == 0 && l->nw == 0) ||
                           (l->syncing > 0 && l->nw < SYNC_MIN_WAITERS))) {
        if (l->interval_ms <= 0 || l->unsigned_n == 0) {
            pthread_cond_wait(&l->work, &l->mu);
            continue;
        }
        due = l->first_unsigned_ms + l->interval_ms;
        if (sv_time_now_ms() >= due) {
            if (checkpoint(l) < 0)
                l->unsigned_n = 0;      /* try again after a record */
            continue;
        }
        ts.tv_sec = (time_t)(due / 1000);
        ts.tv_nsec = (long)(due % 1000) * 1000000;
        pthread_cond_timedwait(&l->work, &l->mu, &ts);
    }
    return l->batch.len != 0 || l->nw != 0;
}

/*
 * One of the sync threads: takes the batch filled so far, writes it (the
 * writes keep their order under wmu), syncs it while the next batch fills
 * and another thread may write and sync that one, then answers every batch
 * the sync covers.
 */
static void *
writer(void *arg)
{
    struct slot *t = arg;
    struct sv_ledger *l = t->l;
    struct sv_buf tb;
    struct waiter *tw;
    size_t ta;
    int rc;

    pthread_mutex_lock(&l->wmu);
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (!wait_work(l))
            break;
        /* take the batch and its waiters; the next one fills meanwhile */
        tb = t->out;
        t->out = l->batch;
        l->batch = tb;
        sv_buf_reset(&l->batch);
        tw = t->w;
        ta = t->aw;
        t->w = l->w;
        t->aw = l->aw;
        t->nw = l->nw;
        l->w = tw;
        l->aw = ta;
        l->nw = 0;
        t->id = ++l->taken;
        l->syncing++;
        rc = l->failed;
        pthread_mutex_unlock(&l->mu);
        if (rc == 0)
            rc = write_all(l->fd, t->out.data, t->out.len);
        /* the next writer may go: its write lands after this one */
        pthread_mutex_unlock(&l->wmu);
        if (rc == 0 && fdatasync(l->fd) < 0)
            rc = -errno;
        sv_buf_reset(&t->out);
        pthread_mutex_lock(&l->mu);
        if (rc < 0 && l->failed == 0)
            l->failed = rc;
        if (rc == 0 && t->id > l->durable)
            l->durable = t->id;
        /* the thread waiting for work (under wmu) may take a small batch */
        if (--l->syncing == 0 && (l->batch.len != 0 || l->nw != 0))
            pthread_cond_signal(&l->work);
        release(l);
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_lock(&l->wmu);
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    pthread_mutex_unlock(&l->wmu);
    return NULL;
}

static int
random_id(char id[33])
{
    uint8_t b[16];
    int rc = sv_drm_random(b, sizeof(b));

    if (rc == 0)
        sv_hex_encode(b, sizeof(b), id);
    return rc;
}

/* An existing ledger: check it and take its id, last seq and head. */
static int
resume(struct sv_ledger *l, const char *path, const uint8_t pub[32],
       char *err, size_t size)
{
    struct sv_ledger_report r;
    int rc;

    rc = sv_ledger_verify_file(path, pub, &r, NULL, NULL, err, size);
    if (rc < 0)
        return rc;
    if (r.state == SV_LEDGER_BAD) {
        snprintf(err, size, "ledger '%s' does not verify: %s (see sv-drm "
                 "ledger verify)", path, r.msg);
        return SV_EFORMAT;
    }
    if (r.state == SV_LEDGER_TORN) {
        snprintf(err, size, "ledger '%s' ends in a torn record after record "
                 "%" PRIu64 " (%zu bytes): see sv-drm ledger verify", path,
                 r.records, r.torn_bytes);
        return SV_ETRUNC;
    }
    if (r.records == 0)
        return random_id(l->id);
    memcpy(l->id, r.ledger, sizeof(l->id));
    l->seq = r.records;
    sv_hex_encode(r.head, 32, l->head);
    return 0;
}

int
sv_ledger_open(const struct sv_ledger_conf *c, struct sv_ledger **out,
               char *err, size_t size)
{
    struct sv_ledger *l;
    uint8_t pub[SV_ED25519_PUB];
    unsigned k;
    int fd, rc, created = 0;

    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    l->fd = -1;
    memcpy(l->seed, c->seed, sizeof(l->seed));
    l->every = (int64_t)c->every;
    l->interval_ms = c->interval_ms;
    memcpy(l->head, ZERO64, sizeof(l->head));
    sv_buf_init(&l->batch, BATCH_MAX);
    for (k = 0; k < SYNC_MAX; k++) {
        l->slot[k].l = l;
        sv_buf_init(&l->slot[k].out, BATCH_MAX);
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->wmu, NULL);
    pthread_cond_init(&l->work, NULL);
    rc = sv_ed25519_public(l->seed, pub);
    if (rc < 0) {
        snprintf(err, size, "cannot derive the ledger's public key");
        goto fail;
    }
    sv_hex_encode(pub, sizeof(pub), l->key);
    fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
              0644);
    if (fd >= 0)
        created = 1;
    else if (errno == EEXIST)
        fd = open(c->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open ledger '%s': %s", c->path,
                 sv_strerror(rc));
        goto fail;
    }
    l->fd = fd;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        rc = -errno;
        snprintf(err, size, "ledger '%s' is in use by another process",
                 c->path);
        goto fail;
    }
    rc = created ? random_id(l->id) : resume(l, c->path, pub, err, size);
    if (rc < 0)
        goto fail;
    rc = plain(l, "start");
    if (rc == 0)
        rc = write_all(fd, l->batch.data, l->batch.len);
    if (rc == 0 && fdatasync(fd) < 0)
        rc = -errno;
    if (rc < 0) {
        snprintf(err, size, "cannot write ledger '%s': %s", c->path,
                 sv_strerror(rc));
        goto fail;
    }
    sv_buf_reset(&l->batch);
    if (created) {
        /* the new name must survive a crash as well as its first record */
        char dir[4096], *slash;
        int dfd;

        snprintf(dir, sizeof(dir), "%s", c->path);
        slash = strrchr(dir, '/');
        if (slash == NULL)
            snprintf(dir, sizeof(dir), ".");
        else if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    for (k = 0; k < SYNC_MAX; k++) {
        rc = pthread_create(&l->thread[k], NULL, writer, &l->slot[k]);
        if (rc != 0)
            break;
        l->running++;
    }
    if (l->running == 0) {
        rc = -rc;
        snprintf(err, size, "cannot start the ledger writer: %s",
                 sv_strerror(rc));
        goto fail;
    }
    *out = l;
    return 0;
fail:
    for (k = 0; k < SYNC_MAX; k++)
        sv_buf_release(&l->slot[k].out);
    pthread_mutex_destroy(&l->wmu);
    if (l->fd >= 0)
        close(l->fd);
    if (created && l->seq == 0)
        unlink(c->path);
    sv_buf_release(&l->batch);
    pthread_cond_destroy(&l->work);
    pthread_mutex_destroy(&l->mu);
    explicit_bzero(l->seed, sizeof(l->seed));
    free(l);
    return rc;
}

int
sv_ledger_close(struct sv_ledger *l)
{
    unsigned k;
    int rc;

    if (l == NULL)
        return 0;
    pthread_mutex_lock(&l->mu);
    if (l->failed == 0) {
        rc = plain(l, "stop");
        if (rc == 0)
            rc = checkpoint(l);
        if (rc < 0)
            l->failed = rc;
    }
    l->closing = 1;
    pthread_cond_broadcast(&l->work);
    pthread_mutex_unlock(&l->mu);
    for (k = 0; k < l->running; k++)
        pthread_join(l->thread[k], NULL);
    rc = l->failed;
    close(l->fd);
    sv_buf_release(&l->batch);
    free(l->w);
    for (k = 0; k < SYNC_MAX; k++) {
        sv_buf_release(&l->slot[k].out);
        free(l->slot[k].w);
    }
    pthread_mutex_destroy(&l->wmu);
    pthread_cond_destroy(&l->work);
    pthread_mutex_destroy(&l->mu);
    explicit_bzero(l->seed, sizeof(l->seed));
    free(l);
    return rc;
}
