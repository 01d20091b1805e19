/* plat_vimeo.c -- Vimeo API 3.4: tus upload (PATCH/HEAD), status */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

#define ACCEPT "Accept: application/vnd.vimeo.*+json;version=3.4"

/* our privacy words as Vimeo's privacy.view */
static const char *
view_of(const char *p)
{
    if (p == NULL || strcmp(p, "private") == 0)
        return "nobody";
    if (strcmp(p, "public") == 0)
        return "anybody";
    return p;           /* unlisted, or one of Vimeo's own words */
}

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    static const char *const ok[] = { "anybody", "nobody", "password",
                                      "unlisted", "disable", "contacts",
                                      "users", NULL };
    const char *v = view_of(sv__plat_meta(c, "vimeo", "privacy",
                                          c->meta.privacy));
    int i;

    for (i = 0; ok[i] != NULL; i++)
        if (strcmp(ok[i], v) == 0)
            break;
    if (ok[i] == NULL) {
        snprintf(err, size, "vimeo: privacy '%s' is none of public, "
                 "unlisted, private or Vimeo's view values", v);
        return SV_EUSAGE;
    }
    if (strcmp(v, "password") == 0 &&
        sv__plat_meta(c, "vimeo", "password", NULL) == NULL) {
        snprintf(err, size, "vimeo: privacy password needs "
                 "--set vimeo.password=...");
        return SV_EUSAGE;
    }
    return 0;
}

static int
start(struct sv_plat_job *j)
{
    const char *hdrs[3] = { "Content-Type: application/json", ACCEPT, NULL };
    const struct sv_plat_conf *c = j->c;
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char url[1024], size[32], tbuf[256], *body;
    const char *uri, *link, *v;
    json_t *o;
    int rc;

    snprintf(size, sizeof(size), "%" PRId64, j->size);
    o = json_pack("{s:{s:s,s:s},s:s,s:{s:s}}", "upload", "approach", "tus",
                  "size", size, "name",
                  sv__plat_meta(c, "vimeo", "title",
                                sv__plat_title(j, tbuf, sizeof(tbuf))),
                  "privacy", "view",
                  view_of(sv__plat_meta(c, "vimeo", "privacy",
                                        c->meta.privacy)));
    v = sv__plat_meta(c, "vimeo", "description", c->meta.description);
    if (v != NULL)
        json_object_set_new(o, "description", json_string(v));
    v = sv__plat_meta(c, "vimeo", "password", NULL);
    if (v != NULL)
        json_object_set_new(o, "password", json_string(v));
    body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (body == NULL)
        return -ENOMEM;
    sv__plat_url(j, 0, "/me/videos", url, sizeof(url));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = body;
    q.body_len = strlen(body);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    free(body);
    if (rc == 0 && r.status != 200 && r.status != 201)
        rc = sv__plat_http_fail(j, "creating the video", &r);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    o = sv__plat_json(&r);
    sv_http_reply_release(&r);
    uri = json_string_value(json_object_get(o, "uri"));
    link = json_string_value(json_object_get(json_object_get(o, "upload"),
                                             "upload_link"));
    if (uri == NULL || strncmp(uri, "/videos/", 8) != 0 || link == NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "creating the video: no uri or "
                             "upload_link in the answer");
    }
    snprintf(j->id, sizeof(j->id), "%s", uri + 8);
    snprintf(j->session, sizeof(j->session), "%s", link);
    v = json_string_value(json_object_get(o, "link"));
    if (v != NULL)
        snprintf(j->url, sizeof(j->url), "%s", v);
    else
        snprintf(j->url, sizeof(j->url), "https://vimeo.com/%s", j->id);
    json_decref(o);
    return 0;
}

/* Upload-Offset of a reply into j->confirmed */
static int
offset_of(struct sv_plat_job *j, const struct sv_http_reply *r)
{
    const char *v = sv_http_reply_header(r, "Upload-Offset");
    char *end;
    long long n;

    if (v == NULL)
        return sv__plat_fail(j, SV_EPROTO, "no Upload-Offset in the answer");
    n = strtoll(v, &end, 10);
    if (*end != '\0' || n < 0 || n > j->size)
        return sv__plat_fail(j, SV_EPROTO, "bad Upload-Offset '%s'", v);
    j->confirmed = n;
    return 0;
}

/* HEAD: what the server holds */
static int
head(struct sv_plat_job *j)
{
    const char *hdrs[3] = { "Tus-Resumable: 1.0.0", ACCEPT, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    int rc;

    q.method = "HEAD";
    q.url = j->session;
    q.headers = hdrs;
    rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
    if (rc == 0 && r.status != 200)
        rc = r.status >= 500 || r.status == 429 ? SV_EPROTO
            : sv__plat_http_fail(j, "asking the offset", &r);
    if (rc == 0)
        rc = offset_of(j, &r);
    sv_http_reply_release(&r);
    return rc;
}

static int
send_file(struct sv_plat_job *j)
{
    char off[64];
    const char *hdrs[5] = { "Tus-Resumable: 1.0.0", off,
                            "Content-Type: application/offset+octet-stream",
                            ACCEPT, NULL };
    int fails = 0, rc;

    while (j->confirmed < j->size) {
        struct sv_http_req q = { 0 };
        struct sv_http_reply r;
        int64_t len = j->size - j->confirmed;

        if (len > j->chunk)
            len = j->chunk;
        snprintf(off, sizeof(off), "Upload-Offset: %" PRId64, j->confirmed);
        q.method = "PATCH";
        q.url = j->session;
        q.headers = hdrs;
        q.body_from_fd = 1;
        q.body_fd = j->fd;
        q.body_off = j->confirmed;
        q.body_len = (size_t)len;
        rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
        if (rc == 0 && (r.status == 204 || r.status == 200)) {
            rc = offset_of(j, &r);
            sv_http_reply_release(&r);
            if (rc < 0)
                return rc;
            fails = 0;
            sv__plat_progress(j);
            continue;
        }
        if (rc == 0 && r.status != 409 && r.status < 500 &&
            r.status != 429) {
            rc = sv__plat_http_fail(j, "uploading", &r);
            sv_http_reply_release(&r);
            return rc;
        }
        /* a cut, a 5xx, or 409 (our offset is not the server's): HEAD */
        if (rc == 0)
            sv__plat_http_fail(j, "uploading", &r);
        sv_http_reply_release(&r);
        for (;;) {
            if (fails++ >= j->c->retries)
                return rc < 0 ? rc : SV_EPROTO;
            if (!sv__plat_backoff(j, fails - 1))
                return SV_EINTR;
            rc = head(j);
            if (rc == 0)
                break;
            if (rc != SV_EPROTO)
                return rc;
        }
        j->resumes++;
        sv_log_debug("vimeo: resuming at byte %" PRId64, j->confirmed);
    }
    snprintf(j->state, sizeof(j->state), "uploaded");
    return 0;
}

static int
get_video(struct sv_plat_job *j, const char *id, const char *fields,
          json_t **out)
{
    const char *hdrs[2] = { ACCEPT, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char path[512], url[1024];
    int rc;

    snprintf(path, sizeof(path), "/videos/%s?fields=%s", id, fields);
    sv__plat_url(j, 0, path, url, sizeof(url));
    q.url = url;
    q.headers = hdrs;
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, "reading the video", &r);
    if (rc == 0) {
        *out = sv__plat_json(&r);
        if (*out == NULL)
            rc = sv__plat_fail(j, SV_EPROTO, "reading the video: not JSON");
    }
    sv_http_reply_release(&r);
    return rc;
}

static int
poll_processing(struct sv_plat_job *j, int *done)
{
    json_t *o;
    const char *ts, *us;
    int rc;

    rc = get_video(j, j->id, "status,upload.status,transcode.status", &o);
    if (rc < 0)
        return rc;
    ts = json_string_value(json_object_get(json_object_get(o, "transcode"),
                                           "status"));
    us = json_string_value(json_object_get(json_object_get(o, "upload"),
                                           "status"));
    *done = 0;
    snprintf(j->state, sizeof(j->state), "%s", ts != NULL ? ts
             : "in_progress");
    if ((ts != NULL && strcmp(ts, "error") == 0) ||
        (us != NULL && strcmp(us, "error") == 0)) {
        const char *st = json_string_value(json_object_get(o, "status"));

        snprintf(j->reason, sizeof(j->reason), "%s", st != NULL ? st
                 : "transcode_error");
        rc = sv__plat_fail(j, SV_EFORMAT, "processing failed: %s",
                           j->reason);
    } else if (ts != NULL && strcmp(ts, "complete") == 0) {
        snprintf(j->state, sizeof(j->state), "available");
        *done = 1;
    }
    json_decref(o);
    return rc;
}

static int
status(struct sv_plat_job *j, const char *id, json_t **out)
{
    json_t *o, *res;
    int rc;

    rc = get_video(j, id, "uri,link,status,transcode.status,stats.plays,"
                   "metadata.connections.comments.total", &o);
    if (rc < 0)
        return rc;
    res = json_object();
    json_object_set(res, "state", json_object_get(o, "status"));
    json_object_set(res, "url", json_object_get(o, "link"));
    json_object_set(res, "views", json_object_get(json_object_get(o,
                                                                  "stats"),
                                                  "plays"));
    json_object_set(res, "comments", json_object_get(json_object_get(
            json_object_get(json_object_get(o, "metadata"), "connections"),
            "comments"), "total"));
    json_decref(o);
    *out = res;
    return 0;
}

const struct sv_plat_ops sv__plat_vimeo = {
    .name = "vimeo",
    /* classic tokens never expire and there is no refresh grant: a 401
     * means run auth again */
    .caps = SV_PLAT_VOD | SV_PLAT_RESUME | SV_PLAT_STATUS,
    .api = "https://api.vimeo.com",
    .auth_url = "https://api.vimeo.com/oauth/authorize",
    .token_url = "https://api.vimeo.com/oauth/access_token",
    .scope = "public private upload edit video_files",
    .scope_sep = " ",
    .client = SV_PLAT_CLIENT_BASIC,
    .chunk_default = 128 * 1024 * 1024,
    .check = check,
    .start = start,
    .send = send_file,
    .poll = poll_processing,
    .status = status,
};
