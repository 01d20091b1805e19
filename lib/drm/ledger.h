/* ledger.h -- the tamper-evident licence ledger: a hash chain of JSON lines
 *
 * A ledger is a text file of records, one JSON object per line, each
 * ending in "\n".  Record n (from 1) holds "seq":n, "time" (UTC, ISO 8601
 * with milliseconds), "type" and "prev": the SHA-256 (hex) of the bytes
 * of record n-1's line without its "\n" (64 zeros for record 1).
 * Types:
 *   start       a server opened the ledger: "ledger" (its id, 32 hex, the
 *               same in every start), "key" (the Ed25519 public key, hex)
 *   issued      keys handed out: "route" (clearkey, hls), "kids" (hex),
 *               "content_id", "sub" (the token's subject), "jti", and
 *               "token_sha256" (the SHA-256 of the token text; the token
 *               itself is never written), "client"
 *   checkpoint  "ledger" and "sig": the Ed25519 signature of the text
 *               "sv-drm ledger checkpoint v1\n<ledger>\n<seq>\n<time>\n
 *               <prev>\n"; it seals every record before it
 *   stop        the server closed the ledger; a checkpoint follows
 * A record is in the file, fdatasync'd, before the licence it records is
 * answered (group commit: one write and one sync per batch, up to four
 * batches syncing at once, a second and later one only for a batch of 8
 * answers or more; a batch counts as synced when a sync that began after
 * its write returns).
 */
#ifndef SV_DRM_LEDGER_H
#define SV_DRM_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "crypto/ed25519.h"

#define SV_LEDGER_LINE_MAX 65536    /* the longest record accepted */

/* ---- writing ------------------------------------------------------------ */

struct sv_ledger;

struct sv_ledger_conf {
    const char *path;
    const uint8_t *seed;        /* the Ed25519 private key (32 bytes) */
    uint64_t every;             /* a checkpoint every n records; 0: never */
    int64_t interval_ms;        /* and this long after a record; 0: never */
};

/* What one answered request handed out. */
struct sv_ledger_issue {
    const char *route;                  /* "clearkey" or "hls" */
    const uint8_t (*kids)[16];
    size_t nkids;
    const char *content_id;             /* NULL: none */
    const char *sub;                    /* NULL: none */
    const char *jti;                    /* NULL: none */
    const char *token;                  /* hashed, never written */
    size_t toklen;
    const char *client;
};

/* Called from a ledger thread: rc 0 once the record is on disk. */
typedef void (*sv_ledger_done_fn)(void *ud, int rc);

/*
 * Opens (or creates, O_EXCL) the ledger at c->path, locks it against other
 * writers, checks an existing file as sv_ledger_verify_buf() does with the
 * key of c->seed (a ledger that does not verify, or ends in a torn record,
 * is refused), appends a start record and starts the sync threads.
 * Returns 0 with *out set, or a negative code with a message in err.
 */
int sv_ledger_open(const struct sv_ledger_conf *c, struct sv_ledger **out,
                   char *err, size_t size);

/*
 * Appends an issued record and returns 0; done(ud, rc) follows from a
 * ledger thread once the batch holding it is written and synced (rc 0) or
 * failed (a negative code; the ledger then refuses every later record).
 * Returns a negative code, without calling done, when the ledger has
 * failed or the record cannot be made.
 */
int sv_ledger_issue(struct sv_ledger *l, const struct sv_ledger_issue *r,
                    sv_ledger_done_fn done, void *ud);

/*
 * Appends stop and a checkpoint, waits for every record to be on disk,
 * stops the thread and frees l (NULL-safe).  Returns 0 or the first write
 * error.
 */
int sv_ledger_close(struct sv_ledger *l);

/* ---- reading ------------------------------------------------------------ */

/* how a ledger ends */
enum sv_ledger_state {
    SV_LEDGER_CLOSED,   /* intact, ending with stop and a checkpoint */
    SV_LEDGER_OPEN,     /* intact, not closed (running, crashed, cut) */
    SV_LEDGER_TORN,     /* intact up to a partial last record */
    SV_LEDGER_BAD,      /* a record is changed, missing, extra or moved */
};

struct sv_ledger_report {
    enum sv_ledger_state state;
    uint64_t records;           /* complete records that verify */
    uint64_t checkpoints;
    uint64_t last_checkpoint;   /* seq of the last one, 0: none */
    uint64_t bad;               /* BAD: the first bad record (line) */
    size_t good_bytes;          /* bytes of the records that verify */
    size_t torn_bytes;          /* TORN: bytes after them */
    char ledger[33];            /* "" before the first start record */
    uint8_t key[SV_ED25519_PUB];
    int have_key;
    uint8_t head[32];           /* SHA-256 of the last good record */
    char msg[320];              /* BAD, TORN: what is wrong */
};

/*
 * Called for each record that verifies, in order: line (len bytes, no
 * "\n") and rec, its parsed object (borrowed).  A non-zero return stops
 * the reading and is returned by sv_ledger_verify_buf().
 */
typedef int (*sv_ledger_record_fn)(void *ud, uint64_t seq, const char *line,
                                   size_t len, const json_t *rec);

/*
 * Checks len bytes of a ledger: lines, seq, the chain of prev hashes, and
 * each checkpoint's signature under key (NULL: the key of the first start
 * record; a start with another key is bad).  Fills *r and returns 0 (the
 * outcome is r->state), a negative code (out of memory), or fn's return.
 */
int sv_ledger_verify_buf(const char *data, size_t len, const uint8_t *key,
                         struct sv_ledger_report *r, sv_ledger_record_fn fn,
                         void *ud);

/*
 * Same for the file at path (read through mmap).  Returns 0, fn's return,
 * or a negative code with a message in err.
 */
int sv_ledger_verify_file(const char *path, const uint8_t *key,
                          struct sv_ledger_report *r, sv_ledger_record_fn fn,
                          void *ud, char *err, size_t size);

/*
 * The text a checkpoint signs, into out (size bytes): returns its length,
 * or SV_ELIMIT.
 */
int sv_ledger_signed_text(const char *ledger, uint64_t seq, const char *time,
                          const char *prev, char *out, size_t size);

/*
 * Checks an exported checkpoint document (as `sv-drm ledger checkpoint`
 * prints: format, v, ledger, seq, time, head, key, sig) against key.
 * Returns 0, SV_EFORMAT or SV_EAUTH with a message in err.
 */
int sv_ledger_checkpoint_check(const json_t *cp, const uint8_t *key,
                               char *err, size_t size);

#endif
