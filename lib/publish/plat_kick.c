/* plat_kick.c -- Kick: live only; the stream URL and key of the public API */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/*
 * Kick's public API (KickEngineering/KickDevDocs: getting-started/
 * generating-tokens-oauth2-flow.md, apis/channels.md, scopes/scopes.md)
 * has no upload and no broadcast object: the owner's channel carries
 * stream.url and stream.key (scope streamkey:read), and pushing RTMPS
 * there goes live.  OAuth 2.1 on id.kick.com with mandatory S256 PKCE;
 * each refresh returns a new refresh token too.
 *   GET  /public/v1/channels          (no query: the token's own channel)
 *   PATCH /public/v1/channels {stream_title}   (channel:write, 204)
 */

#define API "/public/v1/channels"

static int
call(struct sv_plat_job *j, const char *method, const char *body,
     struct sv_http_reply *r)
{
    const char *hdrs[3] = { "Accept: application/json", NULL, NULL };
    struct sv_http_req q = { 0 };
    char url[1024];

    sv__plat_url(j, 0, API, url, sizeof(url));
    q.method = method;
    q.url = url;
    if (body != NULL) {
        hdrs[1] = "Content-Type: application/json";
        q.body = body;
        q.body_len = strlen(body);
    }
    q.headers = hdrs;
    q.sent = &(int64_t){ 0 };
    return sv__plat_call(j, &q, SV_PLAT_AUTH, r);
}

static int
set_title(struct sv_plat_job *j, const char *title)
{
    struct sv_http_reply r;
    json_t *o = json_pack("{s:s}", "stream_title", title);
    char *body = json_dumps(o, JSON_COMPACT);
    int rc;

    json_decref(o);
    if (body == NULL)
        return -ENOMEM;
    rc = call(j, "PATCH", body, &r);
    free(body);
    if (rc == 0 && r.status != 204 && r.status != 200)
        rc = sv__plat_http_fail(j, "setting the stream title", &r);
    sv_http_reply_release(&r);
    return rc;
}

/* url + key: a URL with an application path takes "/key"; a bare host
 * (IVS-style ingest) takes "/app/key" */
static int
join(struct sv_plat_job *j, const char *u, const char *key, char *out,
     size_t size)
{
    const char *host = strstr(u, "://");
    const char *path = host != NULL ? strchr(host + 3, '/') : NULL;
    size_t n = strlen(u);
    int w;

    if (host == NULL || (strncmp(u, "rtmp://", 7) != 0 &&
                         strncmp(u, "rtmps://", 8) != 0))
        return sv__plat_fail(j, SV_EPROTO, "channels: stream.url is not "
                             "rtmp(s)://");
    while (n > 0 && u[n - 1] == '/')
        n--;
    if (path == NULL || path >= u + n)
        w = snprintf(out, size, "%.*s/app/%s", (int)n, u, key);
    else
        w = snprintf(out, size, "%.*s/%s", (int)n, u, key);
    if (w < 0 || (size_t)w >= size)
        return sv__plat_fail(j, SV_ELIMIT, "ingest URL too long");
    return 0;
}

static int
live(struct sv_plat_job *j, char *url, size_t size)
{
    const char *title = sv__plat_meta(j->c, "kick", "title",
                                      j->c->meta.title);
    struct sv_http_reply r;
    const char *u, *key, *slug;
    json_t *o, *ch, *st;
    int rc;

    rc = call(j, "GET", NULL, &r);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, "reading the channel", &r);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    o = sv__plat_json(&r);
    sv_http_reply_release(&r);
    ch = json_array_get(json_object_get(o, "data"), 0);
    st = json_object_get(ch, "stream");
    u = json_string_value(json_object_get(st, "url"));
    key = json_string_value(json_object_get(st, "key"));
    if (!json_is_object(ch)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "channels: no channel in data");
    }
    if (u == NULL || key == NULL || u[0] == '\0' || key[0] == '\0') {
        json_decref(o);
        return sv__plat_fail(j, SV_EAUTH, "channels: no stream url and key "
                             "(the token lacks streamkey:read: run "
                             "'sv-publish auth kick')");
    }
    if (strpbrk(key, "/?# ") != NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "channels: bad stream key");
    }
    rc = join(j, u, key, url, size);
    slug = json_string_value(json_object_get(ch, "slug"));
    if (slug != NULL)
        snprintf(j->id, sizeof(j->id), "%s", slug);
    json_decref(o);
    if (rc == 0 && title != NULL)
        rc = set_title(j, title);
    return rc;
}

const struct sv_plat_ops sv__plat_kick = {
    .name = "kick",
    .caps = SV_PLAT_LIVE_KEY | SV_PLAT_REFRESH | SV_PLAT_ROTATE |
        SV_PLAT_PKCE,
    .api = "https://api.kick.com",
    .auth_url = "https://id.kick.com/oauth/authorize",
    .token_url = "https://id.kick.com/oauth/token",
    .scope = "user:read channel:read channel:write streamkey:read",
    .scope_sep = " ",
    .client = SV_PLAT_CLIENT_FORM,
    .live = live,
};
