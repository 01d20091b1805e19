/* hlskey_test.c -- lib/drm/hlskey.c: where key tags go in playlists */
#include <string.h>

#include "core/buf.h"
#include "drm/hlskey.h"
#include "t.h"

static const char *
insert(const char *pl, const char *const *keys, size_t n, size_t every,
       struct sv_buf *out)
{
    sv_buf_reset(out);
    if (sv_drm_hls_media_keys(pl, strlen(pl), keys, n, every, out) < 0 ||
        sv_buf_u8(out, 0) < 0)
        return "(failed)";
    return (const char *)out->data;
}

static void
one_key_before_the_first_segment(void)
{
    static const char *const k[] = { "METHOD=SAMPLE-AES" };
    struct sv_buf out = SV_BUF_INIT(1 << 20);

    CHECK_STR(insert("#EXTM3U\n#EXTINF:1,\na.m4s\n#EXTINF:1,\nb.m4s\n", k,
                     1, 0, &out),
              "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES\n#EXTINF:1,\na.m4s\n"
              "#EXTINF:1,\nb.m4s\n");
    sv_buf_release(&out);
}

static void
llhls_parts_get_the_key_first(void)
{
    static const char *const k[] = { "METHOD=SAMPLE-AES-CTR" };
    struct sv_buf out = SV_BUF_INIT(1 << 20);

    /* the first segment is still open: only its parts are listed */
    CHECK_STR(insert("#EXTM3U\n#EXT-X-PART:DURATION=0.5,URI=\"p0\"\n"
                     "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p1\"\n", k, 1, 0,
                     &out),
              "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES-CTR\n"
              "#EXT-X-PART:DURATION=0.5,URI=\"p0\"\n"
              "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p1\"\n");
    CHECK_STR(insert("#EXTM3U\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p0\"\n",
                     k, 1, 0, &out),
              "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES-CTR\n"
              "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p0\"\n");
    /* parts then the segment they make: one key, before the parts */
    CHECK_STR(insert("#EXT-X-PART:URI=\"p0\"\n#EXTINF:1,\ns\n", k, 1, 0,
                     &out),
              "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR\n#EXT-X-PART:URI=\"p0\"\n"
              "#EXTINF:1,\ns\n");
    sv_buf_release(&out);
}

static void
rotation_every_two_segments(void)
{
    static const char *const k[] = { "A", "B" };
    struct sv_buf out = SV_BUF_INIT(1 << 20);

    CHECK_STR(insert("#EXTINF:1,\n1\n#EXTINF:1,\n2\n#EXTINF:1,\n3\n", k, 2,
                     2, &out),
              "#EXT-X-KEY:A\n#EXTINF:1,\n1\n#EXTINF:1,\n2\n#EXT-X-KEY:B\n"
              "#EXTINF:1,\n3\n");
    sv_buf_release(&out);
}

int
main(void)
{
    RUN(one_key_before_the_first_segment);
    RUN(llhls_parts_get_the_key_first);
    RUN(rotation_every_two_segments);
    return DONE();
}
