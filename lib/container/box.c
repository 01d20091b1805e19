/* box.c -- ISO BMFF box writer and bounded reader */
#include <string.h>

#include "container/box.h"
#include "core/err.h"

uint32_t
sv_fourcc(const char *s)
{
    return SV_FOURCC((uint8_t)s[0], (uint8_t)s[1], (uint8_t)s[2],
                     (uint8_t)s[3]);
}

const char *
sv_fourcc_str(uint32_t type, char *buf)
{
    int i;

    for (i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(type >> (24 - 8 * i));
        buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    buf[4] = '\0';
    return buf;
}

/* ---- writer ---- */

void
sv_boxw_init(struct sv_boxw *w, struct sv_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->err = 0;
}

static void
put(struct sv_boxw *w, const void *p, size_t len)
{
    int rc;

    if (w->err != 0)
        return;
    rc = sv_buf_append(w->b, p, len);
    if (rc < 0)
        w->err = rc;
}

void
sv_boxw_u8(struct sv_boxw *w, uint8_t v)
{
    put(w, &v, 1);
}

void
sv_boxw_u16(struct sv_boxw *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

    put(w, b, 2);
}

void
sv_boxw_u24(struct sv_boxw *w, uint32_t v)
{
    uint8_t b[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

    put(w, b, 3);
}

void
sv_boxw_u32(struct sv_boxw *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 8), (uint8_t)v };

    put(w, b, 4);
}

void
sv_boxw_u64(struct sv_boxw *w, uint64_t v)
{
    sv_boxw_u32(w, (uint32_t)(v >> 32));
    sv_boxw_u32(w, (uint32_t)v);
}

void
sv_boxw_bytes(struct sv_boxw *w, const void *p, size_t len)
{
    put(w, p, len);
}

void
sv_boxw_zeros(struct sv_boxw *w, size_t len)
{
    static const uint8_t z[64];

    while (len > 0 && w->err == 0) {
        size_t n = len < sizeof(z) ? len : sizeof(z);
        put(w, z, n);
        len -= n;
    }
}

void
sv_boxw_cstr(struct sv_boxw *w, const char *s)
{
    put(w, s, strlen(s) + 1);
}

size_t
sv_boxw_pos(const struct sv_boxw *w)
{
    return w->b->len;
}

void
sv_boxw_patch32(struct sv_boxw *w, size_t pos, uint32_t v)
{
    uint8_t *p;

    if (w->err != 0)
        return;
    if (pos + 4 > w->b->len) {
        w->err = SV_EINTERNAL;
        return;
    }
    p = w->b->data + pos;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void
sv_boxw_open(struct sv_boxw *w, uint32_t type)
{
    if (w->err != 0)
        return;
    if (w->depth >= SV_BOXW_DEPTH) {
        w->err = SV_EINTERNAL;
        return;
    }
    w->open[w->depth++] = w->b->len;
    sv_boxw_u32(w, 0);
    sv_boxw_u32(w, type);
}

void
sv_boxw_open_full(struct sv_boxw *w, uint32_t type, uint8_t version,
                  uint32_t flags)
{
    sv_boxw_open(w, type);
    sv_boxw_u8(w, version);
    sv_boxw_u24(w, flags);
}

void
sv_boxw_close(struct sv_boxw *w)
{
    size_t start, size;

    if (w->err != 0)
        return;
    if (w->depth == 0) {
        w->err = SV_EINTERNAL;
        return;
    }
    start = w->open[--w->depth];
    size = w->b->len - start;
    if (size > UINT32_MAX) {
        w->err = SV_ELIMIT;
        return;
    }
    sv_boxw_patch32(w, start, (uint32_t)size);
}

int
sv_boxw_finish(struct sv_boxw *w)
{
    if (w->err == 0 && w->depth != 0)
        w->err = SV_EINTERNAL;
    if (w->err != 0)
        sv_buf_release(w->b);
    return w->err;
}

/* ---- reader ---- */

void
sv_rd_init(struct sv_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->err = 0;
}

static const uint8_t *
take(struct sv_rd *r, size_t n)
{
    const uint8_t *p;

    if (r->err != 0 || n > r->len - r->pos) {
        r->err = SV_EFORMAT;
        r->pos = r->len;
        return NULL;
    }
    p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t
sv_rd_u8(struct sv_rd *r)
{
    const uint8_t *p = take(r, 1);

    return p != NULL ? p[0] : 0;
}

uint16_t
sv_rd_u16(struct sv_rd *r)
{
    const uint8_t *p = take(r, 2);

    return p != NULL ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t
sv_rd_u24(struct sv_rd *r)
{
    const uint8_t *p = take(r, 3);

    return p != NULL ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

uint32_t
sv_rd_u32(struct sv_rd *r)
{
    const uint8_t *p = take(r, 4);

    if (p == NULL)
        return 0;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

uint64_t
sv_rd_u64(struct sv_rd *r)
{
    uint64_t hi = sv_rd_u32(r);

    return hi << 32 | sv_rd_u32(r);
}

const uint8_t *
sv_rd_bytes(struct sv_rd *r, size_t len)
{
    return take(r, len);
}

void
sv_rd_skip(struct sv_rd *r, size_t len)
{
    take(r, len);
}

size_t
sv_rd_left(const struct sv_rd *r)
{
    return r->len - r->pos;
}

void
sv_box_iter_init(struct sv_box_iter *it, const uint8_t *p, size_t len,
                 uint64_t base)
{
    it->p = p;
    it->len = len;
    it->pos = 0;
    it->base = base;
}

int
sv_box_iter_children(struct sv_box_iter *it, const struct sv_box *box,
                     size_t skip)
{
    if (skip > box->len)
        return SV_EFORMAT;
    sv_box_iter_init(it, box->data + skip, box->len - skip,
                     box->offset + box->hdr + skip);
    return 0;
}

int
sv_box_next(struct sv_box_iter *it, struct sv_box *box)
{
    struct sv_rd r;
    uint64_t size;
    size_t left = it->len - it->pos;

    if (left == 0)
        return 0;
    sv_rd_init(&r, it->p + it->pos, left);
    size = sv_rd_u32(&r);
    box->type = sv_rd_u32(&r);
    if (size == 1)
        size = sv_rd_u64(&r);
    else if (size == 0)
        size = left;
    if (box->type == SV_FOURCC('u', 'u', 'i', 'd')) {
        const uint8_t *u = sv_rd_bytes(&r, 16);
        if (u != NULL)
            memcpy(box->uuid, u, 16);
    }
    if (r.err != 0 || size < r.pos || size > left)
        return SV_EFORMAT;
    box->offset = it->base + it->pos;
    box->size = size;
    box->hdr = r.pos;
    box->data = it->p + it->pos + r.pos;
    box->len = (size_t)size - r.pos;
    it->pos += (size_t)size;
    return 1;
}

int
sv_box_find(const uint8_t *p, size_t len, uint64_t base, const char *path,
            struct sv_box *box)
{
    struct sv_box_iter it;
    struct sv_box b;
    uint32_t want;
    int rc;

    sv_box_iter_init(&it, p, len, base);
    for (;;) {
        if (strlen(path) < 4)
            return SV_EINTERNAL;
        want = sv_fourcc(path);
        do {
            rc = sv_box_next(&it, &b);
            if (rc <= 0)
                return rc;
        } while (b.type != want);
        path += 4;
        if (*path == '\0') {
            *box = b;
            return 1;
        }
        if (*path++ != '/')
            return SV_EINTERNAL;
        sv_box_iter_children(&it, &b, 0);
    }
}

int
sv_box_full(const struct sv_box *box, struct sv_rd *r, uint8_t *version,
            uint32_t *flags)
{
    sv_rd_init(r, box->data, box->len);
    *version = sv_rd_u8(r);
    *flags = sv_rd_u24(r);
    return r->err;
}

/* ---- movie fragments ---- */

int
sv_tfhd_parse(const struct sv_box *box, struct sv_tfhd *t)
{
    struct sv_rd r;
    uint8_t v;
    uint32_t f;

    if (sv_box_full(box, &r, &v, &f) < 0)
        return SV_EFORMAT;
    memset(t, 0, sizeof(*t));
    t->flags = f;
    t->track_id = sv_rd_u32(&r);
    if (f & SV_TFHD_BASE_DATA_OFFSET)
        t->base_data_offset = sv_rd_u64(&r);
    if (f & SV_TFHD_SDI)
        t->sdi = sv_rd_u32(&r);
    if (f & SV_TFHD_DEFAULT_DURATION)
        t->def_duration = sv_rd_u32(&r);
    if (f & SV_TFHD_DEFAULT_SIZE)
        t->def_size = sv_rd_u32(&r);
    if (f & SV_TFHD_DEFAULT_FLAGS)
        t->def_flags = sv_rd_u32(&r);
    return r.err;
}

int
sv_trex_parse(const struct sv_box *box, struct sv_trex *t)
{
    struct sv_rd r;
    uint8_t v;
    uint32_t f;

    if (sv_box_full(box, &r, &v, &f) < 0)
        return SV_EFORMAT;
    t->track_id = sv_rd_u32(&r);
    t->sdi = sv_rd_u32(&r);
    t->def_duration = sv_rd_u32(&r);
    t->def_size = sv_rd_u32(&r);
    t->def_flags = sv_rd_u32(&r);
    return r.err;
}

int
sv_tfdt_parse(const struct sv_box *box, uint64_t *bmdt)
{
    struct sv_rd r;
    uint8_t v;
    uint32_t f;
    uint64_t t;

    if (sv_box_full(box, &r, &v, &f) < 0)
        return SV_EFORMAT;
    t = v == 1 ? sv_rd_u64(&r) : sv_rd_u32(&r);
    if (r.err != 0)
        return r.err;
    *bmdt = t;
    return 0;
}

int
sv_trun_parse(const struct sv_box *box, struct sv_trun *t)
{
    struct sv_rd r;
    uint8_t v;
    uint32_t f;
    size_t es = 0;

    if (sv_box_full(box, &r, &v, &f) < 0)
        return SV_EFORMAT;
    memset(t, 0, sizeof(*t));
    t->version = v;
    t->flags = f;
    t->count = sv_rd_u32(&r);
    if (f & SV_TRUN_DATA_OFFSET)
        t->data_offset = (int32_t)sv_rd_u32(&r);
    if (f & SV_TRUN_FIRST_FLAGS)
        t->first_flags = sv_rd_u32(&r);
    if (r.err != 0)
        return SV_EFORMAT;
    es += (f & SV_TRUN_DURATION) ? 4 : 0;
    es += (f & SV_TRUN_SIZE) ? 4 : 0;
    es += (f & SV_TRUN_FLAGS) ? 4 : 0;
    es += (f & SV_TRUN_CTO) ? 4 : 0;
    t->entry_size = es;
    if (es != 0 && t->count > sv_rd_left(&r) / es)
        return SV_EFORMAT;
    t->table = r.p + r.pos;
    return 0;
}

int
sv_traf_iter_init(struct sv_traf_iter *it, const struct sv_box *traf,
                  uint64_t moof_offset, const struct sv_trex *trex)
{
    struct sv_box_iter ch;
    struct sv_box b;
    int rc, have_tfhd = 0;

    memset(it, 0, sizeof(*it));
    if (trex != NULL)
        it->trex = *trex;
    sv_box_iter_children(&ch, traf, 0);
    while ((rc = sv_box_next(&ch, &b)) > 0) {
        if (b.type == SV_FOURCC('t', 'f', 'h', 'd')) {
            if (sv_tfhd_parse(&b, &it->tfhd) < 0)
                return SV_EFORMAT;
            have_tfhd = 1;
        } else if (b.type == SV_FOURCC('t', 'f', 'd', 't')) {
            if (sv_tfdt_parse(&b, &it->bmdt) < 0)
                return SV_EFORMAT;
            it->have_tfdt = 1;
        }
    }
    if (rc < 0 || !have_tfhd)
        return SV_EFORMAT;
    it->moof_offset = moof_offset;
    it->next_offset = (it->tfhd.flags & SV_TFHD_BASE_DATA_OFFSET)
                      ? it->tfhd.base_data_offset : moof_offset;
    it->dts = it->bmdt;
    sv_box_iter_children(&it->boxes, traf, 0);
    return 0;
}

int
sv_traf_next(struct sv_traf_iter *it, struct sv_sample *s)
{
    const struct sv_tfhd *h = &it->tfhd;
    struct sv_rd r;
    struct sv_box b;
    uint32_t f;
    int rc;

    while (!it->in_trun || it->i >= it->trun.count) {
        rc = sv_box_next(&it->boxes, &b);
        if (rc <= 0)
            return rc;
        if (b.type != SV_FOURCC('t', 'r', 'u', 'n'))
            continue;
        if (sv_trun_parse(&b, &it->trun) < 0)
            return SV_EFORMAT;
        if (it->trun.flags & SV_TRUN_DATA_OFFSET) {
            uint64_t base = (h->flags & SV_TFHD_BASE_DATA_OFFSET)
                            ? h->base_data_offset : it->moof_offset;
            if (it->trun.data_offset < 0 &&
                (uint64_t)-(int64_t)it->trun.data_offset > base)
                return SV_EFORMAT;
            it->next_offset = base + (int64_t)it->trun.data_offset;
        }
        it->in_trun = 1;
        it->i = 0;
    }
    f = it->trun.flags;
    sv_rd_init(&r, it->trun.table + (size_t)it->i * it->trun.entry_size,
               it->trun.entry_size);
    s->duration = (f & SV_TRUN_DURATION) ? sv_rd_u32(&r)
                  : (h->flags & SV_TFHD_DEFAULT_DURATION) ? h->def_duration
                  : it->trex.def_duration;
    s->size = (f & SV_TRUN_SIZE) ? sv_rd_u32(&r)
              : (h->flags & SV_TFHD_DEFAULT_SIZE) ? h->def_size
              : it->trex.def_size;
    if (f & SV_TRUN_FLAGS)
        s->flags = sv_rd_u32(&r);
    else if (it->i == 0 && (f & SV_TRUN_FIRST_FLAGS))
        s->flags = it->trun.first_flags;
    else
        s->flags = (h->flags & SV_TFHD_DEFAULT_FLAGS) ? h->def_flags
                   : it->trex.def_flags;
    s->cto = (f & SV_TRUN_CTO) ? (int32_t)sv_rd_u32(&r) : 0;
    if (r.err != 0)
        return SV_EFORMAT;
    s->dts = it->dts;
    s->offset = it->next_offset;
    if (UINT64_MAX - it->next_offset < s->size)
        return SV_EFORMAT;
    it->next_offset += s->size;
    it->dts += s->duration;
    it->i++;
    return 1;
}
