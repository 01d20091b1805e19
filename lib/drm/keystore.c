/* keystore.c -- keys at rest: one file, AES-256-GCM under a master key */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/slurp.h"
#include "core/textenc.h"
#include "crypto/cipher.h"
#include "crypto/ed25519.h"
#include "drm/key.h"
#include "drm/keystore.h"

#define STORE_MAX (4 << 20)
static const char aad[] = "sv-drm-keystore v1";

int
sv_drm_master_key(uint8_t key[32], char *err, size_t size)
{
    const char *s = getenv(SV_DRM_MASTER_ENV);

    if (s == NULL || *s == '\0') {
        snprintf(err, size, "%s is not set (64 hex digits)",
                 SV_DRM_MASTER_ENV);
        return SV_EUSAGE;
    }
    if (sv_hex_decode(s, key, 32) < 0) {
        snprintf(err, size, "%s is not 64 hex digits", SV_DRM_MASTER_ENV);
        return SV_EUSAGE;
    }
    return 0;
}

static long
b64field(const json_t *env, const char *name, uint8_t *out, size_t cap)
{
    const json_t *v = json_object_get(env, name);

    if (!json_is_string(v))
        return SV_EFORMAT;
    return sv_b64_decode(json_string_value(v), json_string_length(v),
                             out, cap, 0);
}

/* Decrypts the envelope text into a key document. */
static int
open_envelope(const char *text, size_t len, const uint8_t master[32],
              json_t **out, const char *path, char *err, size_t size)
{
    json_t *env, *doc = NULL;
    uint8_t nonce[12], tag[16], *ct = NULL;
    json_error_t je;
    long n;
    char e[160];
    int rc = SV_EFORMAT;

    env = json_loadb(text, len, 0, &je);
    if (env == NULL || !json_is_object(env) ||
        !json_is_string(json_object_get(env, "format")) ||
        strcmp(json_string_value(json_object_get(env, "format")),
               "sv-drm-keystore") != 0 ||
        json_integer_value(json_object_get(env, "v")) != 1) {
        snprintf(err, size, "'%s' is not an sv-drm keystore", path);
        goto done;
    }
    ct = malloc(len + 1);
    if (ct == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    if (b64field(env, "nonce", nonce, sizeof(nonce)) != 12 ||
        b64field(env, "tag", tag, sizeof(tag)) != 16 ||
        (n = b64field(env, "data", ct, len)) < 0) {
        snprintf(err, size, "keystore '%s' is damaged", path);
        goto done;
    }
    rc = sv_drm_gcm_open(master, nonce, aad, sizeof(aad) - 1, ct, (size_t)n,
                         ct, tag);
    if (rc < 0) {
        snprintf(err, size, "cannot decrypt keystore '%s': wrong master key "
                 "or damaged file", path);
        goto done;
    }
    doc = json_loadb((const char *)ct, (size_t)n, 0, &je);
    explicit_bzero(ct, (size_t)n);
    if (doc == NULL || sv_drm_keydoc_check(doc, e, sizeof(e)) < 0) {
        snprintf(err, size, "keystore '%s' holds a bad key document", path);
        rc = SV_EFORMAT;
        if (doc != NULL)
            sv_drm_keydoc_wipe(doc);
        json_decref(doc);
        goto done;
    }
    *out = doc;
    rc = 0;
done:
    free(ct);
    json_decref(env);
    return rc;
}

static int
check_mode(int fd, const char *path, char *err, size_t size)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, size, "keystore '%s' is not a regular file", path);
        return SV_EFORMAT;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, size, "keystore '%s' is open to others (mode %04o): "
                 "run chmod 600", path, (unsigned)(st.st_mode & 07777));
        return -EPERM;
    }
    return 0;
}

static int
load_fd(int fd, const char *path, const uint8_t master[32], json_t **out,
        char *err, size_t size)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    rc = check_mode(fd, path, err, size);
    if (rc < 0)
        return rc;
    rc = sv_slurp_fd(fd, STORE_MAX, &text, &len);
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = open_envelope(text, len, master, out, path, err, size);
    free(text);
    return rc;
}

int
sv_drm_keystore_load(const char *path, const uint8_t master[32],
                     json_t **out, char *err, size_t size)
{
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = load_fd(fd, path, master, out, err, size);
    close(fd);
    return rc;
}

/* Seals doc into envelope text (a new string, free() it). */
static int
seal(const json_t *doc, const uint8_t master[32], char **out)
{
    uint8_t nonce[12], tag[16];
    char nb[32], tb[32], *plain, *b64 = NULL, *text = NULL;
    size_t n;
    json_t *env;
    int rc;

    plain = json_dumps(doc, JSON_COMPACT);
    if (plain == NULL)
        return -ENOMEM;
    n = strlen(plain);
    rc = sv_drm_random(nonce, sizeof(nonce));
    if (rc < 0)
        goto done;
    rc = sv_drm_gcm_seal(master, nonce, aad, sizeof(aad) - 1, plain, n,
                         (uint8_t *)plain, tag);
    if (rc < 0)
        goto done;
    rc = -ENOMEM;
    b64 = malloc(sv_b64_len(n, 0) + 1);
    if (b64 == NULL)
        goto done;
    sv_b64_encode((uint8_t *)plain, n, b64, 0);
    sv_b64_encode(nonce, sizeof(nonce), nb, 0);
    sv_b64_encode(tag, sizeof(tag), tb, 0);
    env = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s}", "format", "sv-drm-keystore",
                    "v", 1, "cipher", "AES-256-GCM", "nonce", nb, "tag", tb,
                    "data", b64);
    if (env == NULL)
        goto done;
    text = json_dumps(env, JSON_INDENT(2));
    json_decref(env);
    if (text == NULL)
        goto done;
    *out = text;
    rc = 0;
done:
    explicit_bzero(plain, n);
    free(plain);
    free(b64);
    return rc;
}

static int
write_text(int fd, const char *s)
{
    size_t len = strlen(s), off = 0;
    ssize_t w;

    while (off < len) {
        w = write(fd, s + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        off += (size_t)w;
    }
    return write(fd, "\n", 1) == 1 ? 0 : -errno;
}

static int
create_store(const char *path, const uint8_t master[32], const json_t *add,
             char *err, size_t size)
{
    char *text = NULL;
    int fd, rc;

    rc = seal(add, master, &text);
    if (rc < 0)
        return rc;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot create '%s': %s", path, sv_strerror(rc));
        free(text);
        return rc;
    }
    rc = fchmod(fd, 0600) < 0 ? -errno : 0;
    if (rc == 0)
        rc = write_text(fd, text);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    free(text);
    if (rc < 0) {
        unlink(path);
        snprintf(err, size, "cannot write '%s': %s", path, sv_strerror(rc));
    }
    return rc;
}

/* Opens and locks the current file at path (retrying if it was replaced). */
static int
lock_store(const char *path, int *out)
{
    struct stat a, b;
    int fd, tries;

    for (tries = 0; tries < 100; tries++) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX) < 0) {
            close(fd);
            return -errno;
        }
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
            a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            *out = fd;
            return 0;
        }
        close(fd);
    }
    return SV_ELIMIT;
}

static int
merge(json_t *doc, const json_t *add, char *err, size_t size,
      const char *path)
{
    json_t *keys = json_object_get(doc, "keys");
    const json_t *k;
    size_t i;

    json_array_foreach(json_object_get(add, "keys"), i, k) {
        const char *kid = json_string_value(json_object_get(k, "kid"));
        struct sv_drm_key key;
        char e[160];

        if (sv_drm_key_from_json(k, &key, e, sizeof(e)) < 0) {
            snprintf(err, size, "key %zu: %s", i + 1, e);
            return SV_EFORMAT;
        }
        if (sv_drm_keydoc_find(doc, key.kid) != NULL) {
            snprintf(err, size, "key id %s is already in keystore '%s'",
                     kid, path);
            explicit_bzero(&key, sizeof(key));
            return SV_EEXIST;
        }
        explicit_bzero(&key, sizeof(key));
        if (json_array_append(keys, (json_t *)k) != 0)
            return -ENOMEM;
    }
    return 0;
}

int
sv_drm_keystore_add(const char *path, const uint8_t master[32],
                    const json_t *add, char *err, size_t size)
{
    struct sv_afile f = SV_AFILE_INIT;
    json_t *doc = NULL;
    char *text = NULL;
    int fd, rc;

    rc = lock_store(path, &fd);
    if (rc == -ENOENT) {
        rc = create_store(path, master, add, err, size);
        if (rc != -EEXIST)
            return rc;
        rc = lock_store(path, &fd);     /* lost a race with a creator */
    }
    if (rc < 0) {
        snprintf(err, size, "cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = load_fd(fd, path, master, &doc, err, size);
    if (rc < 0)
        goto done;
    rc = merge(doc, add, err, size, path);
    if (rc < 0)
        goto done;
    rc = seal(doc, master, &text);
    if (rc < 0)
        goto done;
    rc = sv_afile_open(&f, path, 0600);
    if (rc == 0)
        rc = sv_afile_write(&f, text, strlen(text));
    if (rc == 0)
        rc = sv_afile_write(&f, "\n", 1);
    if (rc == 0)
        rc = sv_afile_commit(&f, 1);
    if (rc < 0) {
        sv_afile_abort(&f);
        snprintf(err, size, "cannot write '%s': %s", path, sv_strerror(rc));
    }
done:
    free(text);
    if (doc != NULL) {
        /* the added keys are shared with the caller's document: wipe only
         * those read from the store */
        sv_drm_keydoc_wipe_unshared(doc, add);
        json_decref(doc);
    }
    close(fd);
    return rc;
}

/* The ledger key of doc into seed: 0, -ENOENT, or SV_EFORMAT. */
static int
ledger_key_of(const json_t *doc, uint8_t seed[32])
{
    const char *hex = json_string_value(json_object_get(doc, "ledger_key"));

    if (hex == NULL)
        return -ENOENT;
    return sv_hex_decode(hex, seed, 32) < 0 || strlen(hex) != 64 ?
           SV_EFORMAT : 0;
}

int
sv_drm_keystore_ledger_key(const char *path, const uint8_t master[32],
                           int create, uint8_t seed[32], char *err,
                           size_t size)
{
    struct sv_afile f = SV_AFILE_INIT;
    json_t *doc = NULL;
    char *text = NULL, hex[65];
    uint8_t s[32];
    int fd, rc;

    rc = lock_store(path, &fd);
    if (rc == -ENOENT && create) {
        doc = json_pack("{s:i,s:[]}", "v", 1, "keys");
        if (doc == NULL)
            return -ENOMEM;
        rc = sv_ed25519_generate(s);
        sv_hex_encode(s, 32, hex);
        if (rc == 0)
            rc = json_object_set_new(doc, "ledger_key", json_string(hex)) ?
                 -ENOMEM : 0;
        if (rc == 0)
            rc = create_store(path, master, doc, err, size);
        explicit_bzero(hex, sizeof(hex));
        sv_drm_keydoc_wipe(doc);
        json_decref(doc);
        doc = NULL;
        if (rc == 0) {
            memcpy(seed, s, 32);
            explicit_bzero(s, sizeof(s));
            return 0;
        }
        explicit_bzero(s, sizeof(s));
        if (rc != -EEXIST)
            return rc;
        rc = lock_store(path, &fd);     /* lost a race with a creator */
    }
    if (rc < 0) {
        snprintf(err, size, "cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = load_fd(fd, path, master, &doc, err, size);
    if (rc < 0)
        goto done;
    rc = ledger_key_of(doc, s);
    if (rc == SV_EFORMAT)
        snprintf(err, size, "keystore '%s' holds a bad ledger key", path);
    if (rc == -ENOENT && !create)
        snprintf(err, size, "keystore '%s' has no ledger key", path);
    if (rc != -ENOENT || !create)
        goto done;
    rc = sv_ed25519_generate(s);
    sv_hex_encode(s, 32, hex);
    if (rc == 0)
        rc = json_object_set_new(doc, "ledger_key", json_string(hex)) ?
             -ENOMEM : 0;
    explicit_bzero(hex, sizeof(hex));
    if (rc == 0)
        rc = seal(doc, master, &text);
    if (rc == 0)
        rc = sv_afile_open(&f, path, 0600);
    if (rc == 0)
        rc = sv_afile_write(&f, text, strlen(text));
    if (rc == 0)
        rc = sv_afile_write(&f, "\n", 1);
    if (rc == 0)
        rc = sv_afile_commit(&f, 1);
    if (rc < 0) {
        sv_afile_abort(&f);
        snprintf(err, size, "cannot write '%s': %s", path, sv_strerror(rc));
    }
done:
    if (rc == 0)
        memcpy(seed, s, 32);
    explicit_bzero(s, sizeof(s));
    free(text);
    if (doc != NULL) {
        sv_drm_keydoc_wipe(doc);
        json_decref(doc);
    }
    close(fd);
    return rc;
}
