/* plat_facebook.c -- Facebook Pages (Graph API): chunked video upload,
 * live_videos; and the Graph API helpers Instagram shares */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/*
 * developers.facebook.com/docs/video-api/guides/publishing and the chunked
 * upload of graph-video.facebook.com/{page-id}/videos: upload_phase=start
 * with file_size -> {video_id, upload_session_id, start_offset,
 * end_offset}; upload_phase=transfer, multipart, the bytes
 * [start_offset, end_offset) as video_file_chunk -> the next pair (the
 * server picks the chunk; a chunk that fails goes again at the same
 * offset); upload_phase=finish with title and description ->
 * {"success":true}.  Status: GET /{video-id}?fields=status.  Live:
 * developers.facebook.com/docs/live-video-api: POST /{page-id}/live_videos
 * status=LIVE_NOW -> {id, stream_url, secure_stream_url}.  The Page token
 * is long-lived and has no refresh grant: error 190 means get a new one.
 * Errors: {"error":{message,type,code,error_subcode,is_transient,
 * fbtrace_id}}; 1, 2, 4, 17, 32, 613 or is_transient are worth another try.
 */

#define GRAPH_V SV_GRAPH_V

/* ---- Graph API helpers (Facebook, Instagram) ---- */

int
sv__graph_fail(struct sv_plat_job *j, const char *what,
               const struct sv_http_reply *r, int *transient)
{
    json_t *o = sv__plat_json(r), *e = json_object_get(o, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    json_int_t code = json_integer_value(json_object_get(e, "code"));
    json_int_t sub = json_integer_value(json_object_get(e, "error_subcode"));
    int rc, again;

    if (!json_is_object(e)) {
        json_decref(o);
        *transient = r->status >= 500 || r->status == 429;
        return sv__plat_http_fail(j, what, r);
    }
    again = json_is_true(json_object_get(e, "is_transient")) ||
        code == 1 || code == 2 || code == 4 || code == 17 || code == 32 ||
        code == 613 || r->status >= 500;
    *transient = again;
    if (sub != 0)
        snprintf(j->reason, sizeof(j->reason), "%lld/%lld", (long long)code,
                 (long long)sub);
    else
        snprintf(j->reason, sizeof(j->reason), "%lld", (long long)code);
    snprintf(j->err, sizeof(j->err), "%s: %ld error %s: %s%s%s%s", what,
             r->status, j->reason, msg != NULL ? msg : "(no message)",
             code == 190 ? " (the token is no longer valid: run "
             "'sv-publish auth " : "", code == 190 ? j->ops->name : "",
             code == 190 ? "')" : "");
    if (code == 190 || code == 102 || code == 10 ||
        (code >= 200 && code <= 299))
        rc = SV_EAUTH;
    else if (code == 4 || code == 17 || code == 32 || code == 613 ||
             code == 9)
        rc = SV_ELIMIT;
    else
        rc = SV_EPROTO;
    json_decref(o);
    return rc;
}

int
sv__graph_call(struct sv_plat_job *j, struct sv_http_req *q,
               const char *what, int *resumes, json_t **out)
{
    struct sv_http_reply r;
    int fails = 0, transient, rc;

    *out = NULL;
    for (;;) {
        rc = sv__plat_call(j, q, SV_PLAT_ONCE, &r);
        if (rc == 0 && r.status == 200) {
            *out = sv__plat_json(&r);
            sv_http_reply_release(&r);
            if (!json_is_object(*out)) {
                json_decref(*out);
                *out = NULL;
                return sv__plat_fail(j, SV_EPROTO, "%s: 200 without a "
                                     "JSON object", what);
            }
            return 0;
        }
        if (rc == 0) {
            rc = sv__graph_fail(j, what, &r, &transient);
            sv_http_reply_release(&r);
            if (!transient)
                return rc;
        } else if (rc != SV_EPROTO) {
            return rc;
        }
        if (fails++ >= j->c->retries)
            return rc;
        sv_log_debug("%s: %s: %s, again", j->ops->name, what, j->err);
        if (!sv__plat_backoff(j, fails - 1))
            return SV_EINTR;
        if (resumes != NULL)
            ++*resumes;
    }
}

/* a Graph offset: "123" or 123 */
int64_t
sv__graph_int(json_t *v)
{
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v);
    s = json_string_value(v);
    if (s == NULL || *s == '\0')
        return -1;
    n = strtoll(s, &end, 10);
    return *end == '\0' && n >= 0 ? n : -1;
}

/* ---- Facebook Pages ---- */

static int
page_of(struct sv_plat_job *j, char *page, size_t size)
{
    if (sv_creds_get(j->creds, "facebook", "page_id", page, size) < 0 ||
        page[0] == '\0' || strspn(page, "0123456789") != strlen(page))
        return sv__plat_fail(j, SV_EAUTH, "facebook: no numeric page_id "
                             "in '%s' (or SV_FACEBOOK_PAGE_ID)",
                             sv_creds_path(j->creds));
    return 0;
}

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    const char *p = sv__plat_meta(c, "facebook", "privacy", c->meta.privacy);

    if (p != NULL && strcmp(p, "public") != 0 && strcmp(p, "private") != 0) {
        snprintf(err, size, "facebook: privacy is public (published) or "
                 "private (unpublished), not '%s'", p);
        return SV_EUSAGE;
    }
    if (c->meta.publish_at != NULL && p != NULL &&
        strcmp(p, "public") == 0) {
        snprintf(err, size, "facebook: --publish-at needs the video "
                 "unpublished until then (not --privacy public)");
        return SV_EUSAGE;
    }
    return 0;
}

int
sv__graph_post(struct sv_plat_job *j, int upload, const char *path,
          const char *form, const char *what, json_t **out)
{
    const char *hdrs[2] = { "Content-Type: application/x-www-form-urlencoded",
                            NULL };
    struct sv_http_req q = { 0 };
    char url[1024];

    sv__plat_url(j, upload, path, url, sizeof(url));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = form;
    q.body_len = strlen(form);
    q.sent = &(int64_t){ 0 };
    return sv__graph_call(j, &q, what, NULL, out);
}

static int
start(struct sv_plat_job *j)
{
    char page[64], path[256], form[4608], size[32];
    json_t *o;
    int64_t so, eo;
    const char *v, *sid;
    int rc;

    rc = page_of(j, page, sizeof(page));
    if (rc < 0)
        return rc;
    snprintf(size, sizeof(size), "%" PRId64, j->size);
    form[0] = '\0';
    sv__plat_form(form, sizeof(form), "access_token", j->token);
    sv__plat_form(form, sizeof(form), "upload_phase", "start");
    rc = sv__plat_form(form, sizeof(form), "file_size", size);
    if (rc < 0)
        return sv__plat_fail(j, rc, "facebook: the token is too long");
    snprintf(path, sizeof(path), GRAPH_V "/%s/videos", page);
    rc = sv__graph_post(j, 1, path, form, "starting the upload", &o);
    explicit_bzero(form, sizeof(form));
    if (rc < 0)
        return rc;
    v = json_string_value(json_object_get(o, "video_id"));
    sid = json_string_value(json_object_get(o, "upload_session_id"));
    so = sv__graph_int(json_object_get(o, "start_offset"));
    eo = sv__graph_int(json_object_get(o, "end_offset"));
    if (v == NULL || sid == NULL || so != 0 || eo < so || eo > j->size) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "starting the upload: no "
                             "video_id, upload_session_id or offsets");
    }
    snprintf(j->id, sizeof(j->id), "%s", v);
    snprintf(j->session, sizeof(j->session), "%s", sid);
    snprintf(j->aux, sizeof(j->aux), "%" PRId64, eo);
    snprintf(j->url, sizeof(j->url), "https://www.facebook.com/%s/videos/%s",
             page, j->id);
    json_decref(o);
    return 0;
}

static int
send_file(struct sv_plat_job *j)
{
    char page[64], path[256], url[1024], off[32];
    struct sv_http_part p[5];
    int64_t end = strtoll(j->aux, NULL, 10), so, eo;
    json_t *o;
    int rc, i;

    rc = page_of(j, page, sizeof(page));
    if (rc < 0)
        return rc;
    snprintf(path, sizeof(path), GRAPH_V "/%s/videos", page);
    sv__plat_url(j, 1, path, url, sizeof(url));
    while (j->confirmed < j->size) {
        struct sv_http_req q = { 0 };

        if (end <= j->confirmed)
            return sv__plat_fail(j, SV_EPROTO, "uploading: the server "
                                 "asks for no bytes at offset %" PRId64,
                                 j->confirmed);
        snprintf(off, sizeof(off), "%" PRId64, j->confirmed);
        memset(p, 0, sizeof(p));
        p[0].name = "access_token";
        p[0].value = j->token;
        p[1].name = "upload_phase";
        p[1].value = "transfer";
        p[2].name = "upload_session_id";
        p[2].value = j->session;
        p[3].name = "start_offset";
        p[3].value = off;
        for (i = 0; i < 4; i++) {
            p[i].len = strlen(p[i].value);
            p[i].fd = -1;
        }
        p[4].name = "video_file_chunk";
        p[4].fd = j->fd;
        p[4].off = j->confirmed;
        p[4].size = end - j->confirmed;
        p[4].filename = "chunk";
        p[4].type = "application/octet-stream";
        q.method = "POST";
        q.url = url;
        q.form = p;
        q.nform = 5;
        /* a chunk that fails (a cut, a transient error) goes again at the
         * same offset: what the server confirmed is never sent twice */
        rc = sv__graph_call(j, &q, "uploading", &j->resumes, &o);
        if (rc < 0)
            return rc;
        so = sv__graph_int(json_object_get(o, "start_offset"));
        eo = sv__graph_int(json_object_get(o, "end_offset"));
        json_decref(o);
        if (so < j->confirmed || so > j->size || eo < so || eo > j->size)
            return sv__plat_fail(j, SV_EPROTO, "uploading: bad offsets in "
                                 "the answer");
        j->confirmed = so;
        end = eo;
        sv__plat_progress(j);
        if (so == eo)
            break;
    }
    if (j->confirmed != j->size)
        return sv__plat_fail(j, SV_EPROTO, "uploading: the server stopped "
                             "at %" PRId64 " of %" PRId64, j->confirmed,
                             j->size);
    return 0;
}

static int
finish(struct sv_plat_job *j)
{
    const struct sv_plat_conf *c = j->c;
    const char *priv = sv__plat_meta(c, "facebook", "privacy",
                                     c->meta.privacy);
    char page[64], path[256], form[16384], tbuf[256];
    const char *v;
    json_t *o;
    int rc;

    rc = page_of(j, page, sizeof(page));
    if (rc < 0)
        return rc;
    form[0] = '\0';
    sv__plat_form(form, sizeof(form), "access_token", j->token);
    sv__plat_form(form, sizeof(form), "upload_phase", "finish");
    sv__plat_form(form, sizeof(form), "upload_session_id", j->session);
    sv__plat_form(form, sizeof(form), "title",
                  sv__plat_meta(c, "facebook", "title",
                                sv__plat_title(j, tbuf, sizeof(tbuf))));
    sv__plat_form(form, sizeof(form), "description",
                  sv__plat_meta(c, "facebook", "description",
                                c->meta.description));
    /* unpublished unless said public, as private is our default */
    sv__plat_form(form, sizeof(form), "published",
                  priv != NULL && strcmp(priv, "public") == 0 ? "true"
                  : "false");
    v = sv__plat_meta(c, "facebook", "scheduled_publish_time",
                      c->meta.publish_at);
    rc = sv__plat_form(form, sizeof(form), "scheduled_publish_time", v);
    if (rc < 0)
        return sv__plat_fail(j, rc, "facebook: the metadata is too long");
    snprintf(path, sizeof(path), GRAPH_V "/%s/videos", page);
    rc = sv__graph_post(j, 1, path, form, "finishing the upload", &o);
    explicit_bzero(form, sizeof(form));
    if (rc < 0)
        return rc;
    if (!json_is_true(json_object_get(o, "success"))) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "finishing the upload: no "
                             "success in the answer");
    }
    json_decref(o);
    snprintf(j->state, sizeof(j->state), "uploaded");
    return 0;
}

int
sv__graph_get(struct sv_plat_job *j, const char *id, const char *fields,
              json_t **out)
{
    struct sv_http_req q = { 0 };
    char path[512], tok[4200], url[6000];

    if (sv__plat_pct(j->token, tok, sizeof(tok)) < 0)
        return sv__plat_fail(j, SV_ELIMIT, "the token is too long");
    snprintf(path, sizeof(path), GRAPH_V "/%s?fields=%s&access_token=", id,
             fields);
    sv__plat_url(j, 0, path, url, sizeof(url));
    strncat(url, tok, sizeof(url) - strlen(url) - 1);
    explicit_bzero(tok, sizeof(tok));
    q.url = url;
    q.sent = &(int64_t){ 0 };
    return sv__graph_call(j, &q, "reading the item", NULL, out);
}

static int
poll_processing(struct sv_plat_job *j, int *done)
{
    json_t *o, *st;
    const char *vs, *ps;
    int rc;

    rc = sv__graph_get(j, j->id, "status", &o);
    if (rc < 0)
        return rc;
    st = json_object_get(o, "status");
    vs = json_string_value(json_object_get(st, "video_status"));
    ps = json_string_value(json_object_get(json_object_get(st,
                                                           "processing_phase"),
                                           "status"));
    *done = 0;
    snprintf(j->state, sizeof(j->state), "%s", vs != NULL ? vs
             : "processing");
    if ((vs != NULL && strcmp(vs, "error") == 0) ||
        (ps != NULL && strcmp(ps, "error") == 0)) {
        json_t *e = json_array_get(json_object_get(json_object_get(st,
                                   "processing_phase"), "errors"), 0);
        const char *m = json_string_value(json_object_get(e, "message"));
        json_int_t code = json_integer_value(json_object_get(e, "code"));

        snprintf(j->reason, sizeof(j->reason), "%lld", (long long)code);
        rc = sv__plat_fail(j, SV_EFORMAT, "processing failed: %s",
                           m != NULL ? m : "error");
    } else if (vs != NULL && strcmp(vs, "ready") == 0) {
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

    rc = sv__graph_get(j, id, "status,permalink_url,"
                  "comments.limit(0).summary(true)", &o);
    if (rc < 0)
        return rc;
    res = json_object();
    json_object_set(res, "state", json_object_get(json_object_get(o,
                                                  "status"),
                                                  "video_status"));
    json_object_set(res, "url", json_object_get(o, "permalink_url"));
    /* views are only in the Page's video insights: not read here */
    json_object_set(res, "comments", json_object_get(json_object_get(
            json_object_get(o, "comments"), "summary"), "total_count"));
    json_decref(o);
    *out = res;
    return 0;
}

static int
live(struct sv_plat_job *j, char *url, size_t size)
{
    const struct sv_plat_conf *c = j->c;
    char page[64], path[256], form[8192], tbuf[256];
    const char *u, *id;
    json_t *o;
    int rc;

    rc = page_of(j, page, sizeof(page));
    if (rc < 0)
        return rc;
    form[0] = '\0';
    sv__plat_form(form, sizeof(form), "access_token", j->token);
    sv__plat_form(form, sizeof(form), "status", "LIVE_NOW");
    sv__plat_form(form, sizeof(form), "title",
                  c->meta.title != NULL ? c->meta.title
                  : (snprintf(tbuf, sizeof(tbuf), "Live"), tbuf));
    rc = sv__plat_form(form, sizeof(form), "description",
                       c->meta.description);
    if (rc < 0)
        return sv__plat_fail(j, rc, "facebook: the metadata is too long");
    snprintf(path, sizeof(path), GRAPH_V "/%s/live_videos", page);
    rc = sv__graph_post(j, 0, path, form, "creating the live video", &o);
    explicit_bzero(form, sizeof(form));
    if (rc < 0)
        return rc;
    /* RTMPS is required for Facebook Live: the secure URL first */
    u = json_string_value(json_object_get(o, "secure_stream_url"));
    if (u == NULL)
        u = json_string_value(json_object_get(o, "stream_url"));
    id = json_string_value(json_object_get(o, "id"));
    if (u == NULL || id == NULL || (strncmp(u, "rtmps://", 8) != 0 &&
                                    strncmp(u, "rtmp://", 7) != 0)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "creating the live video: no "
                             "id or stream URL in the answer");
    }
    snprintf(url, size, "%s", u);
    sv_log_info("facebook: live video %s created, pushing to it", id);
    json_decref(o);
    return 0;
}

const struct sv_plat_ops sv__plat_facebook = {
    .name = "facebook",
    /* a long-lived Page token, no refresh grant */
    .caps = SV_PLAT_VOD | SV_PLAT_RESUME | SV_PLAT_LIVE_CREATE |
        SV_PLAT_STATUS,
    .api = "https://graph.facebook.com",
    .upload = "https://graph-video.facebook.com",
    .client = SV_PLAT_CLIENT_FORM,
    .check = check,
    .start = start,
    .send = send_file,
    .finish = finish,
    .poll = poll_processing,
    .live = live,
    .status = status,
    .auth = sv__graph_auth,
};
