/* oauth.c -- tokens: refresh, the loopback redirect and the device flow */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/sig.h"
#include "core/textenc.h"
#include "core/time.h"
#include "crypto/cipher.h"
#include "crypto/digest.h"
#include "publish/platform_int.h"

#define FORM_MAX 8192

/* the token endpoint, moved to --api's host when there is one */
void
sv__oauth_endpoint(const struct sv_plat_job *j, const char *full, char *out,
         size_t size)
{
    const char *path;

    if (j->base[0] == '\0') {
        snprintf(out, size, "%s", full);
        return;
    }
    path = strstr(full, "://");
    path = path != NULL ? strchr(path + 3, '/') : NULL;
    snprintf(out, size, "%s%s", j->base, path != NULL ? path : "/");
}

/* the client's id and secret, named as the platform wants them */
static int
client_form(struct sv_plat_job *j, char *form, size_t fsize, char *basic,
            size_t bsize)
{
    char id[512], secret[512], both[1100];
    int rc;

    if (sv_creds_get(j->creds, j->ops->name, "client_id", id,
                     sizeof(id)) < 0)
        return sv__plat_fail(j, SV_EAUTH, "no client_id for %s (set "
                             "SV_%s_CLIENT_ID or put it in '%s')",
                             j->ops->name, j->ops->name,
                             sv_creds_path(j->creds));
    if (sv_creds_get(j->creds, j->ops->name, "client_secret", secret,
                     sizeof(secret)) < 0)
        secret[0] = '\0';       /* public clients (PKCE) have none */
    basic[0] = '\0';
    switch (j->ops->client) {
    case SV_PLAT_CLIENT_KEY:
        rc = sv__plat_form(form, fsize, "client_key", id);
        if (rc == 0 && secret[0] != '\0')
            rc = sv__plat_form(form, fsize, "client_secret", secret);
        break;
    case SV_PLAT_CLIENT_BASIC:
        snprintf(both, sizeof(both), "%s:%s", id, secret);
        if (bsize < sv_b64_len(strlen(both), 0) + 24)
            return SV_ELIMIT;
        strcpy(basic, "Authorization: Basic ");
        sv_b64_encode((const uint8_t *)both, strlen(both),
                          basic + strlen(basic), 0);
        explicit_bzero(both, sizeof(both));
        rc = 0;
        break;
    default:
        rc = sv__plat_form(form, fsize, "client_id", id);
        if (rc == 0 && secret[0] != '\0')
            rc = sv__plat_form(form, fsize, "client_secret", secret);
    }
    explicit_bzero(secret, sizeof(secret));
    return rc;
}

/* Saves a token reply; j->token becomes the new access token. */
static int
save_tokens(struct sv_plat_job *j, json_t *o)
{
    const char *at = json_string_value(json_object_get(o, "access_token"));
    const char *rt = json_string_value(json_object_get(o, "refresh_token"));
    json_int_t exp = json_integer_value(json_object_get(o, "expires_in"));
    json_t *upd;
    char err[512];
    int rc;

    /* TikTok nests nothing, but some answers carry the tokens in "data" */
    if (at == NULL && json_is_object(json_object_get(o, "data")))
        return save_tokens(j, json_object_get(o, "data"));
    if (at == NULL || strlen(at) >= sizeof(j->token))
        return sv__plat_fail(j, SV_EPROTO, "token endpoint of %s answered "
                             "no access_token", j->ops->name);
    upd = json_pack("{s:s}", "access_token", at);
    json_object_set_new(upd, "expires_at", json_integer(
            exp > 0 ? sv_time_now_ms() + (int64_t)exp * 1000 : 0));
    /* a rotated refresh token replaces the old one, which is now dead:
     * it is written before anything else is done with the access token */
    if (rt != NULL)
        json_object_set_new(upd, "refresh_token", json_string(rt));
    if (json_is_string(json_object_get(o, "open_id")))
        json_object_set(upd, "open_id", json_object_get(o, "open_id"));
    rc = sv_creds_update(j->creds, j->ops->name, upd, err, sizeof(err));
    if (rc < 0)
        return sv__plat_fail(j, rc, "%s", err);
    snprintf(j->token, sizeof(j->token), "%s", at);
    return 0;
}

static int
token_post(struct sv_plat_job *j, const char *form, const char *basic,
           struct sv_http_reply *r)
{
    const char *hdrs[3] = { "Content-Type: application/x-www-form-urlencoded",
                            NULL, NULL };
    struct sv_http_req q = { 0 };
    char url[1024];

    sv__oauth_endpoint(j, j->ops->token_url, url, sizeof(url));
    if (basic != NULL && basic[0] != '\0')
        hdrs[1] = basic;
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = form;
    q.body_len = strlen(form);
    q.sent = &(int64_t){ 0 };
    return sv__plat_call(j, &q, 0, r);
}

/* Posts form to the token endpoint and wipes it (it holds the client's
 * secret): 0 with r and *o (the reply's JSON, or NULL) for the caller to
 * release, or a negative code with nothing held. */
static int
token_call(struct sv_plat_job *j, char *form, size_t fsize, const char *basic,
           struct sv_http_reply *r, json_t **o)
{
    int rc = token_post(j, form, basic, r);

    explicit_bzero(form, fsize);
    if (rc < 0) {
        sv_http_reply_release(r);
        return rc;
    }
    *o = sv__plat_json(r);
    return 0;
}

int
sv__oauth_refresh(struct sv_plat_job *j)
{
    struct sv_http_reply r;
    char form[FORM_MAX] = "", basic[1200], rt[4096];
    json_t *o;
    int rc;

    if (!(j->ops->caps & SV_PLAT_REFRESH))
        return sv__plat_fail(j, SV_EAUTH, "%s took no access token and has "
                             "no refresh: run 'sv-publish auth %s'",
                             j->ops->name, j->ops->name);
    if (sv_creds_get(j->creds, j->ops->name, "refresh_token", rt,
                     sizeof(rt)) < 0)
        return sv__plat_fail(j, SV_EAUTH, "no refresh token for %s in '%s': "
                             "run 'sv-publish auth %s'", j->ops->name,
                             sv_creds_path(j->creds), j->ops->name);
    rc = client_form(j, form, sizeof(form), basic, sizeof(basic));
    if (rc == 0)
        rc = sv__plat_form(form, sizeof(form), "grant_type",
                           "refresh_token");
    if (rc == 0)
        rc = sv__plat_form(form, sizeof(form), "refresh_token", rt);
    explicit_bzero(rt, sizeof(rt));
    if (rc < 0) {
        explicit_bzero(form, sizeof(form));
        return j->err[0] != '\0' ? rc : sv__plat_fail(j, rc, "refresh "
                                                       "form too long");
    }
    rc = token_call(j, form, sizeof(form), basic, &r, &o);
    if (rc < 0)
        return rc;
    if (r.status != 200 || json_is_string(json_object_get(o, "error"))) {
        if (r.status == 200)
            r.status = 400;     /* TikTok: an error in a 200 body */
        rc = sv__plat_http_fail(j, "refreshing the token", &r);
        if (strcmp(j->reason, "invalid_grant") == 0)
            snprintf(j->err + strlen(j->err), sizeof(j->err) -
                     strlen(j->err), " (the refresh token is dead: run "
                     "'sv-publish auth %s')", j->ops->name);
        rc = SV_EAUTH;
    } else {
        rc = save_tokens(j, o);
    }
    json_decref(o);
    sv_http_reply_release(&r);
    return rc;
}

/* ---- the loopback redirect (RFC 8252) ---- */

int
sv__oauth_listen(int *port)
{
    struct sockaddr_in a = { 0 };
    socklen_t len = sizeof(a);
    int fd;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        int e = -errno;

        close(fd);
        return e;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* value of k in the query of an HTTP request line, decoded */
static int
query_get(const char *line, const char *k, char *out, size_t size)
{
    const char *q = strchr(line, '?'), *end, *p;
    size_t kl = strlen(k), n = 0;

    if (q == NULL)
        return -ENOENT;
    end = strchr(q, ' ');
    if (end == NULL)
        end = q + strlen(q);
    for (p = q + 1; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));

        if (amp == NULL)
            amp = end;
        if ((size_t)(amp - p) > kl && strncmp(p, k, kl) == 0 &&
            p[kl] == '=') {
            for (p += kl + 1; p < amp && n + 1 < size; p++) {
                unsigned v;

                if (*p == '%' && amp - p >= 3 &&
                    sscanf(p + 1, "%2x", &v) == 1) {
                    out[n++] = (char)v;
                    p += 2;
                } else {
                    out[n++] = *p == '+' ? ' ' : *p;
                }
            }
            out[n] = '\0';
            return 0;
        }
        p = amp + 1;
    }
    return -ENOENT;
}

/* waits for the browser's redirect; code into code */
int
sv__oauth_wait(struct sv_plat_job *j, int lfd, const char *state, char *code,
               size_t size)
{
    static const char msg[] = "sv-publish: done, you may close this "
        "page now.\n";
    char page[256];
    int64_t limit = j->c->timeout_us > 0 ? j->c->timeout_us : 300000000;
    int64_t end = sv_time_now_ms() + limit / 1000;
    char req[8192], got[256];
    struct pollfd pf;
    ssize_t n;
    size_t len;
    int fd, rc;

    for (;;) {
        int64_t left = end - sv_time_now_ms();

        if (left <= 0)
            return sv__plat_fail(j, -ETIMEDOUT, "no answer from the "
                                 "browser in time");
        pf.fd = lfd;
        pf.events = POLLIN;
        rc = poll(&pf, 1, left > 1000 ? 1000 : (int)left);
        if (sv_sig_stop)
            return sv__plat_fail(j, SV_EINTR, "stopped");
        if (rc <= 0)
            continue;
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        len = 0;
        pf.fd = fd;
        while (len + 1 < sizeof(req) && memmem(req, len, "\r\n", 2) == NULL
               && poll(&pf, 1, 5000) > 0) {
            n = read(fd, req + len, sizeof(req) - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
        }
        req[len] = '\0';
        if (strncmp(req, "GET ", 4) != 0) {
            close(fd);
            continue;
        }
        snprintf(page, sizeof(page), "HTTP/1.1 200 OK\r\nContent-Type: "
                 "text/plain\r\nConnection: close\r\nContent-Length: "
                 "%zu\r\n\r\n%s", sizeof(msg) - 1, msg);
        if (write(fd, page, strlen(page)) < 0)
            sv_log_debug("cannot answer the browser: %s", strerror(errno));
        close(fd);
        if (query_get(req, "state", got, sizeof(got)) < 0)
            continue;               /* a favicon, a stray request */
        if (strcmp(got, state) != 0)
            return sv__plat_fail(j, SV_EAUTH, "the redirect's state does "
                                 "not match: not our request");
        if (query_get(req, "error", got, sizeof(got)) == 0)
            return sv__plat_fail(j, SV_EAUTH, "%s refused access: %s",
                                 j->ops->name, got);
        if (query_get(req, "code", code, size) < 0)
            return sv__plat_fail(j, SV_EPROTO, "the redirect has no code");
        return 0;
    }
}

void
sv__oauth_random(char *out, size_t n)
{
    uint8_t raw[48];

    sv_drm_random(raw, n);
    sv_b64_encode(raw, n, out, 1);
}

static int
auth_loopback(struct sv_plat_job *j)
{
    char url[4096], redirect[64], state[32], verifier[80], challenge[64];
    char form[FORM_MAX] = "", basic[1200], id[512], scope[512], code[2048];
    char endp[1024];
    uint8_t h[SV_SHA256_LEN];
    struct sv_http_reply r;
    json_t *o;
    int lfd, port = 0, rc;
    size_t i;

    if (sv_creds_get(j->creds, j->ops->name, "client_id", id,
                     sizeof(id)) < 0)
        return sv__plat_fail(j, SV_EAUTH, "no client_id for %s (set "
                             "SV_%s_CLIENT_ID or put it in '%s')",
                             j->ops->name, j->ops->name,
                             sv_creds_path(j->creds));
    lfd = sv__oauth_listen(&port);
    if (lfd < 0)
        return sv__plat_fail(j, lfd, "cannot listen on 127.0.0.1: %s",
                             sv_strerror(lfd));
    snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%d/", port);
    sv__oauth_random(state, 16);
    sv__oauth_random(verifier, 32);
    sv_sha256(verifier, strlen(verifier), h);
    sv_b64_encode(h, sizeof(h), challenge, 1);
    snprintf(scope, sizeof(scope), "%s", j->ops->scope);
    for (i = 0; scope[i] != '\0'; i++)
        if (scope[i] == ' ')
            scope[i] = j->ops->scope_sep[0];
    sv__oauth_endpoint(j, j->ops->auth_url, endp, sizeof(endp));
    snprintf(url, sizeof(url), "%s?", endp);
    {
        char qs[3000] = "";

        rc = sv__plat_form(qs, sizeof(qs), j->ops->client ==
                           SV_PLAT_CLIENT_KEY ? "client_key" : "client_id",
                           id);
        rc |= sv__plat_form(qs, sizeof(qs), "redirect_uri", redirect);
        rc |= sv__plat_form(qs, sizeof(qs), "response_type", "code");
        rc |= sv__plat_form(qs, sizeof(qs), "scope", scope);
        rc |= sv__plat_form(qs, sizeof(qs), "state", state);
        if (j->ops->caps & SV_PLAT_PKCE) {
            rc |= sv__plat_form(qs, sizeof(qs), "code_challenge",
                                challenge);
            rc |= sv__plat_form(qs, sizeof(qs), "code_challenge_method",
                                "S256");
        }
        if (rc != 0) {
            close(lfd);
            return sv__plat_fail(j, SV_ELIMIT, "authorize URL too long");
        }
        snprintf(url + strlen(url), sizeof(url) - strlen(url), "%s%s%s", qs,
                 j->ops->auth_extra != NULL ? "&" : "",
                 j->ops->auth_extra != NULL ? j->ops->auth_extra : "");
    }
    sv_log_info("open this URL in a browser to let sv-publish use %s:",
                j->ops->name);
    fprintf(stderr, "%s\n", url);
    fflush(stderr);
    rc = sv__oauth_wait(j, lfd, state, code, sizeof(code));
    close(lfd);
    if (rc < 0)
        return rc;
    rc = client_form(j, form, sizeof(form), basic, sizeof(basic));
    if (rc == 0)
        rc = sv__plat_form(form, sizeof(form), "grant_type",
                           "authorization_code");
    if (rc == 0)
        rc = sv__plat_form(form, sizeof(form), "code", code);
    if (rc == 0)
        rc = sv__plat_form(form, sizeof(form), "redirect_uri", redirect);
    if (rc == 0 && (j->ops->caps & SV_PLAT_PKCE))
        rc = sv__plat_form(form, sizeof(form), "code_verifier", verifier);
    if (rc < 0)
        return j->err[0] != '\0' ? rc : sv__plat_fail(j, rc, "form too "
                                                       "long");
    rc = token_call(j, form, sizeof(form), basic, &r, &o);
    if (rc < 0)
        return rc;
    if (r.status != 200 || json_is_string(json_object_get(o, "error"))) {
        sv__plat_http_fail(j, "exchanging the code", &r);
        rc = SV_EAUTH;
    } else {
        rc = save_tokens(j, o);
    }
    json_decref(o);
    sv_http_reply_release(&r);
    return rc;
}

/* ---- the device flow (RFC 8628) ---- */

static int
auth_device(struct sv_plat_job *j)
{
    char form[FORM_MAX] = "", basic[1200], url[1024], dc[2048];
    struct sv_http_req q = { 0 };
    const char *hdrs[] = { "Content-Type: application/x-www-form-urlencoded",
                           NULL };
    struct sv_http_reply r;
    json_t *o;
    int64_t interval, end;
    int rc;

    rc = client_form(j, form, sizeof(form), basic, sizeof(basic));
    if (rc == 0)
        rc = sv__plat_form(form, sizeof(form), "scope", j->ops->scope);
    if (rc < 0)
        return rc;
    sv__oauth_endpoint(j, j->ops->device_url, url, sizeof(url));
    q.method = "POST";
    q.url = url;
    q.headers = hdrs;
    q.body = form;
    q.body_len = strlen(form);
    q.sent = &(int64_t){ 0 };
    rc = sv__plat_call(j, &q, 0, &r);
    if (rc < 0) {
        sv_http_reply_release(&r);
        return rc;
    }
    o = sv__plat_json(&r);
    if (r.status != 200 || !json_is_string(json_object_get(o,
                                                           "device_code"))) {
        rc = sv__plat_http_fail(j, "asking for a device code", &r);
        json_decref(o);
        sv_http_reply_release(&r);
        return rc < 0 ? rc : SV_EPROTO;
    }
    snprintf(dc, sizeof(dc), "%s",
             json_string_value(json_object_get(o, "device_code")));
    interval = json_integer_value(json_object_get(o, "interval"));
    if (interval <= 0)
        interval = 5;
    end = sv_time_now_ms() + 1000 *
        (json_integer_value(json_object_get(o, "expires_in")) > 0 ?
         json_integer_value(json_object_get(o, "expires_in")) : 900);
    sv_log_info("on any device, open %s and enter the code %s",
                json_string_value(json_object_get(o, "verification_url")) ?
                json_string_value(json_object_get(o, "verification_url")) :
                json_string_value(json_object_get(o, "verification_uri")),
                json_string_value(json_object_get(o, "user_code")));
    json_decref(o);
    sv_http_reply_release(&r);
    for (;;) {
        struct timespec ts = { (time_t)interval, 0 };

        if (sv_time_now_ms() > end)
            return sv__plat_fail(j, -ETIMEDOUT, "the device code expired "
                                 "before access was granted");
        nanosleep(&ts, NULL);
        if (sv_sig_stop)
            return sv__plat_fail(j, SV_EINTR, "stopped");
        form[0] = '\0';
        rc = client_form(j, form, sizeof(form), basic, sizeof(basic));
        if (rc == 0)
            rc = sv__plat_form(form, sizeof(form), "grant_type",
                               "urn:ietf:params:oauth:grant-type:"
                               "device_code");
        if (rc == 0)
            rc = sv__plat_form(form, sizeof(form), "device_code", dc);
        if (rc < 0)
            return rc;
        rc = token_call(j, form, sizeof(form), basic, &r, &o);
        if (rc < 0)
            return rc;
        if (r.status == 200 && json_is_string(json_object_get(o,
                                                             "access_token"))) {
            rc = save_tokens(j, o);
            json_decref(o);
            sv_http_reply_release(&r);
            return rc;
        }
        {
            const char *e = json_string_value(json_object_get(o, "error"));

            if (e != NULL && strcmp(e, "slow_down") == 0)
                interval += 5;
            if (e == NULL || (strcmp(e, "authorization_pending") != 0 &&
                              strcmp(e, "slow_down") != 0)) {
                sv__plat_http_fail(j, "waiting for the device grant", &r);
                json_decref(o);
                sv_http_reply_release(&r);
                return SV_EAUTH;
            }
        }
        json_decref(o);
        sv_http_reply_release(&r);
    }
}

int
sv__oauth_auth(struct sv_plat_job *j)
{
    int rc = j->ops->auth != NULL ? j->ops->auth(j) : j->c->device ?
        auth_device(j) : auth_loopback(j);

    if (rc == 0)
        sv_log_info("%s: tokens saved in '%s'", j->ops->name,
                    sv_creds_path(j->creds));
    return rc;
}
