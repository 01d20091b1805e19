/* plat_twitch.c -- Twitch: live only; the stream key by Helix, RTMP ingest */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/*
 * Twitch has no upload API (Kraken's video upload ended with v5 on
 * 2022-02-28; Helix only gets and deletes videos).  Live is a stream key
 * pushed to an ingest server: no broadcast object exists, pushing goes
 * live.  Steps (dev.twitch.tv/docs/authentication/validate-tokens,
 * .../api/reference#get-stream-key, ingest.twitch.tv/ingests):
 *   GET id.twitch.tv/oauth2/validate (Authorization: OAuth) -> user_id
 *   GET api.twitch.tv/helix/streams/key?broadcaster_id=ID (Bearer and
 *       Client-Id) -> data[0].stream_key
 *   GET ingest.twitch.tv/ingests -> ingests[].url_template with
 *       {stream_key}
 *   PATCH api.twitch.tv/helix/channels?broadcaster_id=ID {title} when a
 *       title is given (204).
 */

#define ID_HOST "https://id.twitch.tv"
#define INGEST_HOST "https://ingest.twitch.tv"

/* path on host, or on --api's host when there is one */
static void
host_url(const struct sv_plat_job *j, const char *host, const char *path,
         char *out, size_t size)
{
    snprintf(out, size, "%s%s", j->base[0] != '\0' ? j->base : host, path);
}

/* GET url with the headers; 200 JSON into *out.  On a 401 with auth set,
 * the token is refreshed once and the call repeated. */
static int
get_json(struct sv_plat_job *j, const char *what, const char *url,
         int helix, json_t **out)
{
    char auth[4200], cid[600];
    const char *hdrs[3] = { NULL, NULL, NULL };
    struct sv_http_req q;
    struct sv_http_reply r;
    int rc, again = 0;

    if (helix) {
        if (sv_creds_get(j->creds, "twitch", "client_id", cid + 11,
                         sizeof(cid) - 11) < 0)
            return sv__plat_fail(j, SV_EAUTH, "no client_id for twitch "
                                 "(set SV_TWITCH_CLIENT_ID or put it in "
                                 "'%s'): Helix needs Client-Id",
                                 sv_creds_path(j->creds));
        memcpy(cid, "Client-Id: ", 11);
        hdrs[0] = cid;
    }
    for (;;) {
        memset(&q, 0, sizeof(q));
        q.url = url;
        q.sent = &(int64_t){ 0 };
        if (!helix && strstr(url, "/oauth2/validate") != NULL) {
            /* validate takes the token as "OAuth", as its page shows */
            snprintf(auth, sizeof(auth), "Authorization: OAuth %s",
                     j->token);
            hdrs[0] = auth;
            q.headers = hdrs;
            rc = sv__plat_call(j, &q, 0, &r);
        } else {
            q.headers = hdrs;
            rc = sv__plat_call(j, &q, helix ? SV_PLAT_AUTH : 0, &r);
        }
        if (rc == 0 && r.status == 401 && !helix && !again &&
            hdrs[0] == auth) {
            sv_http_reply_release(&r);
            again = 1;
            rc = sv__plat_refresh(j);
            if (rc < 0)
                return rc;
            continue;
        }
        break;
    }
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, what, &r);
    if (rc == 0 && (*out = sv__plat_json(&r)) == NULL)
        rc = sv__plat_fail(j, SV_EPROTO, "%s: not JSON", what);
    sv_http_reply_release(&r);
    explicit_bzero(auth, sizeof(auth));
    return rc;
}

/* the title on the channel (Modify Channel Information, 204) */
static int
set_title(struct sv_plat_job *j, const char *uid, const char *title)
{
    char url[1024], cid[600], *body;
    const char *hdrs[3] = { "Content-Type: application/json", cid, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    json_t *o;
    int rc;

    if (sv_creds_get(j->creds, "twitch", "client_id", cid + 11,
                     sizeof(cid) - 11) < 0)
        return SV_EAUTH;
    memcpy(cid, "Client-Id: ", 11);
    snprintf(url, sizeof(url), "%s/helix/channels?broadcaster_id=%s",
             j->base[0] != '\0' ? j->base : j->ops->api, uid);
    o = json_pack("{s:s}", "title", title);
    body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (body == NULL)
        return -ENOMEM;
    q.method = "PATCH";
    q.url = url;
    q.headers = hdrs;
    q.body = body;
    q.body_len = strlen(body);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    free(body);
    if (rc == 0 && r.status != 204 && r.status != 200)
        rc = sv__plat_http_fail(j, "setting the title", &r);
    sv_http_reply_release(&r);
    return rc;
}

/* ingests[]: the default one (else the first), its template filled */
static int
ingest_url(struct sv_plat_job *j, const char *key, int secure, char *url,
           size_t size)
{
    char u[1024];
    json_t *o, *arr, *pick = NULL, *e;
    const char *tpl, *at;
    size_t i;
    int rc;

    host_url(j, INGEST_HOST, "/ingests", u, sizeof(u));
    rc = get_json(j, "reading the ingest servers", u, 0, &o);
    if (rc < 0)
        return rc;
    arr = json_object_get(o, "ingests");
    json_array_foreach(arr, i, e) {
        if (pick == NULL || json_is_true(json_object_get(e, "default")))
            pick = e;
        if (json_is_true(json_object_get(e, "default")))
            break;
    }
    tpl = json_string_value(json_object_get(pick, secure ?
                                            "url_template_secure" :
                                            "url_template"));
    at = tpl != NULL ? strstr(tpl, "{stream_key}") : NULL;
    if (at == NULL || (strncmp(tpl, "rtmp://", 7) != 0 &&
                       strncmp(tpl, "rtmps://", 8) != 0)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "/ingests: no %s with "
                             "{stream_key}", secure ? "url_template_secure"
                             : "url_template");
    }
    if ((size_t)snprintf(url, size, "%.*s%s%s", (int)(at - tpl), tpl, key,
                         at + 12) >= size)
        rc = sv__plat_fail(j, SV_ELIMIT, "ingest URL too long");
    json_decref(o);
    return rc;
}

static int
live(struct sv_plat_job *j, char *url, size_t size)
{
    const char *sec = sv__plat_meta(j->c, "twitch", "rtmps", NULL);
    const char *title = sv__plat_meta(j->c, "twitch", "title",
                                      j->c->meta.title);
    char u[1024], uid[64], key[512];
    const char *s;
    json_t *o, *d;
    int rc;

    /* validation is mandatory at start; it names the broadcaster too */
    host_url(j, ID_HOST, "/oauth2/validate", u, sizeof(u));
    rc = get_json(j, "validating the token", u, 0, &o);
    if (rc < 0)
        return rc;
    s = json_string_value(json_object_get(o, "user_id"));
    if (s == NULL || strlen(s) >= sizeof(uid) ||
        strspn(s, "0123456789") != strlen(s)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "/oauth2/validate: no user_id "
                             "(an app token? live needs a user token)");
    }
    snprintf(uid, sizeof(uid), "%s", s);
    json_decref(o);
    snprintf(u, sizeof(u), "%s/helix/streams/key?broadcaster_id=%s",
             j->base[0] != '\0' ? j->base : j->ops->api, uid);
    rc = get_json(j, "reading the stream key", u, 1, &o);
    if (rc < 0)
        return rc;
    d = json_array_get(json_object_get(o, "data"), 0);
    s = json_string_value(json_object_get(d, "stream_key"));
    if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof(key) ||
        strpbrk(s, "/?# ") != NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "/helix/streams/key: no "
                             "stream_key");
    }
    snprintf(key, sizeof(key), "%s", s);
    json_decref(o);
    if (title != NULL) {
        rc = set_title(j, uid, title);
        if (rc < 0) {
            explicit_bzero(key, sizeof(key));
            return rc;
        }
    }
    rc = ingest_url(j, key, sec != NULL && (strcmp(sec, "yes") == 0 ||
                                            strcmp(sec, "true") == 0),
                    url, size);
    explicit_bzero(key, sizeof(key));
    snprintf(j->id, sizeof(j->id), "%s", uid);
    return rc;
}

const struct sv_plat_ops sv__plat_twitch = {
    .name = "twitch",
    .caps = SV_PLAT_LIVE_KEY | SV_PLAT_REFRESH,
    .api = "https://api.twitch.tv",
    .auth_url = ID_HOST "/oauth2/authorize",
    .token_url = ID_HOST "/oauth2/token",
    .scope = "channel:read:stream_key channel:manage:broadcast",
    .scope_sep = " ",
    .client = SV_PLAT_CLIENT_FORM,
    .live = live,
};
