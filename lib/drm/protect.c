/* protect.c -- encrypt or decrypt a whole package, atomically */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/sig.h"
#include "core/slurp.h"
#include "core/textenc.h"
#include "core/time.h"
#include "crypto/cipher.h"
#include "drm/cenc.h"
#include "drm/key.h"
#include "drm/protect.h"
#include "drm/signal.h"
#include "drm/system.h"
#include "model/model.h"

#define FILE_MAX ((size_t)1 << 30)
#define MODEL_MAX (64 << 20)

struct job {
    const struct sv_drm_protect *p;
    struct sv_model m;
    char stage[PATH_MAX];
    char *err;
    size_t size;
    uint64_t files, bytes;
};

/* ---- files ------------------------------------------------------------ */

/* out = a/b; -ENAMETOOLONG when it does not fit. */
static int
pathcat(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);

    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static const char *stage_root;   /* for the nftw callbacks */
static size_t src_root_len;

static int
link_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    char dst[PATH_MAX];
    const char *rel = path + src_root_len;
    char *buf;
    size_t len;
    int rc;

    if (f->level > 0 && path[f->base] == '.')
        return 0;           /* temporary files of other writers */
    if (pathcat(dst, sizeof(dst), stage_root, rel) < 0)
        return -ENAMETOOLONG;
    if (flag == FTW_D)
        return f->level == 0 || mkdir(dst, 0755) == 0 ? 0 : -errno;
    if (flag != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    if (link(path, dst) == 0)
        return 0;
    /* another file system or no hard links: copy */
    rc = sv_slurp(path, FILE_MAX, &buf, &len);
    if (rc == 0) {
        rc = sv_afile_put(dst, buf, len, 0644);
        free(buf);
    }
    return rc;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    return remove(path) == 0 || errno == ENOENT ? 0 : -errno;
}

static void
remove_tree(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
stage_tree(struct job *j)
{
    char tmp[PATH_MAX], *d, *b;
    int rc;

    char name[NAME_MAX + 1];
    size_t n = strlen(j->p->dir);

    if (n >= sizeof(tmp) || n >= sizeof(j->stage))
        return -ENAMETOOLONG;
    memcpy(tmp, j->p->dir, n + 1);
    d = dirname(tmp);
    memcpy(j->stage, j->p->dir, n + 1);
    b = basename(j->stage);
    if (snprintf(name, sizeof(name), ".%.200s.sv-drm.%ld", b,
                 (long)getpid()) < 0)
        return SV_EINTERNAL;
    rc = pathcat(j->stage, sizeof(j->stage), d, name);
    if (rc < 0)
        return rc;
    remove_tree(j->stage);
    if (mkdir(j->stage, 0755) < 0) {
        rc = -errno;
        snprintf(j->err, j->size, "cannot create '%s': %s", j->stage,
                 sv_strerror(rc));
        return rc;
    }
    stage_root = j->stage;
    src_root_len = strlen(j->p->dir);
    rc = nftw(j->p->dir, link_one, 16, FTW_PHYS);
    if (rc != 0) {
        rc = rc < 0 && rc != -1 ? rc : -errno;
        snprintf(j->err, j->size, "cannot stage '%s': %s", j->p->dir,
                 sv_strerror(rc));
    }
    return rc;
}

static int
put(struct job *j, const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX];
    int rc;

    rc = pathcat(path, sizeof(path), j->stage, rel);
    if (rc == 0)
        rc = sv_afile_put(path, data, len, 0644);
    if (rc < 0)
        snprintf(j->err, j->size, "cannot write '%s': %s", path,
                 sv_strerror(rc));
    return rc;
}

static int
get(struct job *j, const char *rel, uint8_t **buf, size_t *len)
{
    char path[PATH_MAX], *p;
    int rc;

    if (sv_sig_stop) {
        /* SIGINT/SIGTERM: stop before the next file; the package stays */
        snprintf(j->err, j->size, "stopped by a signal; '%s' is unchanged",
                 j->p->dir);
        return SV_EINTR;
    }
    rc = pathcat(path, sizeof(path), j->p->dir, rel);
    if (rc == 0)
        rc = sv_slurp(path, FILE_MAX, &p, len);
    if (rc == 0)
        *buf = (uint8_t *)p;
    if (rc < 0)
        snprintf(j->err, j->size, "cannot read '%s': %s", path,
                 sv_strerror(rc));
    return rc;
}

/* ---- keys ------------------------------------------------------------- */

static int
load_key(struct job *j, const json_t *k, struct sv_drm_key *key)
{
    char e[160];

    if (k == NULL || sv_drm_key_from_json(k, key, e, sizeof(e)) < 0) {
        snprintf(j->err, j->size, "no usable key: %s",
                 k == NULL ? "the key document is empty" : e);
        return SV_EUSAGE;
    }
    return 0;
}

/* ---- cenc / cbcs ------------------------------------------------------ */

/*
 * Where a rendition's init and media segments come from and go to: one
 * file each, or for a single-file package (init, sidx, the segments as
 * byte ranges) one file read once and written once, its sidx sizes and
 * the model's offsets following the new segment sizes.
 */
struct rio {
    struct job *j;
    struct sv_model_rend *r;
    uint8_t *file;              /* single file: its bytes */
    size_t len;
    struct sv_buf whole;        /* single file: the new one */
    size_t sidx_pos;            /* single file: the sidx in whole */
};

static int
rio_open(struct rio *io, struct job *j, struct sv_model_rend *r)
{
    char rel[512];
    size_t s;
    int rc;

    memset(io, 0, sizeof(*io));
    io->j = j;
    io->r = r;
    if (!r->single_file)
        return 0;
    sv_buf_init(&io->whole, FILE_MAX);
    sv_model_init_uri(&j->m, r, rel, sizeof(rel));
    rc = get(j, rel, &io->file, &io->len);
    if (rc < 0)
        return rc;
    if (r->init_size + r->index_size > io->len)
        goto bad;
    for (s = 0; s < r->nseg; s++)
        if (r->seg[s].offset > io->len ||
            r->seg[s].size > io->len - r->seg[s].offset)
            goto bad;
    return 0;
bad:
    snprintf(j->err, j->size, "%s/%s: shorter than its package.json says",
             j->p->dir, rel);
    return SV_EFORMAT;
}

static void
rio_close(struct rio *io)
{
    free(io->file);
    sv_buf_release(&io->whole);
}

/* Segment s (-1: the init segment): a copy the caller frees, its name in
 * rel for messages. */
static int
rio_get(struct rio *io, ssize_t s, uint8_t **buf, size_t *len, char *rel,
        size_t size)
{
    size_t off, n;

    if (s < 0)
        sv_model_init_uri(&io->j->m, io->r, rel, size);
    else
        sv_model_seg_uri(&io->j->m, io->r, io->r->seg[s].number, rel, size);
    if (!io->r->single_file)
        return get(io->j, rel, buf, len);
    off = s < 0 ? 0 : io->r->seg[s].offset;
    n = s < 0 ? io->r->init_size : io->r->seg[s].size;
    *buf = malloc(n > 0 ? n : 1);
    if (*buf == NULL)
        return -ENOMEM;
    memcpy(*buf, io->file + off, n);
    *len = n;
    return 0;
}

static int
rio_put(struct rio *io, ssize_t s, const struct sv_buf *out, const char *rel)
{
    struct sv_model_rend *r = io->r;
    int rc;

    if (!r->single_file)
        return put(io->j, rel, out->data, out->len);
    if (s < 0) {
        /* the new init, then the old sidx (its sizes patched at the end) */
        rc = sv_buf_append(&io->whole, out->data, out->len);
        io->sidx_pos = io->whole.len;
        if (rc == 0)
            rc = sv_buf_append(&io->whole, io->file + r->init_size,
                               r->index_size);
        r->init_size = out->len;
        return rc;
    }
    r->seg[s].offset = io->whole.len;
    return sv_buf_append(&io->whole, out->data, out->len);
}

/* Single file: the sidx references become the new segment sizes, and the
 * file is written.  The sidx must index the segments one by one. */
static int
rio_finish(struct rio *io)
{
    struct sv_model_rend *r = io->r;
    uint8_t *p = io->whole.data + io->sidx_pos;
    size_t n = r->index_size, at, s;
    char rel[512];
    uint32_t count;

    if (!r->single_file)
        return 0;
    sv_model_init_uri(&io->j->m, r, rel, sizeof(rel));
    /* size, 'sidx', version/flags, reference_ID, timescale, then the
     * earliest time and first offset (32 or 64 bits each), reserved,
     * reference_count, 12 bytes per reference */
    if (n < 12 || memcmp(p + 4, "sidx", 4) != 0)
        goto bad;
    at = 20 + (p[8] == 0 ? 8 : 16) + 2;
    if (n < at + 2)
        goto bad;
    count = (uint32_t)p[at] << 8 | p[at + 1];
    at += 2;
    if (count != r->nseg || n < at + 12 * (size_t)count)
        goto bad;
    for (s = 0; s < r->nseg; s++, at += 12) {
        uint64_t sz = r->seg[s].size;

        if ((p[at] & 0x80) || sz > 0x7fffffff)
            goto bad;           /* a reference to another sidx */
        p[at] = (uint8_t)(sz >> 24);
        p[at + 1] = (uint8_t)(sz >> 16);
        p[at + 2] = (uint8_t)(sz >> 8);
        p[at + 3] = (uint8_t)sz;
    }
    return put(io->j, rel, io->whole.data, io->whole.len);
bad:
    snprintf(io->j->err, io->j->size, "%s/%s: its sidx does not index the "
             "%zu segments one by one", io->j->p->dir, rel, r->nseg);
    return SV_EFORMAT;
}

/* Top-level box start offsets of p[0..len) into at[] (at most max); the
 * count, or -1 when the boxes do not tile p exactly. */
static int
box_starts(const uint8_t *p, size_t len, size_t *at, int max)
{
    struct sv_box_iter it;
    struct sv_box b;
    uint64_t end = 0;
    int n = 0, rc;

    sv_box_iter_init(&it, p, len, 0);
    while ((rc = sv_box_next(&it, &b)) == 1) {
        if (n == max)
            return -1;
        at[n++] = (size_t)b.offset;
        end = b.offset + b.size;
    }
    return rc < 0 || end != len ? -1 : n;
}

/*
 * LL-HLS: the parts of segment s are its boxes in order (each part one or
 * more fragments), so the new segment is cut at the same box boundaries
 * and each part written again: a part and its segment carry the same
 * bytes.  in is the old segment (its box sizes), out the new one.
 * Part files of a segment the model no longer lists (trimmed live parts)
 * would stay as they were, so they are removed.
 */
static int
parts_put(struct job *j, struct sv_model_rend *r, size_t s,
          const uint8_t *in, size_t inlen, const struct sv_buf *out)
{
    struct sv_model_seg *g = &r->seg[s];
    size_t ia[4 * SV_MODEL_MAX_PARTS], oa[4 * SV_MODEL_MAX_PARTS];
    int first[SV_MODEL_MAX_PARTS + 1];
    int ni, no, k, i, rc = 0;
    char rel[512], path[PATH_MAX];
    uint64_t pos = 0;

    if (g->nparts <= 0) {
        for (k = 0; k < SV_MODEL_MAX_PARTS; k++) {
            sv_model_part_uri(r, g->number, k, rel, sizeof(rel));
            if (pathcat(path, sizeof(path), j->stage, rel) < 0 ||
                unlink(path) < 0)
                break;
        }
        return 0;
    }
    ni = box_starts(in, inlen, ia, 4 * SV_MODEL_MAX_PARTS);
    no = box_starts(out->data, out->len, oa, 4 * SV_MODEL_MAX_PARTS);
    if (ni < 0 || ni != no || g->nparts > SV_MODEL_MAX_PARTS)
        goto bad;
    /* the box each part starts with */
    for (k = 0, i = 0; k < g->nparts; k++) {
        while (i < ni && ia[i] < pos)
            i++;
        if (i == ni || ia[i] != pos)
            goto bad;
        first[k] = i;
        pos += g->parts[k].size;
    }
    if (pos != inlen)
        goto bad;
    first[g->nparts] = no;
    for (k = 0; rc == 0 && k < g->nparts; k++) {
        size_t a = oa[first[k]];
        size_t b = first[k + 1] < no ? oa[first[k + 1]] : out->len;

        sv_model_part_uri(r, g->number, k, rel, sizeof(rel));
        rc = put(j, rel, out->data + a, b - a);
        g->parts[k].size = b - a;
        j->files++;
    }
    return rc;
bad:
    sv_model_seg_uri(&j->m, r, g->number, rel, sizeof(rel));
    snprintf(j->err, j->size, "%s/%s: its %d parts are not whole "
             "fragments of it", j->p->dir, rel, g->nparts);
    return SV_EFORMAT;
}

/* ---- watermark variants ---------------------------------------------- */

/* Has sv-drm watermark embed made A and B variants of r? */
static int
marked(const struct job *j, const struct sv_model_rend *r)
{
    const json_t *x;
    size_t i;

    json_array_foreach(json_object_get(j->m.watermark, "renditions"), i, x)
        if (json_is_string(x) && strcmp(json_string_value(x), r->id) == 0)
            return 1;
    return 0;
}

/* rel's variant v: "v0/seg-3.m4s" -> "v0/a/seg-3.m4s" (the path sv-serve
 * redirects to) */
static int
variant_rel(char *out, size_t size, const char *rel, int v)
{
    const char *slash = strrchr(rel, '/');
    int n;

    if (slash == NULL)
        n = snprintf(out, size, "%c/%s", v, rel);
    else
        n = snprintf(out, size, "%.*s/%c/%s", (int)(slash - rel), rel, v,
                     slash + 1);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * The A and B variants of r, encrypted (or decrypted) with track t as the
 * rendition itself was: the same key and, for cbcs, the same constant IV
 * (a player takes the init segment of variant A and segments of both);
 * cenc's per-sample IVs go on counting, so no IV is used twice under the
 * key.  boxes: the init's protection boxes (encrypting).
 */
static int
cenc_variants(struct job *j, struct sv_model_rend *r, struct sv_cenc_track *t,
              const struct sv_buf *boxes, int encrypt)
{
    struct sv_buf out = SV_BUF_INIT(FILE_MAX);
    uint8_t *buf = NULL;
    char rel[512], vrel[600], e[256];
    size_t len, s;
    int v, rc = 0;

    for (v = 'a'; rc == 0 && v <= 'b'; v++) {
        sv_model_init_uri(&j->m, r, rel, sizeof(rel));
        rc = variant_rel(vrel, sizeof(vrel), rel, v);
        if (rc == 0)
            rc = get(j, vrel, &buf, &len);
        if (rc < 0)
            break;
        rc = sv_cenc_init(t, encrypt, buf, len,
                          encrypt ? boxes->data : NULL,
                          encrypt ? boxes->len : 0, &out, e, sizeof(e));
        if (rc == 0)
            rc = put(j, vrel, out.data, out.len);
        for (s = 0; rc == 0 && s < r->nseg; s++) {
            free(buf);
            buf = NULL;
            sv_buf_reset(&out);
            sv_model_seg_uri(&j->m, r, r->seg[s].number, rel, sizeof(rel));
            rc = variant_rel(vrel, sizeof(vrel), rel, v);
            if (rc == 0)
                rc = get(j, vrel, &buf, &len);
            if (rc == 0)
                rc = sv_buf_reserve(&out, len + 65536);
            if (rc < 0)
                break;
            rc = sv_cenc_segment(t, encrypt, buf, len, &out, e, sizeof(e));
            if (rc == 0)
                rc = put(j, vrel, out.data, out.len);
            if (rc == 0) {
                j->files++;
                j->bytes += out.len;
            }
        }
        if (rc == SV_EFORMAT && j->err[0] == '\0')
            snprintf(j->err, j->size, "%s/%s: %s", j->p->dir, vrel, e);
        free(buf);
        buf = NULL;
        sv_buf_reset(&out);
    }
    free(buf);
    sv_buf_release(&out);
    return rc;
}

static int
cenc_rendition(struct job *j, struct sv_model_rend *r, const json_t *kobj,
               json_t *enc)
{
    const struct sv_drm_protect *p = j->p;
    struct sv_buf boxes = SV_BUF_INIT(1 << 20), out = SV_BUF_INIT(FILE_MAX);
    struct sv_buf mboxes = SV_BUF_INIT(1 << 20);
    struct sv_drm_signal sg = { strcmp(p->scheme, "cbcs") == 0, p->systems,
                                p->key_uri };
    int64_t every = p->crypto_period;
    struct sv_cenc_track t;
    struct rio io;
    uint8_t *buf = NULL;
    size_t len, s;
    char rel[512], e[256];
    int rc;

    memset(&t, 0, sizeof(t));
    rc = rio_open(&io, j, r);
    if (rc < 0)
        goto done;
    rc = sv_drm_cenc_track(&sg, kobj, r->id, &t, &boxes, enc, j->err,
                           j->size);
    if (rc < 0)
        goto done;
    rc = rio_get(&io, -1, &buf, &len, rel, sizeof(rel));
    if (rc < 0)
        goto done;
    rc = sv_cenc_init(&t, 1, buf, len, boxes.data, boxes.len, &out, e,
                      sizeof(e));
    free(buf);
    buf = NULL;
    if (rc < 0) {
        snprintf(j->err, j->size, "%s/%s: %s", p->dir, rel, e);
        goto done;
    }
    rc = rio_put(&io, -1, &out, rel);
    if (rc < 0)
        goto done;
    sv_buf_reset(&out);
    r->bytes = 0;
    for (s = 0; s < r->nseg; s++) {
        if (every > 0 && s % (size_t)every == 0) {
            int64_t per = (int64_t)(s / (size_t)every);
            const json_t *pk = sv_drm_key_for(p->keys, r, per);

            if (pk == NULL) {
                snprintf(j->err, j->size, "no key for crypto period %lld "
                         "of rendition %s (segment %zu): the key document "
                         "needs keys with \"period\" 0 to %zu (sv-drm "
                         "keygen --periods)", (long long)per, r->id, s + 1,
                         (r->nseg - 1) / (size_t)every);
                rc = SV_EUSAGE;
                goto done;
            }
            rc = sv_drm_cenc_period(&sg, pk, r->id, (int64_t)s, &t,
                                    &mboxes, enc, j->err, j->size);
            if (rc < 0)
                goto done;
            t.moof_pssh = mboxes.data;
            t.moof_pssh_len = mboxes.len;
        }
        rc = rio_get(&io, (ssize_t)s, &buf, &len, rel, sizeof(rel));
        if (rc == 0)
            rc = sv_buf_reserve(&out, len + 65536);
        if (rc < 0)
            goto done;
        rc = sv_cenc_segment(&t, 1, buf, len, &out, e, sizeof(e));
        if (rc < 0) {
            snprintf(j->err, j->size, "%s/%s: %s", p->dir, rel, e);
            goto done;
        }
        rc = rio_put(&io, (ssize_t)s, &out, rel);
        if (rc == 0 && !r->single_file)
            rc = parts_put(j, r, s, buf, len, &out);
        if (rc < 0)
            goto done;
        r->seg[s].size = out.len;
        r->bytes += out.len;
        j->files++;
        j->bytes += out.len;
        sv_buf_reset(&out);
        free(buf);
        buf = NULL;
    }
    rc = rio_finish(&io);
    if (rc == 0 && every > 0)
        rc = sv_drm_cenc_rotation_end(r->id, enc, j->err, j->size);
    if (rc == 0 && marked(j, r))
        rc = cenc_variants(j, r, &t, &boxes, 1);
done:
    if (rc < 0 && j->err[0] == '\0')
        snprintf(j->err, j->size, "cannot encrypt rendition %s: %s", r->id,
                 sv_strerror(rc));
    explicit_bzero(&t, sizeof(t));
    free(buf);
    rio_close(&io);
    sv_buf_release(&boxes);
    sv_buf_release(&mboxes);
    sv_buf_release(&out);
    return rc;
}

/* Rotation: the key of the segment's seig group, when it names one. */
static int
period_key(struct job *j, const struct sv_model_rend *r, const char *rel,
           const uint8_t *buf, size_t len, struct sv_cenc_track *t)
{
    struct sv_cenc_seig g;
    struct sv_drm_key key;
    const json_t *kobj;
    char uuid[37];
    int rc;

    rc = sv_cenc_seig(buf, len, &g);
    if (rc < 0) {
        snprintf(j->err, j->size, "%s/%s: bad seig sample group", j->p->dir,
                 rel);
        return rc;
    }
    if (rc == 0 || memcmp(g.kid, t->kid, 16) == 0)
        return 0;
    kobj = sv_drm_keydoc_find(j->p->keys, g.kid);
    if (kobj == NULL) {
        sv_uuid_format(g.kid, uuid);
        snprintf(j->err, j->size, "no key for key id %s (rendition %s, %s)",
                 uuid, r->id, rel);
        return SV_EUSAGE;
    }
    rc = load_key(j, kobj, &key);
    if (rc < 0)
        return rc;
    memcpy(t->kid, g.kid, 16);
    memcpy(t->key, key.key, 16);
    if (g.iv_size == 0)
        memcpy(t->iv, g.iv, 16);
    explicit_bzero(&key, sizeof(key));
    return 0;
}

static int
cenc_decrypt_rendition(struct job *j, struct sv_model_rend *r)
{
    struct sv_buf out = SV_BUF_INIT(FILE_MAX);
    struct sv_cenc_track t;
    struct sv_drm_key key;
    const json_t *kobj;
    struct rio io;
    uint8_t *buf = NULL;
    size_t len, s;
    char rel[512], e[256], uuid[37];
    int rc;

    memset(&t, 0, sizeof(t));
    memset(&key, 0, sizeof(key));
    rc = rio_open(&io, j, r);
    if (rc < 0)
        goto done;
    rc = rio_get(&io, -1, &buf, &len, rel, sizeof(rel));
    if (rc < 0)
        goto done;
    rc = sv_cenc_init(&t, 0, buf, len, NULL, 0, &out, e, sizeof(e));
    free(buf);
    buf = NULL;
    if (rc < 0) {
        snprintf(j->err, j->size, "%s/%s: %s", j->p->dir, rel, e);
        goto done;
    }
    kobj = sv_drm_keydoc_find(j->p->keys, t.kid);
    if (kobj == NULL) {
        sv_uuid_format(t.kid, uuid);
        snprintf(j->err, j->size, "no key for key id %s (rendition %s)",
                 uuid, r->id);
        rc = SV_EUSAGE;
        goto done;
    }
    rc = load_key(j, kobj, &key);
    if (rc < 0)
        goto done;
    memcpy(t.key, key.key, 16);
    rc = rio_put(&io, -1, &out, rel);
    sv_buf_reset(&out);
    r->bytes = 0;
    for (s = 0; rc == 0 && s < r->nseg; s++) {
        rc = rio_get(&io, (ssize_t)s, &buf, &len, rel, sizeof(rel));
        if (rc < 0)
            break;
        rc = period_key(j, r, rel, buf, len, &t);
        if (rc < 0)
            break;
        rc = sv_cenc_segment(&t, 0, buf, len, &out, e, sizeof(e));
        if (rc < 0) {
            snprintf(j->err, j->size, "%s/%s: %s", j->p->dir, rel, e);
            break;
        }
        rc = rio_put(&io, (ssize_t)s, &out, rel);
        if (rc == 0 && !r->single_file)
            rc = parts_put(j, r, s, buf, len, &out);
        r->seg[s].size = out.len;
        r->bytes += out.len;
        j->files++;
        j->bytes += out.len;
        sv_buf_reset(&out);
        free(buf);
        buf = NULL;
    }
    if (rc == 0)
        rc = rio_finish(&io);
    if (rc == 0 && marked(j, r))
        rc = cenc_variants(j, r, &t, NULL, 0);
done:
    if (rc < 0 && j->err[0] == '\0')
        snprintf(j->err, j->size, "cannot decrypt rendition %s: %s", r->id,
                 sv_strerror(rc));
    explicit_bzero(&key, sizeof(key));
    explicit_bzero(&t, sizeof(t));
    free(buf);
    rio_close(&io);
    sv_buf_release(&out);
    return rc;
}

/* ---- HLS AES-128 ------------------------------------------------------ */

/* Which key (index into the document) segment s of the package uses. */
static size_t
period_of(const struct sv_drm_protect *p, size_t s)
{
    return p->rotate > 0 ? s / (size_t)p->rotate : 0;
}

static int
aes_rendition(struct job *j, struct sv_model_rend *r, const json_t *enc)
{
    const json_t *keys = json_object_get(j->p->encrypt ? j->p->keys : enc,
                                         "keys");
    uint8_t *buf = NULL, *out = NULL;
    struct sv_drm_key key;
    size_t len, olen, s;
    char rel[512];
    int rc = 0;

    r->bytes = 0;
    for (s = 0; s < r->nseg; s++) {
        const json_t *k;
        size_t idx = period_of(j->p, s);

        if (j->p->encrypt) {
            k = json_array_get(keys, idx);
        } else {
            /* decrypting: the period recorded at encryption time */
            size_t i;
            const json_t *e;

            k = NULL;
            json_array_foreach(keys, i, e) {
                if (json_integer_value(json_object_get(e, "first_segment"))
                    <= (json_int_t)s)
                    k = e;
            }
            if (k != NULL) {
                uint8_t kid[16];
                const char *h = json_string_value(json_object_get(k, "kid"));

                k = h != NULL && sv_uuid_parse(h, kid) == 0
                    ? sv_drm_keydoc_find(j->p->keys, kid) : NULL;
                if (k == NULL) {
                    snprintf(j->err, j->size, "no key for key id %s",
                             h != NULL ? h : "?");
                    rc = SV_EUSAGE;
                    break;
                }
            }
        }
        rc = load_key(j, k, &key);
        if (rc < 0)
            break;
        sv_model_seg_uri(&j->m, r, r->seg[s].number, rel, sizeof(rel));
        rc = get(j, rel, &buf, &len);
        if (rc < 0)
            break;
        out = malloc(len + 16);
        if (out == NULL) {
            rc = -ENOMEM;
            break;
        }
        rc = sv_drm_cbc_pad(j->p->encrypt, key.key, key.iv, buf, len, out,
                            &olen);
        if (rc < 0) {
            snprintf(j->err, j->size, "%s/%s: %s", j->p->dir, rel,
                     rc == SV_EAUTH ? "wrong key (bad padding)"
                                    : sv_strerror(rc));
            break;
        }
        rc = put(j, rel, out, olen);
        if (rc < 0)
            break;
        r->seg[s].size = olen;
        r->bytes += olen;
        j->files++;
        j->bytes += olen;
        free(buf);
        free(out);
        buf = out = NULL;
    }
    explicit_bzero(&key, sizeof(key));
    free(buf);
    free(out);
    return rc;
}

static int
aes_prepare(struct job *j, json_t *enc)
{
    const struct sv_drm_protect *p = j->p;
    const json_t *keys = json_object_get(p->keys, "keys");
    struct sv_buf attrs = SV_BUF_INIT(1 << 20);
    size_t most = 0, need, k;
    json_t *list = json_array(), *lines = json_array();
    char uri[1024];
    int i, rc = 0;

    for (i = 0; i < j->m.nrend; i++)
        if (j->m.r[i].nseg > most)
            most = j->m.r[i].nseg;
    need = most > 0 ? period_of(p, most - 1) + 1 : 1;
    if (json_array_size(keys) < need) {
        snprintf(j->err, j->size, "a new key every %lld segments needs %zu "
                 "keys; the key document has %zu", (long long)p->rotate,
                 need, json_array_size(keys));
        rc = SV_EUSAGE;
        goto done;
    }
    for (k = 0; k < need; k++) {
        struct sv_drm_key key;
        char kid[33], iv[33];

        rc = load_key(j, json_array_get(keys, k), &key);
        if (rc < 0)
            goto done;
        sv_hex_encode(key.kid, 16, kid);
        sv_hex_encode(key.iv, 16, iv);
        explicit_bzero(&key, sizeof(key));
        sv_drm_key_uri(p->key_uri, kid, uri, sizeof(uri));
        json_array_append_new(list, json_pack("{s:s,s:s,s:I}", "kid", kid,
                                              "iv", iv, "first_segment",
                                              (json_int_t)(k * (size_t)
                                              (p->rotate > 0 ? p->rotate
                                                             : 0))));
        sv_buf_reset(&attrs);
        rc = sv_buf_printf(&attrs, "METHOD=AES-128,URI=\"%s\",IV=0x%s", uri,
                           iv);
        if (rc == 0 && sv_buf_u8(&attrs, 0) == 0)
            json_array_append_new(lines, json_string((char *)attrs.data));
    }
    json_object_set(enc, "keys", list);
    json_object_set(enc, "hls_key_periods", lines);
    json_object_set(enc, "hls_keys", json_array_get(lines, 0));
done:
    sv_buf_release(&attrs);
    json_decref(list);
    json_decref(lines);
    return rc;
}

/* ---- manifests -------------------------------------------------------- */

static int
manifests(struct job *j, const json_t *enc)
{
    struct sv_buf a = SV_BUF_INIT(64 << 20), b = SV_BUF_INIT(64 << 20);
    json_t *root;
    char rel[512];
    int i, rc = 0;

    if (j->m.hls) {
        rc = sv_hls_master(&j->m, &a);
        if (rc == 0)
            rc = sv_drm_hls_master_keys(enc, (char *)a.data, a.len, &b);
        if (rc == 0)
            rc = put(j, SV_MODEL_MASTER, b.data, b.len);
        for (i = 0; rc == 0 && i < j->m.nrend; i++) {
            sv_buf_reset(&a);
            sv_buf_reset(&b);
            rc = sv_hls_media(&j->m, i, &a);
            if (rc == 0)
                rc = sv_drm_hls_rendition_keys(enc, j->m.r[i].id,
                                               (char *)a.data, a.len, &b);
            sv_model_playlist_uri(&j->m.r[i], rel, sizeof(rel));
            if (rc == 0)
                rc = put(j, rel, b.data, b.len);
        }
    }
    if (rc == 0 && j->m.dash) {
        sv_buf_reset(&a);
        rc = sv_dash_mpd(&j->m, &a);
        if (rc == 0)
            rc = put(j, SV_MODEL_MPD, a.data, a.len);
    } else if (rc == 0) {
        char path[PATH_MAX];

        if (pathcat(path, sizeof(path), j->stage, SV_MODEL_MPD) == 0)
            unlink(path);
    }
    if (rc == 0) {
        root = sv_model_to_json(&j->m);
        if (root == NULL) {
            rc = -ENOMEM;
        } else {
            char path[PATH_MAX];

            rc = pathcat(path, sizeof(path), j->stage, SV_MODEL_JSON);
            if (rc == 0)
                rc = sv_json_write_file(path, root, 1);
            json_decref(root);
        }
    }
    if (rc < 0 && j->err[0] == '\0')
        snprintf(j->err, j->size, "cannot render the manifests: %s",
                 sv_strerror(rc));
    sv_buf_release(&a);
    sv_buf_release(&b);
    return rc;
}

/* ---- the run ---------------------------------------------------------- */

static int
check_package(struct job *j)
{
    const struct sv_drm_protect *p = j->p;
    int i;
    size_t s;

    for (i = 0; i < j->m.nrend; i++) {
        /* whole-segment AES-128 of byte ranges is not done */
        if (j->m.r[i].single_file && p->encrypt &&
            strcmp(p->scheme, "aes-128") == 0) {
            snprintf(j->err, j->size, "package '%s' is a single-file "
                     "package: aes-128 does not apply (cenc or cbcs do)",
                     p->dir);
            return SV_EFORMAT;
        }
        for (s = 0; s < j->m.r[i].nseg; s++)
            if (j->m.r[i].seg[s].nparts > 0 && p->encrypt &&
                strcmp(p->scheme, "aes-128") == 0) {
                snprintf(j->err, j->size, "package '%s' has LL-HLS parts: "
                         "aes-128 does not apply (cenc or cbcs do)", p->dir);
                return SV_EFORMAT;
            }
    }
    if (p->encrypt && j->m.encryption != NULL) {
        const char *sc = json_string_value(json_object_get(j->m.encryption,
                                                           "scheme"));
        snprintf(j->err, j->size, "package '%s' is already encrypted (%s)",
                 p->dir, sc != NULL ? sc : "unknown scheme");
        return SV_EEXIST;
    }
    if (!p->encrypt && j->m.encryption == NULL) {
        snprintf(j->err, j->size, "package '%s' is not encrypted", p->dir);
        return SV_ENOMEDIA;
    }
    if (p->encrypt && j->m.ts && strcmp(p->scheme, "aes-128") != 0) {
        snprintf(j->err, j->size, "package '%s' has MPEG-TS segments: only "
                 "aes-128 applies", p->dir);
        return SV_EUSAGE;
    }
    return 0;
}

static int
swap_in(struct job *j)
{
    int rc;

    /* one atomic exchange of the two directories */
    if (renameat2(AT_FDCWD, j->stage, AT_FDCWD, j->p->dir,
                  RENAME_EXCHANGE) < 0) {
        rc = -errno;
        snprintf(j->err, j->size, "cannot swap the new package into '%s': "
                 "%s", j->p->dir, sv_strerror(rc));
        return rc;
    }
    return 0;
}

int
sv_drm_protect_run(const struct sv_drm_protect *p, json_t **summary,
                   char *err, size_t size)
{
    struct job j;
    json_t *root = NULL, *enc = NULL, *old = NULL;
    const char *scheme;
    char path[PATH_MAX], ts[40], scheme_buf[32];
    int i, rc, staged = 0;

    memset(&j, 0, sizeof(j));
    j.p = p;
    j.err = err;
    j.size = size;
    err[0] = '\0';
    rc = pathcat(path, sizeof(path), p->dir, SV_MODEL_JSON);
    if (rc == 0)
        rc = sv_json_read_file(path, MODEL_MAX, &root, err, size);
    if (rc < 0)
        return rc;
    rc = sv_model_from_json(&j.m, root, err, size);
    json_decref(root);
    if (rc < 0) {
        char e[256];

        snprintf(e, sizeof(e), "%s", err);
        snprintf(err, size, "bad package '%s': %s", p->dir, e);
        sv_model_release(&j.m);
        return rc;
    }
    rc = check_package(&j);
    if (rc < 0)
        goto done;
    old = j.m.encryption;
    snprintf(scheme_buf, sizeof(scheme_buf), "%s", p->encrypt ? p->scheme
             : json_string_value(json_object_get(old, "scheme")) != NULL
             ? json_string_value(json_object_get(old, "scheme")) : "");
    scheme = scheme_buf;
    if (*scheme == '\0') {
        snprintf(err, size, "package '%s' records no encryption scheme",
                 p->dir);
        rc = SV_EFORMAT;
        goto done;
    }
    /* variants share their rendition's key: one key per rendition and
     * per-sample state, so no rotation and no whole-segment AES */
    if (j.m.watermark != NULL && p->encrypt &&
        (strcmp(scheme, "aes-128") == 0 || p->crypto_period > 0)) {
        snprintf(err, size, "package '%s' is watermarked: %s does not apply "
                 "to its A/B variants (cenc or cbcs without --crypto-period "
                 "do)", p->dir, p->crypto_period > 0 ? "--crypto-period" :
                 "aes-128");
        rc = SV_EUSAGE;
        goto done;
    }
    rc = stage_tree(&j);
    staged = 1;
    if (rc < 0)
        goto done;
    if (p->encrypt) {
        sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, ts, sizeof(ts));
        enc = json_pack("{s:s,s:s,s:s,s:[]}", "tool", "sv-drm", "scheme",
                        scheme, "encrypted_at", ts, "keys");
        if (p->rotate > 0)
            json_object_set_new(enc, "rotate", json_integer(p->rotate));
        if (p->crypto_period > 0)
            json_object_set_new(enc, "crypto_period",
                                json_integer(p->crypto_period));
        if (p->key_uri != NULL)
            json_object_set_new(enc, "key_uri_template",
                                json_string(p->key_uri));
        if (strcmp(scheme, "aes-128") == 0) {
            rc = aes_prepare(&j, enc);
            if (rc < 0)
                goto done;
            if (j.m.dash) {
                /* a DASH client cannot decrypt whole segments */
                j.m.dash = 0;
                json_object_set_new(enc, "dash_removed", json_true());
            }
        }
    }
    for (i = 0; i < j.m.nrend && rc == 0; i++) {
        struct sv_model_rend *r = &j.m.r[i];

        if (strcmp(scheme, "aes-128") == 0)
            rc = aes_rendition(&j, r, p->encrypt ? enc : old);
        else if (p->encrypt)
            rc = cenc_rendition(&j, r, sv_drm_key_for(p->keys, r,
                                p->crypto_period > 0 ? 0 : -1), enc);
        else
            rc = cenc_decrypt_rendition(&j, r);
    }
    if (rc < 0)
        goto done;
    if (!p->encrypt) {
        if (json_is_true(json_object_get(old, "dash_removed")))
            j.m.dash = 1;
        j.m.encryption = NULL;
    } else {
        j.m.encryption = json_incref(enc);
    }
    rc = manifests(&j, p->encrypt ? enc : NULL);
    if (rc < 0)
        goto done;
    rc = swap_in(&j);
    if (rc < 0)
        goto done;
    *summary = json_pack("{s:s,s:s,s:s,s:i,s:I,s:I}", "package", p->dir,
                         "action", p->encrypt ? "encrypted" : "decrypted",
                         "scheme", scheme, "renditions", j.m.nrend,
                         "segments", (json_int_t)j.files,
                         "bytes", (json_int_t)j.bytes);
    if (p->encrypt) {
        json_t *ks = json_array(), *e;
        size_t k;

        json_array_foreach(json_object_get(enc, "keys"), k, e) {
            json_t *c = json_deep_copy(e);

            json_t *per, *q;
            size_t n;

            json_object_del(c, "pssh");
            json_object_del(c, "hls_keys");
            json_object_del(c, "hls_key_periods");
            json_object_del(c, "uuid");
            per = json_object_get(c, "periods");
            json_array_foreach(per, n, q) {
                json_object_del(q, "hls_keys");
                json_object_del(q, "uuid");
            }
            json_array_append_new(ks, c);
        }
        json_object_set_new(*summary, "keys", ks);
    }
done:
    if (staged)
        remove_tree(j.stage);   /* the new tree on failure, the old on success */
    json_decref(enc);
    if (!p->encrypt && j.m.encryption == NULL)
        json_decref(old);
    sv_model_release(&j.m);
    return rc;
}
