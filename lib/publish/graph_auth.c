/* graph_auth.c -- Facebook Login for sv-publish auth facebook|instagram:
 * the loopback redirect, the long-lived user token, the Page token, the
 * Instagram business account */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "publish/platform_int.h"

/*
 * developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow:
 * the dialog www.facebook.com/v{N}/dialog/oauth redirects to redirect_uri
 * with code and state; GET graph.facebook.com/v{N}/oauth/access_token with
 * client_id, redirect_uri (the very same), client_secret and code gives a
 * short-lived user token (the code works once).  .../access-tokens/
 * get-long-lived: grant_type=fb_exchange_token makes it a long-lived one
 * (about 60 days).  GET /me/accounts lists the Pages with a token each; a
 * Page token got with a long-lived user token does not expire, which is
 * why no refresh grant exists.  Instagram (Facebook Login for Business):
 * GET /{page-id}?fields=instagram_business_account names the IG user.
 */

#define DIALOG "https://www.facebook.com" SV_GRAPH_V "/dialog/oauth"
#define PAGE_SCOPES "pages_show_list,pages_read_engagement," \
    "pages_manage_posts"
#define IG_SCOPES "instagram_basic,instagram_content_publish," \
    "pages_read_engagement,pages_show_list"

int
sv__graph_pick_page(json_t *o, const char *want, char *id, size_t isize,
                    char *token, size_t tsize, char *err, size_t size)
{
    json_t *data = json_object_get(o, "data"), *p, *pick = NULL, *tasks;
    char names[512] = "";
    size_t i, k, n = json_array_size(data);
    int ok;

    for (i = 0; i < n; i++) {
        const char *pid;

        p = json_array_get(data, i);
        pid = json_string_value(json_object_get(p, "id"));
        if (pid == NULL ||
            !json_is_string(json_object_get(p, "access_token")))
            continue;
        if (strlen(names) + strlen(pid) + 2 < sizeof(names))
            snprintf(names + strlen(names), sizeof(names) - strlen(names),
                     "%s%s", names[0] != '\0' ? " " : "", pid);
        if (want != NULL && strcmp(pid, want) == 0)
            pick = p;
    }
    if (want == NULL && n == 1 &&
        json_is_string(json_object_get(json_array_get(data, 0), "id")) &&
        json_is_string(json_object_get(json_array_get(data, 0),
                                       "access_token")))
        pick = json_array_get(data, 0);
    if (pick == NULL) {
        if (names[0] == '\0')
            snprintf(err, size, "the user has no Page sv-publish may use "
                     "(pages_show_list granted?)");
        else if (want != NULL)
            snprintf(err, size, "no Page %s among the user's (%s)", want,
                     names);
        else
            snprintf(err, size, "the user has several Pages (%s): say "
                     "which with --set facebook.page_id=ID", names);
        return -ENOENT;
    }
    /* publishing videos needs the CREATE_CONTENT task on the Page */
    tasks = json_object_get(pick, "tasks");
    ok = !json_is_array(tasks);
    for (k = 0; k < json_array_size(tasks); k++)
        if (json_is_string(json_array_get(tasks, k)) &&
            strcmp(json_string_value(json_array_get(tasks, k)),
                   "CREATE_CONTENT") == 0)
            ok = 1;
    if (!ok) {
        snprintf(err, size, "the user may not create content on Page %s "
                 "(no CREATE_CONTENT task)",
                 json_string_value(json_object_get(pick, "id")));
        return SV_EAUTH;
    }
    if (strlen(json_string_value(json_object_get(pick, "id"))) >= isize ||
        strlen(json_string_value(json_object_get(pick, "access_token"))) >=
        tsize) {
        snprintf(err, size, "a Page id or token too long");
        return SV_ELIMIT;
    }
    snprintf(id, isize, "%s", json_string_value(json_object_get(pick, "id")));
    snprintf(token, tsize, "%s",
             json_string_value(json_object_get(pick, "access_token")));
    return 0;
}

/* GET path?query on the Graph host; the reply's object in *out */
static int
graph_get(struct sv_plat_job *j, const char *path, const char *query,
          const char *what, json_t **out)
{
    struct sv_http_req q = { 0 };
    char *url;
    size_t n = strlen(path) + strlen(query) + 512;
    int rc;

    url = malloc(n);
    if (url == NULL)
        return -ENOMEM;
    sv__plat_url(j, 0, path, url, n);
    snprintf(url + strlen(url), n - strlen(url), "?%s", query);
    q.method = "GET";
    q.url = url;
    q.sent = &(int64_t){ 0 };
    rc = sv__graph_call(j, &q, what, NULL, out);
    explicit_bzero(url, n);     /* the app secret, tokens */
    free(url);
    return rc;
}

/*
 * One call to the token endpoint with the form in qs (wiped after): the
 * answer's access_token into tok, its expires_in into *expires_in.
 * A Graph error there is a refused grant (SV_EAUTH).
 */
static int
token_call(struct sv_plat_job *j, char *qs, size_t qsize, const char *what,
           char *tok, size_t size, int64_t *expires_in)
{
    const char *at;
    json_t *o;
    int rc;

    rc = graph_get(j, SV_GRAPH_V "/oauth/access_token", qs, what, &o);
    explicit_bzero(qs, qsize);
    if (rc == SV_EPROTO && j->reason[0] != '\0')
        rc = SV_EAUTH;
    if (rc < 0)
        return rc;
    at = json_string_value(json_object_get(o, "access_token"));
    if (at == NULL || strlen(at) >= size) {
        json_decref(o);
        return sv__plat_fail(j, SV_EPROTO, "%s: no access_token in the "
                             "answer", what);
    }
    snprintf(tok, size, "%s", at);
    *expires_in = json_integer_value(json_object_get(o, "expires_in"));
    json_decref(o);
    return 0;
}

/* the long-lived user token, from the dialog's code */
static int
user_token(struct sv_plat_job *j, const char *id, const char *secret,
           const char *redirect, const char *code, char *tok, size_t size,
           int64_t *expires_in)
{
    char qs[8192] = "";
    int rc;

    rc = sv__plat_form(qs, sizeof(qs), "client_id", id);
    rc |= sv__plat_form(qs, sizeof(qs), "redirect_uri", redirect);
    rc |= sv__plat_form(qs, sizeof(qs), "client_secret", secret);
    rc |= sv__plat_form(qs, sizeof(qs), "code", code);
    if (rc != 0) {
        explicit_bzero(qs, sizeof(qs));
        return sv__plat_fail(j, SV_ELIMIT, "code exchange too long");
    }
    rc = token_call(j, qs, sizeof(qs), "exchanging the code", tok, size,
                    expires_in);
    if (rc < 0)
        return rc;
    /* short-lived (about an hour): made long-lived at once */
    qs[0] = '\0';
    rc = sv__plat_form(qs, sizeof(qs), "grant_type", "fb_exchange_token");
    rc |= sv__plat_form(qs, sizeof(qs), "client_id", id);
    rc |= sv__plat_form(qs, sizeof(qs), "client_secret", secret);
    rc |= sv__plat_form(qs, sizeof(qs), "fb_exchange_token", tok);
    explicit_bzero(tok, size);
    if (rc != 0) {
        explicit_bzero(qs, sizeof(qs));
        return sv__plat_fail(j, SV_ELIMIT, "token exchange too long");
    }
    return token_call(j, qs, sizeof(qs), "making the token long-lived", tok,
                      size, expires_in);
}

/* the Page (and its token), and for Instagram its business account */
static int
page_and_account(struct sv_plat_job *j, const char *user, int ig,
                 char *page, size_t psize, char *ptok, size_t tsize,
                 char *igid, size_t gsize)
{
    char qs[4600] = "", want[64], path[128], err[512];
    const char *w;
    json_t *o;
    int rc;

    /* the Page asked for: --set, else the credentials (or environment) */
    w = sv__plat_meta(j->c, "facebook", "page_id", NULL);
    if (w == NULL && sv_creds_get(j->creds, "facebook", "page_id", want,
                                  sizeof(want)) == 0)
        w = want;
    rc = sv__plat_form(qs, sizeof(qs), "fields", "id,name,access_token,"
                       "tasks");
    rc |= sv__plat_form(qs, sizeof(qs), "limit", "100");
    rc |= sv__plat_form(qs, sizeof(qs), "access_token", user);
    if (rc != 0)
        return sv__plat_fail(j, SV_ELIMIT, "user token too long");
    rc = graph_get(j, SV_GRAPH_V "/me/accounts", qs, "listing the Pages",
                   &o);
    explicit_bzero(qs, sizeof(qs));
    if (rc < 0)
        return rc;
    rc = sv__graph_pick_page(o, w, page, psize, ptok, tsize, err,
                             sizeof(err));
    json_decref(o);
    if (rc < 0)
        return sv__plat_fail(j, rc, "%s: %s", j->ops->name, err);
    if (!ig)
        return 0;
    qs[0] = '\0';
    rc = sv__plat_form(qs, sizeof(qs), "fields",
                       "instagram_business_account");
    rc |= sv__plat_form(qs, sizeof(qs), "access_token", ptok);
    if (rc != 0)
        return sv__plat_fail(j, SV_ELIMIT, "Page token too long");
    snprintf(path, sizeof(path), SV_GRAPH_V "/%s", page);
    rc = graph_get(j, path, qs, "reading the Page's Instagram account", &o);
    explicit_bzero(qs, sizeof(qs));
    if (rc < 0)
        return rc;
    w = json_string_value(json_object_get(json_object_get(
            o, "instagram_business_account"), "id"));
    if (w == NULL || w[0] == '\0' || strlen(w) >= gsize ||
        strspn(w, "0123456789") != strlen(w)) {
        json_decref(o);
        return sv__plat_fail(j, SV_EAUTH, "instagram: Page %s has no "
                             "Instagram professional account linked "
                             "(personal accounts cannot publish through "
                             "the API)", page);
    }
    snprintf(igid, gsize, "%s", w);
    json_decref(o);
    return 0;
}

int
sv__graph_auth(struct sv_plat_job *j)
{
    char id[512], secret[512], redirect[64], state[32], code[2048];
    char url[4096], qs[3000] = "", user[4096], ptok[4096], page[64];
    char igid[64] = "", err[512];
    int ig = strcmp(j->ops->name, "instagram") == 0;
    int64_t exp = 0;
    json_t *upd;
    int lfd, port = 0, rc;

    /* one Meta app for both: the facebook client unless instagram has
     * its own */
    if (sv_creds_get(j->creds, j->ops->name, "client_id", id,
                     sizeof(id)) < 0 &&
        sv_creds_get(j->creds, "facebook", "client_id", id, sizeof(id)) < 0)
        return sv__plat_fail(j, SV_EAUTH, "no client_id (the Meta app's "
                             "id) for %s: set SV_%s_CLIENT_ID or put it in "
                             "'%s'", j->ops->name, ig ? "INSTAGRAM" :
                             "FACEBOOK", sv_creds_path(j->creds));
    if (sv_creds_get(j->creds, j->ops->name, "client_secret", secret,
                     sizeof(secret)) < 0 &&
        sv_creds_get(j->creds, "facebook", "client_secret", secret,
                     sizeof(secret)) < 0)
        return sv__plat_fail(j, SV_EAUTH, "no client_secret (the Meta "
                             "app's secret) for %s: the code exchange "
                             "needs it", j->ops->name);
    lfd = sv__oauth_listen(&port);
    if (lfd < 0) {
        explicit_bzero(secret, sizeof(secret));
        return sv__plat_fail(j, lfd, "cannot listen on 127.0.0.1: %s",
                             sv_strerror(lfd));
    }
    snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%d/", port);
    sv__oauth_random(state, 16);
    rc = sv__plat_form(qs, sizeof(qs), "client_id", id);
    rc |= sv__plat_form(qs, sizeof(qs), "redirect_uri", redirect);
    rc |= sv__plat_form(qs, sizeof(qs), "state", state);
    rc |= sv__plat_form(qs, sizeof(qs), "response_type", "code");
    rc |= sv__plat_form(qs, sizeof(qs), "scope", ig ? IG_SCOPES
                        : PAGE_SCOPES);
    sv__oauth_endpoint(j, DIALOG, url, sizeof(url));
    snprintf(url + strlen(url), sizeof(url) - strlen(url), "?%s", qs);
    if (rc != 0) {
        close(lfd);
        explicit_bzero(secret, sizeof(secret));
        return sv__plat_fail(j, SV_ELIMIT, "dialog URL too long");
    }
    sv_log_info("open this URL in a browser to let sv-publish use %s:",
                ig ? "your Instagram account" : "your Facebook Page");
    fprintf(stderr, "%s\n", url);
    fflush(stderr);
    rc = sv__oauth_wait(j, lfd, state, code, sizeof(code));
    close(lfd);
    if (rc == 0)
        rc = user_token(j, id, secret, redirect, code, user, sizeof(user),
                        &exp);
    explicit_bzero(secret, sizeof(secret));
    if (rc == 0)
        rc = page_and_account(j, user, ig, page, sizeof(page), ptok,
                              sizeof(ptok), igid, sizeof(igid));
    if (rc < 0)
        goto out;
    if (ig)
        /* the IG calls take the user token of Facebook Login */
        upd = json_pack("{s:s,s:I,s:s,s:s}", "access_token", user,
                        "expires_at", (json_int_t)(exp > 0 ?
                        sv_time_now_ms() + exp * 1000 : 0),
                        "ig_user_id", igid, "page_id", page);
    else
        /* a Page token from a long-lived user token does not expire */
        upd = json_pack("{s:s,s:I,s:s,s:s,s:I}", "access_token", ptok,
                        "expires_at", (json_int_t)0, "page_id", page,
                        "user_access_token", user, "user_expires_at",
                        (json_int_t)(exp > 0 ? sv_time_now_ms() +
                                     exp * 1000 : 0));
    rc = sv_creds_update(j->creds, j->ops->name, upd, err, sizeof(err));
    if (rc < 0)
        sv__plat_fail(j, rc, "%s", err);
    else if (ig)
        sv_log_info("instagram: account %s (through Page %s); the token "
                    "lasts %" PRId64 " days: run auth again before",
                    igid, page, exp / 86400);
    else
        sv_log_info("facebook: Page %s", page);
out:
    explicit_bzero(user, sizeof(user));
    explicit_bzero(ptok, sizeof(ptok));
    return rc;
}
