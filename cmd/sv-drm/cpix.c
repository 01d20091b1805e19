/* cpix.c -- `sv-drm cpix URL`: keys and DRM signalling from a server */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/textenc.h"
#include "crypto/cipher.h"
#include "drm/cpix.h"
#include "drm/key.h"
#include "drm/keystore.h"
#include "drm/system.h"
#include "http/client.h"
#include "verbs.h"

#define REPLY_MAX (1 << 20)
#define SV_DRM_CPIX_AUTH_ENV "SV_DRM_CPIX_AUTH"

/* Fills the request: the given key ids, or one new key id per label. */
static int
build(const struct sv_drm_opts *o, struct sv_cpix_req *req, char *err,
      size_t size)
{
    char bad[32];
    int i, n;

    memset(req, 0, sizeof(*req));
    req->content_id = o->content_id;
    req->scheme = o->scheme;
    if (sv_drm_systems_parse(o->systems, &req->systems, bad,
                             sizeof(bad)) < 0) {
        snprintf(err, size, "bad --systems '%s': unknown system '%s'",
                 o->systems, bad);
        return SV_EUSAGE;
    }
    if (o->nkids > 0 && o->nlabels > 0 && o->nkids != o->nlabels) {
        snprintf(err, size, "give as many --label as --kid");
        return SV_EUSAGE;
    }
    n = o->nkids > 0 ? o->nkids : o->nlabels > 0 ? o->nlabels : 1;
    for (i = 0; i < n; i++) {
        if (o->nkids > 0)
            sv_uuid_parse(o->kids[i], req->keys[i].kid);
        else if (sv_drm_random(req->keys[i].kid, 16) < 0)
            return SV_EINTERNAL;
        req->keys[i].label = o->nlabels > 0 ? o->labels[i] : NULL;
    }
    req->nkeys = (size_t)n;
    return 0;
}

/* The first line of a server's error text, cut short, for a message. */
static void
first_line(const char *body, char *out, size_t size)
{
    size_t n = strcspn(body, "\r\n");

    while (*body == ' ' || *body == '\t')
        body++;
    n = strcspn(body, "\r\n");
    if (n > 200)
        n = 200;
    if (n >= size)
        n = size - 1;
    memcpy(out, body, n);
    out[n] = '\0';
}

static int
fetch(const struct sv_drm_opts *o, const struct sv_cpix_req *req,
      json_t **out)
{
    const char *hdr[4];
    const char *auth = getenv(SV_DRM_CPIX_AUTH_ENV);
    struct sv_http_req q = { 0 };
    struct sv_http_reply r;
    const char *sv;
    char *body = NULL, err[512], line[256], *ah = NULL;
    size_t len;
    int rc, h = 0;

    rc = sv_cpix_request(req, &body, &len);
    if (rc < 0) {
        sv_log_error("cannot build the CPIX request: %s", sv_strerror(rc));
        return rc;
    }
    hdr[h++] = "Content-Type: application/xml";
    hdr[h++] = "X-Speke-Version: 2.0";
    if (auth != NULL && *auth != '\0') {
        if (asprintf(&ah, "Authorization: %s", auth) < 0) {
            free(body);
            return -ENOMEM;
        }
        hdr[h++] = ah;
    }
    hdr[h] = NULL;
    sv_log_debug("POST %s (%zu keys)", o->args[0], req->nkeys);
    q.method = "POST";
    q.url = o->args[0];
    q.headers = hdr;
    q.body = body;
    q.body_len = len;
    q.timeout_us = o->timeout_us;
    q.max_reply = REPLY_MAX;
    q.user_agent = "sv-drm/" SV_VERSION;
    rc = sv_http_send(&q, &r, err, sizeof(err));
    free(body);
    if (ah != NULL) {
        explicit_bzero(ah, strlen(ah));
        free(ah);
    }
    if (rc < 0) {
        sv_log_error("%s", err);
        goto done;
    }
    if (r.status != 200) {
        first_line(r.body, line, sizeof(line));
        sv_log_error("key server '%s' answered %ld%s%s", o->args[0],
                     r.status, line[0] ? ": " : "", line);
        rc = r.status == 401 || r.status == 403 ? SV_EAUTH : SV_EPROTO;
        goto done;
    }
    /* an empty X-Speke-Version counts as none */
    sv = sv_http_reply_header(&r, "X-Speke-Version");
    if (sv != NULL && *sv != '\0' && strcmp(sv, "2.0") != 0) {
        sv_log_error("key server '%s' answered with SPEKE version '%s', "
                     "not 2.0", o->args[0], sv);
        rc = SV_EPROTO;
        goto done;
    }
    rc = sv_cpix_parse(r.body, r.len, req, out, err, sizeof(err));
    if (rc < 0)
        sv_log_error("bad CPIX reply from '%s': %s", o->args[0], err);
done:
    sv_http_reply_release(&r);
    return rc;
}

static int
check(const struct sv_drm_opts *o)
{
    if (o->nargs != 1)
        return sv_opt_usage_error("cpix needs one URL");
    if (o->content_id == NULL)
        return sv_opt_usage_error("cpix needs --content-id");
    if (o->nkids > SV_CPIX_MAX_KEYS || o->nlabels > SV_CPIX_MAX_KEYS)
        return sv_opt_usage_error("cpix asks for at most %d keys",
                                  SV_CPIX_MAX_KEYS);
    if (strcmp(o->scheme, "aes-128") == 0)
        return sv_opt_usage_error("cpix takes --scheme cenc or cbcs");
    return 0;
}

int
sv_drm_cmd_cpix(struct sv_drm_opts *o)
{
    struct sv_cpix_req req;
    uint8_t master[32];
    char err[512];
    json_t *doc = NULL, *pub;
    int rc;

    if (check(o) < 0)
        return SV_EXIT_USAGE;
    rc = build(o, &req, err, sizeof(err));
    if (rc == 0 && o->store != NULL)
        rc = sv_drm_master_key(master, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    }
    rc = fetch(o, &req, &doc);
    if (rc < 0)
        goto done;
    sv_log_info("got %zu keys for '%s'", json_array_size(
                json_object_get(doc, "keys")), o->content_id);
    if (o->store == NULL) {
        rc = sv__drm_output(o, doc, 0600);
        goto done;
    }
    rc = sv_drm_keystore_add(o->store, master, doc, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        goto done;
    }
    pub = sv__drm_public_view(doc);
    if (pub == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    rc = sv__drm_output(o, pub, 0644);
    json_decref(pub);
done:
    explicit_bzero(master, sizeof(master));
    if (doc != NULL)
        sv_drm_keydoc_wipe(doc);
    json_decref(doc);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
