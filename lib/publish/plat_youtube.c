/* plat_youtube.c -- YouTube Data API v3: resumable upload, status, live */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"
#include "publish/ytquota.h"

#define CHUNK_UNIT (256 * 1024)     /* chunks are multiples of 256 KiB */

/* ---- quota: every call's cost, kept per project and Pacific day ---- */

/* the state file beside the credentials */
static void
quota_path(struct sv_plat_job *j, char *out, size_t size)
{
    const char *cp = sv_creds_path(j->creds), *slash = strrchr(cp, '/');

    snprintf(out, size, "%.*syoutube-quota.json",
             slash != NULL ? (int)(slash - cp + 1) : 0, cp);
}

static int
costs_of(struct sv_plat_job *j, struct sv_ytq_costs *k, char *err,
         size_t size)
{
    int rc = sv_ytq_costs(j->c, k, err, size);

    /* the OAuth client belongs to one Google Cloud project */
    if (rc == 0 && k->project[0] == '\0' &&
        sv_creds_get(j->creds, "youtube", "client_id", k->project,
                     sizeof(k->project)) < 0)
        k->project[0] = '\0';
    return rc;
}

/* the units and uploads of n calls */
static void
price(const struct sv_ytq_costs *k, enum sv_ytq_call call, int64_t n,
      int64_t *units, int64_t *uploads)
{
    if (call == SV_YTQ_INSERT && k->uploads > 0)
        *uploads += n * k->cost[call];  /* its own bucket of calls */
    else
        *units += n * k->cost[call];
}

/*
 * Counts a call that reached the API (invalid ones cost too).  After a
 * quotaExceeded the server is right: the day's bucket is marked spent, so
 * the next run is refused before it asks.
 */
static void
charge(struct sv_plat_job *j, enum sv_ytq_call call, long status)
{
    struct sv_ytq_costs k;
    int64_t units = 0, uploads = 0;
    char path[1200], err[512];

    if (costs_of(j, &k, err, sizeof(err)) < 0)
        return;
    if (status == 403 && strcmp(j->reason, "quotaExceeded") == 0) {
        if (call == SV_YTQ_INSERT && k.uploads > 0)
            uploads = k.uploads;
        else
            units = k.units;
    } else {
        price(&k, call, 1, &units, &uploads);
    }
    quota_path(j, path, sizeof(path));
    if (sv_ytq_account(path, &k, units, uploads, 1, err, sizeof(err)) < 0)
        sv_log_warn("youtube: %s", err);
}

/* Refuses, before any request, a run that today's quota cannot pay. */
static int
quota(struct sv_plat_job *j, int what)
{
    struct sv_ytq_costs k;
    int64_t units = 0, uploads = 0;
    char path[1200];
    int rc;

    rc = costs_of(j, &k, j->err, sizeof(j->err));
    if (rc < 0)
        return rc;
    if (what == SV_PLAT_Q_UPLOAD) {
        price(&k, SV_YTQ_INSERT, 1, &units, &uploads);
        if (j->c->meta.thumbnail != NULL)
            price(&k, SV_YTQ_THUMB, 1, &units, &uploads);
        if (j->c->wait_us > 0)      /* one look at processing at least */
            price(&k, SV_YTQ_LIST, 1, &units, &uploads);
    } else if (what == SV_PLAT_Q_STATUS) {
        price(&k, SV_YTQ_LIST, 1, &units, &uploads);
    } else {
        price(&k, SV_YTQ_BROADCAST, 1, &units, &uploads);
        price(&k, SV_YTQ_STREAM, 1, &units, &uploads);
        price(&k, SV_YTQ_BIND, 1, &units, &uploads);
    }
    quota_path(j, path, sizeof(path));
    rc = sv_ytq_account(path, &k, units, uploads, 0, j->err,
                        sizeof(j->err));
    if (rc == SV_EQUOTA)
        snprintf(j->reason, sizeof(j->reason), "quotaWouldExceed");
    return rc;
}

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    const char *t = sv__plat_meta(c, "youtube", "title", c->meta.title);
    const char *d = sv__plat_meta(c, "youtube", "description",
                                  c->meta.description);
    const char *tags = sv__plat_meta(c, "youtube", "tags", c->meta.tags);
    const char *p = sv__plat_meta(c, "youtube", "privacy", c->meta.privacy);

    /* the documented limits of snippet (platforms.md, YouTube) */
    if (t != NULL && (strlen(t) > 100 || strpbrk(t, "<>") != NULL)) {
        snprintf(err, size, "youtube: a title has at most 100 characters "
                 "and no '<' or '>'");
        return SV_EUSAGE;
    }
    if (d != NULL && (strlen(d) > 5000 || strpbrk(d, "<>") != NULL)) {
        snprintf(err, size, "youtube: a description has at most 5000 "
                 "bytes and no '<' or '>'");
        return SV_EUSAGE;
    }
    if (tags != NULL && strlen(tags) > 500) {
        snprintf(err, size, "youtube: tags have at most 500 characters "
                 "together");
        return SV_EUSAGE;
    }
    if (p != NULL && strcmp(p, "public") != 0 && strcmp(p, "unlisted") != 0
        && strcmp(p, "private") != 0) {
        snprintf(err, size, "youtube: privacy is public, unlisted or "
                 "private, not '%s'", p);
        return SV_EUSAGE;
    }
    if (c->meta.publish_at != NULL && p != NULL &&
        strcmp(p, "private") != 0) {
        snprintf(err, size, "youtube: --publish-at needs --privacy private "
                 "(YouTube makes it public at that time)");
        return SV_EUSAGE;
    }
    {
        struct sv_ytq_costs k;
        int rc = sv_ytq_costs(c, &k, err, size);

        if (rc < 0)
            return rc;
    }
    if (c->chunk_size > 0 && c->chunk_size % CHUNK_UNIT != 0) {
        snprintf(err, size, "youtube: --chunk-size must be a multiple of "
                 "256K");
        return SV_EUSAGE;
    }
    return 0;
}

static json_t *
resource(struct sv_plat_job *j)
{
    const struct sv_plat_conf *c = j->c;
    const char *tags = sv__plat_meta(c, "youtube", "tags", c->meta.tags);
    const char *v;
    char tbuf[256];
    json_t *o, *sn, *st;

    o = json_object();
    sn = json_object();
    st = json_object();
    json_object_set_new(sn, "title", json_string(
            sv__plat_meta(c, "youtube", "title",
                          sv__plat_title(j, tbuf, sizeof(tbuf)))));
    v = sv__plat_meta(c, "youtube", "description", c->meta.description);
    if (v != NULL)
        json_object_set_new(sn, "description", json_string(v));
    if (tags != NULL) {
        json_t *a = json_array();
        char *dup = strdup(tags), *save = NULL, *t;

        for (t = dup != NULL ? strtok_r(dup, ",", &save) : NULL; t != NULL;
             t = strtok_r(NULL, ",", &save))
            json_array_append_new(a, json_string(t));
        free(dup);
        json_object_set_new(sn, "tags", a);
    }
    v = sv__plat_meta(c, "youtube", "category", c->meta.category);
    if (v != NULL)
        json_object_set_new(sn, "categoryId", json_string(v));
    v = sv__plat_meta(c, "youtube", "privacy", c->meta.privacy);
    json_object_set_new(st, "privacyStatus", json_string(v != NULL ? v
                                                         : "private"));
    if (c->meta.publish_at != NULL)
        json_object_set_new(st, "publishAt", json_string(c->meta.publish_at));
    if (c->meta.for_kids >= 0)
        json_object_set_new(st, "selfDeclaredMadeForKids",
                            json_boolean(c->meta.for_kids));
    json_object_set_new(o, "snippet", sn);
    json_object_set_new(o, "status", st);
    return o;
}

/* step 1: POST the resource, keep the session URI from Location */
static int
start(struct sv_plat_job *j)
{
    char url[1024], len[64], type[96];
    const char *hdrs[4] = { "Content-Type: application/json; charset=UTF-8",
                            len, type, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    const char *loc;
    char *body;
    json_t *res = resource(j);
    int rc;

    sv__plat_url(j, 1, "/upload/youtube/v3/videos?uploadType=resumable"
                 "&part=snippet,status", url, sizeof(url));
    snprintf(len, sizeof(len), "X-Upload-Content-Length: %" PRId64, j->size);
    snprintf(type, sizeof(type), "X-Upload-Content-Type: %s",
             sv__plat_type(j->file));
    body = json_dumps(res, JSON_COMPACT);
    json_decref(res);
    if (body == NULL)
        return -ENOMEM;
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = body;
    q.body_len = strlen(body);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    free(body);
    if (rc == 0 && r.status != 200 && r.status != 201)
        rc = sv__plat_http_fail(j, "starting the upload", &r);
    if (r.status > 0)
        charge(j, SV_YTQ_INSERT, r.status);
    loc = rc == 0 ? sv_http_reply_header(&r, "Location") : NULL;
    if (rc == 0 && loc == NULL)
        rc = sv__plat_fail(j, SV_EPROTO, "starting the upload: no "
                           "Location in the answer");
    if (rc == 0)
        snprintf(j->session, sizeof(j->session), "%s", loc);
    j->confirmed = 0;
    sv_http_reply_release(&r);
    return rc;
}

/* The last 200/201: the video resource. */
static int
uploaded(struct sv_plat_job *j, const struct sv_http_reply *r)
{
    json_t *o = sv__plat_json(r);
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *us = json_string_value(json_object_get(
            json_object_get(o, "status"), "uploadStatus"));

    if (id == NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "upload done but no video id in "
                             "the answer");
    }
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(j->url, sizeof(j->url), "https://www.youtube.com/watch?v=%s",
             id);
    snprintf(j->state, sizeof(j->state), "%s", us != NULL ? us
             : "uploaded");
    j->confirmed = j->size;
    json_decref(o);
    return 0;
}

/* 308's Range: bytes=0-K is the only truth about what arrived */
static int
confirmed_of(struct sv_plat_job *j, const struct sv_http_reply *r)
{
    const char *rg = sv_http_reply_header(r, "Range");
    int64_t a, b;

    if (rg == NULL) {
        j->confirmed = 0;       /* nothing stored yet */
        return 0;
    }
    if (sscanf(rg, "bytes=%" SCNd64 "-%" SCNd64, &a, &b) != 2 || a != 0 ||
        b < -1 || b >= j->size)
        return sv__plat_fail(j, SV_EPROTO, "bad Range '%s' in a 308", rg);
    j->confirmed = b + 1;
    return 0;
}

/* Asks what the server holds: PUT, no body, bytes *\/TOTAL. */
static int
query(struct sv_plat_job *j, int *done)
{
    char cr[96];
    const char *hdrs[2] = { cr, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    int rc;

    *done = 0;
    snprintf(cr, sizeof(cr), "Content-Range: bytes */%" PRId64, j->size);
    q.method = "PUT";
    q.url = j->session;
    q.headers = hdrs;
    q.body = "";
    q.body_len = 0;
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH | SV_PLAT_ONCE, &r);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    if (r.status == 308)
        rc = confirmed_of(j, &r);
    else if (r.status == 200 || r.status == 201) {
        rc = uploaded(j, &r);
        *done = 1;
    } else if (r.status == 404 || r.status == 410) {
        rc = -ENOENT;           /* the session is gone: start again */
    } else {
        rc = sv__plat_http_fail(j, "asking what arrived", &r);
        if (r.status >= 500 || r.status == 429)
            rc = SV_EPROTO;     /* try again */
    }
    sv_http_reply_release(&r);
    return rc;
}

static int
send_file(struct sv_plat_job *j)
{
    char cr[128];
    const char *hdrs[3] = { cr, NULL, NULL };
    char type[96];
    int fails = 0, restarted = 0, done, rc;

    snprintf(type, sizeof(type), "Content-Type: %s", sv__plat_type(j->file));
    hdrs[1] = type;
    while (j->confirmed < j->size) {
        struct sv_http_req q = { 0 };
        struct sv_http_reply r;
        int64_t len = j->size - j->confirmed;

        if (len > j->chunk)
            len = j->chunk;
        snprintf(cr, sizeof(cr), "Content-Range: bytes %" PRId64 "-%" PRId64
                 "/%" PRId64, j->confirmed, j->confirmed + len - 1, j->size);
        q.method = "PUT";
        q.url = j->session;
        q.headers = hdrs;
        q.body_from_fd = 1;
        q.body_fd = j->fd;
        q.body_off = j->confirmed;
        q.body_len = (size_t)len;
        rc = sv__plat_call(j, &q, SV_PLAT_AUTH | SV_PLAT_ONCE, &r);
        if (rc == 0 && r.status == 308) {
            rc = confirmed_of(j, &r);
            sv_http_reply_release(&r);
            if (rc < 0)
                return rc;
            fails = 0;
            sv__plat_progress(j);
            continue;
        }
        if (rc == 0 && (r.status == 200 || r.status == 201)) {
            rc = uploaded(j, &r);
            sv_http_reply_release(&r);
            return rc;
        }
        if (rc == 0 && r.status != 404 && r.status != 410 &&
            r.status < 500 && r.status != 429) {
            rc = sv__plat_http_fail(j, "uploading", &r);
            sv_http_reply_release(&r);
            return rc;
        }
        sv_http_reply_release(&r);
        /* a cut, a 5xx, a 404/410: wait, ask what arrived, go on there */
        for (;;) {
            if (fails++ >= j->c->retries)
                return rc < 0 ? rc : sv__plat_fail(j, SV_EPROTO,
                                                   "uploading: %s", j->err);
            if (!sv__plat_backoff(j, fails - 1))
                return SV_EINTR;
            rc = query(j, &done);
            if (rc == -ENOENT && !restarted) {
                /* the session died: a new one, from byte 0 */
                restarted = 1;
                sv_log_warn("youtube: the upload session is gone, "
                            "starting again");
                rc = start(j);
            }
            if (rc == 0)
                break;
            if (rc != SV_EPROTO)
                return rc;
        }
        j->resumes++;
        sv_log_debug("youtube: resuming at byte %" PRId64, j->confirmed);
        if (done)
            return 0;
    }
    return 0;
}

static int
thumbnail(struct sv_plat_job *j)
{
    const char *f = j->c->meta.thumbnail, *dot = strrchr(f, '.');
    char url[1024], type[64];
    const char *hdrs[2] = { type, NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    FILE *fp;
    int fd, rc;
    long n;

    {
        char path[400];

        snprintf(path, sizeof(path),
                 "/upload/youtube/v3/thumbnails/set?videoId=%s", j->id);
        sv__plat_url(j, 1, path, url, sizeof(url));
    }
    snprintf(type, sizeof(type), "Content-Type: %s",
             dot != NULL && strcmp(dot, ".png") == 0 ? "image/png"
             : "image/jpeg");
    fp = fopen(f, "rb");
    if (fp == NULL)
        return sv__plat_fail(j, -errno, "cannot open thumbnail '%s'", f);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fd = fileno(fp);
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body_from_fd = 1;
    q.body_fd = fd;
    q.body_len = (size_t)n;
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    fclose(fp);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, "setting the thumbnail", &r);
    if (r.status > 0)
        charge(j, SV_YTQ_THUMB, r.status);
    sv_http_reply_release(&r);
    return rc;
}

/* GET videos?part=...&id=ID: the video, or an error */
static int
get_video(struct sv_plat_job *j, const char *id, const char *parts,
          json_t **out)
{
    char path[512], url[1024];
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    json_t *o, *items;
    int rc;

    snprintf(path, sizeof(path), "/youtube/v3/videos?part=%s&id=%s", parts,
             id);
    sv__plat_url(j, 0, path, url, sizeof(url));
    q.url = url;
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, "reading the video", &r);
    if (r.status > 0)
        charge(j, SV_YTQ_LIST, r.status);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    o = sv__plat_json(&r);
    sv_http_reply_release(&r);
    items = json_object_get(o, "items");
    if (!json_is_array(items) || json_array_size(items) == 0) {
        json_decref(o);
        return sv__plat_fail(j, -ENOENT, "no video '%s' (deleted, or not "
                             "this account's)", id);
    }
    *out = json_incref(json_array_get(items, 0));
    json_decref(o);
    return 0;
}

static int
poll_processing(struct sv_plat_job *j, int *done)
{
    json_t *v, *st, *pd;
    const char *us, *ps;
    int rc;

    rc = get_video(j, j->id, "status,processingDetails", &v);
    if (rc < 0)
        return rc;
    st = json_object_get(v, "status");
    pd = json_object_get(v, "processingDetails");
    us = json_string_value(json_object_get(st, "uploadStatus"));
    ps = json_string_value(json_object_get(pd, "processingStatus"));
    snprintf(j->state, sizeof(j->state), "%s", us != NULL ? us : "unknown");
    *done = 0;
    if (us != NULL && (strcmp(us, "failed") == 0 ||
                       strcmp(us, "rejected") == 0 ||
                       strcmp(us, "deleted") == 0)) {
        const char *why = json_string_value(json_object_get(
                st, strcmp(us, "rejected") == 0 ? "rejectionReason"
                : "failureReason"));

        snprintf(j->reason, sizeof(j->reason), "%s", why != NULL ? why : us);
        rc = sv__plat_fail(j, SV_EFORMAT, "processing %s: %s", us,
                           why != NULL ? why : "no reason given");
    } else if ((us != NULL && strcmp(us, "processed") == 0) ||
               (ps != NULL && strcmp(ps, "succeeded") == 0)) {
        snprintf(j->state, sizeof(j->state), "processed");
        *done = 1;
    } else if (ps != NULL && (strcmp(ps, "failed") == 0 ||
                              strcmp(ps, "terminated") == 0)) {
        rc = sv__plat_fail(j, SV_EFORMAT, "processing %s", ps);
    }
    json_decref(v);
    return rc;
}

static int
status(struct sv_plat_job *j, const char *id, json_t **out)
{
    json_t *v, *st, *stats, *o;
    int rc;

    rc = get_video(j, id, "status,processingDetails,statistics", &v);
    if (rc < 0)
        return rc;
    st = json_object_get(v, "status");
    stats = json_object_get(v, "statistics");
    o = json_object();
    json_object_set(o, "state", json_object_get(st, "uploadStatus"));
    json_object_set(o, "privacy", json_object_get(st, "privacyStatus"));
    json_object_set_new(o, "url", json_sprintf(
            "https://www.youtube.com/watch?v=%s", id));
    /* counts arrive as decimal strings */
    if (json_is_string(json_object_get(stats, "viewCount")))
        json_object_set_new(o, "views", json_integer(strtoll(
                json_string_value(json_object_get(stats, "viewCount")),
                NULL, 10)));
    if (json_is_string(json_object_get(stats, "commentCount")))
        json_object_set_new(o, "comments", json_integer(strtoll(
                json_string_value(json_object_get(stats, "commentCount")),
                NULL, 10)));
    json_decref(v);
    *out = o;
    return 0;
}

/* POST path with a JSON body; the answer's object in *out */
static int
post_json(struct sv_plat_job *j, enum sv_ytq_call call, const char *path,
          json_t *body, json_t **out)
{
    const char *hdrs[2] = { "Content-Type: application/json", NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char url[1024], *text = NULL;
    int rc;

    sv__plat_url(j, 0, path, url, sizeof(url));
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = text != NULL ? text : "";
    q.body_len = text != NULL ? strlen(text) : 0;
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, SV_PLAT_AUTH, &r);
    free(text);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, path, &r);
    if (r.status > 0)
        charge(j, call, r.status);
    if (rc == 0) {
        *out = sv__plat_json(&r);
        if (*out == NULL)
            rc = sv__plat_fail(j, SV_EPROTO, "%s: not JSON", path);
    }
    sv_http_reply_release(&r);
    return rc;
}

/* liveBroadcasts + liveStreams + bind: the stream's RTMP URL and key */
static int
live(struct sv_plat_job *j, char *url, size_t size)
{
    char tbuf[128], path[512], bid[128], sid[128];
    const char *t = j->c->meta.title != NULL ? j->c->meta.title : "live";
    json_t *o = NULL, *ing;
    const char *addr, *key;
    int rc;

    (void)tbuf;
    rc = post_json(j, SV_YTQ_BROADCAST,
                   "/youtube/v3/liveBroadcasts?part=snippet,status,"
                   "contentDetails",
                   json_pack("{s:{s:s,s:s},s:{s:s},s:{s:b,s:b}}",
                             "snippet", "title", t, "scheduledStartTime",
                             "1970-01-01T00:00:00Z",
                             "status", "privacyStatus",
                             j->c->meta.privacy != NULL ? j->c->meta.privacy
                             : "private",
                             "contentDetails", "enableAutoStart", 1,
                             "enableAutoStop", 1), &o);
    if (rc < 0)
        return rc;
    snprintf(bid, sizeof(bid), "%s",
             json_string_value(json_object_get(o, "id")) ?
             json_string_value(json_object_get(o, "id")) : "");
    json_decref(o);
    rc = post_json(j, SV_YTQ_STREAM, "/youtube/v3/liveStreams?part=snippet,cdn",
                   json_pack("{s:{s:s},s:{s:s,s:s,s:s}}", "snippet", "title",
                             t, "cdn", "ingestionType", "rtmp",
                             "resolution", "variable", "frameRate",
                             "variable"), &o);
    if (rc < 0)
        return rc;
    snprintf(sid, sizeof(sid), "%s",
             json_string_value(json_object_get(o, "id")) ?
             json_string_value(json_object_get(o, "id")) : "");
    ing = json_object_get(json_object_get(o, "cdn"), "ingestionInfo");
    addr = json_string_value(json_object_get(ing, "ingestionAddress"));
    key = json_string_value(json_object_get(ing, "streamName"));
    if (bid[0] == '\0' || sid[0] == '\0' || addr == NULL || key == NULL) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "liveStreams: no ingestionInfo");
    }
    snprintf(url, size, "%s/%s", addr, key);
    json_decref(o);
    snprintf(path, sizeof(path), "/youtube/v3/liveBroadcasts/bind?id=%s"
             "&streamId=%s&part=id,contentDetails", bid, sid);
    rc = post_json(j, SV_YTQ_BIND, path, NULL, &o);
    if (rc == 0)
        json_decref(o);
    snprintf(j->id, sizeof(j->id), "%s", bid);
    return rc;
}

const struct sv_plat_ops sv__plat_youtube = {
    .name = "youtube",
    .caps = SV_PLAT_VOD | SV_PLAT_RESUME | SV_PLAT_THUMB |
        SV_PLAT_LIVE_CREATE | SV_PLAT_REFRESH | SV_PLAT_PKCE |
        SV_PLAT_DEVICE | SV_PLAT_STATUS,
    .api = "https://www.googleapis.com",
    .upload = "https://www.googleapis.com",
    .auth_url = "https://accounts.google.com/o/oauth2/v2/auth",
    .token_url = "https://oauth2.googleapis.com/token",
    .device_url = "https://oauth2.googleapis.com/device/code",
    .scope = "https://www.googleapis.com/auth/youtube",
    .scope_sep = " ",
    .auth_extra = "access_type=offline&prompt=consent",
    .client = SV_PLAT_CLIENT_FORM,
    .chunk_default = 8 * 1024 * 1024,
    .check = check,
    .start = start,
    .send = send_file,
    .thumbnail = thumbnail,
    .poll = poll_processing,
    .live = live,
    .status = status,
    .quota = quota,
};
