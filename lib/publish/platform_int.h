/* platform_int.h -- the adapter interface: one plat_<name>.c per platform */
#ifndef SV_PLATFORM_INT_H
#define SV_PLATFORM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "http/client.h"
#include "publish/creds.h"
#include "publish/platform.h"

/* what an adapter can do */
enum {
    SV_PLAT_VOD = 1 << 0,       /* uploads files */
    SV_PLAT_RESUME = 1 << 1,    /* its upload resumes after a cut */
    SV_PLAT_THUMB = 1 << 2,     /* sets a thumbnail */
    SV_PLAT_LIVE_CREATE = 1 << 3,   /* creates a broadcast, returns URL */
    SV_PLAT_LIVE_KEY = 1 << 4,  /* reads the account's stream key */
    SV_PLAT_REFRESH = 1 << 5,   /* OAuth refresh tokens */
    SV_PLAT_ROTATE = 1 << 6,    /* each refresh replaces the refresh token */
    SV_PLAT_PKCE = 1 << 7,      /* authorization code flow with S256 PKCE */
    SV_PLAT_DEVICE = 1 << 8,    /* RFC 8628 device flow */
    SV_PLAT_STATUS = 1 << 9,    /* reads back state and counts */
    SV_PLAT_NOTOKEN = 1 << 10,  /* no access token (a local daemon) */
};

/* How the token endpoint wants the client named. */
enum sv_plat_client {
    SV_PLAT_CLIENT_FORM,        /* client_id + client_secret in the form */
    SV_PLAT_CLIENT_KEY,         /* client_key + client_secret (TikTok) */
    SV_PLAT_CLIENT_BASIC,       /* HTTP Basic id:secret (Vimeo) */
};

struct sv_plat_job;

/*
 * One platform.  Hosts are the real ones; --api NAME=URL puts every host
 * of the platform at URL (paths unchanged), which is how tests reach their
 * fakes.  Every hook returns 0 or a negative code with j->err written;
 * NULL hooks are steps the platform does not have.
 */
struct sv_plat_ops {
    const char *name;
    unsigned caps;
    const char *api;            /* https://host of the API */
    const char *upload;         /* host of uploads (or NULL: api) */
    const char *auth_url;       /* authorize endpoint (full URL) */
    const char *token_url;      /* token endpoint (full URL) */
    const char *device_url;     /* device code endpoint, or NULL */
    const char *scope;          /* scopes asked for by auth */
    const char *scope_sep;      /* " " or "," */
    const char *auth_extra;     /* more authorize parameters, or NULL */
    enum sv_plat_client client;
    int64_t chunk_default;      /* upload chunk when --chunk-size is 0 */

    /* checks c's metadata and sets against the platform's rules */
    int (*check)(const struct sv_plat_conf *c, char *err, size_t size);
    /* starts the upload: a session URL, an upload URL, an id */
    int (*start)(struct sv_plat_job *j);
    /* sends the file, resuming from what the server says it holds */
    int (*send)(struct sv_plat_job *j);
    /* metadata and publishing where they are separate calls */
    int (*finish)(struct sv_plat_job *j);
    int (*thumbnail)(struct sv_plat_job *j);
    /* one look at processing: *done 1 finished, 0 still going */
    int (*poll)(struct sv_plat_job *j, int *done);
    /* after processing is done: the step that makes it public where the
     * platform wants one (Instagram's media_publish on a FINISHED
     * container); with it, processing is waited for even when
     * --processing-wait is 0 */
    int (*publish)(struct sv_plat_job *j);
    /* live: a URL to push RTMP(S) to */
    int (*live)(struct sv_plat_job *j, char *url, size_t size);
    /* status of id: stolen object into *out */
    int (*status)(struct sv_plat_job *j, const char *id, json_t **out);
    /* sv-publish auth, where the platform's flow is not plain OAuth */
    int (*auth)(struct sv_plat_job *j);
    /* before any request: refuses a run (SV_PLAT_Q_*) that the platform's
     * quota left for today cannot pay for */
    int (*quota)(struct sv_plat_job *j, int what);
};

/* what the quota hook is asked about */
enum {
    SV_PLAT_Q_UPLOAD,
    SV_PLAT_Q_STATUS,
    SV_PLAT_Q_LIVE,
};

/* One platform's run; the driver owns it, the adapter fills the middle. */
struct sv_plat_job {
    const struct sv_plat_conf *c;
    const struct sv_plat_ops *ops;
    struct sv_creds *creds;
    char base[256];             /* --api override, or "" */
    const char *file;
    int fd;
    int64_t size;
    int64_t chunk;              /* chunk size in use */
    char token[4096];           /* current access token ("" none yet) */

    char session[2048];         /* upload session / upload URL */
    char aux[2048];             /* a second URL or handle */
    char id[256];               /* the platform's id of the item */
    char url[512];              /* its public URL */
    char state[64];             /* last state the platform told */
    int64_t confirmed;          /* bytes the server said it holds */
    int64_t sent;               /* body bytes sent, all tries */
    int resumes;                /* times the upload resumed after a fault */
    int refreshes;
    json_t *extra;              /* more fields for the result (owned) */
    char reason[64];            /* the platform's error reason, if any */

    int rc;
    char err[1024];
};

/* flags of sv__plat_call */
enum {
    SV_PLAT_AUTH = 1 << 0,      /* add "Authorization: Bearer <token>" and
                                   on 401 refresh once and repeat */
    SV_PLAT_ONCE = 1 << 1,      /* no retries: the adapter resumes itself */
};

/* The URL of path on the platform's API (or upload) host. */
void sv__plat_url(const struct sv_plat_job *j, int upload, const char *path,
                  char *out, size_t size);

/*
 * Sends q (headers as given; the call adds Authorization where flags say),
 * retrying 5xx, 429 and transport failures c->retries more times with
 * backoff unless SV_PLAT_ONCE.  q->sent is pointed at j->sent when NULL.
 * Returns sv_http_send's code; r must be released by the caller.
 */
int sv__plat_call(struct sv_plat_job *j, struct sv_http_req *q,
                  unsigned flags, struct sv_http_reply *r);

/* Waits c->backoff_us << try (capped at 8 s); false after a stop signal. */
int sv__plat_backoff(struct sv_plat_job *j, int try);

/* r's body as JSON (a new reference), or NULL when it is not JSON. */
json_t *sv__plat_json(const struct sv_http_reply *r);

/* Sets j->err (and returns code): "<status> <detail>" style messages. */
int sv__plat_fail(struct sv_plat_job *j, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An HTTP failure r: message from its JSON or its status; returns code. */
int sv__plat_http_fail(struct sv_plat_job *j, const char *what,
                       const struct sv_http_reply *r);

/* Percent-encodes s (RFC 3986 unreserved kept) onto out; 0 or SV_ELIMIT. */
int sv__plat_pct(const char *s, char *out, size_t size);

/* Appends "&k=v" (encoded; no '&' when out is empty).  0 or SV_ELIMIT. */
int sv__plat_form(char *out, size_t size, const char *k, const char *v);

/*
 * The metadata field for this platform: "name.field" from --set, else the
 * common value (NULL when neither).
 */
const char *sv__plat_meta(const struct sv_plat_conf *c, const char *name,
                          const char *field, const char *common);

/* Refreshes the access token and saves what came back; 0 or code. */
int sv__plat_refresh(struct sv_plat_job *j);

/* Emits publish.progress {platform, bytes, size}. */
void sv__plat_progress(struct sv_plat_job *j);

/* The title: --title, else the file's base name without extension. */
const char *sv__plat_title(const struct sv_plat_job *j, char *buf,
                           size_t size);

/* Content-Type for the file by its extension (video/mp4 default). */
const char *sv__plat_type(const char *file);

/* the adapters */
extern const struct sv_plat_ops sv__plat_youtube;
extern const struct sv_plat_ops sv__plat_vimeo;
extern const struct sv_plat_ops sv__plat_tiktok;
extern const struct sv_plat_ops sv__plat_dailymotion;
extern const struct sv_plat_ops sv__plat_twitch;
extern const struct sv_plat_ops sv__plat_kick;
extern const struct sv_plat_ops sv__plat_rumble;
extern const struct sv_plat_ops sv__plat_facebook;

/* plat_facebook.c: the Graph API (Facebook, Instagram) */
/* A Graph error reply r: j->err and j->reason ("code" or "code/subcode");
 * *transient when another try may work.  Returns the code. */
int sv__graph_fail(struct sv_plat_job *j, const char *what,
                   const struct sv_http_reply *r, int *transient);
/* Sends q (no auth header added), retrying cuts and transient errors
 * c->retries times (each counted in *resumes when not NULL); on 200 *out
 * is the JSON object.  Returns 0 or a code with j->err. */
int sv__graph_call(struct sv_plat_job *j, struct sv_http_req *q,
                   const char *what, int *resumes, json_t **out);
/* A Graph number that may come as a string; -1 when it is neither. */
int64_t sv__graph_int(json_t *v);
/* the Graph API version in every path */
#define SV_GRAPH_V "/v21.0"
/* A form POST to path on the upload host (1) or the API host (0). */
int sv__graph_post(struct sv_plat_job *j, int upload, const char *path,
                   const char *form, const char *what, json_t **out);
/* GET /v21.0/{id}?fields=...&access_token=... on the API host. */
int sv__graph_get(struct sv_plat_job *j, const char *id, const char *fields,
                  json_t **out);
extern const struct sv_plat_ops sv__plat_instagram;
extern const struct sv_plat_ops sv__plat_odysee;

/* oauth.c */
int sv__oauth_refresh(struct sv_plat_job *j);
int sv__oauth_auth(struct sv_plat_job *j);
/* full URL full on --api's host when there is one (paths unchanged) */
void sv__oauth_endpoint(const struct sv_plat_job *j, const char *full,
                        char *out, size_t size);
/* a listening socket on 127.0.0.1, its port in *port; or -errno */
int sv__oauth_listen(int *port);
/* the browser's redirect to lfd: its code (state checked) or a code */
int sv__oauth_wait(struct sv_plat_job *j, int lfd, const char *state,
                   char *code, size_t size);
/* n random bytes as base64url into out (4n/3 + 1 bytes) */
void sv__oauth_random(char *out, size_t n);

/* graph_auth.c: Facebook Login for a Page (facebook) or the Instagram
 * business account of a Page (instagram) */
int sv__graph_auth(struct sv_plat_job *j);
/*
 * Picks the Page of /me/accounts' answer o: the one whose id is want, else
 * the only one.  Copies its id and access token.  Returns 0, or -ENOENT /
 * SV_EAUTH with a message in err (none, several, no CREATE_CONTENT task).
 */
int sv__graph_pick_page(json_t *o, const char *want, char *id, size_t isize,
                        char *token, size_t tsize, char *err, size_t size);

#endif
