/* sync.c -- one target brought up to date: plan, upload in order, delete
 *
 * The plan compares what is there (an S3 listing, a directory) with the
 * local files by size and checksum, as `aws s3 sync` and rclone do, and
 * sends only what is new or changed.  Media goes first, then the playlists
 * and manifests that name it (a player must never read a playlist whose
 * segments are not there yet), then --delete removes what is gone.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/textenc.h"
#include "crypto/digest.h"
#include "http/client.h"
#include "model/filekind.h"
#include "publish/awsconf.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "publish/s3.h"
#include "publish/s3xml.h"

#define SYNC_MAX_PARTS 10000
#define SYNC_MAX_RESTARTS 3
#define SYNC_MSG 1024

struct target {
    enum sv_publish_kind kind;
    const char *url;            /* as given */
    char bucket[256];
    char prefix[1024];          /* "" or ending in '/' */
    char dir[PATH_MAX];         /* file:// */
    char base[2048];            /* http(s):// without a trailing slash */
};

enum { P_QUEUED, P_BUSY, P_DONE };

struct job;

struct part {
    struct job *job;
    int number;                 /* 1..; 0: the whole file in one PUT */
    int64_t off, len;
    int state;
    int tries;
    int64_t not_before;         /* monotonic ms */
    char etag[80];
    struct sv_s3_call *call;    /* while busy */
};

struct job {
    struct pub *p;
    const struct sv_publish_file *f;
    char key[2048];             /* S3 key, or the name under the target */
    char name[2400];            /* for messages: s3://bucket/key, a URL */
    int fd;
    struct stat st0;
    int started, failed, finished, changed, restarts;
    int counted;                /* holds one of p->open */
    char sha[65];               /* the whole file's, for x-amz-meta-sha256 */
    int multipart;
    char upload_id[512];
    struct part *parts;
    int nparts, left, busy;
    const void *body;           /* --live's playlists: bytes read once */
    size_t body_len;
    int rc;                     /* --live: why it failed, told by the caller */
    char msg[SYNC_MSG];
};

struct pub {
    const struct sv_publish_conf *c;
    struct target t;
    struct sv_awsconf aws;
    struct sv_s3 s3;
    struct sv_publish_stats *st;
    struct job *jobs;
    int njobs, first, open;
    int64_t sent, total;
    int files_done, files_total;
    int64_t drawn;
    char err[SYNC_MSG];         /* the first failure */
    /* --live (sv__pub_put_many): failures go back to the caller, which
     * counts and reports; on_retry hears of each try that will be retried */
    int live;
    void (*on_retry)(void *ud, const char *rel, const char *err);
    void *retry_ud;
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- targets ---- */

int
sv_publish_is_target(const char *a)
{
    return strncmp(a, "s3://", 5) == 0 || strncmp(a, "file://", 7) == 0 ||
           strncmp(a, "http://", 7) == 0 || strncmp(a, "https://", 8) == 0;
}

static int
target_parse(const char *url, struct target *t, char *err, size_t size)
{
    const char *p, *slash;
    size_t n;

    memset(t, 0, sizeof(*t));
    t->url = url;
    if (strncmp(url, "s3://", 5) == 0) {
        t->kind = SV_PUBLISH_S3;
        p = url + 5;
        slash = strchr(p, '/');
        n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n >= sizeof(t->bucket)) {
            snprintf(err, size, "bad target '%s': no bucket", url);
            return SV_EUSAGE;
        }
        memcpy(t->bucket, p, n);
        if (slash != NULL) {
            const char *pre = slash + 1;

            while (*pre == '/')
                pre++;
            n = strlen(pre);
            if (n + 2 > sizeof(t->prefix)) {
                snprintf(err, size, "bad target '%s': prefix too long", url);
                return SV_EUSAGE;
            }
            memcpy(t->prefix, pre, n);
            if (n > 0 && pre[n - 1] != '/')
                t->prefix[n] = '/';
        }
        if (strlen(t->bucket) < 3 || strlen(t->bucket) > 63) {
            snprintf(err, size, "bad target '%s': bucket names have 3 to 63 "
                     "characters", url);
            return SV_EUSAGE;
        }
        return 0;
    }
    if (strncmp(url, "file://", 7) == 0) {
        t->kind = SV_PUBLISH_FILE;
        p = url + 7;
        if (strncmp(p, "localhost/", 10) == 0)
            p += 9;
        if (p[0] != '/') {
            snprintf(err, size, "bad target '%s': want file:///absolute/dir",
                     url);
            return SV_EUSAGE;
        }
        n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            n--;
        if (n >= sizeof(t->dir)) {
            snprintf(err, size, "bad target '%s': path too long", url);
            return SV_EUSAGE;
        }
        memcpy(t->dir, p, n);
        return 0;
    }
    t->kind = SV_PUBLISH_HTTP;
    n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= sizeof(t->base) || strpbrk(url, "?#") != NULL) {
        snprintf(err, size, "bad target '%s': want http(s)://host/path "
                 "without a query", url);
        return SV_EUSAGE;
    }
    memcpy(t->base, url, n);
    p = strstr(t->base, "://") + 3;
    if (*p == '\0' || *p == '/') {
        snprintf(err, size, "bad target '%s': no host", url);
        return SV_EUSAGE;
    }
    return 0;
}

/* An origin as browsers send it: "*" or scheme://host[:port], no path. */
static int
cors_origin_ok(const char *o)
{
    const char *h = strstr(o, "://");
    size_t i;

    if (strcmp(o, "*") == 0)
        return 1;
    if (h == NULL || h == o || h[3] == '\0' || strlen(o) > 300)
        return 0;
    for (i = 0; o + i < h; i++)
        if (!isalpha((unsigned char)o[i]))
            return 0;
    for (h += 3; *h != '\0'; h++)
        if (!isalnum((unsigned char)*h) && strchr(".-:[]", *h) == NULL)
            return 0;
    return 1;
}

int
sv_publish_check(const struct sv_publish_conf *c, const char *target,
                 char *err, size_t size)
{
    struct target t;
    int rc;

    rc = target_parse(target, &t, err, size);
    if (rc < 0)
        return rc;
    if (c->acl != NULL) {
        static const char *const acls[] = {
            "private", "public-read", "authenticated-read",
            "bucket-owner-read", "bucket-owner-full-control", NULL,
        };
        int i;

        for (i = 0; acls[i] != NULL && strcmp(acls[i], c->acl) != 0; i++)
            ;
        if (acls[i] == NULL) {
            snprintf(err, size, "bad --acl '%.100s': want private, "
                     "public-read, authenticated-read, bucket-owner-read "
                     "or bucket-owner-full-control", c->acl);
            return SV_EUSAGE;
        }
    }
    if (c->cors != NULL && !cors_origin_ok(c->cors)) {
        snprintf(err, size, "bad --cors '%.200s': want * or "
                 "scheme://host[:port]", c->cors);
        return SV_EUSAGE;
    }
    if ((c->acl != NULL || c->cors != NULL) && t.kind != SV_PUBLISH_S3) {
        snprintf(err, size, "--%s applies to s3:// targets, not '%s'",
                 c->acl != NULL ? "acl" : "cors", target);
        return SV_EUSAGE;
    }
    if (t.kind == SV_PUBLISH_HTTP && c->delete_extra) {
        snprintf(err, size, "--delete needs a target that can be listed "
                 "(s3:// or file://), not '%s'", target);
        return SV_EUSAGE;
    }
    return 0;
}

/* ---- reporting ---- */

static void
fail(struct pub *p, const char *name, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail(struct pub *p, const char *name, int code, const char *fmt, ...)
{
    char msg[SYNC_MSG], line[SYNC_MSG + 700];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "%.600s: %s", name, msg);
    sv_log_error("%s", line);
    sv_event_error(code, line, json_pack("{s:s}", "target", p->t.url));
    if (p->err[0] == '\0')
        snprintf(p->err, sizeof(p->err), "%.1000s", line);
    p->st->failed++;
}

static void
draw(struct pub *p, int force)
{
    int64_t t = now_ms();
    int pct;

    if (p->live || !sv_log_tty() || (!force && t - p->drawn < 100))
        return;
    p->drawn = t;
    pct = p->total > 0 ? (int)(100 * (p->sent > p->total ? p->total :
                                      p->sent) / p->total) : 100;
    {
        char bar[21];
        int i;

        for (i = 0; i < 20; i++)
            bar[i] = i < pct / 5 ? '#' : '.';
        bar[20] = '\0';
        sv_log_progress("[%s] %3d%% %d/%d files, %.1f/%.1f MiB", bar, pct,
                        p->files_done, p->files_total,
                        p->sent / 1048576.0, p->total / 1048576.0);
    }
}

static void
progress(struct pub *p, const char *action, const char *name, int64_t bytes)
{
    if (strcmp(action, "upload") == 0)
        p->files_done++;
    sv_event_emit("publish.progress",
                  json_pack("{s:s,s:s,s:s,s:I,s:i,s:i,s:I,s:I,s:b}",
                            "target", p->t.url, "action", action,
                            "file", name, "bytes", (json_int_t)bytes,
                            "done", p->files_done, "files", p->files_total,
                            "sent", (json_int_t)p->sent,
                            "total", (json_int_t)p->total,
                            "dry_run", p->c->dry_run));
    draw(p, 0);
}

/* ---- the S3 side ---- */

static void
s3_name(const struct pub *p, const char *key, char *out, size_t size)
{
    snprintf(out, size, "s3://%s/%s", p->t.bucket, key);
}

/* The headers every object carries (a PUT, or a multipart upload's
 * create): how it is served, who may read it, the hash of its bytes. */
#define OBJ_HDRS 9
static void
obj_headers(const struct pub *p, const char *ext, const char *path,
            const char *sha, const char *h[OBJ_HDRS])
{
    int n = 0;

    h[n++] = "cache-control";
    h[n++] = sv_filekind_cache(ext, path);
    h[n++] = "content-type";
    h[n++] = sv_filekind_type(ext);
    if (p->c->acl != NULL) {
        h[n++] = "x-amz-acl";
        h[n++] = p->c->acl;
    }
    h[n++] = "x-amz-meta-sha256";
    h[n++] = sha;
    h[n] = NULL;
}

/* A simple call with retries: 0 and r filled, or negative and err. */
static int
s3_simple(struct pub *p, const char *method, const char *key,
          const char *const *q, const char *const *h, const void *body,
          size_t len, struct sv_http_reply *r, char *err, size_t size)
{
    struct sv_s3_call *c = malloc(sizeof(*c));
    int rc;

    memset(r, 0, sizeof(*r));
    if (c == NULL) {
        snprintf(err, size, "%s", sv_strerror(-ENOMEM));
        return -ENOMEM;
    }
    rc = sv_s3_call(&p->s3, c, method, key, q, h, NULL, body, len);
    if (rc < 0) {
        snprintf(err, size, "%s", sv_strerror(rc));
        free(c);
        return rc;
    }
    c->q.body = body;
    c->q.body_len = len;
    if (p->c->timeout_us > 0)
        c->q.timeout_us = p->c->timeout_us;
    rc = sv_s3_send(c, p->c->retries, r, err, size);
    free(c);
    return rc;
}

/* An S3 reply of 200 may still carry an <Error> (Complete does that). */
static int
on_body_err(void *ud, const char *path, const char *text, size_t len)
{
    (void)ud;
    (void)text;
    (void)len;
    return strncmp(path, "Error/", 6) == 0 ? 1 : 0;
}

static void
s3_abort(struct pub *p, struct job *j)
{
    const char *q[] = { "uploadId", j->upload_id, NULL };
    struct sv_http_reply r;
    char err[SYNC_MSG];
    int rc;

    if (!j->multipart || j->upload_id[0] == '\0')
        return;
    rc = s3_simple(p, "DELETE", j->key, q, NULL, NULL, 0, &r, err,
                   sizeof(err));
    if (rc < 0)
        sv_log_warn("%s: cannot abort the upload: %s", j->name, err);
    else if (r.status != 204 && r.status != 200 && r.status != 404) {
        sv_s3_error(&r, err, sizeof(err));
        sv_log_warn("%s: cannot abort the upload: %s", j->name, err);
    } else {
        sv_log_debug("%s: upload %s aborted", j->name, j->upload_id);
    }
    sv_http_reply_release(&r);
    j->upload_id[0] = '\0';
}

static int
s3_create(struct pub *p, struct job *j, char *err, size_t size)
{
    const char *q[] = { "uploads", "", NULL };
    const char *ext = sv_filekind_ext(j->f->rel);
    const char *h[OBJ_HDRS];
    struct sv_http_reply r;
    int rc;

    obj_headers(p, ext, j->f->path, j->sha, h);
    rc = s3_simple(p, "POST", j->key, q, h, NULL, 0, &r, err, size);
    if (rc < 0)
        return rc;
    if (r.status != 200) {
        sv_s3_error(&r, err, size);
        rc = r.status == 403 ? SV_EAUTH : SV_EPROTO;
    } else if (sv_s3_upload_id(&r, j->upload_id, sizeof(j->upload_id)) <
               0) {
        snprintf(err, size, "CreateMultipartUpload: no UploadId");
        rc = SV_EPROTO;
    }
    sv_http_reply_release(&r);
    return rc;
}

/*
 * Resumes an upload a killed run left: its parts that ListParts shows with
 * this size and the MD5 of our bytes are marked done.  Returns 1 resumed,
 * 0 nothing to resume, or negative.
 */
static int
s3_resume(struct pub *p, struct job *j, char *err, size_t size)
{
    struct sv_s3_part *have = NULL;
    int nhave = 0, i, rc, kept = 0;

    rc = sv_s3_find_upload(&p->s3, j->key, p->c->retries, j->upload_id,
                           sizeof(j->upload_id), err, size);
    if (rc <= 0)
        return rc;
    rc = sv_s3_list_parts(&p->s3, j->key, j->upload_id, p->c->retries,
                          &have, &nhave, err, size);
    if (rc < 0)
        return rc;
    for (i = 0; i < nhave; i++) {
        struct part *pt;
        unsigned char md5[SV_MD5_LEN];
        char hex[33];

        if (have[i].number < 1 || have[i].number > j->nparts) {
            /* radosgw's Complete must list every part: start over */
            free(have);
            sv_log_debug("%s: upload %s has part %d of another layout",
                         j->name, j->upload_id, have[i].number);
            s3_abort(p, j);
            return 0;
        }
        pt = &j->parts[have[i].number - 1];
        if (pt->len != have[i].size)
            continue;
        rc = sv_digest_fd(j->fd, pt->off, pt->len, NULL, md5);
        if (rc < 0) {
            free(have);
            snprintf(err, size, "cannot read '%s': %s", j->f->path,
                     sv_strerror(rc));
            return rc;
        }
        sv_hex_encode(md5, sizeof(md5), hex);
        if (strcmp(hex, have[i].etag) != 0)
            continue;
        pt->state = P_DONE;
        snprintf(pt->etag, sizeof(pt->etag), "%s", have[i].etag);
        j->left--;
        kept++;
    }
    free(have);
    sv_log_info("%s: resuming upload, %d of %d parts already there",
                j->name, kept, j->nparts);
    sv_event_emit("publish.resume",
                  json_pack("{s:s,s:s,s:i,s:i}", "target", p->t.url,
                            "file", j->f->rel, "parts_kept", kept,
                            "parts", j->nparts));
    return 1;
}

static int
s3_complete(struct pub *p, struct job *j, char *err, size_t size)
{
    const char *q[] = { "uploadId", j->upload_id, NULL };
    struct sv_http_reply r;
    struct sv_buf b;
    int i, rc;

    sv_buf_init(&b, 1024 * 1024);
    rc = sv_buf_printf(&b, "<CompleteMultipartUpload>");
    for (i = 0; rc == 0 && i < j->nparts; i++)
        rc = sv_buf_printf(&b, "<Part><PartNumber>%d</PartNumber>"
                           "<ETag>\"%s\"</ETag></Part>",
                           j->parts[i].number, j->parts[i].etag);
    if (rc == 0)
        rc = sv_buf_printf(&b, "</CompleteMultipartUpload>");
    if (rc < 0) {
        sv_buf_release(&b);
        snprintf(err, size, "%s", sv_strerror(rc));
        return rc;
    }
    rc = s3_simple(p, "POST", j->key, q, NULL, b.data, b.len, &r, err, size);
    sv_buf_release(&b);
    if (rc < 0)
        return rc;
    /* radosgw answers the first Complete with an empty <ETag>: not judged */
    if (r.status != 200 ||
        (r.len > 0 && sv_s3xml_parse(r.body, r.len, on_body_err, NULL) == 1)) {
        sv_s3_error(&r, err, size);
        rc = SV_EPROTO;
    }
    sv_http_reply_release(&r);
    return rc;
}

/* ---- jobs: one file to send ---- */

static void
job_close(struct job *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    if (j->counted)
        j->p->open--;
    j->counted = 0;
}

static void
job_fail(struct job *j, int code, const char *msg)
{
    if (j->failed)
        return;
    j->failed = 1;
    j->rc = code;
    if (j->p->live)
        snprintf(j->msg, sizeof(j->msg), "%s", msg);
    else
        fail(j->p, j->name, code, "%s", msg);
    if (j->busy == 0)
        job_close(j);   /* its place goes to the next file */
}

/* Opens the file and lays its parts out; a multipart one is created or
 * resumed.  Returns 0, or negative after job_fail(). */
static int
job_start(struct job *j)
{
    struct pub *p = j->p;
    const struct sv_publish_conf *c = p->c;
    unsigned char sha[SV_SHA256_LEN];
    char err[SYNC_MSG];
    int64_t ps = c->part_size, off;
    int i, rc;

    if (!j->started) {
        j->started = 1;
        j->counted = 1;
        p->open++;
    }
    if (j->body != NULL) {
        /* bytes in memory (st0 set by the caller): one PUT, never changed */
        free(j->parts);
        j->parts = calloc(1, sizeof(*j->parts));
        if (j->parts == NULL) {
            job_fail(j, -ENOMEM, sv_strerror(-ENOMEM));
            return -ENOMEM;
        }
        j->parts[0].job = j;
        j->parts[0].len = (int64_t)j->body_len;
        j->multipart = 0;
        j->nparts = j->left = 1;
        j->changed = 0;
        return 0;
    }
    if (j->fd < 0)
        j->fd = open(j->f->path, O_RDONLY | O_CLOEXEC);
    if (j->fd < 0 || fstat(j->fd, &j->st0) < 0) {
        rc = -errno;
        snprintf(err, sizeof(err), "cannot open '%s': %s", j->f->path,
                 sv_strerror(rc));
        job_fail(j, rc, err);
        return rc;
    }
    free(j->parts);
    j->parts = NULL;
    j->multipart = p->t.kind == SV_PUBLISH_S3 && j->st0.st_size > ps;
    j->nparts = j->multipart ? (int)((j->st0.st_size + ps - 1) / ps) : 1;
    if (j->nparts > SYNC_MAX_PARTS) {
        snprintf(err, sizeof(err), "needs %d parts of --part-size, more "
                 "than S3's %d", j->nparts, SYNC_MAX_PARTS);
        job_fail(j, SV_ELIMIT, err);
        return SV_ELIMIT;
    }
    j->parts = calloc(j->nparts, sizeof(*j->parts));
    if (j->parts == NULL) {
        job_fail(j, -ENOMEM, sv_strerror(-ENOMEM));
        return -ENOMEM;
    }
    for (i = 0, off = 0; i < j->nparts; i++, off += ps) {
        j->parts[i].job = j;
        j->parts[i].number = j->multipart ? i + 1 : 0;
        j->parts[i].off = j->multipart ? off : 0;
        j->parts[i].len = j->multipart ?
            (j->st0.st_size - off < ps ? j->st0.st_size - off : ps) :
            j->st0.st_size;
    }
    j->left = j->nparts;
    j->changed = 0;
    if (!j->multipart)
        return 0;
    rc = sv_digest_fd(j->fd, 0, j->st0.st_size, sha, NULL);
    if (rc < 0) {
        snprintf(err, sizeof(err), "cannot read '%s': %s", j->f->path,
                 sv_strerror(rc));
        job_fail(j, rc, err);
        return rc;
    }
    sv_hex_encode(sha, sizeof(sha), j->sha);
    rc = j->restarts == 0 ? s3_resume(p, j, err, sizeof(err)) : 0;
    if (rc == 0)
        rc = s3_create(p, j, err, sizeof(err));
    if (rc < 0) {
        job_fail(j, rc, err);
        return rc;
    }
    return 0;
}

/* The file changed under us: start over from its new contents. */
static int
job_restart(struct job *j)
{
    if (++j->restarts > SYNC_MAX_RESTARTS) {
        job_fail(j, SV_EFORMAT, "changed while it was being sent, "
                 "again and again");
        return -1;
    }
    sv_log_warn("%s: '%s' changed while it was being sent: sending it "
                "again", j->name, j->f->path);
    if (j->multipart)
        s3_abort(j->p, j);
    close(j->fd);
    j->fd = -1;
    return job_start(j);
}

static int
job_changed(struct job *j)
{
    struct stat sb;

    if (j->body != NULL)
        return 0;
    if (fstat(j->fd, &sb) < 0)
        return 1;
    return sb.st_size != j->st0.st_size ||
           sb.st_mtim.tv_sec != j->st0.st_mtim.tv_sec ||
           sb.st_mtim.tv_nsec != j->st0.st_mtim.tv_nsec ||
           sb.st_ctim.tv_sec != j->st0.st_ctim.tv_sec ||
           sb.st_ctim.tv_nsec != j->st0.st_ctim.tv_nsec;
}

/* An HTTP origin's PUT: the same headers as S3's, no signature. */
static int
part_request_http(struct part *pt, char *err, size_t size)
{
    struct job *j = pt->job;
    struct pub *p = j->p;
    const char *ext = sv_filekind_ext(j->f->rel);
    struct sv_s3_call *c;
    int l1;

    (void)err;
    (void)size;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    if (snprintf(c->url, sizeof(c->url), "%s/%s", p->t.base, j->key) >=
        (int)sizeof(c->url)) {
        free(c);
        return SV_ELIMIT;
    }
    l1 = snprintf(c->store, sizeof(c->store), "Content-Type: %s",
                  sv_filekind_type(ext));
    snprintf(c->store + l1 + 1, sizeof(c->store) - l1 - 1,
             "Cache-Control: %s", sv_filekind_cache(ext, j->f->path));
    c->hdrs[0] = c->store;
    c->hdrs[1] = c->store + l1 + 1;
    c->hdrs[2] = "Expect:";
    c->hdrs[3] = NULL;
    c->q.method = "PUT";
    c->q.url = c->url;
    c->q.headers = c->hdrs;
    c->q.user_agent = "sv-publish";
    c->q.max_reply = 64 * 1024;
    c->q.timeout_us = 300LL * 1000 * 1000;
    pt->call = c;
    return 0;
}

/* Builds the request of part pt into a new call; 0 or negative. */
static int
part_request(struct part *pt, char *err, size_t size)
{
    struct job *j = pt->job;
    struct pub *p = j->p;
    const char *ext = sv_filekind_ext(j->f->rel);
    unsigned char sha[SV_SHA256_LEN];
    char hex[65], num[16];
    struct sv_s3_call *c;
    int rc;

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    if (p->t.kind == SV_PUBLISH_S3) {
        rc = j->body != NULL ? sv_sha256(j->body, j->body_len, sha) :
            sv_digest_fd(j->fd, pt->off, pt->len, sha, NULL);
        if (rc < 0) {
            snprintf(err, size, "cannot read '%s': %s", j->f->path,
                     sv_strerror(rc));
            free(c);
            return rc;
        }
        sv_hex_encode(sha, sizeof(sha), hex);
        if (pt->number == 0) {
            const char *h[OBJ_HDRS];

            obj_headers(p, ext, j->f->path, hex, h);
            rc = sv_s3_call(&p->s3, c, "PUT", j->key, NULL, h, hex, NULL, 0);
        } else {
            const char *q[] = { "partNumber", num, "uploadId", j->upload_id,
                                NULL };

            snprintf(num, sizeof(num), "%d", pt->number);
            rc = sv_s3_call(&p->s3, c, "PUT", j->key, q, NULL, hex, NULL, 0);
        }
        if (rc < 0) {
            snprintf(err, size, "%s", sv_strerror(rc));
            free(c);
            return rc;
        }
    } else {
        free(c);
        rc = part_request_http(pt, err, size);
        if (rc < 0)
            return rc;
        c = pt->call;
    }
    if (p->c->timeout_us > 0)
        c->q.timeout_us = p->c->timeout_us;
    if (j->body != NULL) {
        c->q.body = j->body;
        c->q.body_len = j->body_len;
    } else {
        c->q.body_from_fd = 1;
        c->q.body_fd = j->fd;
        c->q.body_off = pt->off;
        c->q.body_len = (size_t)pt->len;
    }
    c->q.sent = &p->sent;
    pt->call = c;
    return 0;
}

static int
batch_next(void *ud, struct sv_http_req *q, void **tag)
{
    struct pub *p = ud;
    int64_t t = now_ms();
    int i, k, waiting = 0;
    char err[SYNC_MSG];

    draw(p, 0);
    while (p->first < p->njobs &&
           (p->jobs[p->first].failed || p->jobs[p->first].finished))
        p->first++;
    for (i = p->first; i < p->njobs; i++) {
        struct job *j = &p->jobs[i];

        if (j->failed || j->finished)
            continue;
        if (!j->started) {
            /* bounded: so many files open and hashed ahead, no more */
            if (p->open >= 2 * p->c->jobs + 2)
                break;
            if (job_start(j) < 0)
                continue;
        }
        if (j->changed && j->busy == 0 && job_restart(j) < 0)
            continue;
        if (j->changed)
            continue;
        for (k = 0; k < j->nparts; k++) {
            struct part *pt = &j->parts[k];
            int rc;

            if (pt->state != P_QUEUED)
                continue;
            if (pt->not_before > t) {
                waiting = 1;
                continue;
            }
            rc = part_request(pt, err, sizeof(err));
            if (rc < 0) {
                job_fail(j, rc, err);
                break;
            }
            pt->state = P_BUSY;
            j->busy++;
            *q = pt->call->q;
            *tag = pt;
            return 1;
        }
    }
    return waiting || i < p->njobs ? 2 : 0;
}

static void
job_done(struct job *j)
{
    struct pub *p = j->p;
    char err[SYNC_MSG];
    int rc, i;

    if (j->multipart) {
        rc = s3_complete(p, j, err, sizeof(err));
        if (rc < 0) {
            job_fail(j, rc, err);
            return;
        }
        j->upload_id[0] = '\0';
    }
    j->finished = 1;
    if (!p->live) {
        p->st->uploaded++;
        for (i = 0; i < j->nparts; i++)
            p->st->bytes += j->parts[i].len;
        progress(p, "upload", j->f->rel, j->st0.st_size);
    }
    job_close(j);
}

static int
batch_done(void *ud, void *tag, int rc, struct sv_http_reply *r,
           const char *err)
{
    struct pub *p = ud;
    struct part *pt = tag;
    struct job *j = pt->job;
    char msg[SYNC_MSG];
    const char *etag;

    free(pt->call);
    pt->call = NULL;
    j->busy--;
    pt->state = P_QUEUED;
    if (j->failed) {
        if (j->busy == 0)
            job_close(j);
        return 0;
    }
    if (!j->changed && job_changed(j))
        j->changed = 1;
    if (j->changed)
        return 0;           /* batch_next restarts it once idle */
    if (rc < 0 || r->status < 200 || r->status > 299) {
        if (sv_s3_retryable(rc, r->status) && pt->tries < p->c->retries) {
            pt->tries++;
            pt->not_before = now_ms() + (250LL << (pt->tries < 6 ?
                                                   pt->tries - 1 : 5));
            sv_log_debug("%s: try %d after %s", j->name, pt->tries + 1,
                         rc < 0 ? err : "an error status");
            if (p->on_retry != NULL) {
                if (rc < 0)
                    snprintf(msg, sizeof(msg), "%s", err);
                else
                    sv_s3_error(r, msg, sizeof(msg));
                p->on_retry(p->retry_ud, j->f->rel, msg);
            }
            return 0;
        }
        if (rc < 0)
            snprintf(msg, sizeof(msg), "%s", err);
        else
            sv_s3_error(r, msg, sizeof(msg));
        job_fail(j, rc < 0 ? rc : r->status == 403 ? SV_EAUTH : SV_EPROTO,
                 msg);
        return 0;
    }
    etag = sv_http_reply_header(r, "etag");
    if (etag != NULL) {
        size_t n = strlen(etag);

        if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"')
            snprintf(pt->etag, sizeof(pt->etag), "%.*s", (int)(n - 2),
                     etag + 1);
        else
            snprintf(pt->etag, sizeof(pt->etag), "%s", etag);
    }
    if (pt->number > 0 && pt->etag[0] == '\0') {
        job_fail(j, SV_EPROTO, "UploadPart: no ETag in the reply");
        return 0;
    }
    pt->state = P_DONE;
    if (--j->left == 0)
        job_done(j);
    return 0;
}

/* A job for f: its key and the name messages give it. */
static void
job_init(struct pub *p, struct job *j, const struct sv_publish_file *f)
{
    memset(j, 0, sizeof(*j));
    j->p = p;
    j->f = f;
    j->fd = -1;
    if (p->t.kind == SV_PUBLISH_S3) {
        snprintf(j->key, sizeof(j->key), "%s%s", p->t.prefix, f->rel);
        s3_name(p, j->key, j->name, sizeof(j->name));
    } else {
        char enc[2048];

        sv_sigv4_encode(f->rel, 1, enc, sizeof(enc));
        snprintf(j->key, sizeof(j->key), "%s", enc);
        snprintf(j->name, sizeof(j->name), "%.300s/%.2000s", p->t.base, enc);
    }
}

/* Sends the jobs (one rank of them) through the target's HTTP side. */
static void
run_jobs(struct pub *p)
{
    static const struct sv_http_batch_ops ops = { batch_next, batch_done };
    int i, rc;

    p->first = 0;
    p->open = 0;
    rc = sv_http_batch(p->c->jobs, &ops, p);
    for (i = 0; i < p->njobs; i++) {
        struct job *j = &p->jobs[i];

        if (rc < 0 && !j->failed && !j->finished)
            job_fail(j, rc, sv_strerror(rc));
        if (j->failed)
            s3_abort(p, j);
        job_close(j);
        free(j->parts);
        j->parts = NULL;
    }
}

/* ---- file:// ---- */

static int
mkdirs(const char *path)
{
    char tmp[PATH_MAX + 1200];
    char *s;

    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    for (s = tmp + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    return 0;
}

static int
copy_file(struct pub *p, const struct sv_publish_file *f, const char *dst,
          char *err, size_t size)
{
    char tmp[PATH_MAX + 32], *buf;
    int in = -1, out = -1, rc = 0;
    ssize_t n, w, o;
    struct stat a, b;

    if (snprintf(tmp, sizeof(tmp), "%s.sv-publish.%d", dst, (int)getpid()) >=
        (int)sizeof(tmp))
        return SV_ELIMIT;
    rc = mkdirs(dst);
    if (rc < 0) {
        snprintf(err, size, "cannot create the folders of '%.600s': %s", dst,
                 sv_strerror(rc));
        return rc;
    }
    buf = malloc(256 * 1024);
    if (buf == NULL)
        return -ENOMEM;
    in = open(f->path, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &a) < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open '%.600s': %s", f->path,
                 sv_strerror(rc));
        goto out;
    }
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        rc = -errno;
        snprintf(err, size, "cannot create '%.600s': %s", tmp,
                 sv_strerror(rc));
        goto out;
    }
    while ((n = read(in, buf, 256 * 1024)) > 0) {
        for (o = 0; o < n; o += w) {
            w = write(out, buf + o, n - o);
            if (w < 0) {
                rc = -errno;
                snprintf(err, size, "cannot write '%.600s': %s", tmp,
                         sv_strerror(rc));
                goto out;
            }
        }
        p->sent += n;
        draw(p, 0);
    }
    if (n < 0 || fstat(in, &b) < 0) {
        rc = -errno;
        snprintf(err, size, "cannot read '%.600s': %s", f->path,
                 sv_strerror(rc));
        goto out;
    }
    if (a.st_size != b.st_size || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec ||
        a.st_mtim.tv_sec != b.st_mtim.tv_sec) {
        rc = SV_EFORMAT;
        snprintf(err, size, "'%.600s' changed while it was being copied",
                 f->path);
        goto out;
    }
    if (close(out) < 0) {
        out = -1;
        rc = -errno;
        snprintf(err, size, "cannot write '%.600s': %s", tmp,
                 sv_strerror(rc));
        goto out;
    }
    out = -1;
    if (rename(tmp, dst) < 0) {
        rc = -errno;
        snprintf(err, size, "cannot rename '%.600s': %s", tmp,
                 sv_strerror(rc));
    }
out:
    if (out >= 0)
        close(out);
    if (rc < 0)
        unlink(tmp);
    if (in >= 0)
        close(in);
    free(buf);
    return rc;
}

static int
same_file(const char *a, const char *b)
{
    unsigned char da[SV_SHA256_LEN], db[SV_SHA256_LEN];
    struct stat sa, sb;
    int fa, fb, rc = 0;

    fa = open(a, O_RDONLY | O_CLOEXEC);
    fb = open(b, O_RDONLY | O_CLOEXEC);
    if (fa >= 0 && fb >= 0 && fstat(fa, &sa) == 0 && fstat(fb, &sb) == 0 &&
        sa.st_size == sb.st_size &&
        sv_digest_fd(fa, 0, sa.st_size, da, NULL) == 0 &&
        sv_digest_fd(fb, 0, sb.st_size, db, NULL) == 0)
        rc = memcmp(da, db, sizeof(da)) == 0;
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    return rc;
}

/* ---- the plan ---- */

struct remote {
    char *name;                 /* key under the prefix, or path under dir */
    int64_t size;
    char etag[80];
    int keep;
};

static int
remote_cmp(const void *a, const void *b)
{
    return strcmp(((const struct remote *)a)->name,
                  ((const struct remote *)b)->name);
}

static int
remote_list(struct pub *p, struct remote **out, int *nout, char *err,
            size_t size)
{
    struct remote *r = NULL;
    int n = 0, i, rc;

    *out = NULL;
    *nout = 0;
    if (p->t.kind == SV_PUBLISH_S3) {
        struct sv_s3_obj *objs = NULL;
        int nobj = 0;
        size_t plen = strlen(p->t.prefix);

        rc = sv_s3_list(&p->s3, p->t.prefix, p->c->retries, &objs, &nobj,
                        err, size);
        if (rc < 0)
            return rc;
        r = calloc(nobj + 1, sizeof(*r));
        if (r == NULL) {
            sv_s3_objs_free(objs, nobj);
            return -ENOMEM;
        }
        for (i = 0; i < nobj; i++) {
            if (strncmp(objs[i].key, p->t.prefix, plen) != 0)
                continue;
            r[n].name = strdup(objs[i].key + plen);
            r[n].size = objs[i].size;
            snprintf(r[n].etag, sizeof(r[n].etag), "%s", objs[i].etag);
            if (r[n].name == NULL) {
                sv_s3_objs_free(objs, nobj);
                for (i = 0; i < n; i++)
                    free(r[i].name);
                free(r);
                return -ENOMEM;
            }
            n++;
        }
        sv_s3_objs_free(objs, nobj);
    } else if (p->t.kind == SV_PUBLISH_FILE) {
        struct sv_publish_files fl = { NULL, 0 };
        char *paths[1] = { p->t.dir };
        struct stat sb;

        if (stat(p->t.dir, &sb) < 0 && errno == ENOENT)
            return 0;
        rc = sv_publish_scan(paths, 1, &fl, err, size);
        if (rc < 0)
            return rc;
        r = calloc(fl.n + 1, sizeof(*r));
        if (r == NULL) {
            sv_publish_files_free(&fl);
            return -ENOMEM;
        }
        for (i = 0; i < fl.n; i++) {
            r[i].name = fl.f[i].rel;
            r[i].size = fl.f[i].size;
            fl.f[i].rel = NULL;
        }
        n = fl.n;
        sv_publish_files_free(&fl);
    }
    if (n > 1)
        qsort(r, n, sizeof(*r), remote_cmp);
    *out = r;
    *nout = n;
    return 0;
}

/* MD5 of the part MD5s, as S3 makes a multipart ETag ("hex-N"). */
static int
multipart_etag(const char *path, int64_t size, int64_t ps, char *out)
{
    struct sv_digest d;
    unsigned char md5[SV_MD5_LEN];
    int64_t off;
    int fd, rc, n = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = sv_digest_init(&d, SV_DIGEST_MD5);
    for (off = 0; rc == 0 && off < size; off += ps, n++) {
        rc = sv_digest_fd(fd, off, size - off < ps ? size - off : ps, NULL,
                          md5);
        if (rc == 0)
            rc = sv_digest_update(&d, md5, sizeof(md5));
    }
    close(fd);
    if (rc < 0) {
        sv_digest_release(&d);
        return rc;
    }
    rc = sv_digest_final(&d, md5);
    if (rc < 0)
        return rc;
    sv_hex_encode(md5, sizeof(md5), out);
    sprintf(out + 32, "-%d", n);
    return 0;
}

/* Nonzero when the object under key holds the bytes of f. */
static int
s3_same(struct pub *p, const struct sv_publish_file *f, const char *key,
        const struct remote *r)
{
    unsigned char d[SV_SHA256_LEN];
    char mine[80], hex[65], err[SYNC_MSG];
    const char *dash = strchr(r->etag, '-'), *meta;
    struct sv_http_reply rep;
    int fd, rc, same;

    if (r->size != f->size)
        return 0;
    if (dash == NULL && strlen(r->etag) == 32) {
        fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return 0;
        rc = sv_digest_fd(fd, 0, f->size, NULL, d);
        close(fd);
        if (rc < 0)
            return 0;
        sv_hex_encode(d, SV_MD5_LEN, mine);
        return strcmp(mine, r->etag) == 0;
    }
    if (dash != NULL && p->c->part_size > 0 &&
        atoi(dash + 1) == (int)((f->size + p->c->part_size - 1) /
                                p->c->part_size)) {
        if (multipart_etag(f->path, f->size, p->c->part_size, mine) < 0)
            return 0;
        if (strcmp(mine, r->etag) == 0)
            return 1;
    }
    /* another part size: the SHA-256 we stored beside it */
    rc = s3_simple(p, "HEAD", key, NULL, NULL, NULL, 0, &rep, err,
                   sizeof(err));
    if (rc < 0)
        return 0;
    meta = rep.status == 200 ? sv_http_reply_header(&rep, "x-amz-meta-sha256")
                             : NULL;
    same = 0;
    if (meta != NULL) {
        fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && sv_digest_fd(fd, 0, f->size, d, NULL) == 0) {
            sv_hex_encode(d, SV_SHA256_LEN, hex);
            same = strcmp(hex, meta) == 0;
        }
        if (fd >= 0)
            close(fd);
    }
    sv_http_reply_release(&rep);
    return same;
}

static void
do_delete(struct pub *p, const char *name)
{
    char where[PATH_MAX + 2100], err[SYNC_MSG];
    struct sv_http_reply r;
    int rc;

    if (p->t.kind == SV_PUBLISH_FILE) {
        snprintf(where, sizeof(where), "%s/%s", p->t.dir, name);
        if (!p->c->dry_run && unlink(where) < 0 && errno != ENOENT) {
            rc = -errno;
            fail(p, where, rc, "cannot remove: %s", sv_strerror(rc));
            return;
        }
    } else {
        char key[2100];

        snprintf(key, sizeof(key), "%s%s", p->t.prefix, name);
        s3_name(p, key, where, sizeof(where));
        if (!p->c->dry_run) {
            rc = s3_simple(p, "DELETE", key, NULL, NULL, NULL, 0, &r, err,
                           sizeof(err));
            if (rc < 0) {
                fail(p, where, rc, "%s", err);
                return;
            }
            if (r.status != 204 && r.status != 200 && r.status != 404) {
                sv_s3_error(&r, err, sizeof(err));
                sv_http_reply_release(&r);
                fail(p, where, SV_EPROTO, "%s", err);
                return;
            }
            sv_http_reply_release(&r);
        }
    }
    if (p->c->dry_run)
        sv_log_info("would delete '%s'", where);
    p->st->deleted++;
    progress(p, "delete", name, 0);
}

/*
 * --cors: PutBucketCors with one rule, GET and HEAD from the origin, the
 * headers a player reads exposed.  It replaces the bucket's CORS rules,
 * as the man page says.  S3 wants the body's Content-MD5.
 */
static int
s3_put_cors(struct pub *p, char *err, size_t size)
{
    const char *q[] = { "cors", "", NULL };
    unsigned char md5[SV_MD5_LEN];
    char xml[1024], b64[32];
    const char *h[] = { "content-md5", b64, "content-type",
                        "application/xml", NULL };
    struct sv_http_reply r;
    int n, rc;

    n = snprintf(xml, sizeof(xml),
                 "<CORSConfiguration><CORSRule>"
                 "<AllowedOrigin>%s</AllowedOrigin>"
                 "<AllowedMethod>GET</AllowedMethod>"
                 "<AllowedMethod>HEAD</AllowedMethod>"
                 "<AllowedHeader>*</AllowedHeader>"
                 "<ExposeHeader>Content-Length</ExposeHeader>"
                 "<ExposeHeader>Content-Range</ExposeHeader>"
                 "<ExposeHeader>ETag</ExposeHeader>"
                 "<MaxAgeSeconds>3600</MaxAgeSeconds>"
                 "</CORSRule></CORSConfiguration>", p->c->cors);
    if (n < 0 || (size_t)n >= sizeof(xml))
        return SV_ELIMIT;
    rc = sv_md5(xml, n, md5);
    if (rc < 0)
        return rc;
    sv_b64_encode(md5, sizeof(md5), b64, 0);
    rc = s3_simple(p, "PUT", NULL, q, h, xml, n, &r, err, size);
    if (rc < 0)
        return rc;
    if (r.status != 200 && r.status != 204) {
        char e[700];

        sv_s3_error(&r, e, sizeof(e));
        snprintf(err, size, "cannot set the bucket's CORS rule: %s", e);
        rc = r.status == 403 ? SV_EAUTH : SV_EPROTO;
    } else {
        sv_log_debug("s3://%s: CORS allows %s", p->t.bucket, p->c->cors);
    }
    sv_http_reply_release(&r);
    return rc;
}

static int
setup(struct pub *p, char *err, size_t size)
{
    const char *ep;
    char epbuf[1100];
    int rc;

    if (p->t.kind != SV_PUBLISH_S3)
        return 0;
    rc = sv_awsconf_load(&p->aws, p->c->profile, p->c->region, err, size);
    if (rc < 0)
        return rc;
    sv_log_debug("credentials from %s, region %s", p->aws.source,
                 p->aws.region);
    ep = p->c->endpoint;
    if (ep == NULL && (ep = getenv("AWS_ENDPOINT_URL_S3")) != NULL &&
        ep[0] == '\0')
        ep = NULL;
    if (ep == NULL && (ep = getenv("AWS_ENDPOINT_URL")) != NULL &&
        ep[0] == '\0')
        ep = NULL;
    if (ep == NULL && p->aws.endpoint[0] != '\0')
        ep = p->aws.endpoint;
    if (ep == NULL) {
        snprintf(epbuf, sizeof(epbuf), "https://s3.%s.amazonaws.com",
                 p->aws.region);
        ep = epbuf;
    }
    rc = sv_s3_init(&p->s3, ep, p->t.bucket, p->c->virtual_host, &p->aws,
                    err, size);
    if (rc == 0 && p->c->cors != NULL && !p->c->dry_run)
        rc = s3_put_cors(p, err, size);
    return rc;
}

/* ---- pushes for --live (publish_int.h) ---- */

struct pub *
sv__pub_open(const struct sv_publish_conf *c, const char *target,
             struct sv_publish_stats *st, char *err, size_t size)
{
    struct pub *p = calloc(1, sizeof(*p));
    int rc;

    if (p == NULL) {
        snprintf(err, size, "%s", sv_strerror(-ENOMEM));
        return NULL;
    }
    p->c = c;
    p->st = st;
    rc = target_parse(target, &p->t, err, size);
    if (rc == 0)
        rc = setup(p, err, size);
    if (rc < 0) {
        explicit_bzero(&p->aws, sizeof(p->aws));
        free(p);
        return NULL;
    }
    return p;
}

void
sv__pub_close(struct pub *p)
{
    if (p == NULL)
        return;
    explicit_bzero(&p->aws, sizeof(p->aws));
    free(p);
}

const char *
sv__pub_url(const struct pub *p)
{
    return p->t.url;
}

/* A file:// put: a copy of the file, or body written and renamed into
 * place.  0, or negative with err. */
static int
file_put(struct pub *p, const struct sv__pub_item *it, char *err,
         size_t size)
{
    char dst[PATH_MAX + 1100], tmp[PATH_MAX + 1200];
    struct sv_publish_file f = { (char *)it->path, (char *)it->rel, 0, 0 };
    int fd, rc;

    snprintf(dst, sizeof(dst), "%s/%s", p->t.dir, it->rel);
    if (it->body == NULL)
        return copy_file(p, &f, dst, err, size);
    snprintf(tmp, sizeof(tmp), "%s.sv-publish.%d", dst, (int)getpid());
    rc = mkdirs(dst);
    fd = rc < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                            0644);
    if (fd < 0 || write(fd, it->body, it->len) != (ssize_t)it->len ||
        close(fd) < 0 || rename(tmp, dst) < 0) {
        rc = -errno;
        snprintf(err, size, "cannot write '%.600s': %s", dst,
                 sv_strerror(rc));
        unlink(tmp);
        return rc;
    }
    return 0;
}

/*
 * Puts n items at once, --jobs in flight, each request retried as a sync
 * retries it (on_retry hears of each retry); an item is done when the
 * target confirmed it.  Sets each item's rc, err and sb.
 */
void
sv__pub_put_many(struct pub *p, struct sv__pub_item *it, int n,
                 void (*on_retry)(void *ud, const char *rel,
                                  const char *err), void *ud)
{
    struct sv_publish_file *fs;
    int i;

    for (i = 0; i < n; i++) {
        it[i].rc = 0;
        it[i].err[0] = '\0';
    }
    if (n <= 0)
        return;
    if (p->t.kind == SV_PUBLISH_FILE) {
        for (i = 0; i < n; i++) {
            if (it[i].body == NULL && stat(it[i].path, &it[i].sb) < 0) {
                it[i].rc = -errno;
                snprintf(it[i].err, sizeof(it[i].err), "cannot open "
                         "'%.600s': %s", it[i].path, sv_strerror(it[i].rc));
                continue;
            }
            it[i].rc = file_put(p, &it[i], it[i].err, sizeof(it[i].err));
        }
        return;
    }
    fs = calloc((size_t)n, sizeof(*fs));
    p->jobs = calloc((size_t)n, sizeof(*p->jobs));
    if (fs == NULL || p->jobs == NULL) {
        for (i = 0; i < n; i++) {
            it[i].rc = -ENOMEM;
            snprintf(it[i].err, sizeof(it[i].err), "%s",
                     sv_strerror(-ENOMEM));
        }
        goto out;
    }
    for (i = 0; i < n; i++) {
        struct job *j = &p->jobs[i];

        fs[i].path = (char *)it[i].path;
        fs[i].rel = (char *)it[i].rel;
        fs[i].size = it[i].body != NULL ? (int64_t)it[i].len : 0;
        job_init(p, j, &fs[i]);
        j->body = it[i].body;
        j->body_len = it[i].len;
        if (j->body != NULL)
            j->st0 = it[i].sb;
    }
    p->njobs = n;
    p->live = 1;
    p->on_retry = on_retry;
    p->retry_ud = ud;
    run_jobs(p);
    for (i = 0; i < n; i++) {
        struct job *j = &p->jobs[i];

        if (j->finished) {
            it[i].sb = j->st0;
            continue;
        }
        it[i].rc = j->rc < 0 ? j->rc : SV_EPROTO;
        snprintf(it[i].err, sizeof(it[i].err), "%s",
                 j->msg[0] != '\0' ? j->msg : "not sent");
    }
out:
    p->on_retry = NULL;
    p->retry_ud = NULL;
    p->njobs = 0;
    free(p->jobs);
    p->jobs = NULL;
    free(fs);
}

/* Removes rel from the target; 0 (gone already counts) or negative. */
int
sv__pub_delete(struct pub *p, const char *rel, char *err, size_t size)
{
    char where[PATH_MAX + 2100], key[2100];
    struct sv_http_reply r;
    int rc;

    if (p->t.kind == SV_PUBLISH_FILE) {
        snprintf(where, sizeof(where), "%s/%s", p->t.dir, rel);
        if (unlink(where) < 0 && errno != ENOENT) {
            rc = -errno;
            snprintf(err, size, "cannot remove '%.600s': %s", where,
                     sv_strerror(rc));
            return rc;
        }
        return 0;
    }
    if (p->t.kind == SV_PUBLISH_S3) {
        snprintf(key, sizeof(key), "%s%s", p->t.prefix, rel);
        rc = s3_simple(p, "DELETE", key, NULL, NULL, NULL, 0, &r, err, size);
    } else {
        struct sv_http_req q;
        char url[4200], enc[2100];

        memset(&q, 0, sizeof(q));
        sv_sigv4_encode(rel, 1, enc, sizeof(enc));
        snprintf(url, sizeof(url), "%s/%s", p->t.base, enc);
        q.method = "DELETE";
        q.url = url;
        q.user_agent = "sv-publish";
        q.timeout_us = 30LL * 1000 * 1000;
        q.max_reply = 64 * 1024;
        rc = sv_http_send(&q, &r, err, size);
    }
    if (rc < 0)
        return rc;
    if (r.status != 200 && r.status != 204 && r.status != 404) {
        sv_s3_error(&r, err, size);
        rc = SV_EPROTO;
    }
    sv_http_reply_release(&r);
    return rc;
}

int
sv_publish_sync(const struct sv_publish_conf *c, const char *target,
                const struct sv_publish_files *fl,
                struct sv_publish_stats *st, char *err, size_t size)
{
    struct pub *p;
    struct remote *rem = NULL;
    int nrem = 0, i, rank, rc;
    unsigned char *send = NULL;

    memset(st, 0, sizeof(*st));
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->c = c;
    p->st = st;
    rc = target_parse(target, &p->t, err, size);
    if (rc == 0)
        rc = setup(p, err, size);
    if (rc < 0)
        goto out;
    rc = remote_list(p, &rem, &nrem, p->err, sizeof(p->err));
    if (rc < 0) {
        snprintf(err, size, "%.600s: %s", target, p->err);
        goto out;
    }
    send = calloc(fl->n + 1, 1);
    p->jobs = calloc(fl->n + 1, sizeof(*p->jobs));
    if (send == NULL || p->jobs == NULL) {
        rc = -ENOMEM;
        snprintf(err, size, "%s: %s", target, sv_strerror(rc));
        goto out;
    }

    /* the plan: what is new or changed */
    for (i = 0; i < fl->n; i++) {
        const struct sv_publish_file *f = &fl->f[i];
        struct remote key = { f->rel, 0, "", 0 }, *r;

        r = nrem > 0 ? bsearch(&key, rem, nrem, sizeof(*rem), remote_cmp) :
            NULL;
        if (r != NULL)
            r->keep = 1;
        if (r != NULL) {
            char full[2100], there[PATH_MAX + 1100];
            int same;

            if (p->t.kind == SV_PUBLISH_S3) {
                snprintf(full, sizeof(full), "%s%s", p->t.prefix, f->rel);
                same = s3_same(p, f, full, r);
            } else {
                snprintf(there, sizeof(there), "%s/%s", p->t.dir, f->rel);
                same = r->size == f->size && same_file(f->path, there);
            }
            if (same) {
                st->skipped++;
                continue;
            }
        }
        send[i] = 1;
        p->files_total++;
        p->total += f->size;
    }

    for (rank = 0; rank <= 1; rank++) {
        p->njobs = 0;
        for (i = 0; i < fl->n; i++) {
            const struct sv_publish_file *f = &fl->f[i];

            if (!send[i] || f->rank != rank)
                continue;
            if (c->dry_run) {
                char where[PATH_MAX + 2100];

                if (p->t.kind == SV_PUBLISH_S3) {
                    char key[2100];

                    snprintf(key, sizeof(key), "%s%s", p->t.prefix, f->rel);
                    s3_name(p, key, where, sizeof(where));
                } else {
                    snprintf(where, sizeof(where), "%s/%s",
                             p->t.kind == SV_PUBLISH_FILE ? p->t.dir :
                             p->t.base, f->rel);
                }
                sv_log_info("would upload '%s' (%lld bytes)", where,
                            (long long)f->size);
                p->files_done++;
                progress(p, "upload", f->rel, f->size);
                p->files_done--;
                st->uploaded++;
                continue;
            }
            if (p->t.kind == SV_PUBLISH_FILE) {
                char dst[PATH_MAX + 1100], msg[SYNC_MSG];

                snprintf(dst, sizeof(dst), "%s/%s", p->t.dir, f->rel);
                rc = copy_file(p, f, dst, msg, sizeof(msg));
                if (rc < 0) {
                    fail(p, dst, rc, "%s", msg);
                    continue;
                }
                st->uploaded++;
                st->bytes += f->size;
                progress(p, "upload", f->rel, f->size);
                continue;
            }
            job_init(p, &p->jobs[p->njobs++], f);
        }
        if (p->njobs > 0)
            run_jobs(p);
        /* a failed media file holds its manifests back */
        if (st->failed > 0)
            break;
    }

    if (c->delete_extra && st->failed == 0)
        for (i = 0; i < nrem; i++)
            if (!rem[i].keep)
                do_delete(p, rem[i].name);
    if (sv_log_tty()) {
        draw(p, 1);
        sv_log_progress_end();
    }
    sv_event_emit("publish.complete",
                  json_pack("{s:s,s:i,s:i,s:i,s:i,s:I,s:b}", "target", target,
                            "uploaded", st->uploaded, "skipped", st->skipped,
                            "deleted", st->deleted, "failed", st->failed,
                            "bytes", (json_int_t)st->bytes,
                            "dry_run", c->dry_run));
    rc = 0;
    if (st->failed > 0) {
        snprintf(err, size, "%s", p->err);
        rc = SV_EPROTO;
    }
out:
    for (i = 0; i < nrem; i++)
        free(rem[i].name);
    free(rem);
    free(send);
    free(p->jobs);
    explicit_bzero(&p->aws, sizeof(p->aws));
    free(p);
    return rc;
}
