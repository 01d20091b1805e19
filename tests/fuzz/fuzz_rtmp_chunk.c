/* fuzz_rtmp_chunk.c -- chunk streams, commands and FLV tags after a valid
 * handshake.  The first byte picks how publishes are answered (at once,
 * allowed or refused; late, after part of the input; never) and whether a
 * valid connect/createStream/publish comes first, so command sequences
 * before, during and after a publish (deleteStream while the answer is
 * pending, a second publish, big messages before and after it) are
 * reached; media parsing runs too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "rtmp/amf0.h"
#include "rtmp/rtmp.h"
#include "rtmp/rtmp_chunk.h"

enum { ANSWER_NOW = 0, ANSWER_LATE = 1, ANSWER_NEVER = 2 };

static struct sv_rtmp_sess *cur;
static int answer, allow, asked, unpublished;

static void
publish(void *ud, const char *app, const char *name, const char *tcurl)
{
    asked = 1;
    if (answer == ANSWER_NOW) {
        sv_rtmp_sess_publish_result(cur, allow, NULL, "ok");
        asked = 0;
    }
}

static void
media(void *ud, int track, uint32_t ts, const struct sv_flv_tag *tag)
{
    /* touch what the tag points at, so a bad pointer shows */
    volatile uint8_t x = 0;
    size_t i;

    for (i = 0; i < tag->size; i++)
        x ^= tag->data[i];
}

static void
unpublish(void *ud)
{
    /* a withdrawn pending publish must not be answered */
    unpublished++;
    asked = 0;
}

static int
sink(void *ud, const uint8_t *p, size_t len)
{
    return 0;
}

/* a command message on csid 3 (stream 0) or 5 (stream 1) */
static void
command(struct sv_buf *b, uint32_t msid, json_t *args)
{
    struct sv_buf body = SV_BUF_INIT(1 << 16);
    json_t *v;
    size_t i;

    json_array_foreach(args, i, v)
        sv_amf0_encode(&body, v);
    sv_rtmp_write_msg(b, 128, msid ? 5 : 3, 20, msid, 0, body.data,
                      body.len);
    sv_buf_release(&body);
    json_decref(args);
}

static void
feed(const uint8_t *data, size_t size)
{
    size_t half = size / 2;

    sv_rtmp_sess_feed(cur, data, half);
    if (answer == ANSWER_LATE && asked) {
        sv_rtmp_sess_publish_result(cur, allow, NULL, "late");
        asked = 0;
    }
    sv_rtmp_sess_feed(cur, data + half, size - half);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct sv_rtmp_cbs cbs = { publish, media, NULL, unpublish,
                                            sink };
    static uint8_t hs[1 + 2 * 1536];
    struct sv_buf pre = SV_BUF_INIT(1 << 16);
    struct sv_rtmp_reader r;
    struct sv_rtmp_msg m;
    size_t off, used;
    uint8_t mode = size > 0 ? data[0] : 0;

    /* the whole input as chunks, every publish allowed at once */
    answer = ANSWER_NOW;
    allow = 1;
    asked = unpublished = 0;
    if (sv_rtmp_sess_new(&cur, &cbs, NULL) < 0)
        return 0;
    hs[0] = 3;
    sv_rtmp_sess_feed(cur, hs, sizeof(hs));
    sv_rtmp_sess_feed(cur, data, size);
    sv_rtmp_sess_free(cur);

    /* after the mode byte: answered as it says, maybe after a publish */
    if (size > 0) {
        answer = (mode & 3) == 3 ? ANSWER_NOW : mode & 3;
        allow = !(mode & 4);
        asked = 0;
        if (sv_rtmp_sess_new(&cur, &cbs, NULL) < 0)
            return 0;
        sv_rtmp_sess_feed(cur, hs, sizeof(hs));
        if (mode & 8) {
            command(&pre, 0, json_pack("[s,i,{s:s,s:s}]", "connect", 1,
                                       "app", "live", "tcUrl",
                                       "rtmp://127.0.0.1/live"));
            command(&pre, 0, json_pack("[s,i,n]", "createStream", 2));
            command(&pre, 1, json_pack("[s,i,n,s,s]", "publish", 3, "cam",
                                       "live"));
            if (mode & 16)
                command(&pre, 1, json_pack("[s,i,n,f]", "deleteStream", 4,
                                           1.0));
            sv_rtmp_sess_feed(cur, pre.data, pre.len);
        }
        feed(data + 1, size - 1);
        sv_rtmp_sess_free(cur);
        sv_buf_release(&pre);
    }

    /* the reader alone, one chunk at a time */
    sv_rtmp_reader_init(&r);
    for (off = 0; off < size; off += used)
        if (sv_rtmp_reader_chunk(&r, data + off, size - off, &used, &m) < 0 ||
            used == 0)
            break;
    sv_rtmp_reader_release(&r);
    return 0;
}
