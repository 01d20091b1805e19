/* plat_odysee.c -- Odysee/LBRY: the local lbrynet daemon's JSON-RPC publish */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "publish/platform_int.h"

/*
 * The lbry-sdk's jsonrpc_publish (its docstring is the API reference):
 * POST to the daemon (http://localhost:5279) {"jsonrpc":"2.0","method":
 * "publish","params":{name, bid, file_path, title, description, tags,
 * thumbnail_url, channel_name, blocking}}.  name is letters, digits and
 * '-'; bid (LBC, decimal) is required for a new claim; an existing claim at
 * the name is updated.  The answer is a transaction, {"result":{txid,
 * outputs:[{claim_id, name, permanent_url}]}}, or {"error":{code, message,
 * data}}.  The daemon reads the file itself: nothing is uploaded here,
 * and the daemon's wallet pays for the claim.  No token: the daemon
 * listens on localhost only.
 */

static const char *
name_of(const struct sv_plat_conf *c, const char *file, char *buf,
        size_t size)
{
    const char *n = sv__plat_meta(c, "odysee", "name", NULL), *b, *dot;
    size_t i, len;

    if (n != NULL)
        return n;
    /* the file's base name, its other characters as '-' */
    b = strrchr(file, '/');
    b = b != NULL ? b + 1 : file;
    dot = strrchr(b, '.');
    len = dot != NULL && dot != b ? (size_t)(dot - b) : strlen(b);
    if (len >= size)
        len = size - 1;
    for (i = 0; i < len; i++)
        buf[i] = (b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z')
            || (b[i] >= '0' && b[i] <= '9') ? b[i] : '-';
    buf[len] = '\0';
    return buf;
}

static int
valid_name(const char *n)
{
    return n[0] != '\0' && strspn(n, "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        == strlen(n);
}

static int
check(const struct sv_plat_conf *c, char *err, size_t size)
{
    const char *n = sv__plat_meta(c, "odysee", "name", NULL);
    const char *bid = sv__plat_meta(c, "odysee", "bid", NULL);
    char *end;
    double v;

    if (n != NULL && !valid_name(n)) {
        snprintf(err, size, "odysee: the claim name '%s' may have only "
                 "letters, digits and '-'", n);
        return SV_EUSAGE;
    }
    if (bid != NULL) {
        v = strtod(bid, &end);
        if (*end != '\0' || bid[0] == '\0' || strspn(bid, "0123456789.")
            != strlen(bid) || !(v > 0)) {
            snprintf(err, size, "odysee: bid is an amount of LBC above 0 "
                     "(0.01), not '%s'", bid);
            return SV_EUSAGE;
        }
    }
    if (c->meta.publish_at != NULL || (c->meta.privacy != NULL &&
                                       strcmp(c->meta.privacy,
                                              "public") != 0)) {
        snprintf(err, size, "odysee: a claim is public at once: no "
                 "--privacy but public, no --publish-at");
        return SV_EUSAGE;
    }
    return 0;
}

/* a JSON-RPC call of method with params (stolen); *out the result */
static int
rpc(struct sv_plat_job *j, const char *method, json_t *params,
    json_t **out)
{
    const char *hdrs[2] = { "Content-Type: application/json", NULL };
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    char url[512], *body;
    json_t *o, *e;
    int rc;

    o = json_pack("{s:s,s:s,s:o,s:i}", "jsonrpc", "2.0", "method", method,
                  "params", params, "id", 1);
    body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (body == NULL)
        return -ENOMEM;
    sv__plat_url(j, 0, "/", url, sizeof(url));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = body;
    q.body_len = strlen(body);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, 0, &r);
    free(body);
    if (rc == 0 && r.status != 200)
        rc = sv__plat_http_fail(j, method, &r);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    o = sv__plat_json(&r);
    sv_http_reply_release(&r);
    e = json_object_get(o, "error");
    if (json_is_object(e)) {
        const char *m = json_string_value(json_object_get(e, "message"));

        snprintf(j->reason, sizeof(j->reason), "%lld",
                 (long long)json_integer_value(json_object_get(e, "code")));
        rc = sv__plat_fail(j, strstr(m != NULL ? m : "", "funds") != NULL
                           ? SV_ELIMIT : SV_EPROTO, "%s: error %s: %s",
                           method, j->reason, m != NULL ? m : "?");
        json_decref(o);
        return rc;
    }
    *out = json_incref(json_object_get(o, "result"));
    json_decref(o);
    if (*out == NULL)
        return sv__plat_fail(j, SV_EPROTO, "%s: no result in the answer",
                             method);
    return 0;
}

static int
publish_claim(struct sv_plat_job *j)
{
    const struct sv_plat_conf *c = j->c;
    char path[PATH_MAX], nbuf[256], tbuf[256];
    const char *name = name_of(c, j->file, nbuf, sizeof(nbuf)), *v;
    const char *cid, *nm;
    json_t *p, *res, *out;
    int rc;

    if (!valid_name(name))
        return sv__plat_fail(j, SV_EUSAGE, "odysee: no claim name from "
                             "'%s': --set odysee.name=...", j->file);
    if (realpath(j->file, path) == NULL)
        return sv__plat_fail(j, -errno, "cannot resolve '%s': %s", j->file,
                             sv_strerror(-errno));
    p = json_pack("{s:s,s:s,s:s,s:b}", "name", name, "file_path", path,
                  "title", sv__plat_meta(c, "odysee", "title",
                                         sv__plat_title(j, tbuf,
                                                        sizeof(tbuf))),
                  "blocking", 1);
    if (p == NULL)
        return -ENOMEM;
    if ((v = sv__plat_meta(c, "odysee", "bid", NULL)) != NULL)
        json_object_set_new(p, "bid", json_string(v));
    if ((v = sv__plat_meta(c, "odysee", "description",
                           c->meta.description)) != NULL)
        json_object_set_new(p, "description", json_string(v));
    if ((v = sv__plat_meta(c, "odysee", "thumbnail_url", NULL)) != NULL)
        json_object_set_new(p, "thumbnail_url", json_string(v));
    if ((v = sv__plat_meta(c, "odysee", "channel_name", NULL)) != NULL)
        json_object_set_new(p, "channel_name", json_string(v));
    if ((v = sv__plat_meta(c, "odysee", "tags", c->meta.tags)) != NULL) {
        json_t *a = json_array();
        char tb[1024], *save = NULL, *t;

        snprintf(tb, sizeof(tb), "%s", v);
        for (t = strtok_r(tb, ",", &save); t != NULL;
             t = strtok_r(NULL, ",", &save))
            json_array_append_new(a, json_string(t));
        json_object_set_new(p, "tags", a);
    }
    rc = rpc(j, "publish", p, &res);
    if (rc < 0)
        return rc;
    out = json_array_get(json_object_get(res, "outputs"), 0);
    cid = json_string_value(json_object_get(out, "claim_id"));
    nm = json_string_value(json_object_get(out, "name"));
    if (cid == NULL || nm == NULL) {
        json_decref(res);
        return sv__plat_fail(j, SV_EPROTO, "publish: no claim_id in the "
                             "transaction");
    }
    snprintf(j->id, sizeof(j->id), "%s", cid);
    snprintf(j->url, sizeof(j->url), "https://odysee.com/%s:%s", nm, cid);
    j->extra = json_pack("{s:O?,s:O?}", "txid", json_object_get(res, "txid"),
                         "permanent_url",
                         json_object_get(out, "permanent_url"));
    json_decref(res);
    /* the daemon took the file from disk */
    j->confirmed = j->size;
    snprintf(j->state, sizeof(j->state), "published");
    return 0;
}

static int
status(struct sv_plat_job *j, const char *id, json_t **out)
{
    json_t *res, *it, *o;
    int rc;

    rc = rpc(j, "claim_search", json_pack("{s:s}", "claim_id", id), &res);
    if (rc < 0)
        return rc;
    it = json_array_get(json_object_get(res, "items"), 0);
    if (it == NULL) {
        json_decref(res);
        return sv__plat_fail(j, -ENOENT, "odysee: no claim '%s'", id);
    }
    o = json_object();
    json_object_set_new(o, "state", json_string(
            json_integer_value(json_object_get(it, "confirmations")) > 0
            ? "confirmed" : "pending"));
    json_object_set(o, "confirmations", json_object_get(it,
                                                        "confirmations"));
    json_object_set(o, "url", json_object_get(it, "permanent_url"));
    /* views and comments are Odysee web services, not the daemon's */
    json_decref(res);
    *out = o;
    return 0;
}

const struct sv_plat_ops sv__plat_odysee = {
    .name = "odysee",
    .caps = SV_PLAT_VOD | SV_PLAT_NOTOKEN | SV_PLAT_STATUS,
    .api = "http://localhost:5279",
    .client = SV_PLAT_CLIENT_FORM,
    .check = check,
    .start = publish_claim,
    .status = status,
};
