/* awsconf.c -- AWS credentials and region: environment, shared files */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/slurp.h"
#include "publish/awsconf.h"

#define AWSCONF_MAX_FILE (1024 * 1024)

static const char *
env(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
copy(char *dst, size_t size, const char *src, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The path of a shared file: the variable's value or ~/.aws/<name>. */
static int
file_path(char *out, size_t size, const char *var, const char *name)
{
    const char *v = env(var), *home = env("HOME");

    if (v != NULL)
        return snprintf(out, size, "%s", v) < (int)size ? 0 : SV_ELIMIT;
    if (home == NULL)
        return -ENOENT;
    return snprintf(out, size, "%s/.aws/%s", home, name) < (int)size ? 0 :
        SV_ELIMIT;
}

/*
 * Reads the keys of section want from INI text; returns 1 when the section
 * exists, 0 when not.  Fills only the fields still empty.
 */
static int
ini_section(const char *text, size_t len, const char *want,
            struct sv_awsconf *c, int *got_keys)
{
    const char *p = text, *end = text + len;
    int in = 0, found = 0;
    char access[256] = "", secret[256] = "", token[4096] = "";

    while (p < end) {
        const char *eol = memchr(p, '\n', end - p), *k, *ke, *v, *ve;

        if (eol == NULL)
            eol = end;
        k = p;
        while (k < eol && (*k == ' ' || *k == '\t'))
            k++;
        ve = eol;
        while (ve > k && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        if (k < ve && *k == '[' && ve[-1] == ']') {
            const char *s = k + 1, *se = ve - 1;

            while (s < se && *s == ' ')
                s++;
            while (se > s && se[-1] == ' ')
                se--;
            in = (size_t)(se - s) == strlen(want) &&
                 memcmp(s, want, se - s) == 0;
            found |= in;
        } else if (in && k < ve && *k != '#' && *k != ';') {
            ke = memchr(k, '=', ve - k);
            if (ke != NULL) {
                v = ke + 1;
                while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
                    ke--;
                while (v < ve && (*v == ' ' || *v == '\t'))
                    v++;
#define KEY(s) ((size_t)(ke - k) == strlen(s) && memcmp(k, s, ke - k) == 0)
                if (KEY("aws_access_key_id"))
                    copy(access, sizeof(access), v, ve - v);
                else if (KEY("aws_secret_access_key"))
                    copy(secret, sizeof(secret), v, ve - v);
                else if (KEY("aws_session_token"))
                    copy(token, sizeof(token), v, ve - v);
                else if (KEY("region") && c->region[0] == '\0')
                    copy(c->region, sizeof(c->region), v, ve - v);
                else if (KEY("endpoint_url") && c->endpoint[0] == '\0')
                    copy(c->endpoint, sizeof(c->endpoint), v, ve - v);
#undef KEY
            }
        }
        p = eol + 1;
    }
    if (!*got_keys && access[0] != '\0' && secret[0] != '\0') {
        memcpy(c->access, access, sizeof(access));
        memcpy(c->secret, secret, sizeof(secret));
        memcpy(c->token, token, sizeof(token));
        *got_keys = 1;
    }
    explicit_bzero(secret, sizeof(secret));
    explicit_bzero(token, sizeof(token));
    return found;
}

/* Reads one shared file; returns 1 when the section was there. */
static int
read_file(const char *var, const char *name, const char *section,
          struct sv_awsconf *c, int *got_keys, char *err, size_t size)
{
    char path[1024];
    char *text = NULL;
    size_t len = 0;
    int rc, had = *got_keys;

    if (file_path(path, sizeof(path), var, name) < 0)
        return 0;
    rc = sv_slurp(path, AWSCONF_MAX_FILE, &text, &len);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = ini_section(text, len, section, c, got_keys);
    if (*got_keys && !had)
        snprintf(c->source, sizeof(c->source), "%s [%s]", path, section);
    explicit_bzero(text, len);
    free(text);
    return rc;
}

int
sv_awsconf_load(struct sv_awsconf *c, const char *profile,
                const char *region, char *err, size_t size)
{
    const char *prof = profile, *v;
    char section[300];
    int got = 0, rc, found = 0;

    memset(c, 0, sizeof(*c));
    if (region != NULL)
        copy(c->region, sizeof(c->region), region, strlen(region));
    else if ((v = env("AWS_REGION")) != NULL ||
             (v = env("AWS_DEFAULT_REGION")) != NULL)
        copy(c->region, sizeof(c->region), v, strlen(v));
    if (profile == NULL && env("AWS_ACCESS_KEY_ID") != NULL &&
        env("AWS_SECRET_ACCESS_KEY") != NULL) {
        v = env("AWS_ACCESS_KEY_ID");
        copy(c->access, sizeof(c->access), v, strlen(v));
        v = env("AWS_SECRET_ACCESS_KEY");
        copy(c->secret, sizeof(c->secret), v, strlen(v));
        if ((v = env("AWS_SESSION_TOKEN")) != NULL)
            copy(c->token, sizeof(c->token), v, strlen(v));
        snprintf(c->source, sizeof(c->source), "the environment");
        got = 1;
    }
    if (prof == NULL)
        prof = env("AWS_PROFILE");
    if (prof == NULL)
        prof = "default";
    rc = read_file("AWS_SHARED_CREDENTIALS_FILE", "credentials", prof, c,
                   &got, err, size);
    if (rc < 0)
        return rc;
    found |= rc;
    if (strcmp(prof, "default") == 0)
        snprintf(section, sizeof(section), "default");
    else
        snprintf(section, sizeof(section), "profile %s", prof);
    rc = read_file("AWS_CONFIG_FILE", "config", section, c, &got, err, size);
    if (rc < 0)
        return rc;
    found |= rc;
    if (c->region[0] == '\0')
        snprintf(c->region, sizeof(c->region), "us-east-1");
    if (profile != NULL && !found) {
        snprintf(err, size, "profile '%s' is in neither the credentials "
                 "nor the config file", profile);
        return SV_EAUTH;
    }
    if (!got) {
        snprintf(err, size, "no credentials: set AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials");
        return SV_EAUTH;
    }
    return 0;
}
