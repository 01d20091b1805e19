/* rtmp_test.c -- lib/rtmp/rtmp_chunk.c, rtmp_handshake.c, rtmp_flv.c, rtmp.c */
#include "core/err.h"
#include "crypto/cipher.h"
#include "crypto/hmac.h"
#include "media/av_ingest.h"
#include "rtmp/amf0.h"
#include "rtmp/rtmp.h"
#include "rtmp/rtmp_chunk.h"
#include "rtmp/rtmp_flv.h"
#include "rtmp/rtmp_handshake.h"
#include "t.h"

/* feeds everything, collecting whole messages' types and timestamps */
static int
read_all(struct sv_rtmp_reader *r, const uint8_t *p, size_t len,
         struct sv_rtmp_msg *msgs, uint8_t bodies[][600], int max)
{
    struct sv_rtmp_msg m;
    size_t used;
    int n = 0, rc;

    while (len > 0) {
        rc = sv_rtmp_reader_chunk(r, p, len, &used, &m);
        if (rc < 0)
            return rc;
        if (used == 0)
            break;
        p += used;
        len -= used;
        if (rc == 1 && n < max) {
            msgs[n] = m;
            memcpy(bodies[n], m.data, m.len < 600 ? m.len : 600);
            n++;
        }
    }
    return n;
}

static void
chunk_types_and_extended_time(void)
{
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    struct sv_rtmp_reader r;
    struct sv_rtmp_msg m[4];
    static uint8_t bodies[4][600];
    uint8_t body[300];
    size_t i;

    for (i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)i;
    /* type 0 split in three chunks of 128 (type 3 continuations) */
    CHECK_INT(sv_rtmp_write_msg(&b, 128, 6, 9, 1, 1000, body, 300), 0);
    /* type 0 with an extended timestamp, continued with it repeated */
    CHECK_INT(sv_rtmp_write_msg(&b, 128, 300, 8, 1, 0x1234567, body, 200),
              0);
    /* a type 1 header (delta 40, new length) and a type 2 (delta 40) */
    {
        const uint8_t t1[] = { 0x46, 0, 0, 40, 0, 0, 2, 9, 0xaa, 0xbb };
        const uint8_t t2[] = { 0x86, 0, 0, 40, 0xcc, 0xdd };

        CHECK_INT(sv_buf_append(&b, t1, sizeof(t1)), 0);
        CHECK_INT(sv_buf_append(&b, t2, sizeof(t2)), 0);
    }
    sv_rtmp_reader_init(&r);
    /* byte by byte: every partial header and body must wait */
    {
        struct sv_rtmp_msg one;
        size_t off = 0, have = 1, used;
        int n = 0, rc;

        while (off < b.len) {
            rc = sv_rtmp_reader_chunk(&r, b.data + off, have, &used, &one);
            CHECK(rc >= 0);
            if (rc < 0)
                break;
            if (used == 0) {
                have++;
                continue;
            }
            off += used;
            have = 1;
            if (rc == 1 && n < 4) {
                m[n] = one;
                memcpy(bodies[n], one.data, one.len);
                n++;
            }
        }
        CHECK_INT(n, 4);
    }
    CHECK_INT(m[0].len, 300);
    CHECK_INT(m[0].ts, 1000);
    CHECK_INT(m[0].type, 9);
    CHECK(memcmp(bodies[0], body, 300) == 0);
    CHECK_INT(m[1].ts, 0x1234567);
    CHECK_INT(m[1].csid, 300);
    CHECK(memcmp(bodies[1], body, 200) == 0);
    CHECK_INT(m[2].ts, 1040);
    CHECK_INT(m[2].len, 2);
    CHECK_INT(m[3].ts, 1080);
    CHECK_INT(bodies[3][0], 0xcc);
    sv_rtmp_reader_release(&r);
    sv_buf_release(&b);
}

static void
chunk_limits(void)
{
    struct sv_rtmp_reader r;
    struct sv_rtmp_msg m[1];
    static uint8_t bodies[1][600];
    /* a relative header on a fresh chunk stream, and a 16 MiB message */
    const uint8_t rel[] = { 0x43, 0, 0, 1, 0, 0, 1, 9, 0 };
    const uint8_t huge[] = { 0x03, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0 };
    const uint8_t bad_ctl[] = { 0x02, 0, 0, 0, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0 };

    sv_rtmp_reader_init(&r);
    CHECK_INT(read_all(&r, rel, sizeof(rel), m, bodies, 1), SV_EPROTO);
    sv_rtmp_reader_release(&r);
    sv_rtmp_reader_init(&r);
    CHECK_INT(read_all(&r, huge, sizeof(huge), m, bodies, 1), 0);
    sv_rtmp_reader_release(&r);
    /* a control message of the wrong size is refused from its header */
    sv_rtmp_reader_init(&r);
    CHECK_INT(read_all(&r, bad_ctl, sizeof(bad_ctl), m, bodies, 1),
              SV_EPROTO);
    sv_rtmp_reader_release(&r);
}

static void
handshake_plain_and_digest(void)
{
    static uint8_t c0c1[1 + 1536], out[1 + 2 * 1536];
    uint8_t key[32], want[32];
    int variant = -1, scheme = 0;

    c0c1[0] = 3;
    CHECK_INT(sv_rtmp_handshake_reply(c0c1, out, &variant), 0);
    CHECK_INT(variant, SV_RTMP_HS_PLAIN);
    CHECK_INT(out[0], 3);
    CHECK(memcmp(out + 1 + 1536, c0c1 + 1, 1536) == 0);

    /* a Flash-style C1: version set and a digest by the player key */
    sv_drm_random(c0c1 + 1, 1536);
    c0c1[5] = 9; c0c1[6] = 0; c0c1[7] = 124; c0c1[8] = 2;
    CHECK_INT(sv_rtmp_handshake_sign(c0c1 + 1, 2, sv_rtmp_fp_key, 30), 0);
    CHECK_INT(sv_rtmp_handshake_reply(c0c1, out, &variant), 0);
    CHECK_INT(variant, SV_RTMP_HS_DIGEST2);
    /* S1 carries a server digest a client can verify */
    CHECK(sv_rtmp_handshake_find_digest(out + 1, sv_rtmp_fms_key, 36,
                                        &scheme) >= 0);
    CHECK_INT(scheme, 2);
    /* S2 is signed with the key derived from the client's digest */
    {
        int off = sv_rtmp_handshake_find_digest(c0c1 + 1, sv_rtmp_fp_key, 30,
                                                &scheme);

        CHECK(off > 0);
        sv_hmac_sha256(sv_rtmp_fms_key, 68, c0c1 + 1 + off, 32, key);
        sv_hmac_sha256(key, 32, out + 1 + 1536, 1504, want);
        CHECK(memcmp(want, out + 1 + 1536 + 1504, 32) == 0);
    }
    c0c1[0] = 6;    /* RTMPE: not offered */
    CHECK_INT(sv_rtmp_handshake_reply(c0c1, out, &variant), SV_EPROTO);
}

static void
flv_tags(void)
{
    struct sv_flv_tag t;
    const uint8_t avc_hdr[] = { 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1e };
    const uint8_t avc_nal[] = { 0x27, 1, 0xff, 0xff, 0xf6, 0, 0, 0, 1, 9 };
    const uint8_t aac_hdr[] = { 0xaf, 0, 0x11, 0x90 };
    const uint8_t hevc_ex[] = { 0x91, 'h', 'v', 'c', '1', 0, 0, 40, 7 };
    const uint8_t av1_x[] = { 0xa3, 'a', 'v', '0', '1', 0x12, 0 };
    const uint8_t vp6[] = { 0x14, 0 };

    CHECK_INT(sv_flv_parse_video(avc_hdr, sizeof(avc_hdr), &t), 0);
    CHECK_INT(t.what, SV_FLV_CONFIG);
    CHECK_INT(t.codec, SV_CODEC_H264);
    CHECK_INT(t.size, 4);
    CHECK_INT(sv_flv_parse_video(avc_nal, sizeof(avc_nal), &t), 0);
    CHECK_INT(t.what, SV_FLV_FRAME);
    CHECK_INT(t.key, 0);
    CHECK_INT(t.cts, -10);
    CHECK_INT(sv_flv_parse_audio(aac_hdr, sizeof(aac_hdr), &t), 0);
    CHECK_INT(t.what, SV_FLV_CONFIG);
    CHECK_INT(t.sample_rate, 48000);
    CHECK_INT(t.channels, 2);
    CHECK_INT(sv_flv_parse_video(hevc_ex, sizeof(hevc_ex), &t), 0);
    CHECK_INT(t.codec, SV_CODEC_HEVC);
    CHECK_INT(t.what, SV_FLV_FRAME);
    CHECK_INT(t.key, 1);
    CHECK_INT(t.cts, 40);
    CHECK_INT(t.size, 1);
    CHECK_INT(sv_flv_parse_video(av1_x, sizeof(av1_x), &t), 0);
    CHECK_INT(t.codec, SV_CODEC_AV1);
    CHECK_INT(t.key, 0);
    CHECK_INT(t.size, 2);
    CHECK_INT(sv_flv_parse_video(vp6, sizeof(vp6), &t), SV_EFORMAT);
    CHECK_INT(sv_flv_parse_video(avc_hdr, 3, &t), SV_ETRUNC);
}

/* a whole session: our replies to a publisher's commands */
struct sink {
    struct sv_buf out;
    int published, media;
    char name[64];
};

static void
on_publish(void *ud, const char *app, const char *name, const char *tcurl)
{
    struct sink *s = ud;

    s->published++;
    snprintf(s->name, sizeof(s->name), "%s/%s", app, name);
}

static void
on_media(void *ud, int track, uint32_t ts, const struct sv_flv_tag *tag)
{
    ((struct sink *)ud)->media++;
}

static int
on_send(void *ud, const uint8_t *p, size_t len)
{
    return sv_buf_append(&((struct sink *)ud)->out, p, len);
}

static void
command(struct sv_buf *b, json_t *args, uint32_t msid)
{
    struct sv_buf body = SV_BUF_INIT(4096);
    json_t *v;
    size_t i;

    json_array_foreach(args, i, v)
        sv_amf0_encode(&body, v);
    sv_rtmp_write_msg(b, 128, 3, 20, msid, 0, body.data, body.len);
    sv_buf_release(&body);
    json_decref(args);
}

static void
session(void)
{
    static const struct sv_rtmp_cbs cbs = { on_publish, on_media, NULL, NULL,
                                            on_send };
    static uint8_t hs[1 + 1536 + 1536];
    struct sv_rtmp_sess *s;
    struct sink k = { SV_BUF_INIT(1 << 20), 0, 0, "" };
    struct sv_buf in = SV_BUF_INIT(1 << 20);
    const uint8_t tag[] = { 0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65 };
    json_t *msgs = NULL;

    CHECK_INT(sv_rtmp_sess_new(&s, &cbs, &k), 0);
    hs[0] = 3;
    CHECK_INT(sv_rtmp_sess_feed(s, hs, sizeof(hs)), 0);
    CHECK_INT(k.out.len, 1 + 2 * 1536);
    sv_buf_reset(&k.out);
    command(&in, json_pack("[s,i,{s:s,s:s}]", "connect", 1, "app", "live",
                           "tcUrl", "rtmp://h/live"), 0);
    command(&in, json_pack("[s,i,n,s]", "releaseStream", 2, "k"), 0);
    command(&in, json_pack("[s,i,n]", "createStream", 4), 0);
    command(&in, json_pack("[s,i,n,s,s]", "publish", 5, "k", "live"), 1);
    /* media before the publish is answered is not let through */
    sv_rtmp_write_msg(&in, 128, 6, 9, 1, 0, tag, sizeof(tag));
    CHECK_INT(sv_rtmp_sess_feed(s, in.data, in.len), 0);
    CHECK_INT(k.published, 1);
    CHECK_STR(k.name, "live/k");
    CHECK_INT(k.media, 0);
    CHECK_INT(sv_rtmp_sess_publish_result(s, 1, NULL, "ok"), 0);
    sv_buf_reset(&in);
    sv_rtmp_write_msg(&in, 128, 6, 9, 1, 0, tag, sizeof(tag));
    CHECK_INT(sv_rtmp_sess_feed(s, in.data, in.len), 0);
    CHECK_INT(k.media, 1);
    /* our replies parse as chunks; the last one says Publish.Start */
    {
        struct sv_rtmp_reader r;
        struct sv_rtmp_msg m;
        size_t off = 0, used;
        int rc;

        sv_rtmp_reader_init(&r);
        while (off < k.out.len) {
            rc = sv_rtmp_reader_chunk(&r, k.out.data + off, k.out.len - off,
                                      &used, &m);
            CHECK(rc >= 0 && used > 0);
            if (rc < 0 || used == 0)
                break;
            off += used;
            if (rc == 1 && m.type == 1)
                r.chunk_size = (uint32_t)m.data[2] << 8 | m.data[3];
            if (rc == 1 && m.type == 20) {
                json_decref(msgs);
                sv_amf0_decode_all(m.data, m.len, &msgs);
            }
        }
        sv_rtmp_reader_release(&r);
    }
    CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 3),
                                                "code")),
              "NetStream.Publish.Start");
    json_decref(msgs);
    /* garbage ends the session with an error, not a crash */
    CHECK(sv_rtmp_sess_feed(s, (const uint8_t *)"\x05\x00\x00\x00\x00\x00"
                            "\x05\x14\x00\x00\x00\x00\x42\x42\x42\x42\x42",
                            17) < 0);
    sv_rtmp_sess_free(s);
    sv_buf_release(&k.out);
    sv_buf_release(&in);
}

/* the same publish fed one byte at a time ends in the same place */
static void
session_byte_by_byte(void)
{
    static const struct sv_rtmp_cbs cbs = { on_publish, on_media, NULL, NULL,
                                            on_send };
    static uint8_t hs[1 + 1536 + 1536];
    struct sv_rtmp_sess *s;
    struct sink k = { SV_BUF_INIT(1 << 20), 0, 0, "" };
    struct sv_buf in = SV_BUF_INIT(1 << 20);
    const uint8_t tag[] = { 0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65 };
    size_t i;
    int bad = 0;

    hs[0] = 3;
    CHECK_INT(sv_buf_append(&in, hs, sizeof(hs)), 0);
    command(&in, json_pack("[s,i,{s:s}]", "connect", 1, "app", "live"), 0);
    command(&in, json_pack("[s,i,n]", "createStream", 2), 0);
    command(&in, json_pack("[s,i,n,s,s]", "publish", 3, "byte", "live"), 1);
    CHECK_INT(sv_rtmp_sess_new(&s, &cbs, &k), 0);
    for (i = 0; i < in.len; i++)
        bad += sv_rtmp_sess_feed(s, in.data + i, 1) < 0;
    CHECK_INT(bad, 0);
    CHECK_STR(k.name, "live/byte");
    CHECK_INT(sv_rtmp_sess_publish_result(s, 1, NULL, "ok"), 0);
    sv_buf_reset(&in);
    /* a 300-byte video message in 128-byte chunks, in 7-byte reads */
    {
        uint8_t big[300];

        memcpy(big, tag, sizeof(tag));
        memset(big + sizeof(tag), 0x41, sizeof(big) - sizeof(tag));
        sv_rtmp_write_msg(&in, 128, 6, 9, 1, 40, big, sizeof(big));
        sv_rtmp_write_msg(&in, 128, 6, 9, 1, 80, big, sizeof(big));
    }
    for (i = 0; i < in.len; i += 7)
        bad += sv_rtmp_sess_feed(s, in.data + i,
                                 in.len - i < 7 ? in.len - i : 7) < 0;
    CHECK_INT(bad, 0);
    CHECK_INT(k.media, 2);
    sv_rtmp_sess_free(s);
    sv_buf_release(&k.out);
    sv_buf_release(&in);
}

int
main(void)
{
    RUN(chunk_types_and_extended_time);
    RUN(chunk_limits);
    RUN(handshake_plain_and_digest);
    RUN(flv_tags);
    RUN(session);
    RUN(session_byte_by_byte);
    return DONE();
}
