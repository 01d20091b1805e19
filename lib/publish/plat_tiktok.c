/* plat_tiktok.c -- TikTok Content Posting API v2: FILE_UPLOAD chunks, or
 * PULL_FROM_URL from a verified domain */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/* the media transfer guide's chunk rules (platforms.md, TikTok) */
#define MIB (1024 * 1024)
#define CHUNK_MIN (5 * MIB)
#define CHUNK_MAX (64 * MIB)
#define CHUNKS_MAX 1000

static const char *
privacy_of(const char *p)
{
    if (p == NULL || strcmp(p, "private") == 0)
        return "SELF_ONLY";
    if (strcmp(p, "public") == 0)
        return "PUBLIC_TO_EVERYONE";
    return p;           /* one of TikTok's own words */
}

/* UTF-16 code units of UTF-8 text */
static size_t
utf16_len(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c & 0xc0) != 0x80)
            n += c >= 0xf0 ? 2 : 1;
    }
    return n;
}

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    static const char *const ok[] = { "PUBLIC_TO_EVERYONE",
                                      "MUTUAL_FOLLOW_FRIENDS",
                                      "FOLLOWER_OF_CREATOR", "SELF_ONLY",
                                      NULL };
    const char *p = privacy_of(sv__plat_meta(c, "tiktok", "privacy",
                                             c->meta.privacy));
    const char *t = sv__plat_meta(c, "tiktok", "title", c->meta.title);
    int i;

    for (i = 0; ok[i] != NULL; i++)
        if (strcmp(ok[i], p) == 0)
            break;
    if (ok[i] == NULL) {
        snprintf(err, size, "tiktok: no privacy '%s' (TikTok has public, "
                 "private, or --set tiktok.privacy=MUTUAL_FOLLOW_FRIENDS|"
                 "FOLLOWER_OF_CREATOR)", p);
        return SV_EUSAGE;
    }
    if (t != NULL && utf16_len(t) > 2200) {
        snprintf(err, size, "tiktok: a title has at most 2200 UTF-16 "
                 "units");
        return SV_EUSAGE;
    }
    if (c->chunk_size > 0 && (c->chunk_size < CHUNK_MIN ||
                              c->chunk_size > CHUNK_MAX)) {
        snprintf(err, size, "tiktok: chunks are 5M to 64M "
                 "(--chunk-size)");
        return SV_EUSAGE;
    }
    if (c->meta.publish_at != NULL) {
        snprintf(err, size, "tiktok: the API cannot schedule a post "
                 "(--publish-at)");
        return SV_EUSAGE;
    }
    t = sv__plat_meta(c, "tiktok", "video_url", NULL);
    if (t != NULL && strncmp(t, "https://", 8) != 0 &&
        strncmp(t, "http://", 7) != 0) {
        snprintf(err, size, "tiktok: video_url is a URL TikTok can fetch "
                 "(http:// or https://), not '%s'", t);
        return SV_EUSAGE;
    }
    return 0;
}

/* PULL_FROM_URL: TikTok fetches the file from this URL itself */
static const char *
pull_url(const struct sv_plat_job *j)
{
    return sv__plat_meta(j->c, "tiktok", "video_url", NULL);
}

/* chunk size and count as the guide says: floor(), the last takes the
 * rest; under 5 MiB (or at most one chunk) the whole file is one chunk */
static int
plan(struct sv_plat_job *j, int64_t *chunk, int64_t *count)
{
    int64_t cs = j->chunk;

    if (cs < CHUNK_MIN)
        cs = CHUNK_MIN;
    if (cs > CHUNK_MAX)
        cs = CHUNK_MAX;
    if (j->size < CHUNK_MIN || j->size <= cs) {
        if (j->size > CHUNK_MAX)
            return sv__plat_fail(j, SV_ELIMIT, "file too large");
        *chunk = j->size;
        *count = 1;
        return 0;
    }
    if (j->size / cs > CHUNKS_MAX)
        cs = (j->size + CHUNKS_MAX - 1) / CHUNKS_MAX;
    if (cs > CHUNK_MAX)
        return sv__plat_fail(j, SV_ELIMIT, "file too large for %d chunks "
                             "of 64 MiB", CHUNKS_MAX);
    *chunk = cs;
    *count = j->size / cs;
    return 0;
}

/* POST a JSON body to path; error.code "ok" or a failure */
static int
api(struct sv_plat_job *j, const char *path, json_t *body, json_t **data)
{
    const char *hdrs[2] = { "Content-Type: application/json; charset=UTF-8",
                            NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char url[1024], *text;
    const char *code;
    json_t *o;
    int rc;

    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL)
        return -ENOMEM;
    sv__plat_url(j, 0, path, url, sizeof(url));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = text;
    q.body_len = strlen(text);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    free(text);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    o = sv__plat_json(&r);
    code = json_string_value(json_object_get(json_object_get(o, "error"),
                                             "code"));
    if (r.status != 200 || code == NULL || strcmp(code, "ok") != 0) {
        if (r.status == 200)
            r.status = 400;
        rc = sv__plat_http_fail(j, path, &r);
        json_decref(o);
        sv_http_reply_release(&r);
        return rc;
    }
    sv_http_reply_release(&r);
    *data = json_incref(json_object_get(o, "data"));
    json_decref(o);
    return 0;
}

static int
start(struct sv_plat_job *j)
{
    const struct sv_plat_conf *c = j->c;
    const char *p = privacy_of(sv__plat_meta(c, "tiktok", "privacy",
                                             c->meta.privacy));
    const char *user, *pid, *up;
    json_t *d, *opts, *pi;
    int64_t chunk = 0, count = 0;
    char tbuf[256];
    size_t i;
    int rc;

    if (pull_url(j) == NULL) {
        rc = plan(j, &chunk, &count);
        if (rc < 0)
            return rc;
        j->chunk = chunk;
    }
    /* the creator's own choices bound ours: privacy must be among them */
    rc = api(j, "/v2/post/publish/creator_info/query/", json_object(), &d);
    if (rc < 0)
        return rc;
    opts = json_object_get(d, "privacy_level_options");
    for (i = 0; i < json_array_size(opts); i++)
        if (json_is_string(json_array_get(opts, i)) &&
            strcmp(json_string_value(json_array_get(opts, i)), p) == 0)
            break;
    if (i == json_array_size(opts)) {
        json_decref(d);
        snprintf(j->reason, sizeof(j->reason),
                 "privacy_level_option_mismatch");
        return sv__plat_fail(j, SV_EUSAGE, "privacy %s is not among this "
                             "creator's options", p);
    }
    user = json_string_value(json_object_get(d, "creator_username"));
    snprintf(j->aux, sizeof(j->aux), "%s", user != NULL ? user : "");
    json_decref(d);
    pi = json_pack("{s:s,s:s}", "title",
                   sv__plat_meta(c, "tiktok", "title",
                                 sv__plat_title(j, tbuf, sizeof(tbuf))),
                   "privacy_level", p);
    if (sv__plat_meta(c, "tiktok", "disable_comment", NULL) != NULL)
        json_object_set_new(pi, "disable_comment", json_boolean(strcmp(
                sv__plat_meta(c, "tiktok", "disable_comment", NULL),
                "true") == 0));
    if (pull_url(j) != NULL)
        rc = api(j, "/v2/post/publish/video/init/",
                 json_pack("{s:o,s:{s:s,s:s}}", "post_info", pi,
                           "source_info", "source", "PULL_FROM_URL",
                           "video_url", pull_url(j)), &d);
    else
        rc = api(j, "/v2/post/publish/video/init/",
                 json_pack("{s:o,s:{s:s,s:I,s:I,s:I}}", "post_info", pi,
                           "source_info", "source", "FILE_UPLOAD",
                           "video_size", (json_int_t)j->size,
                           "chunk_size", (json_int_t)chunk,
                           "total_chunk_count", (json_int_t)count), &d);
    if (rc < 0 && strcmp(j->reason, "url_ownership_unverified") == 0)
        /* the media transfer guide: pulls come only from a domain or URL
         * prefix the app has verified */
        snprintf(j->err + strlen(j->err), sizeof(j->err) - strlen(j->err),
                 " (TikTok pulls only from a domain or URL prefix verified "
                 "for this app in its developer portal)");
    if (rc < 0)
        return rc;
    pid = json_string_value(json_object_get(d, "publish_id"));
    up = json_string_value(json_object_get(d, "upload_url"));
    if (pid != NULL && pull_url(j) != NULL) {
        /* nothing to send: TikTok downloads it */
        snprintf(j->id, sizeof(j->id), "%s", pid);
        j->extra = json_pack("{s:s,s:s}", "publish_id", pid, "source",
                             "PULL_FROM_URL");
        json_decref(d);
        return 0;
    }
    if (pid == NULL || up == NULL) {
        json_decref(d);
        return sv__plat_fail(j, SV_EPROTO, "init: no publish_id or "
                             "upload_url");
    }
    snprintf(j->id, sizeof(j->id), "%s", pid);
    snprintf(j->session, sizeof(j->session), "%s", up);
    j->extra = json_pack("{s:s,s:I,s:I}", "publish_id", pid,
                         "chunk_size", (json_int_t)chunk,
                         "chunks", (json_int_t)count);
    json_decref(d);
    return 0;
}

static int
send_file(struct sv_plat_job *j)
{
    int64_t chunk = j->chunk, count = j->size / chunk, i;
    char cr[128], type[96];
    const char *hdrs[3] = { type, cr, NULL };
    int rc;

    if (pull_url(j) != NULL) {
        snprintf(j->state, sizeof(j->state), "PROCESSING_DOWNLOAD");
        return 0;
    }
    if (count < 1)
        count = 1;
    snprintf(type, sizeof(type), "Content-Type: %s", sv__plat_type(j->file));
    for (i = 0; i < count; i++) {
        int64_t first = i * chunk;
        int64_t last = i == count - 1 ? j->size - 1 : first + chunk - 1;
        int fails = 0;

        for (;;) {
            struct sv_http_req q = { 0 };
            struct sv_http_reply r;

            snprintf(cr, sizeof(cr), "Content-Range: bytes %" PRId64 "-%"
                     PRId64 "/%" PRId64, first, last, j->size);
            q.method = "PUT";
            q.url = j->session;
            q.headers = hdrs;
            q.body_from_fd = 1;
            q.body_fd = j->fd;
            q.body_off = first;
            q.body_len = (size_t)(last - first + 1);
            rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
            if (rc == 0 && (r.status == 206 || r.status == 201 ||
                            r.status == 200)) {
                sv_http_reply_release(&r);
                break;
            }
            if (rc == 0 && r.status < 500 && r.status != 429) {
                rc = sv__plat_http_fail(j, "uploading a chunk", &r);
                sv_http_reply_release(&r);
                return rc;
            }
            sv_http_reply_release(&r);
            /* no offset query in this API: the chunk goes again whole */
            if (fails++ >= j->c->retries)
                return rc < 0 ? rc : sv__plat_fail(j, SV_EPROTO,
                                                   "uploading chunk %"
                                                   PRId64 ": server error",
                                                   i + 1);
            if (!sv__plat_backoff(j, fails - 1))
                return SV_EINTR;
            j->resumes++;
            sv_log_debug("tiktok: chunk %" PRId64 " again", i + 1);
        }
        j->confirmed = last + 1;
        sv__plat_progress(j);
    }
    snprintf(j->state, sizeof(j->state), "processing");
    return 0;
}

static int
fetch(struct sv_plat_job *j, const char *pid, json_t **d)
{
    return api(j, "/v2/post/publish/status/fetch/",
               json_pack("{s:s}", "publish_id", pid), d);
}

static int
poll_processing(struct sv_plat_job *j, int *done)
{
    const char *pid = json_string_value(json_object_get(j->extra,
                                                        "publish_id"));
    const char *st, *why;
    json_t *d, *ids;
    int rc;

    rc = fetch(j, pid != NULL ? pid : j->id, &d);
    if (rc < 0)
        return rc;
    st = json_string_value(json_object_get(d, "status"));
    *done = 0;
    snprintf(j->state, sizeof(j->state), "%s", st != NULL ? st : "unknown");
    if (st != NULL && strcmp(st, "FAILED") == 0) {
        why = json_string_value(json_object_get(d, "fail_reason"));
        snprintf(j->reason, sizeof(j->reason), "%s", why != NULL ? why
                 : "FAILED");
        rc = sv__plat_fail(j, SV_EFORMAT, "processing failed: %s",
                           j->reason);
    } else if (st != NULL && (strcmp(st, "PUBLISH_COMPLETE") == 0 ||
                              strcmp(st, "SEND_TO_USER_INBOX") == 0)) {
        ids = json_object_get(d, "publicaly_available_post_id");
        if (json_array_size(ids) > 0) {
            json_t *v = json_array_get(ids, 0);

            if (json_is_integer(v))
                snprintf(j->id, sizeof(j->id), "%" JSON_INTEGER_FORMAT,
                         json_integer_value(v));
            else if (json_is_string(v))
                snprintf(j->id, sizeof(j->id), "%s", json_string_value(v));
            snprintf(j->url, sizeof(j->url),
                     "https://www.tiktok.com/@%.64s/video/%.64s", j->aux, j->id);
        }
        if (pull_url(j) != NULL &&
            json_is_integer(json_object_get(d, "downloaded_bytes")))
            json_object_set(j->extra, "downloaded",
                            json_object_get(d, "downloaded_bytes"));
        *done = 1;
    }
    json_decref(d);
    return rc;
}

static int
status(struct sv_plat_job *j, const char *id, json_t **out)
{
    json_t *d;
    int rc;

    rc = fetch(j, id, &d);
    if (rc < 0)
        return rc;
    *out = json_pack("{s:O?,s:O?,s:O?}", "state",
                     json_object_get(d, "status"), "fail_reason",
                     json_object_get(d, "fail_reason"), "post_ids",
                     json_object_get(d, "publicaly_available_post_id"));
    json_decref(d);
    return *out != NULL ? 0 : -ENOMEM;
}

const struct sv_plat_ops sv__plat_tiktok = {
    .name = "tiktok",
    .caps = SV_PLAT_VOD | SV_PLAT_RESUME | SV_PLAT_REFRESH |
        SV_PLAT_ROTATE | SV_PLAT_PKCE | SV_PLAT_STATUS,
    .api = "https://open.tiktokapis.com",
    .auth_url = "https://www.tiktok.com/v2/auth/authorize/",
    .token_url = "https://open.tiktokapis.com/v2/oauth/token/",
    .scope = "user.info.basic video.publish video.upload",
    .scope_sep = ",",
    .client = SV_PLAT_CLIENT_KEY,
    .chunk_default = 10000000,
    .check = check,
    .start = start,
    .send = send_file,
    .poll = poll_processing,
    .status = status,
};
