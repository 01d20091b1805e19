/* creds.c -- the platforms' credentials file: 0600, saved whole by rename */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/afile.h"
#include "core/err.h"
#include "publish/creds.h"

#define CREDS_MAX (1 << 20)

struct sv_creds {
    pthread_mutex_t mu;
    char *path;
    json_t *root;
};

static char *
default_path(void)
{
    const char *e = getenv("SV_PUBLISH_CREDENTIALS"), *home;
    char buf[4096];

    if (e != NULL && e[0] != '\0')
        return strdup(e);
    e = getenv("XDG_CONFIG_HOME");
    if (e != NULL && e[0] != '\0') {
        snprintf(buf, sizeof(buf), "%s/sv/credentials.json", e);
        return strdup(buf);
    }
    home = getenv("HOME");
    snprintf(buf, sizeof(buf), "%s/.config/sv/credentials.json",
             home != NULL ? home : ".");
    return strdup(buf);
}

int
sv_creds_open(const char *path, struct sv_creds **out, char *err,
              size_t size)
{
    struct sv_creds *s;
    struct stat sb;
    int rc;

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    s->path = path != NULL ? strdup(path) : default_path();
    if (s->path == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    if (stat(s->path, &sb) < 0) {
        if (errno != ENOENT) {
            rc = -errno;
            snprintf(err, size, "cannot read credentials '%s': %s", s->path,
                     sv_strerror(rc));
            goto fail;
        }
        s->root = json_object();
    } else {
        /* tokens are keys: a file others can read is refused */
        if (sb.st_mode & 077) {
            snprintf(err, size, "credentials '%s' are readable by others "
                     "(mode %03o): chmod 600 it", s->path,
                     (unsigned)(sb.st_mode & 0777));
            rc = SV_EAUTH;
            goto fail;
        }
        rc = sv_json_read_file(s->path, CREDS_MAX, &s->root, err, size);
        if (rc < 0)
            goto fail;
        if (!json_is_object(s->root)) {
            snprintf(err, size, "credentials '%s': not a JSON object",
                     s->path);
            rc = SV_EFORMAT;
            goto fail;
        }
    }
    if (s->root == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    *out = s;
    return 0;
fail:
    sv_creds_free(s);
    return rc;
}

void
sv_creds_free(struct sv_creds *s)
{
    if (s == NULL)
        return;
    json_decref(s->root);
    free(s->path);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *
sv_creds_path(const struct sv_creds *s)
{
    return s->path;
}

/* SV_YOUTUBE_CLIENT_ID for ("youtube", "client_id") */
static const char *
env_of(const char *platform, const char *field)
{
    char name[128];
    size_t i, n;

    n = (size_t)snprintf(name, sizeof(name), "SV_%s_%s", platform, field);
    if (n >= sizeof(name))
        return NULL;
    for (i = 0; i < n; i++)
        name[i] = (char)toupper((unsigned char)name[i]);
    return getenv(name);
}

int
sv_creds_get(struct sv_creds *s, const char *platform, const char *field,
             char *buf, size_t size)
{
    const char *v = env_of(platform, field);
    int rc = 0;

    pthread_mutex_lock(&s->mu);
    if (v == NULL || v[0] == '\0')
        v = json_string_value(json_object_get(
                json_object_get(s->root, platform), field));
    if (v == NULL)
        rc = -ENOENT;
    else if (strlen(v) >= size)
        rc = SV_ELIMIT;
    else
        memcpy(buf, v, strlen(v) + 1);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int64_t
sv_creds_get_int(struct sv_creds *s, const char *platform, const char *field)
{
    int64_t v;

    pthread_mutex_lock(&s->mu);
    v = json_integer_value(json_object_get(json_object_get(s->root, platform),
                                           field));
    pthread_mutex_unlock(&s->mu);
    return v;
}

static int
save(struct sv_creds *s, char *err, size_t size)
{
    struct sv_afile f = SV_AFILE_INIT;
    char *text, *dir, *slash;
    int rc;

    dir = strdup(s->path);
    if (dir == NULL)
        return -ENOMEM;
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        rc = sv_mkdir_p(dir);
        if (rc < 0) {
            snprintf(err, size, "cannot create '%s': %s", dir,
                     sv_strerror(rc));
            free(dir);
            return rc;
        }
    }
    free(dir);
    text = json_dumps(s->root, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL)
        return -ENOMEM;
    rc = sv_afile_open(&f, s->path, 0600);
    if (rc == 0)
        rc = sv_afile_write(&f, text, strlen(text));
    if (rc == 0)
        rc = sv_afile_write(&f, "\n", 1);
    if (rc == 0)
        rc = sv_afile_commit(&f, 1);
    else
        sv_afile_abort(&f);
    explicit_bzero(text, strlen(text));
    free(text);
    if (rc < 0)
        snprintf(err, size, "cannot save credentials '%s': %s", s->path,
                 sv_strerror(rc));
    return rc;
}

int
sv_creds_update(struct sv_creds *s, const char *platform, json_t *upd,
                char *err, size_t size)
{
    json_t *p;
    int rc;

    if (!json_is_object(upd)) {
        json_decref(upd);
        return -EINVAL;
    }
    pthread_mutex_lock(&s->mu);
    p = json_object_get(s->root, platform);
    if (!json_is_object(p)) {
        p = json_object();
        json_object_set_new(s->root, platform, p);
    }
    json_object_update(p, upd);
    json_decref(upd);
    rc = save(s, err, size);
    pthread_mutex_unlock(&s->mu);
    return rc;
}
