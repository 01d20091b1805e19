/* plat_dailymotion.c -- Dailymotion: upload URL, one POST, then publish */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    const char *p = sv__plat_meta(c, "dailymotion", "privacy",
                                  c->meta.privacy);

    /* publishing needs both (platforms.md, Dailymotion upload guide) */
    if (sv__plat_meta(c, "dailymotion", "category", NULL) == NULL) {
        snprintf(err, size, "dailymotion: publishing needs a channel: "
                 "--set dailymotion.category=news (or another channel)");
        return SV_EUSAGE;
    }
    if (c->meta.for_kids < 0 &&
        sv__plat_meta(c, "dailymotion", "for_kids", NULL) == NULL) {
        snprintf(err, size, "dailymotion: publishing needs --for-kids "
                 "yes|no");
        return SV_EUSAGE;
    }
    if (p != NULL && strcmp(p, "public") != 0 && strcmp(p, "private") != 0
        && strcmp(p, "unlisted") != 0) {
        snprintf(err, size, "dailymotion: privacy is public, unlisted or "
                 "private, not '%s'", p);
        return SV_EUSAGE;
    }
    return 0;
}

static int
get(struct sv_plat_job *j, const char *path, json_t **out)
{
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char url[1024];
    int rc;

    sv__plat_url(j, 0, path, url, sizeof(url));
    q.url = url;
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, path, &r);
    if (rc == 0 && (*out = sv__plat_json(&r)) == NULL)
        rc = sv__plat_fail(j, SV_EPROTO, "%s: not JSON", path);
    sv_http_reply_release(&r);
    return rc;
}

static int
post_form(struct sv_plat_job *j, const char *path, const char *form,
          json_t **out)
{
    const char *hdrs[2] = { "Content-Type: application/x-www-form-urlencoded",
                            NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char url[1024];
    int rc;

    sv__plat_url(j, 0, path, url, sizeof(url));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = form;
    q.body_len = strlen(form);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, path, &r);
    if (rc == 0 && (*out = sv__plat_json(&r)) == NULL)
        rc = sv__plat_fail(j, SV_EPROTO, "%s: not JSON", path);
    sv_http_reply_release(&r);
    return rc;
}

/* GET /file/upload: a one-use upload URL */
static int
start(struct sv_plat_job *j)
{
    const char *u;
    json_t *o;
    int rc;

    rc = get(j, "/file/upload", &o);
    if (rc < 0)
        return rc;
    u = json_string_value(json_object_get(o, "upload_url"));
    if (u == NULL || (strncmp(u, "http://", 7) != 0 &&
                      strncmp(u, "https://", 8) != 0)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "/file/upload: no upload_url");
    }
    snprintf(j->session, sizeof(j->session), "%s", u);
    json_decref(o);
    return 0;
}

/* one multipart POST, no resume: a cut sends the whole file again */
static int
send_file(struct sv_plat_job *j)
{
    const char *base = strrchr(j->file, '/');
    struct sv_http_part part = { 0 };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    const char *u;
    json_t *o;
    int fails = 0, rc;

    part.name = "file";
    part.fd = j->fd;
    part.size = j->size;
    part.filename = base != NULL ? base + 1 : j->file;
    part.type = sv__plat_type(j->file);
    for (;;) {
        memset(&q, 0, sizeof(q));
        q.url = j->session;
        q.method = "POST";
        q.form = &part;
        q.nform = 1;
        rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
        if (rc == 0 && r.status == 200)
            break;
        if (rc == 0 && r.status < 500 && r.status != 429) {
            rc = sv__plat_http_fail(j, "uploading", &r);
            sv_http_reply_release(&r);
            return rc;
        }
        sv_http_reply_release(&r);
        if (fails++ >= j->c->retries)
            return rc < 0 ? rc : sv__plat_fail(j, SV_EPROTO, "uploading: "
                                               "server error");
        if (!sv__plat_backoff(j, fails - 1))
            return SV_EINTR;
        j->resumes++;
    }
    o = sv__plat_json(&r);
    sv_http_reply_release(&r);
    u = json_string_value(json_object_get(o, "url"));
    if (u == NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "upload: no url in the answer");
    }
    snprintf(j->aux, sizeof(j->aux), "%s", u);
    json_decref(o);
    j->confirmed = j->size;
    sv__plat_progress(j);
    return 0;
}

/* the video from the uploaded file, then its metadata and publishing */
static int
finish(struct sv_plat_job *j)
{
    const struct sv_plat_conf *c = j->c;
    const char *p = sv__plat_meta(c, "dailymotion", "privacy",
                                  c->meta.privacy);
    const char *kids = sv__plat_meta(c, "dailymotion", "for_kids", NULL);
    char form[16384] = "", path[300], tbuf[256];
    const char *id;
    json_t *o;
    int rc;

    rc = sv__plat_form(form, sizeof(form), "url", j->aux);
    if (rc == 0)
        rc = post_form(j, "/me/videos", form, &o);
    if (rc < 0)
        return rc;
    id = json_string_value(json_object_get(o, "id"));
    if (id == NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "/me/videos: no id");
    }
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(j->url, sizeof(j->url), "https://www.dailymotion.com/video/%s",
             id);
    json_decref(o);
    if (kids == NULL)
        kids = c->meta.for_kids ? "true" : "false";
    else
        kids = strcmp(kids, "yes") == 0 || strcmp(kids, "true") == 0 ?
            "true" : "false";
    form[0] = '\0';
    rc = sv__plat_form(form, sizeof(form), "title",
                       sv__plat_meta(c, "dailymotion", "title",
                                     sv__plat_title(j, tbuf, sizeof(tbuf))));
    rc |= sv__plat_form(form, sizeof(form), "channel",
                        sv__plat_meta(c, "dailymotion", "category", NULL));
    rc |= sv__plat_form(form, sizeof(form), "is_created_for_kids", kids);
    rc |= sv__plat_form(form, sizeof(form), "description",
                        sv__plat_meta(c, "dailymotion", "description",
                                      c->meta.description));
    rc |= sv__plat_form(form, sizeof(form), "tags",
                        sv__plat_meta(c, "dailymotion", "tags",
                                      c->meta.tags));
    rc |= sv__plat_form(form, sizeof(form), "private",
                        p == NULL || strcmp(p, "public") != 0 ? "true"
                        : "false");
    rc |= sv__plat_form(form, sizeof(form), "published", "true");
    if (rc != 0)
        return sv__plat_fail(j, SV_ELIMIT, "metadata too long");
    snprintf(path, sizeof(path), "/video/%s", j->id);
    rc = post_form(j, path, form, &o);
    if (rc == 0)
        json_decref(o);
    snprintf(j->state, sizeof(j->state), "processing");
    return rc;
}

static int
poll_processing(struct sv_plat_job *j, int *done)
{
    char path[512];
    const char *st;
    json_t *o;
    int rc;

    snprintf(path, sizeof(path), "/video/%s?fields=status,"
             "encoding_progress,publishing_progress", j->id);
    rc = get(j, path, &o);
    if (rc < 0)
        return rc;
    st = json_string_value(json_object_get(o, "status"));
    snprintf(j->state, sizeof(j->state), "%s", st != NULL ? st : "unknown");
    *done = 0;
    if (st != NULL && (strcmp(st, "published") == 0 ||
                       strcmp(st, "ready") == 0)) {
        *done = 1;
    } else if (st != NULL && (strcmp(st, "rejected") == 0 ||
                              strcmp(st, "deleted") == 0 ||
                              strstr(st, "error") != NULL)) {
        snprintf(j->reason, sizeof(j->reason), "%s", st);
        rc = sv__plat_fail(j, SV_EFORMAT, "processing failed: %s", st);
    }
    json_decref(o);
    return rc;
}

static int
status(struct sv_plat_job *j, const char *id, json_t **out)
{
    char path[512];
    json_t *o;
    int rc;

    snprintf(path, sizeof(path), "/video/%s?fields=status,url,views_total,"
             "private", id);
    rc = get(j, path, &o);
    if (rc < 0)
        return rc;
    *out = json_pack("{s:O?,s:O?,s:O?}", "state",
                     json_object_get(o, "status"), "url",
                     json_object_get(o, "url"), "views",
                     json_object_get(o, "views_total"));
    json_decref(o);
    return 0;
}

const struct sv_plat_ops sv__plat_dailymotion = {
    .name = "dailymotion",
    .caps = SV_PLAT_VOD | SV_PLAT_REFRESH | SV_PLAT_STATUS,
    .api = "https://api.dailymotion.com",
    .auth_url = "https://www.dailymotion.com/oauth/authorize",
    .token_url = "https://api.dailymotion.com/oauth/token",
    .scope = "manage_videos",
    .scope_sep = " ",
    .client = SV_PLAT_CLIENT_FORM,
    .check = check,
    .start = start,
    .send = send_file,
    .finish = finish,
    .poll = poll_processing,
    .status = status,
};
