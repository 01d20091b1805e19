/* encrypt.c -- sv-package --encrypt: Common Encryption (cenc, cbcs) of
 * init segments and fragments as they are made, with sv-drm's library
 * (the same code and signalling as `sv-drm encrypt`) */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "drm/cenc.h"
#include "drm/signal.h"
#include "pack/pack_int.h"

static void
signal_of(const struct sv__pack *p, struct sv_drm_signal *sg)
{
    sg->cbcs = strcmp(p->o->encrypt, "cbcs") == 0;
    sg->systems = p->o->systems;
    sg->key_uri = p->o->key_uri;
}

int
sv__enc_open(struct sv__pack *p)
{
    if (p->o->encrypt == NULL)
        return 0;
    p->m.encryption = sv_drm_enc_record("sv-package", p->o->encrypt,
                                        p->o->key_uri);
    return p->m.encryption != NULL ? 0 : sv__fail(p, -ENOMEM,
                                                  "out of memory");
}

int
sv__enc_track(struct sv__pack *p, struct sv__track *t)
{
    const struct sv_model_rend *r = &p->m.r[t->rend];
    struct sv_drm_signal sg;
    char e[256];
    int rc;

    if (p->o->encrypt == NULL)
        return 0;
    signal_of(p, &sg);
    sv_buf_init(&t->pssh, 1 << 20);
    rc = sv_drm_cenc_track(&sg, sv_drm_key_for(p->o->keys, r, -1),
                           r->id, &t->cenc, &t->pssh, p->m.encryption, e,
                           sizeof(e));
    t->encrypt = rc == 0;
    return rc < 0 ? sv__fail(p, rc, "rendition %s: %s", r->id, e) : 0;
}

int
sv__enc_init(struct sv__pack *p, struct sv__track *t, struct sv_buf *init)
{
    struct sv_buf out = SV_BUF_INIT(1 << 20);
    char e[256];
    int rc;

    if (!t->encrypt)
        return 0;
    rc = sv_cenc_init(&t->cenc, 1, init->data, init->len, t->pssh.data,
                      t->pssh.len, &out, e, sizeof(e));
    if (rc < 0) {
        sv_buf_release(&out);
        return sv__fail(p, rc, "cannot encrypt the init segment of %s: %s",
                        p->m.r[t->rend].id, e);
    }
    sv_buf_release(init);
    *init = out;
    return 0;
}

int
sv__enc_fragment(struct sv__pack *p, struct sv__track *t, int n,
                 uint64_t *size)
{
    struct sv_buf *in = &t->enc_in, *out = &t->enc_out;
    char e[256];
    int i, rc = 0;

    if (!t->encrypt)
        return n;
    if (in->max == 0) {
        sv_buf_init(in, (size_t)p->o->max_queue);
        sv_buf_init(out, (size_t)p->o->max_queue + (16 << 20));
    }
    sv_buf_reset(in);
    sv_buf_reset(out);
    for (i = 0; rc == 0 && i < n; i++)
        rc = sv_buf_append(in, t->iov[i].iov_base, t->iov[i].iov_len);
    if (rc == 0)
        rc = sv_cenc_segment(&t->cenc, 1, in->data, in->len, out, e,
                             sizeof(e));
    else
        snprintf(e, sizeof(e), "%s", sv_strerror(rc));
    if (rc < 0)
        return sv__fail(p, rc, "cannot encrypt a fragment of %s: %s",
                        p->m.r[t->rend].id, e);
    t->iov[0].iov_base = out->data;
    t->iov[0].iov_len = out->len;
    *size = out->len;
    return 1;
}

void
sv__enc_release(struct sv__track *t)
{
    explicit_bzero(&t->cenc, sizeof(t->cenc));
    sv_buf_release(&t->pssh);
    sv_buf_release(&t->enc_in);
    sv_buf_release(&t->enc_out);
}

int
sv__enc_master(const struct sv__pack *p, struct sv_buf *pl)
{
    struct sv_buf b = SV_BUF_INIT(64 << 20);
    int rc;

    if (p->m.encryption == NULL)
        return 0;
    rc = sv_drm_hls_master_keys(p->m.encryption, (char *)pl->data, pl->len,
                                &b);
    sv_buf_release(pl);
    *pl = b;
    return rc;
}

int
sv__enc_media(const struct sv__pack *p, int i, struct sv_buf *pl)
{
    struct sv_buf b = SV_BUF_INIT(64 << 20);
    int rc;

    if (p->m.encryption == NULL)
        return 0;
    rc = sv_drm_hls_rendition_keys(p->m.encryption, p->m.r[i].id,
                                   (char *)pl->data, pl->len, &b);
    sv_buf_release(pl);
    *pl = b;
    return rc;
}
