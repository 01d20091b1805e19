/* keystore_test.c -- lib/drm/keystore.c: created O_EXCL 0600, sealed (no key
 * material in clear), round trip, wrong master key, permissions refused */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/textenc.h"
#include "drm/key.h"
#include "drm/keystore.h"
#include "t.h"

static char dir[64];
static char path[128];
static const uint8_t master[32] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
    0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
    0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* a fresh store path in a fresh directory */
static void
fresh(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sv-keystore-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/ks", dir);
}

static void
cleanup(void)
{
    char p[160];

    unlink(path);
    snprintf(p, sizeof(p), "%s/target", dir);
    unlink(p);
    rmdir(dir);
}

static json_t *
keys(void)
{
    static const char *const labels[] = { "sd", "hd", NULL };
    struct sv_drm_keygen g;
    json_t *doc = NULL;

    memset(&g, 0, sizeof(g));
    g.content_id = "movie";
    g.labels = labels;
    if (sv_drm_keygen(&g, &doc) < 0)
        return NULL;
    return doc;
}

static char *
slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    char *s;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = calloc(1, (size_t)n + 1);
    if (s != NULL && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return s;
}

static void
created_exclusive_and_private_under_any_umask(void)
{
    char err[256] = "";
    struct stat st;
    json_t *doc = keys();
    mode_t old;

    fresh();
    old = umask(0);
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)), 0);
    umask(old);
    CHECK_STR(err, "");
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK(S_ISREG(st.st_mode));
    json_decref(doc);
    cleanup();
}

static void
a_symlink_in_its_place_is_not_followed(void)
{
    char err[256] = "", target[160];
    struct stat st;
    json_t *doc = keys();

    fresh();
    snprintf(target, sizeof(target), "%s/target", dir);
    CHECK_INT(symlink(target, path), 0);
    CHECK(sv_drm_keystore_add(path, master, doc, err, sizeof(err)) < 0);
    /* O_EXCL: nothing was created where the link points */
    CHECK_INT(lstat(target, &st), -1);
    CHECK_INT(errno, ENOENT);
    json_decref(doc);
    cleanup();
}

static void
round_trip_keeps_every_key(void)
{
    char err[256] = "";
    json_t *doc = keys(), *more = keys(), *back = NULL, *want;

    fresh();
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)), 0);
    CHECK_INT(sv_drm_keystore_load(path, master, &back, err, sizeof(err)), 0);
    CHECK(back != NULL && json_equal(back, doc));
    json_decref(back);
    back = NULL;
    /* a second add appends to the sealed document */
    CHECK_INT(sv_drm_keystore_add(path, master, more, err, sizeof(err)), 0);
    CHECK_INT(sv_drm_keystore_load(path, master, &back, err, sizeof(err)), 0);
    want = json_deep_copy(json_object_get(doc, "keys"));
    json_array_extend(want, json_object_get(more, "keys"));
    CHECK(back != NULL && json_equal(json_object_get(back, "keys"), want));
    CHECK_INT(json_array_size(json_object_get(back, "keys")), 4);
    json_decref(want);
    json_decref(back);
    /* the same key id twice is refused, the store left as it was */
    err[0] = '\0';
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)),
              SV_EEXIST);
    {
        char want_err[256];
        const char *kid = json_string_value(json_object_get(
            json_array_get(json_object_get(doc, "keys"), 0), "kid"));

        snprintf(want_err, sizeof(want_err),
                 "key id %s is already in keystore '%s'", kid, path);
        CHECK_STR(err, want_err);
    }
    back = NULL;
    CHECK_INT(sv_drm_keystore_load(path, master, &back, err, sizeof(err)), 0);
    CHECK_INT(json_array_size(json_object_get(back, "keys")), 4);
    json_decref(back);
    json_decref(doc);
    json_decref(more);
    cleanup();
}

/* the 16 bytes of hex string s, or all zero */
static void
bytes_of(const char *s, uint8_t out[16])
{
    if (s == NULL || sv_hex_decode(s, out, 16) < 0)
        memset(out, 0, 16);
}

/* the sealed data of the store's envelope, decoded, NUL-terminated */
static char *
sealed_data(const char *text, size_t *n)
{
    json_t *env = json_loads(text, 0, NULL);
    const char *b64 = json_string_value(json_object_get(env, "data"));
    char *out = NULL;
    long r;

    if (b64 != NULL) {
        out = calloc(1, strlen(b64) + 1);
        r = out != NULL ? sv_b64_decode(b64, strlen(b64),
                                            (uint8_t *)out, strlen(b64), 0)
                        : -1;
        if (r < 0) {
            free(out);
            out = NULL;
        } else {
            *n = (size_t)r;
        }
    }
    json_decref(env);
    return out;
}

/* Does the hex string hex appear in p[0..len), in either case or as its
 * raw bytes? */
static int
holds(const char *p, size_t len, const char *hex)
{
    char upper[40];
    uint8_t raw[16];
    size_t c;

    for (c = 0; c < sizeof(upper) - 1 && hex[c] != '\0'; c++)
        upper[c] = (char)(hex[c] >= 'a' && hex[c] <= 'f'
                          ? hex[c] - 'a' + 'A' : hex[c]);
    upper[c] = '\0';
    bytes_of(hex, raw);
    return memmem(p, len, hex, strlen(hex)) != NULL ||
           memmem(p, len, upper, strlen(upper)) != NULL ||
           memmem(p, len, raw, sizeof(raw)) != NULL;
}

static void
no_key_material_in_clear_in_the_file(void)
{
    static const char *const fields[] = { "kid", "key", "iv" };
    char err[256] = "", *text, *data = NULL;
    json_t *doc = keys(), *k;
    size_t len, dlen = 0, i, f;

    fresh();
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)), 0);
    text = slurp(path, &len);
    CHECK(text != NULL);
    if (text == NULL)
        goto done;
    /* the sealed data: as long as the document, and not the document */
    data = sealed_data(text, &dlen);
    CHECK(data != NULL && dlen > 100);
    if (data == NULL)
        goto done;
    CHECK(memmem(data, dlen, "movie", 5) == NULL);
    CHECK(memmem(data, dlen, "\"keys\"", 6) == NULL);
    /* the envelope is there, the document is not */
    CHECK(strstr(text, "\"sv-drm-keystore\"") != NULL);
    CHECK(strstr(text, "\"AES-256-GCM\"") != NULL);
    CHECK(strstr(text, "movie") == NULL);
    CHECK(strstr(text, "\"keys\"") == NULL);
    json_array_foreach(json_object_get(doc, "keys"), i, k) {
        for (f = 0; f < 3; f++) {
            const char *hex = json_string_value(json_object_get(k,
                                                                fields[f]));
            CHECK(hex != NULL);
            if (hex == NULL)
                continue;
            CHECK(!holds(text, len, hex));
            CHECK(!holds(data, dlen, hex));
        }
    }
done:
    free(data);
    free(text);
    json_decref(doc);
    cleanup();
}

static void
a_wrong_master_key_or_a_changed_file_is_refused(void)
{
    char err[256] = "", want[256], *text, *d;
    uint8_t other[32];
    json_t *doc = keys(), *back = NULL;
    size_t len;
    FILE *f;

    fresh();
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)), 0);
    memcpy(other, master, sizeof(other));
    other[31] ^= 1;
    snprintf(want, sizeof(want), "cannot decrypt keystore '%s': wrong master "
             "key or damaged file", path);
    CHECK_INT(sv_drm_keystore_load(path, other, &back, err, sizeof(err)),
              SV_EAUTH);
    CHECK_STR(err, want);
    CHECK(back == NULL);
    /* nor can keys be added under it */
    err[0] = '\0';
    CHECK_INT(sv_drm_keystore_add(path, other, doc, err, sizeof(err)),
              SV_EAUTH);
    CHECK_STR(err, want);
    /* one base64 character of the sealed data changed */
    text = slurp(path, &len);
    d = text != NULL ? strstr(text, "\"data\": \"") : NULL;
    CHECK(d != NULL);
    if (d != NULL) {
        d += 9;
        *d = *d == 'A' ? 'B' : 'A';
        f = fopen(path, "wb");
        CHECK(f != NULL && fwrite(text, 1, len, f) == len);
        if (f != NULL)
            fclose(f);
        err[0] = '\0';
        CHECK_INT(sv_drm_keystore_load(path, master, &back, err,
                                       sizeof(err)), SV_EAUTH);
        CHECK_STR(err, want);
    }
    free(text);
    json_decref(doc);
    cleanup();
}

static void
a_file_others_may_read_or_write_is_refused(void)
{
    static const mode_t modes[] = { 0640, 0604, 0620, 0602, 0644 };
    char err[256] = "", want[256];
    json_t *doc = keys(), *back = NULL;
    size_t i;

    fresh();
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)), 0);
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        CHECK_INT(chmod(path, modes[i]), 0);
        err[0] = '\0';
        CHECK_INT(sv_drm_keystore_load(path, master, &back, err,
                                       sizeof(err)), -EPERM);
        snprintf(want, sizeof(want), "keystore '%s' is open to others "
                 "(mode %04o): run chmod 600", path, (unsigned)modes[i]);
        CHECK_STR(err, want);
        CHECK(back == NULL);
        err[0] = '\0';
        CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)),
                  -EPERM);
    }
    /* 0400 is the owner's alone: fine */
    CHECK_INT(chmod(path, 0400), 0);
    CHECK_INT(sv_drm_keystore_load(path, master, &back, err, sizeof(err)), 0);
    json_decref(back);
    json_decref(doc);
    cleanup();
}

static void
not_a_keystore_is_refused_and_kept(void)
{
    char err[256] = "", want[256], *text;
    json_t *doc = keys(), *back = NULL;
    size_t len;
    int fd;

    fresh();
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, "{\"v\":1}\n", 8), 8);
    close(fd);
    snprintf(want, sizeof(want), "'%s' is not an sv-drm keystore", path);
    CHECK_INT(sv_drm_keystore_load(path, master, &back, err, sizeof(err)),
              SV_EFORMAT);
    CHECK_STR(err, want);
    err[0] = '\0';
    CHECK_INT(sv_drm_keystore_add(path, master, doc, err, sizeof(err)),
              SV_EFORMAT);
    CHECK_STR(err, want);
    text = slurp(path, &len);
    CHECK_STR(text, "{\"v\":1}\n");
    free(text);
    json_decref(doc);
    cleanup();
}

static void
the_master_key_comes_from_the_environment(void)
{
    char err[256] = "";
    uint8_t k[32];

    unsetenv(SV_DRM_MASTER_ENV);
    CHECK_INT(sv_drm_master_key(k, err, sizeof(err)), SV_EUSAGE);
    CHECK_STR(err, "SV_DRM_MASTER_KEY is not set (64 hex digits)");
    setenv(SV_DRM_MASTER_ENV, "00112233", 1);
    CHECK_INT(sv_drm_master_key(k, err, sizeof(err)), SV_EUSAGE);
    CHECK_STR(err, "SV_DRM_MASTER_KEY is not 64 hex digits");
    setenv(SV_DRM_MASTER_ENV, "00112233445566778899aabbccddeeff"
           "0123456789abcdeffedcba9876543210", 1);
    CHECK_INT(sv_drm_master_key(k, err, sizeof(err)), 0);
    CHECK(memcmp(k, master, 32) == 0);
    unsetenv(SV_DRM_MASTER_ENV);
}

int
main(void)
{
    RUN(created_exclusive_and_private_under_any_umask);
    RUN(a_symlink_in_its_place_is_not_followed);
    RUN(round_trip_keeps_every_key);
    RUN(no_key_material_in_clear_in_the_file);
    RUN(a_wrong_master_key_or_a_changed_file_is_refused);
    RUN(a_file_others_may_read_or_write_is_refused);
    RUN(not_a_keystore_is_refused_and_kept);
    RUN(the_master_key_comes_from_the_environment);
    return DONE();
}
