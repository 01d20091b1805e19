/* fuzz_rtmp_chunk.c -- chunk streams, commands and FLV tags after a valid
 * handshake, with every publish allowed so media parsing runs too */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp/rtmp.h"
#include "rtmp/rtmp_chunk.h"

static struct sv_rtmp_sess *cur;

static void
publish(void *ud, const char *app, const char *name, const char *tcurl)
{
    sv_rtmp_sess_publish_result(cur, 1, NULL, "ok");
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

static int
sink(void *ud, const uint8_t *p, size_t len)
{
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct sv_rtmp_cbs cbs = { publish, media, NULL, NULL,
                                            sink };
    static uint8_t hs[1 + 2 * 1536];
    struct sv_rtmp_reader r;
    struct sv_rtmp_msg m;
    size_t off, used;

    if (sv_rtmp_sess_new(&cur, &cbs, NULL) < 0)
        return 0;
    hs[0] = 3;
    sv_rtmp_sess_feed(cur, hs, sizeof(hs));
    sv_rtmp_sess_feed(cur, data, size);
    sv_rtmp_sess_free(cur);
    /* the reader alone, one chunk at a time */
    sv_rtmp_reader_init(&r);
    for (off = 0; off < size; off += used)
        if (sv_rtmp_reader_chunk(&r, data + off, size - off, &used, &m) < 0 ||
            used == 0)
            break;
    sv_rtmp_reader_release(&r);
    return 0;
}
