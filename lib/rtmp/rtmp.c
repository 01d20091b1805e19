/* rtmp.c -- RTMP publishing session: handshake, control, commands, media */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "core/log.h"
#include "rtmp/amf0.h"
#include "rtmp/rtmp.h"
#include "rtmp/rtmp_chunk.h"
#include "rtmp/rtmp_handshake.h"

enum { ST_C0C1, ST_C2, ST_CHUNKS };

enum {
    MSG_SET_CHUNK_SIZE = 1, MSG_ABORT = 2, MSG_ACK = 3, MSG_USER_CONTROL = 4,
    MSG_WINDOW_ACK = 5, MSG_PEER_BW = 6, MSG_AUDIO = 8, MSG_VIDEO = 9,
    MSG_DATA_AMF3 = 15, MSG_CMD_AMF3 = 17, MSG_DATA_AMF0 = 18,
    MSG_CMD_AMF0 = 20, MSG_AGGREGATE = 22,
};

#define OUR_CHUNK_SIZE 4096
#define OUR_WINDOW 2500000
#define STREAM_ID 1
/* bytes of a handshake or a partial chunk kept between reads */
#define MAX_INPUT (SV_RTMP_MAX_CHUNK_SIZE + 64)

struct sv_rtmp_sess {
    struct sv_rtmp_cbs cbs;
    void *ud;
    int state;
    int hs_variant;
    struct sv_buf in;            /* bytes not consumed yet */
    struct sv_buf out;           /* replies collected during one feed */
    struct sv_rtmp_reader rd;
    uint64_t bytes;
    uint64_t acked;              /* bytes we last acknowledged */
    uint32_t peer_window;        /* their window ack size; 0: none */
    int publishing;              /* 0 none, 1 asked, 2 allowed */
    char *app;
    char *tcurl;
};

int
sv_rtmp_sess_new(struct sv_rtmp_sess **out, const struct sv_rtmp_cbs *cbs,
                 void *ud)
{
    struct sv_rtmp_sess *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return -ENOMEM;
    s->cbs = *cbs;
    s->ud = ud;
    s->hs_variant = -1;
    sv_buf_init(&s->in, MAX_INPUT);
    sv_buf_init(&s->out, 1u << 20);
    sv_rtmp_reader_init(&s->rd);
    sv_rtmp_reader_limit(&s->rd, SV_RTMP_PREAUTH_MESSAGE,
                         SV_RTMP_PREAUTH_PENDING);
    *out = s;
    return 0;
}

void
sv_rtmp_sess_free(struct sv_rtmp_sess *s)
{
    if (s == NULL)
        return;
    sv_buf_release(&s->in);
    sv_buf_release(&s->out);
    sv_rtmp_reader_release(&s->rd);
    free(s->app);
    free(s->tcurl);
    free(s);
}

int
sv_rtmp_sess_handshake(const struct sv_rtmp_sess *s)
{
    return s->hs_variant;
}

uint64_t
sv_rtmp_sess_bytes(const struct sv_rtmp_sess *s)
{
    return s->bytes;
}

static int
flush(struct sv_rtmp_sess *s)
{
    int rc = 0;

    if (s->out.len > 0 && s->cbs.send != NULL)
        rc = s->cbs.send(s->ud, s->out.data, s->out.len);
    sv_buf_reset(&s->out);
    return rc;
}

static int
send_ctrl32(struct sv_rtmp_sess *s, uint8_t type, uint32_t v)
{
    uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 8), (uint8_t)v };

    return sv_rtmp_write_msg(&s->out, OUR_CHUNK_SIZE, 2, type, 0, 0, p, 4);
}

static int
send_user_control(struct sv_rtmp_sess *s, uint16_t ev, uint32_t v)
{
    uint8_t p[6] = { (uint8_t)(ev >> 8), (uint8_t)ev, (uint8_t)(v >> 24),
                     (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

    return sv_rtmp_write_msg(&s->out, OUR_CHUNK_SIZE, 2, MSG_USER_CONTROL, 0,
                             0, p, 6);
}

/* a command: the values of args (stolen) in order, on csid 3 or 5 */
static int
send_cmd(struct sv_rtmp_sess *s, uint32_t msid, json_t *args)
{
    struct sv_buf b = SV_BUF_INIT(1u << 16);
    json_t *v;
    size_t i;
    int rc = 0;

    json_array_foreach(args, i, v) {
        if (rc == 0)
            rc = sv_amf0_encode(&b, v);
    }
    json_decref(args);
    if (rc == 0)
        rc = sv_rtmp_write_msg(&s->out, OUR_CHUNK_SIZE, msid ? 5 : 3,
                               MSG_CMD_AMF0, msid, 0, b.data, b.len);
    sv_buf_release(&b);
    return rc;
}

static int
send_status(struct sv_rtmp_sess *s, const char *level, const char *code,
            const char *desc)
{
    return send_cmd(s, STREAM_ID,
                    json_pack("[s,i,n,{s:s,s:s,s:s}]", "onStatus", 0,
                              "level", level, "code", code,
                              "description", desc));
}

static int
on_connect(struct sv_rtmp_sess *s, double tid, json_t *obj)
{
    const char *app = json_string_value(json_object_get(obj, "app"));
    const char *tcurl = json_string_value(json_object_get(obj, "tcUrl"));
    json_t *fourcc = json_object_get(obj, "fourCcList");
    json_t *props, *info;
    int rc;

    if (app == NULL)
        return SV_EPROTO;
    free(s->app);
    free(s->tcurl);
    s->app = strdup(app);
    s->tcurl = strdup(tcurl != NULL ? tcurl : "");
    if (s->app == NULL || s->tcurl == NULL)
        return -ENOMEM;
    /* "live/" style apps keep their name without a trailing slash */
    if (s->app[0] != '\0' && s->app[strlen(s->app) - 1] == '/')
        s->app[strlen(s->app) - 1] = '\0';
    rc = send_ctrl32(s, MSG_WINDOW_ACK, OUR_WINDOW);
    if (rc == 0) {
        uint8_t p[5] = { OUR_WINDOW >> 24, (OUR_WINDOW >> 16) & 0xff,
                         (OUR_WINDOW >> 8) & 0xff, OUR_WINDOW & 0xff, 2 };
        rc = sv_rtmp_write_msg(&s->out, OUR_CHUNK_SIZE, 2, MSG_PEER_BW, 0, 0,
                               p, 5);
    }
    if (rc == 0) {
        /* our chunk size applies from the next message on */
        uint8_t p[4] = { 0, 0, OUR_CHUNK_SIZE >> 8, OUR_CHUNK_SIZE & 0xff };
        rc = sv_rtmp_write_msg(&s->out, 128, 2, MSG_SET_CHUNK_SIZE, 0, 0,
                               p, 4);
    }
    if (rc < 0)
        return rc;
    props = json_pack("{s:s,s:i}", "fmsVer", "FMS/3,0,1,123",
                      "capabilities", 31);
    info = json_pack("{s:s,s:s,s:s,s:i}", "level", "status",
                     "code", "NetConnection.Connect.Success",
                     "description", "Connection succeeded.",
                     "objectEncoding", 0);
    /* Enhanced RTMP: the codecs we take, echoed as the spec asks */
    if (json_is_array(fourcc) && props != NULL)
        json_object_set_new(props, "fourCcList",
                            json_pack("[s,s,s,s]", "avc1", "hvc1", "av01",
                                      "vp09"));
    return send_cmd(s, 0, json_pack("[s,f,o,o]", "_result", tid, props,
                                    info));
}

static int
on_command(struct sv_rtmp_sess *s, const uint8_t *p, size_t len)
{
    json_t *args = NULL;
    const char *name;
    double tid;
    int rc;

    rc = sv_amf0_decode_all(p, len, &args);
    if (rc < 0)
        return rc;
    name = json_string_value(json_array_get(args, 0));
    tid = json_number_value(json_array_get(args, 1));
    if (name == NULL) {
        rc = SV_EPROTO;
    } else if (strcmp(name, "connect") == 0) {
        rc = on_connect(s, tid, json_array_get(args, 2));
    } else if (strcmp(name, "createStream") == 0) {
        rc = send_cmd(s, 0, json_pack("[s,f,n,i]", "_result", tid,
                                      STREAM_ID));
    } else if (strcmp(name, "releaseStream") == 0 ||
               strcmp(name, "FCPublish") == 0 ||
               strcmp(name, "getStreamLength") == 0) {
        rc = tid > 0 ? send_cmd(s, 0, json_pack("[s,f,n,n]", "_result", tid))
                     : 0;
    } else if (strcmp(name, "publish") == 0) {
        const char *stream = json_string_value(json_array_get(args, 3));

        if (stream == NULL || s->app == NULL || s->publishing) {
            rc = SV_EPROTO;
        } else {
            s->publishing = 1;
            rc = flush(s);
            if (rc == 0 && s->cbs.publish != NULL)
                s->cbs.publish(s->ud, s->app, stream, s->tcurl);
        }
    } else if (strcmp(name, "FCUnpublish") == 0 ||
               strcmp(name, "deleteStream") == 0 ||
               strcmp(name, "closeStream") == 0) {
        /* a publish still waiting for its answer is withdrawn too */
        if ((s->publishing == 2 || (s->publishing == 1 &&
                                    strcmp(name, "FCUnpublish") != 0)) &&
            s->cbs.unpublish != NULL)
            s->cbs.unpublish(s->ud);
        if (s->publishing == 2 && strcmp(name, "FCUnpublish") != 0)
            rc = send_status(s, "status", "NetStream.Unpublish.Success",
                             "stream unpublished");
        if (strcmp(name, "FCUnpublish") != 0 && s->publishing != 0) {
            /* back to what an unauthorised peer may send */
            s->publishing = 0;
            sv_rtmp_reader_limit(&s->rd, SV_RTMP_PREAUTH_MESSAGE,
                                 SV_RTMP_PREAUTH_PENDING);
        }
    }
    json_decref(args);
    return rc;
}

static int
on_data(struct sv_rtmp_sess *s, const uint8_t *p, size_t len)
{
    json_t *args = NULL, *meta;
    const char *name;
    int rc;

    rc = sv_amf0_decode_all(p, len, &args);
    if (rc < 0)
        return 0;   /* metadata is advisory: a bad one costs nothing */
    name = json_string_value(json_array_get(args, 0));
    meta = NULL;
    if (name != NULL && strcmp(name, "@setDataFrame") == 0)
        meta = json_array_get(args, 2);
    else if (name != NULL && strcmp(name, "onMetaData") == 0)
        meta = json_array_get(args, 1);
    if (json_is_object(meta) && s->publishing == 2 && s->cbs.meta != NULL)
        s->cbs.meta(s->ud, meta);
    json_decref(args);
    return 0;
}

static int
on_media(struct sv_rtmp_sess *s, int type, uint32_t ts, const uint8_t *p,
         size_t len)
{
    struct sv_flv_tag tag;
    int rc;

    if (s->publishing != 2 || len == 0)
        return 0;   /* not allowed (yet), or an empty keep-alive tag */
    if (type == MSG_VIDEO)
        rc = sv_flv_parse_video(p, len, &tag);
    else
        rc = sv_flv_parse_audio(p, len, &tag);
    if (rc < 0)
        return rc;
    if (tag.what != SV_FLV_SKIP && s->cbs.media != NULL)
        s->cbs.media(s->ud, type == MSG_VIDEO ? 0 : 1, ts, &tag);
    return 0;
}

/* FLV tags back to back, each with its own header and back-pointer */
static int
on_aggregate(struct sv_rtmp_sess *s, uint32_t ts, const uint8_t *p,
             size_t len)
{
    size_t off = 0, n;
    uint32_t first = 0, t;
    int rc, i = 0;

    while (len - off >= 11) {
        n = (size_t)p[off + 1] << 16 | (size_t)p[off + 2] << 8 | p[off + 3];
        t = (uint32_t)p[off + 7] << 24 | (uint32_t)p[off + 4] << 16 |
            (uint32_t)p[off + 5] << 8 | p[off + 6];
        if (len - off - 11 < n)
            return SV_EFORMAT;
        if (i++ == 0)
            first = t;
        if (p[off] == MSG_AUDIO || p[off] == MSG_VIDEO) {
            rc = on_media(s, p[off], ts + (t - first), p + off + 11, n);
            if (rc < 0)
                return rc;
        }
        off += 11 + n;
        if (len - off < 4)
            break;
        off += 4;
    }
    return 0;
}

static int
on_message(struct sv_rtmp_sess *s, const struct sv_rtmp_msg *m)
{
    uint32_t v;

    switch (m->type) {
    case MSG_SET_CHUNK_SIZE:
        if (m->len < 4)
            return SV_EPROTO;
        v = sv_be32(m->data) & 0x7fffffff;
        if (v < 1)
            return SV_EPROTO;
        if (v > SV_RTMP_MAX_CHUNK_SIZE)
            return SV_ELIMIT;
        s->rd.chunk_size = v;
        return 0;
    case MSG_ABORT:
        if (m->len < 4)
            return SV_EPROTO;
        sv_rtmp_reader_abort(&s->rd, sv_be32(m->data));
        return 0;
    case MSG_WINDOW_ACK:
        if (m->len < 4)
            return SV_EPROTO;
        s->peer_window = sv_be32(m->data);
        return 0;
    case MSG_USER_CONTROL:
        /* a ping request gets its pong */
        if (m->len >= 6 && m->data[0] == 0 && m->data[1] == 6)
            return send_user_control(s, 7, sv_be32(m->data + 2));
        return 0;
    case MSG_AUDIO:
    case MSG_VIDEO:
        return on_media(s, m->type, m->ts, m->data, m->len);
    case MSG_AGGREGATE:
        return on_aggregate(s, m->ts, m->data, m->len);
    case MSG_CMD_AMF3:
        /* AMF3 commands start with a zero byte, then AMF0 values */
        if (m->len < 1)
            return SV_EPROTO;
        return on_command(s, m->data + 1, m->len - 1);
    case MSG_CMD_AMF0:
        return on_command(s, m->data, m->len);
    case MSG_DATA_AMF3:
        return m->len < 1 ? 0 : on_data(s, m->data + 1, m->len - 1);
    case MSG_DATA_AMF0:
        return on_data(s, m->data, m->len);
    default:
        return 0;   /* acks, bandwidth, shared objects: nothing to do */
    }
}

/* consumes what it can of p; returns bytes taken or a negative code */
static long
consume(struct sv_rtmp_sess *s, const uint8_t *p, size_t len)
{
    struct sv_rtmp_msg m;
    size_t off = 0, used;
    int rc;

    while (off < len) {
        if (s->state == ST_C0C1) {
            uint8_t reply[1 + 2 * SV_RTMP_HS_SIZE];

            if (len - off < 1 + SV_RTMP_HS_SIZE)
                break;
            rc = sv_rtmp_handshake_reply(p + off, reply, &s->hs_variant);
            if (rc < 0)
                return rc;
            rc = sv_buf_append(&s->out, reply, sizeof(reply));
            if (rc < 0)
                return rc;
            off += 1 + SV_RTMP_HS_SIZE;
            s->state = ST_C2;
        } else if (s->state == ST_C2) {
            /* C2 echoes S1; peers differ in how faithfully, so it is
             * read and not judged */
            if (len - off < SV_RTMP_HS_SIZE)
                break;
            off += SV_RTMP_HS_SIZE;
            s->state = ST_CHUNKS;
        } else {
            rc = sv_rtmp_reader_chunk(&s->rd, p + off, len - off, &used, &m);
            if (rc < 0)
                return rc;
            off += used;
            if (rc == 1) {
                rc = on_message(s, &m);
                if (rc < 0)
                    return rc;
            }
            if (used == 0)
                break;
        }
    }
    return (long)off;
}

int
sv_rtmp_sess_feed(struct sv_rtmp_sess *s, const uint8_t *p, size_t len)
{
    size_t old, take, need;
    long n;
    int rc;

    s->bytes += len;
    while (s->in.len > 0 && len > 0) {
        /* finish the unfinished piece with as few bytes as it can need
         * (a handshake block, or one chunk), then go back to parsing in
         * place: copying every read through the buffer costs a third of
         * the CPU at 10 Mb/s */
        old = s->in.len;
        need = 2 * SV_RTMP_HS_SIZE + 1 > 18 + s->rd.chunk_size
                   ? 2 * SV_RTMP_HS_SIZE + 1 : 18 + s->rd.chunk_size;
        /* the piece is at most need bytes, old of them already here:
         * taking more could pass MAX_INPUT on two big messages in a row */
        need = need > old ? need - old : 1;
        take = len < need ? len : need;
        rc = sv_buf_append(&s->in, p, take);
        if (rc < 0)
            return rc;
        n = consume(s, s->in.data, s->in.len);
        if (n < 0)
            return (int)n;
        if ((size_t)n >= old) {
            /* the piece is done: what follows it is still in p */
            p += (size_t)n - old;
            len -= (size_t)n - old;
            sv_buf_reset(&s->in);
            break;
        }
        memmove(s->in.data, s->in.data + n, s->in.len - (size_t)n);
        s->in.len -= (size_t)n;
        p += take;
        len -= take;
    }
    if (s->in.len == 0 && len > 0) {
        n = consume(s, p, len);
        if (n < 0)
            return (int)n;
        rc = sv_buf_append(&s->in, p + n, len - (size_t)n);
        if (rc < 0)
            return rc;
    }
    if (s->peer_window > 0 && s->bytes - s->acked >= s->peer_window) {
        rc = send_ctrl32(s, MSG_ACK, (uint32_t)s->bytes);
        if (rc < 0)
            return rc;
        s->acked = s->bytes;
    }
    return flush(s);
}

int
sv_rtmp_sess_publish_result(struct sv_rtmp_sess *s, int ok, const char *code,
                            const char *why)
{
    int rc;

    if (s->publishing != 1)
        return SV_EPROTO;
    if (ok) {
        s->publishing = 2;
        /* media may come now: the full bounds */
        sv_rtmp_reader_limit(&s->rd, SV_RTMP_MAX_MESSAGE,
                             SV_RTMP_MAX_PENDING);
        rc = send_user_control(s, 0, STREAM_ID);   /* StreamBegin */
        if (rc == 0)
            rc = send_status(s, "status", "NetStream.Publish.Start",
                             why != NULL ? why : "publishing");
    } else {
        s->publishing = 0;
        rc = send_status(s, "error",
                         code != NULL && strcmp(code, "badname") == 0
                             ? "NetStream.Publish.BadName"
                             : "NetStream.Publish.Denied",
                         why != NULL ? why : "refused");
    }
    if (rc < 0)
        return rc;
    return flush(s);
}
