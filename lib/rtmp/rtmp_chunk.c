/* rtmp_chunk.c -- chunk stream reassembly (all four header types) */
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "rtmp/rtmp_chunk.h"

void
sv_rtmp_reader_init(struct sv_rtmp_reader *r)
{
    memset(r, 0, sizeof(*r));
    r->chunk_size = 128;
    r->max_message = SV_RTMP_MAX_MESSAGE;
    r->max_pending = SV_RTMP_MAX_PENDING;
}

void
sv_rtmp_reader_limit(struct sv_rtmp_reader *r, uint32_t max_message,
                     size_t max_pending)
{
    r->max_message = max_message < SV_RTMP_MAX_MESSAGE ? max_message
                                                       : SV_RTMP_MAX_MESSAGE;
    r->max_pending = max_pending < SV_RTMP_MAX_PENDING ? max_pending
                                                       : SV_RTMP_MAX_PENDING;
}

void
sv_rtmp_reader_release(struct sv_rtmp_reader *r)
{
    size_t i;

    for (i = 0; i < r->ncs; i++)
        sv_buf_release(&r->cs[i].payload);
    r->ncs = 0;
    r->pending = 0;
}

void
sv_rtmp_reader_abort(struct sv_rtmp_reader *r, uint32_t csid)
{
    size_t i;

    for (i = 0; i < r->ncs; i++) {
        if (r->cs[i].csid == csid && &r->cs[i] != r->done) {
            r->pending -= r->cs[i].payload.len;
            sv_buf_reset(&r->cs[i].payload);
        }
    }
}

static struct sv_rtmp_cs *
find_cs(struct sv_rtmp_reader *r, uint32_t csid)
{
    struct sv_rtmp_cs *c;
    size_t i;

    for (i = 0; i < r->ncs; i++)
        if (r->cs[i].csid == csid)
            return &r->cs[i];
    if (r->ncs == SV_RTMP_MAX_CHUNK_STREAMS)
        return NULL;
    c = &r->cs[r->ncs++];
    memset(c, 0, sizeof(*c));
    c->csid = csid;
    sv_buf_init(&c->payload, SV_RTMP_MAX_MESSAGE);
    return c;
}

/*
 * Protocol control messages have fixed sizes (RTMP 1.0, 5.4): a header that
 * announces another length is refused at once rather than buffered.
 */
static int
length_fits(uint8_t type, uint32_t len)
{
    switch (type) {
    case 1:     /* set chunk size */
    case 2:     /* abort */
    case 3:     /* acknowledgement */
    case 5:     /* window acknowledgement size */
        return len == 4;
    case 6:     /* set peer bandwidth */
        return len == 5;
    case 4:     /* user control: event type and at most 8 bytes of data */
        return len >= 2 && len <= 10;
    default:
        return 1;
    }
}

/* the most bytes a message of type may have under the reader's bounds */
static uint32_t
length_cap(const struct sv_rtmp_reader *r, uint8_t type)
{
    uint32_t cap = r->max_message;

    if ((type == 17 || type == 20) && cap > SV_RTMP_MAX_COMMAND)
        cap = SV_RTMP_MAX_COMMAND;
    else if ((type == 15 || type == 18) && cap > SV_RTMP_MAX_DATA)
        cap = SV_RTMP_MAX_DATA;
    return cap;
}

int
sv_rtmp_reader_chunk(struct sv_rtmp_reader *r, const uint8_t *p, size_t len,
                     size_t *used, struct sv_rtmp_msg *msg)
{
    static const size_t hdr_len[4] = { 11, 7, 3, 0 };
    struct sv_rtmp_cs *c;
    uint32_t csid, field = 0, want;
    size_t off, take;
    int fmt, fresh, rc;

    *used = 0;
    if (r->done != NULL) {
        /* the message handed out last time is consumed now */
        sv_buf_reset(&r->done->payload);
        r->done = NULL;
    }
    if (len < 1)
        return 0;
    fmt = p[0] >> 6;
    csid = p[0] & 0x3f;
    off = 1;
    if (csid == 0) {
        if (len < 2)
            return 0;
        csid = 64 + p[1];
        off = 2;
    } else if (csid == 1) {
        if (len < 3)
            return 0;
        csid = 64 + p[1] + ((uint32_t)p[2] << 8);
        off = 3;
    }
    if (len < off + hdr_len[fmt])
        return 0;
    c = find_cs(r, csid);
    if (c == NULL)
        return SV_ELIMIT;
    if (fmt != 0 && !c->have_hdr)
        return SV_EPROTO;   /* a relative header with nothing to relate to */
    fresh = c->payload.len == 0;
    if (fmt != 0 && fmt != 3 && !fresh)
        return SV_EPROTO;   /* a new header in the middle of a message */
    if (fmt <= 2)
        field = sv_be24(p + off);
    if (fmt <= 1) {
        uint32_t mlen = sv_be24(p + off + 3);

        if (mlen > length_cap(r, p[off + 6]))
            return SV_ELIMIT;
        if (!length_fits(p[off + 6], mlen))
            return SV_EPROTO;
        c->len = mlen;
        c->type = p[off + 6];
    } else if (fresh && c->len > length_cap(r, c->type)) {
        return SV_ELIMIT;   /* a repeated length the bounds no longer let */
    }
    if (fmt == 0)
        c->msid = p[off + 7] | (uint32_t)p[off + 8] << 8 |
                  (uint32_t)p[off + 9] << 16 | (uint32_t)p[off + 10] << 24;
    off += hdr_len[fmt];
    /* type 3 repeats the extended field when the header it follows had it */
    if (fmt <= 2 ? field == 0xffffff : c->ext) {
        if (len < off + 4)
            return 0;
        field = sv_be32(p + off);
        off += 4;
    } else if (fmt == 3) {
        field = c->ts_field;
    }
    want = c->len - (uint32_t)c->payload.len;
    take = want < r->chunk_size ? want : r->chunk_size;
    if (len < off + take)
        return 0;
    /* the header is accepted: commit its fields */
    if (fmt <= 2) {
        c->ext = field >= 0xffffff;
        c->ts_field = field;
    }
    if (fresh) {
        if (fmt == 0)
            c->ts = field;
        else
            c->ts += field;
    }
    c->have_hdr = 1;
    if (r->pending + take > r->max_pending)
        return SV_ELIMIT;
    rc = sv_buf_append(&c->payload, p + off, take);
    if (rc < 0)
        return rc;
    r->pending += take;
    *used = off + take;
    if (c->payload.len < c->len)
        return 0;
    r->pending -= c->payload.len;
    msg->csid = c->csid;
    msg->type = c->type;
    msg->msid = c->msid;
    msg->ts = c->ts;
    msg->data = c->payload.data;
    msg->len = c->len;
    r->done = c;
    return 1;
}

static int
put_basic(struct sv_buf *out, int fmt, uint32_t csid)
{
    int rc;

    if (csid < 64)
        return sv_buf_u8(out, (uint8_t)(fmt << 6 | csid));
    if (csid < 320) {
        rc = sv_buf_u8(out, (uint8_t)(fmt << 6));
        return rc < 0 ? rc : sv_buf_u8(out, (uint8_t)(csid - 64));
    }
    rc = sv_buf_u8(out, (uint8_t)(fmt << 6 | 1));
    if (rc == 0)
        rc = sv_buf_u8(out, (uint8_t)((csid - 64) & 0xff));
    return rc < 0 ? rc : sv_buf_u8(out, (uint8_t)((csid - 64) >> 8));
}

int
sv_rtmp_write_msg(struct sv_buf *out, uint32_t chunk_size, uint32_t csid,
                  uint8_t type, uint32_t msid, uint32_t ts,
                  const uint8_t *data, size_t len)
{
    int ext = ts >= 0xffffff, rc;
    size_t off = 0, n;

    rc = put_basic(out, 0, csid);
    if (rc == 0)
        rc = sv_buf_be24(out, ext ? 0xffffff : ts);
    if (rc == 0)
        rc = sv_buf_be24(out, (uint32_t)len);
    if (rc == 0)
        rc = sv_buf_u8(out, type);
    if (rc == 0) {  /* the message stream id is little-endian */
        uint8_t le[4] = { (uint8_t)msid, (uint8_t)(msid >> 8),
                          (uint8_t)(msid >> 16), (uint8_t)(msid >> 24) };
        rc = sv_buf_append(out, le, 4);
    }
    if (rc == 0 && ext)
        rc = sv_buf_be32(out, ts);
    for (;;) {
        n = len - off < chunk_size ? len - off : chunk_size;
        if (rc == 0 && n > 0)
            rc = sv_buf_append(out, data + off, n);
        off += n;
        if (rc < 0 || off >= len)
            return rc;
        rc = put_basic(out, 3, csid);
        if (rc == 0 && ext)
            rc = sv_buf_be32(out, ts);
    }
}
