/* plat_instagram.c -- Instagram Reels (Graph API): a REELS container,
 * the resumable rupload, status_code polls, media_publish */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/*
 * developers.facebook.com/docs/instagram-platform/content-publishing/
 * resumable-uploads (Facebook Login for Business, graph.facebook.com):
 * POST /{ig-user-id}/media media_type=REELS upload_type=resumable caption
 * -> {"id": container}; POST rupload.facebook.com/ig-api-upload/v{N}/
 * {container} with "Authorization: OAuth <token>", "offset", "file_size"
 * and the bytes from offset -> {"success":true}; GET /{container}?fields=
 * status_code,status until FINISHED (ERROR, EXPIRED: failures; containers
 * expire after 24 h); POST /{ig-user-id}/media_publish creation_id ->
 * {"id": media}.  After a cut, a GET of the rupload URL tells the offset
 * the server holds (as clients of it do; the document says only to send
 * again from an offset); when it cannot tell, the upload starts at 0.
 * Captions: at most 2200 characters and 30 hashtags.
 */

#define CAPTION_MAX 2200
#define HASHTAGS_MAX 30

static const char *
caption_of(const struct sv_plat_conf *c)
{
    return sv__plat_meta(c, "instagram", "caption",
                         sv__plat_meta(c, "instagram", "description",
                                       c->meta.description));
}

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    const char *cap = caption_of(c), *p;
    const char *s = sv__plat_meta(c, "instagram", "share_to_feed", NULL);
    size_t chars = 0;
    int tags = 0;

    for (p = cap; p != NULL && *p != '\0'; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80)
            chars++;
        if (*p == '#')
            tags++;
    }
    if (chars > CAPTION_MAX) {
        snprintf(err, size, "instagram: the caption is %zu characters, "
                 "more than %d", chars, CAPTION_MAX);
        return SV_EUSAGE;
    }
    if (tags > HASHTAGS_MAX) {
        snprintf(err, size, "instagram: the caption has %d hashtags, more "
                 "than %d", tags, HASHTAGS_MAX);
        return SV_EUSAGE;
    }
    if (s != NULL && strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
        snprintf(err, size, "instagram: share_to_feed is true or false, "
                 "not '%s'", s);
        return SV_EUSAGE;
    }
    if (c->meta.publish_at != NULL) {
        snprintf(err, size, "instagram: the API has no scheduled "
                 "publishing (--publish-at)");
        return SV_EUSAGE;
    }
    return 0;
}

static int
user_of(struct sv_plat_job *j, char *id, size_t size)
{
    if (sv_creds_get(j->creds, "instagram", "ig_user_id", id, size) < 0 ||
        id[0] == '\0' || strspn(id, "0123456789") != strlen(id))
        return sv__plat_fail(j, SV_EAUTH, "instagram: no numeric "
                             "ig_user_id in '%s' (or "
                             "SV_INSTAGRAM_IG_USER_ID)",
                             sv_creds_path(j->creds));
    return 0;
}

static int
start(struct sv_plat_job *j)
{
    char user[64], path[256], form[16384];
    const char *id;
    json_t *o;
    int rc;

    rc = user_of(j, user, sizeof(user));
    if (rc < 0)
        return rc;
    form[0] = '\0';
    sv__plat_form(form, sizeof(form), "access_token", j->token);
    sv__plat_form(form, sizeof(form), "media_type", "REELS");
    sv__plat_form(form, sizeof(form), "upload_type", "resumable");
    sv__plat_form(form, sizeof(form), "caption", caption_of(j->c));
    sv__plat_form(form, sizeof(form), "thumb_offset",
                  sv__plat_meta(j->c, "instagram", "thumb_offset", NULL));
    rc = sv__plat_form(form, sizeof(form), "share_to_feed",
                       sv__plat_meta(j->c, "instagram", "share_to_feed",
                                     NULL));
    if (rc < 0)
        return sv__plat_fail(j, rc, "instagram: the caption is too long");
    snprintf(path, sizeof(path), SV_GRAPH_V "/%s/media", user);
    rc = sv__graph_post(j, 0, path, form, "creating the container", &o);
    explicit_bzero(form, sizeof(form));
    if (rc < 0)
        return rc;
    id = json_string_value(json_object_get(o, "id"));
    if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "creating the container: no id "
                             "in the answer");
    }
    /* the container until media_publish gives the media id */
    snprintf(j->aux, sizeof(j->aux), "%s", id);
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(path, sizeof(path), "/ig-api-upload" SV_GRAPH_V "/%s", id);
    sv__plat_url(j, 1, path, j->session, sizeof(j->session));
    json_decref(o);
    return 0;
}

/* asks the rupload URL what it holds: j->confirmed, or 0 when it can't */
static int
ask_offset(struct sv_plat_job *j)
{
    char auth[4200];
    const char *hdrs[2] = { auth, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    int64_t n = -1;
    json_t *o;
    int rc;

    snprintf(auth, sizeof(auth), "Authorization: OAuth %s", j->token);
    q.url = j->session;
    q.headers = hdrs;
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
    explicit_bzero(auth, sizeof(auth));
    if (rc < 0)
        return rc;
    if (r.status == 200) {
        o = sv__plat_json(&r);
        n = sv__graph_int(json_object_get(o, "offset"));
        json_decref(o);
    }
    sv_http_reply_release(&r);
    if (n < 0 || n > j->size) {
        sv_log_info("instagram: the server tells no offset: from byte 0");
        n = 0;
    }
    j->confirmed = n;
    return 0;
}

static int
send_file(struct sv_plat_job *j)
{
    char auth[4200], off[48], fsz[48];
    const char *hdrs[5] = { auth, off, fsz,
                            "Content-Type: application/octet-stream",
                            NULL };
    int fails = 0, transient, rc;

    snprintf(auth, sizeof(auth), "Authorization: OAuth %s", j->token);
    snprintf(fsz, sizeof(fsz), "file_size: %" PRId64, j->size);
    for (;;) {
        struct sv_http_req q = { 0 };
        struct sv_http_reply r;
        json_t *o;

        snprintf(off, sizeof(off), "offset: %" PRId64, j->confirmed);
        q.method = "POST";
        q.url = j->session;
        q.headers = hdrs;
        q.body_from_fd = 1;
        q.body_fd = j->fd;
        q.body_off = j->confirmed;
        q.body_len = (size_t)(j->size - j->confirmed);
        rc = sv__plat_call(j, &q, SV_PLAT_ONCE, &r);
        if (rc == 0 && r.status == 200) {
            o = sv__plat_json(&r);
            sv_http_reply_release(&r);
            rc = json_is_true(json_object_get(o, "success")) ? 0
                : sv__plat_fail(j, SV_EPROTO, "uploading: no success in "
                                "the answer");
            json_decref(o);
            if (rc == 0)
                break;
            goto out;
        }
        transient = 1;
        if (rc == 0) {
            rc = sv__graph_fail(j, "uploading", &r, &transient);
            sv_http_reply_release(&r);
        } else if (rc != SV_EPROTO) {
            goto out;
        }
        if (!transient || fails++ >= j->c->retries)
            goto out;
        if (!sv__plat_backoff(j, fails - 1)) {
            rc = SV_EINTR;
            goto out;
        }
        rc = ask_offset(j);
        if (rc < 0)
            goto out;
        j->resumes++;
        sv_log_debug("instagram: resuming at byte %" PRId64, j->confirmed);
    }
    j->confirmed = j->size;
    snprintf(j->state, sizeof(j->state), "uploaded");
    sv__plat_progress(j);
    rc = 0;
out:
    explicit_bzero(auth, sizeof(auth));
    return rc;
}

static int
poll_container(struct sv_plat_job *j, int *done)
{
    const char *sc, *st;
    json_t *o;
    int rc;

    rc = sv__graph_get(j, j->aux, "status_code,status", &o);
    if (rc < 0)
        return rc;
    sc = json_string_value(json_object_get(o, "status_code"));
    st = json_string_value(json_object_get(o, "status"));
    *done = 0;
    snprintf(j->state, sizeof(j->state), "%s", sc != NULL ? sc
             : "IN_PROGRESS");
    if (sc != NULL && (strcmp(sc, "ERROR") == 0 ||
                       strcmp(sc, "EXPIRED") == 0)) {
        snprintf(j->reason, sizeof(j->reason), "%s", sc);
        rc = sv__plat_fail(j, strcmp(sc, "ERROR") == 0 ? SV_EFORMAT
                           : -ETIMEDOUT, "the container is %s%s%s", sc,
                           st != NULL ? ": " : "", st != NULL ? st : "");
    } else if (sc != NULL && (strcmp(sc, "FINISHED") == 0 ||
                              strcmp(sc, "PUBLISHED") == 0)) {
        *done = 1;
    }
    json_decref(o);
    return rc;
}

static int
publish(struct sv_plat_job *j)
{
    char user[64], path[256], form[4608];
    const char *id, *link;
    json_t *o;
    int rc;

    rc = user_of(j, user, sizeof(user));
    if (rc < 0)
        return rc;
    form[0] = '\0';
    sv__plat_form(form, sizeof(form), "access_token", j->token);
    rc = sv__plat_form(form, sizeof(form), "creation_id", j->aux);
    if (rc < 0)
        return sv__plat_fail(j, rc, "instagram: the token is too long");
    snprintf(path, sizeof(path), SV_GRAPH_V "/%s/media_publish", user);
    rc = sv__graph_post(j, 0, path, form, "publishing", &o);
    explicit_bzero(form, sizeof(form));
    if (rc < 0)
        return rc;
    id = json_string_value(json_object_get(o, "id"));
    if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "publishing: no media id in "
                             "the answer");
    }
    snprintf(j->id, sizeof(j->id), "%s", id);
    json_decref(o);
    j->extra = json_pack("{s:s}", "container", j->aux);
    snprintf(j->state, sizeof(j->state), "PUBLISHED");
    /* the permalink is the media's own field */
    if (sv__graph_get(j, j->id, "permalink", &o) == 0) {
        link = json_string_value(json_object_get(o, "permalink"));
        if (link != NULL)
            snprintf(j->url, sizeof(j->url), "%s", link);
        json_decref(o);
    } else {
        sv_log_info("instagram: published %s, its permalink unread: %s",
                    j->id, j->err);
        j->err[0] = '\0';
    }
    return 0;
}

static int
status(struct sv_plat_job *j, const char *id, json_t **out)
{
    json_t *o, *res;
    int rc;

    rc = sv__graph_get(j, id, "permalink,like_count,comments_count", &o);
    if (rc < 0)
        return rc;
    res = json_object();
    json_object_set_new(res, "state", json_string("PUBLISHED"));
    json_object_set(res, "url", json_object_get(o, "permalink"));
    /* plays are only in the media insights: not read here */
    json_object_set(res, "likes", json_object_get(o, "like_count"));
    json_object_set(res, "comments", json_object_get(o, "comments_count"));
    json_decref(o);
    *out = res;
    return 0;
}

const struct sv_plat_ops sv__plat_instagram = {
    .name = "instagram",
    /* the token of Facebook Login for Business: long-lived, no refresh
     * grant */
    .caps = SV_PLAT_VOD | SV_PLAT_RESUME | SV_PLAT_STATUS,
    .api = "https://graph.facebook.com",
    .upload = "https://rupload.facebook.com",
    .client = SV_PLAT_CLIENT_FORM,
    .check = check,
    .start = start,
    .send = send_file,
    .poll = poll_container,
    .publish = publish,
    .status = status,
    .auth = sv__graph_auth,
};
