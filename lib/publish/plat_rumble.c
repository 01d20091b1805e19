/* plat_rumble.c -- Rumble: the partner upload, one multipart POST */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/*
 * rumbleplayer.com/developers/Rumble-Upload-API.html: POST
 * /api/simple-upload.php, multipart with access_token (40 characters),
 * title, description and license_type (0 not for sale, 6 Rumble only)
 * required; channel_id, guid, thumb and video optional fields.  403 is a
 * bad or banned token; anything else is 200 with JSON that says success
 * true (video_id, url_monetized, embed_url_monetized, ...) or false with
 * errors keyed by field (the document's example wraps them in [ ]: read
 * both).  No resume, no status, no privacy, tags or schedule.
 */

#define TOKEN_LEN 40

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    const char *lt = sv__plat_meta(c, "rumble", "license_type", "0");
    const char *ch = sv__plat_meta(c, "rumble", "channel_id", NULL);

    if (sv__plat_meta(c, "rumble", "description", c->meta.description) ==
        NULL) {
        snprintf(err, size, "rumble: an upload needs --description (the "
                 "API requires one)");
        return SV_EUSAGE;
    }
    if (strcmp(lt, "0") != 0 && strcmp(lt, "6") != 0) {
        snprintf(err, size, "rumble: license_type is 0 (not for sale) or 6 "
                 "(Rumble only), not '%s'", lt);
        return SV_EUSAGE;
    }
    if (ch != NULL && (ch[0] == '\0' || strspn(ch, "0123456789") !=
                       strlen(ch))) {
        snprintf(err, size, "rumble: channel_id is a number, not '%s'", ch);
        return SV_EUSAGE;
    }
    return 0;
}

static int
start(struct sv_plat_job *j)
{
    size_t i, n = strlen(j->token);

    for (i = 0; i < n && j->token[i] > ' ' && j->token[i] < 0x7f; i++)
        ;
    if (n != TOKEN_LEN || i != n)
        return sv__plat_fail(j, SV_EAUTH, "the Rumble access token is %d "
                             "characters (it comes from Rumble, not an "
                             "OAuth flow)", TOKEN_LEN);
    sv__plat_url(j, 0, "/api/simple-upload.php", j->session,
                 sizeof(j->session));
    return 0;
}

/* the first message in errors, an object by field or a list of them */
static void
first_error(json_t *errs, const char **field, const char **code,
            const char **msg)
{
    const char *k;
    json_t *v;
    size_t i;

    if (json_is_array(errs)) {
        json_array_foreach(errs, i, v) {
            first_error(v, field, code, msg);
            if (*msg != NULL || *code != NULL)
                return;
        }
        return;
    }
    json_object_foreach(errs, k, v) {
        if (json_is_object(v)) {
            *field = k;
            *code = json_string_value(json_object_get(v, "code"));
            *msg = json_string_value(json_object_get(v, "message"));
            return;
        }
        if (json_is_string(v)) {
            *field = k;
            *msg = json_string_value(v);
            return;
        }
    }
}

static int
answer(struct sv_plat_job *j, const struct sv_http_reply *r)
{
    json_t *o = sv__plat_json(r), *s;
    const char *field = NULL, *code = NULL, *msg = NULL, *u;
    char id[64];
    int rc = 0;

    if (!json_is_object(o)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "uploading: 200 without JSON");
    }
    s = json_object_get(o, "success");
    if (!json_is_true(s)) {
        /* 200 with success false is a failure, whatever the status said */
        first_error(json_object_get(o, "errors"), &field, &code, &msg);
        snprintf(j->reason, sizeof(j->reason), "%s", code != NULL ? code
                 : "SOMETHING_WENT_WRONG");
        rc = sv__plat_fail(j, SV_EPROTO, "uploading: success false: "
                           "%s%s%s%s%s", field != NULL ? field : "",
                           field != NULL ? ": " : "", j->reason,
                           msg != NULL ? ": " : "", msg != NULL ? msg : "");
        json_decref(o);
        return rc;
    }
    if (json_is_integer(json_object_get(o, "video_id")))
        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(
                     json_object_get(o, "video_id")));
    else
        snprintf(id, sizeof(id), "%s", json_string_value(
                     json_object_get(o, "video_id")) != NULL ?
                 json_string_value(json_object_get(o, "video_id")) : "");
    u = json_string_value(json_object_get(o, "url_monetized"));
    if (id[0] == '\0') {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "uploading: success without "
                             "video_id");
    }
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(j->url, sizeof(j->url), "%s", u != NULL ? u : "");
    j->extra = json_pack("{s:O?}", "embed_url",
                         json_object_get(o, "embed_url_monetized"));
    json_decref(o);
    return 0;
}

static int
send_file(struct sv_plat_job *j)
{
    const struct sv_plat_conf *c = j->c;
    const char *base = strrchr(j->file, '/');
    struct sv_http_part p[9];
    struct sv_http_req q;
    struct sv_http_reply r;
    char tbuf[256];
    const char *v;
    struct stat sb;
    int n = 0, tfd = -1, fails = 0, rc, i;

    memset(p, 0, sizeof(p));
#define FIELD(nm, val) do { \
        p[n].name = (nm); p[n].value = (val); p[n].len = strlen(val); \
        p[n].fd = -1; n++; \
    } while (0)
    FIELD("access_token", j->token);
    FIELD("title", sv__plat_meta(c, "rumble", "title",
                                 sv__plat_title(j, tbuf, sizeof(tbuf))));
    FIELD("description", sv__plat_meta(c, "rumble", "description",
                                       c->meta.description));
    FIELD("license_type", sv__plat_meta(c, "rumble", "license_type", "0"));
    if ((v = sv__plat_meta(c, "rumble", "channel_id", NULL)) != NULL)
        FIELD("channel_id", v);
    if ((v = sv__plat_meta(c, "rumble", "guid", NULL)) != NULL)
        FIELD("guid", v);
#undef FIELD
    if (c->meta.thumbnail != NULL) {
        tfd = open(c->meta.thumbnail, O_RDONLY | O_CLOEXEC);
        if (tfd < 0 || fstat(tfd, &sb) < 0) {
            rc = -errno;
            if (tfd >= 0)
                close(tfd);
            return sv__plat_fail(j, rc, "cannot open '%s': %s",
                                 c->meta.thumbnail, sv_strerror(rc));
        }
        p[n].name = "thumb";
        p[n].fd = tfd;
        p[n].size = sb.st_size;
        v = strrchr(c->meta.thumbnail, '/');
        p[n].filename = v != NULL ? v + 1 : c->meta.thumbnail;
        p[n].type = strstr(p[n].filename, ".png") != NULL ? "image/png"
            : "image/jpeg";
        n++;
    }
    p[n].name = "video";
    p[n].fd = j->fd;
    p[n].size = j->size;
    p[n].filename = base != NULL ? base + 1 : j->file;
    p[n].type = sv__plat_type(j->file);
    n++;
    for (;;) {
        memset(&q, 0, sizeof(q));
        q.url = j->session;
        q.method = "POST";
        q.form = p;
        q.nform = n;
        rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
        if (rc == 0 && r.status == 200)
            break;
        if (rc == 0 && r.status == 403) {
            sv_http_reply_release(&r);
            rc = sv__plat_fail(j, SV_EAUTH, "uploading: 403: the token is "
                               "not valid or the account is banned");
            goto out;
        }
        if (rc == 0 && r.status < 500 && r.status != 429) {
            rc = sv__plat_http_fail(j, "uploading", &r);
            sv_http_reply_release(&r);
            goto out;
        }
        sv_http_reply_release(&r);
        /* no resume: the whole file goes again */
        if (fails++ >= c->retries) {
            if (rc == 0)
                rc = sv__plat_fail(j, SV_EPROTO, "uploading: server error");
            goto out;
        }
        if (!sv__plat_backoff(j, fails - 1)) {
            rc = SV_EINTR;
            goto out;
        }
        j->resumes++;
    }
    rc = answer(j, &r);
    sv_http_reply_release(&r);
    if (rc == 0) {
        j->confirmed = j->size;
        snprintf(j->state, sizeof(j->state), "uploaded");
        sv__plat_progress(j);
    }
out:
    for (i = 0; i < n; i++)
        if (p[i].name != NULL && strcmp(p[i].name, "access_token") == 0)
            p[i].value = NULL;
    if (tfd >= 0)
        close(tfd);
    return rc;
}

const struct sv_plat_ops sv__plat_rumble = {
    .name = "rumble",
    .caps = SV_PLAT_VOD | SV_PLAT_THUMB,
    .api = "https://rumble.com",
    .client = SV_PLAT_CLIENT_FORM,
    .check = check,
    .start = start,
    .send = send_file,
};
