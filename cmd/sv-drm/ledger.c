/* ledger.c -- `sv-drm ledger verify|show|checkpoint|pubkey`: the licence
 * ledger `sv-drm serve --ledger` writes */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/parse.h"
#include "core/slurp.h"
#include "core/textenc.h"
#include "crypto/ed25519.h"
#include "drm/keystore.h"
#include "drm/ledger.h"
#include "verbs.h"

#define PEM_MAX 65536

int
sv__drm_ledger_key(const struct sv_drm_opts *o, uint8_t seed[32])
{
    uint8_t master[32];
    char err[512];
    int rc;

    rc = sv_drm_master_key(master, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        return SV_EXIT_USAGE;
    }
    rc = sv_drm_keystore_ledger_key(o->store, master, 1, seed, err,
                                    sizeof(err));
    explicit_bzero(master, sizeof(master));
    if (rc < 0) {
        sv_log_error("%s", err);
        return SV_EXIT_FAIL;
    }
    return 0;
}

/* --pubkey: the key in key, 0 or an exit status (logged). */
static int
read_pubkey(const char *path, uint8_t key[SV_ED25519_PUB])
{
    char *text = NULL;
    size_t len;
    int rc;

    rc = sv_slurp(path, PEM_MAX, &text, &len);
    if (rc < 0) {
        sv_log_error("cannot read '%s': %s", path, sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    rc = sv_ed25519_pub_from_pem(text, len, key);
    free(text);
    if (rc < 0) {
        sv_log_error("'%s' is not an Ed25519 public key (PEM)", path);
        return SV_EXIT_FAIL;
    }
    return 0;
}

/* text to -o (a new file, mode 0600, as keygen -o) or stdout */
static int
put_text(const struct sv_drm_opts *o, const char *text)
{
    struct sv_afile f = SV_AFILE_INIT;
    int rc;

    if (o->output == NULL || strcmp(o->output, "-") == 0)
        return fputs(text, stdout) < 0 || fflush(stdout) != 0 ? -EIO : 0;
    rc = sv_afile_open(&f, o->output, 0600);
    if (rc == 0)
        rc = sv_afile_write(&f, text, strlen(text));
    if (rc == 0 && fsync(f.fd) < 0)
        rc = -errno;
    /* never replace a file: an older checkpoint may be the published one */
    if (rc == 0 && link(f.tmp, f.path) < 0)
        rc = errno == EEXIST ? SV_EEXIST : -errno;
    sv_afile_abort(&f);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", o->output,
                     rc == SV_EEXIST ? "file exists" : sv_strerror(rc));
    return rc;
}

/* ---- verify ------------------------------------------------------------- */

struct want {
    const json_t *cp;           /* the exported checkpoint, or NULL */
    uint64_t seq;
    int found;                  /* 1: the ledger holds it, -1: differs */
};

static int
match_checkpoint(void *ud, uint64_t seq, const char *line, size_t len,
                 const json_t *rec)
{
    struct want *w = ud;
    const char *a, *b;
    static const char *const f[][2] = {
        { "type", NULL }, { "ledger", "ledger" }, { "time", "time" },
        { "prev", "head" }, { "sig", "sig" },
    };
    size_t i;

    if (w->cp == NULL || seq != w->seq)
        return 0;
    w->found = 1;
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        a = json_string_value(json_object_get(rec, f[i][0]));
        b = f[i][1] != NULL ?
            json_string_value(json_object_get(w->cp, f[i][1])) :
            "checkpoint";
        if (a == NULL || b == NULL || strcmp(a, b) != 0)
            w->found = -1;
    }
    return 0;
}

static const char *
state_name(enum sv_ledger_state s)
{
    static const char *const n[] = { "closed", "open", "torn", "bad" };

    return n[s];
}

static int
print_json(json_t *j)
{
    char *t = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    int rc;

    json_decref(j);
    if (t == NULL)
        return -ENOMEM;
    rc = puts(t) < 0 || fflush(stdout) != 0 ? -EIO : 0;
    free(t);
    return rc;
}

/* A checkpoint document alone: its signature under --pubkey. */
static int
verify_checkpoint_only(const struct sv_drm_opts *o, const json_t *cp,
                       const uint8_t key[32])
{
    char err[256];

    if (sv_ledger_checkpoint_check(cp, key, err, sizeof(err)) < 0) {
        sv_log_error("checkpoint '%s': %s", o->checkpoint, err);
        return SV_EXIT_FAIL;
    }
    print_json(json_pack("{s:s,s:O,s:O,s:s}", "checkpoint", o->checkpoint,
                         "ledger", json_object_get(cp, "ledger"), "seq",
                         json_object_get(cp, "seq"), "signature", "good"));
    return SV_EXIT_OK;
}

static int
verify(const struct sv_drm_opts *o, const char *path)
{
    struct sv_ledger_report r;
    struct want w = { NULL, 0, 0 };
    uint8_t key[SV_ED25519_PUB];
    char err[512], hex[65];
    json_t *cp = NULL, *out;
    int rc, st;

    if (o->pubkey != NULL) {
        rc = read_pubkey(o->pubkey, key);
        if (rc != 0)
            return rc;
    }
    if (o->checkpoint != NULL) {
        json_error_t je;

        cp = json_load_file(o->checkpoint, 0, &je);
        if (cp == NULL) {
            sv_log_error("cannot read checkpoint '%s': %s", o->checkpoint,
                         je.text);
            return SV_EXIT_FAIL;
        }
        if (path == NULL) {
            rc = verify_checkpoint_only(o, cp, key);
            json_decref(cp);
            return rc;
        }
        w.cp = cp;
        w.seq = (uint64_t)json_integer_value(json_object_get(cp, "seq"));
    }
    rc = sv_ledger_verify_file(path, o->pubkey != NULL ? key : NULL, &r,
                               match_checkpoint, &w, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        json_decref(cp);
        return SV_EXIT_FAIL;
    }
    if (cp != NULL && r.have_key &&
        sv_ledger_checkpoint_check(cp, r.key, err, sizeof(err)) < 0) {
        sv_log_error("checkpoint '%s': %s", o->checkpoint, err);
        json_decref(cp);
        return SV_EXIT_FAIL;
    }
    if (cp != NULL && r.state != SV_LEDGER_BAD && w.found != 1) {
        /* the ledger reads well but is not the one that was sealed */
        r.state = SV_LEDGER_BAD;
        if (w.found == -1) {
            r.bad = w.seq;
            snprintf(r.msg, sizeof(r.msg), "record %" PRIu64 " is not the "
                     "checkpoint '%s' holds: the ledger was rewritten",
                     w.seq, o->checkpoint);
        } else {
            r.bad = r.records + 1;
            snprintf(r.msg, sizeof(r.msg), "the ledger ends after record %"
                     PRIu64 " but checkpoint '%s' seals record %" PRIu64
                     ": records were cut off", r.records, o->checkpoint,
                     w.seq);
        }
    }
    json_decref(cp);
    out = json_pack("{s:s,s:s,s:I,s:I,s:I}", "ledger", r.ledger, "state",
                    state_name(r.state), "records", (json_int_t)r.records,
                    "checkpoints", (json_int_t)r.checkpoints,
                    "last_checkpoint", (json_int_t)r.last_checkpoint);
    if (out != NULL && r.state == SV_LEDGER_BAD)
        json_object_set_new(out, "first_bad", json_integer((json_int_t)r.bad));
    if (out != NULL && r.state == SV_LEDGER_TORN) {
        json_object_set_new(out, "good_bytes",
                            json_integer((json_int_t)r.good_bytes));
        json_object_set_new(out, "torn_bytes",
                            json_integer((json_int_t)r.torn_bytes));
    }
    if (out != NULL && r.have_key) {
        sv_hex_encode(r.key, sizeof(r.key), hex);
        json_object_set_new(out, "key", json_string(hex));
    }
    print_json(out);
    switch (r.state) {
    case SV_LEDGER_CLOSED:
        st = SV_EXIT_OK;
        if (o->pubkey == NULL && r.checkpoints > 0)
            sv_log_info("checkpoints checked with the ledger's own key; "
                        "give --pubkey to check that it is yours");
        break;
    case SV_LEDGER_OPEN:
        st = SV_DRM_EXIT_OPEN;
        sv_log_warn("ledger '%s' verifies up to record %" PRIu64 ", the "
                    "last complete one, but was not closed (a server still "
                    "writing it, one stopped by a crash, or records cut "
                    "off); %" PRIu64 " records follow the last checkpoint",
                    path, r.records, r.records - r.last_checkpoint);
        break;
    case SV_LEDGER_TORN:
        st = SV_DRM_EXIT_TORN;
        sv_log_error("ledger '%s' verifies up to record %" PRIu64 ", the "
                     "last complete one; %s (a crash during a write)", path,
                     r.records, r.msg);
        break;
    default:
        st = SV_EXIT_FAIL;
        sv_log_error("ledger '%s': %s", path, r.msg);
        break;
    }
    return st;
}

/* ---- show --------------------------------------------------------------- */

struct since {
    uint64_t seq;               /* 0: by time */
    const char *time;           /* NULL: by seq */
};

static int
show_one(void *ud, uint64_t seq, const char *line, size_t len,
         const json_t *rec)
{
    const struct since *s = ud;
    const char *t;

    if (s->time != NULL) {
        t = json_string_value(json_object_get(rec, "time"));
        if (t == NULL || strncmp(t, s->time, strlen(s->time)) < 0)
            return 0;
    } else if (seq < s->seq) {
        return 0;
    }
    if (fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF)
        return -EIO;
    return 0;
}

static int
show(const struct sv_drm_opts *o, const char *path)
{
    struct sv_ledger_report r;
    struct since s = { 1, NULL };
    char err[512];
    int64_t n;
    int rc;

    if (o->since != NULL) {
        if (sv_parse_int(o->since, 1, INT64_MAX, &n) == 0) {
            s.seq = (uint64_t)n;
        } else if (strlen(o->since) >= 4 && o->since[0] >= '0' &&
                   o->since[0] <= '9' && o->since[1] >= '0' &&
                   o->since[1] <= '9' && o->since[2] >= '0' &&
                   o->since[2] <= '9' && o->since[3] >= '0' &&
                   o->since[3] <= '9') {
            s.time = o->since;
        } else {
            sv_opt_usage_error("bad --since '%s': expected a record number "
                               "or a UTC time (2026-11-21T16:23:01Z)",
                               o->since);
            return SV_EXIT_USAGE;
        }
    }
    rc = sv_ledger_verify_file(path, NULL, &r, show_one, &s, err,
                               sizeof(err));
    if (fflush(stdout) != 0)
        rc = -EIO;
    if (rc == -EIO) {
        sv_log_error("cannot write the records: %s", sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    if (rc < 0) {
        sv_log_error("%s", err);
        return SV_EXIT_FAIL;
    }
    if (r.state == SV_LEDGER_BAD) {
        sv_log_error("ledger '%s': %s; records after it not shown", path,
                     r.msg);
        return SV_EXIT_FAIL;
    }
    if (r.state == SV_LEDGER_TORN) {
        sv_log_error("ledger '%s': %s", path, r.msg);
        return SV_DRM_EXIT_TORN;
    }
    return SV_EXIT_OK;
}

/* ---- checkpoint --------------------------------------------------------- */

static int
keep_checkpoint(void *ud, uint64_t seq, const char *line, size_t len,
                const json_t *rec)
{
    json_t **last = ud;
    const char *t = json_string_value(json_object_get(rec, "type"));

    if (t == NULL || strcmp(t, "checkpoint") != 0)
        return 0;
    json_decref(*last);
    *last = json_pack("{s:s,s:i,s:O,s:I,s:O,s:O,s:O}", "format",
                      "sv-drm-ledger-checkpoint", "v", 1, "ledger",
                      json_object_get(rec, "ledger"), "seq",
                      (json_int_t)seq, "time", json_object_get(rec, "time"),
                      "head", json_object_get(rec, "prev"), "sig",
                      json_object_get(rec, "sig"));
    return *last != NULL ? 0 : -ENOMEM;
}

static int
export(const struct sv_drm_opts *o, const char *path)
{
    struct sv_ledger_report r;
    json_t *last = NULL;
    char err[512], hex[65], *text, *line;
    int rc;

    rc = sv_ledger_verify_file(path, NULL, &r, keep_checkpoint, &last, err,
                               sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", rc == -ENOMEM ? "out of memory" : err);
        json_decref(last);
        return SV_EXIT_FAIL;
    }
    if (r.state == SV_LEDGER_BAD) {
        sv_log_error("ledger '%s': %s", path, r.msg);
        json_decref(last);
        return SV_EXIT_FAIL;
    }
    if (last == NULL) {
        sv_log_error("ledger '%s' has no checkpoint yet", path);
        return SV_EXIT_FAIL;
    }
    sv_hex_encode(r.key, sizeof(r.key), hex);
    json_object_set_new(last, "key", json_string(hex));
    text = json_dumps(last, JSON_INDENT(2));
    json_decref(last);
    if (text == NULL)
        return SV_EXIT_FAIL;
    line = malloc(strlen(text) + 2);
    if (line != NULL)
        sprintf(line, "%s\n", text);
    free(text);
    rc = line != NULL ? put_text(o, line) : -ENOMEM;
    free(line);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}

/* ---- pubkey ------------------------------------------------------------- */

static int
pubkey(const struct sv_drm_opts *o)
{
    uint8_t seed[32], pub[SV_ED25519_PUB];
    char pem[256];
    int rc;

    if (o->store == NULL) {
        sv_opt_usage_error("ledger pubkey needs --store");
        return SV_EXIT_USAGE;
    }
    rc = sv__drm_ledger_key(o, seed);
    if (rc != 0)
        return rc;
    rc = sv_ed25519_public(seed, pub);
    explicit_bzero(seed, sizeof(seed));
    if (rc == 0)
        rc = sv_ed25519_pub_pem(pub, pem, sizeof(pem));
    if (rc < 0) {
        sv_log_error("cannot make the public key: %s", sv_strerror(rc));
        return SV_EXIT_FAIL;
    }
    return put_text(o, pem) < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}

int
sv_drm_cmd_ledger(struct sv_drm_opts *o)
{
    const char *verb = o->nargs > 0 ? o->args[0] : NULL;
    const char *path = o->nargs > 1 ? o->args[1] : NULL;

    if (verb == NULL) {
        sv_opt_usage_error("ledger needs verify, show, checkpoint or pubkey");
        return SV_EXIT_USAGE;
    }
    if (strcmp(verb, "pubkey") == 0) {
        if (o->nargs > 1) {
            sv_opt_usage_error("unexpected argument '%s'", o->args[1]);
            return SV_EXIT_USAGE;
        }
        return pubkey(o);
    }
    if (strcmp(verb, "verify") != 0 && strcmp(verb, "show") != 0 &&
        strcmp(verb, "checkpoint") != 0) {
        sv_opt_usage_error("unknown ledger command '%s'", verb);
        return SV_EXIT_USAGE;
    }
    if (o->nargs > 2) {
        sv_opt_usage_error("unexpected argument '%s'", o->args[2]);
        return SV_EXIT_USAGE;
    }
    if (path == NULL &&
        !(strcmp(verb, "verify") == 0 && o->checkpoint != NULL)) {
        sv_opt_usage_error("ledger %s needs a ledger file", verb);
        return SV_EXIT_USAGE;
    }
    if (strcmp(verb, "verify") == 0) {
        if (path == NULL && o->pubkey == NULL) {
            sv_opt_usage_error("a checkpoint alone is verified with "
                               "--pubkey");
            return SV_EXIT_USAGE;
        }
        return verify(o, path);
    }
    if (strcmp(verb, "show") == 0)
        return show(o, path);
    return export(o, path);
}
