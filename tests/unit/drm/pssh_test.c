/* pssh_test.c -- lib/drm/pssh.c and lib/drm/hlskey.c */
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/textenc.h"
#include "drm/hlskey.h"
#include "drm/pssh.h"
#include "drm/system.h"
#include "t.h"

static const uint8_t kid[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                                 0xee, 0xff };

static const char *
hex(const uint8_t *p, size_t n)
{
    static char s[1024];

    sv_hex_encode(p, n < 500 ? n : 500, s);
    return s;
}

static void
widevine_box_is_exact(void)
{
    struct sv_buf b = SV_BUF_INIT(4096);
    uint8_t sid[16];

    CHECK_INT(sv_drm_pssh(&b, sv_drm_system_by_name("widevine"), kid, "m",
                          0), 0);
    /* size, 'pssh', v0, system id, data size 24: key id, content id "m",
     * protection scheme 'cenc' as a varint (27 bytes) */
    CHECK_STR(hex(b.data, b.len),
              "0000003b7073736800000000edef8ba979d64acea3c827dcd51d21ed"
              "0000001b121000112233445566778899aabbccddeeff22016d"
              "48e3dc959b06");
    CHECK_INT(sv_drm_pssh_check(b.data, b.len, sid), 0);
    CHECK_INT(sv_drm_pssh_check(b.data, b.len - 1, sid), SV_EFORMAT);
    sv_buf_release(&b);
}

static void
clearkey_box_lists_every_period_key_id(void)
{
    struct sv_buf b = SV_BUF_INIT(4096);
    uint8_t kids[2][16], sid[16];

    memcpy(kids[0], kid, 16);
    memset(kids[1], 0xab, 16);
    CHECK_INT(sv_drm_pssh_clearkey(&b, (const uint8_t (*)[16])kids, 2), 0);
    /* v1, the W3C common system id, KID_count 2, both ids, no data */
    CHECK_STR(hex(b.data, b.len),
              "0000004470737368010000001077efecc0b24d02ace33c1e52e2fb4b"
              "00000002" "00112233445566778899aabbccddeeff"
              "abababababababababababababababab" "00000000");
    CHECK_INT(sv_drm_pssh_check(b.data, b.len, sid), 0);
    CHECK_INT(sv_drm_pssh_clearkey(&b, (const uint8_t (*)[16])kids, 0),
              SV_EUSAGE);
    CHECK_INT(sv_drm_pssh_clearkey(&b, (const uint8_t (*)[16])kids,
                                   SV_DRM_PSSH_MAX_KIDS + 1), SV_EUSAGE);
    sv_buf_release(&b);
}

static void
clearkey_box_lists_the_key_id(void)
{
    struct sv_buf b = SV_BUF_INIT(4096);

    CHECK_INT(sv_drm_pssh(&b, sv_drm_system_by_name("clearkey"), kid, NULL,
                          1), 0);
    CHECK_STR(hex(b.data, b.len),
              "0000003470737368010000001077efecc0b24d02ace33c1e52e2fb4b"
              "0000000100112233445566778899aabbccddeeff00000000");
    CHECK_INT(sv_drm_pssh(&b, sv_drm_system_by_name("fairplay"), kid, NULL,
                          1), SV_EUSAGE);
    sv_buf_release(&b);
}

static void
playready_object_has_the_header(void)
{
    struct sv_buf b = SV_BUF_INIT(8192);
    uint32_t pro;

    CHECK_INT(sv_drm_pssh(&b, sv_drm_system_by_name("playready"), kid, NULL,
                          1), 0);
    /* the PlayReady Object's length (little-endian) is the data size */
    pro = (uint32_t)b.data[32] | (uint32_t)b.data[33] << 8 |
          (uint32_t)b.data[34] << 16 | (uint32_t)b.data[35] << 24;
    CHECK_INT(pro, b.len - 32);
    CHECK_INT(b.data[42], '<');
    CHECK_INT(b.data[43], 0);
    sv_buf_release(&b);
}

static void
key_tags_go_before_their_segments(void)
{
    static const char pl[] = "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n"
                             "#EXTINF:1,\na.m4s\n#EXTINF:1,\nb.m4s\n"
                             "#EXTINF:1,\nc.m4s\n#EXT-X-ENDLIST\n";
    static const char master[] = "#EXTM3U\n#EXT-X-VERSION:7\n"
                                 "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n";
    const char *keys[] = { "METHOD=AES-128,URI=\"k1\"",
                           "METHOD=AES-128,URI=\"k2\"" };
    struct sv_buf b = SV_BUF_INIT(4096);

    CHECK_INT(sv_drm_hls_media_keys(pl, strlen(pl), keys, 2, 2, &b), 0);
    sv_buf_u8(&b, 0);
    CHECK_STR((char *)b.data, "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n"
              "#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXTINF:1,\na.m4s\n"
              "#EXTINF:1,\nb.m4s\n#EXT-X-KEY:METHOD=AES-128,URI=\"k2\"\n"
              "#EXTINF:1,\nc.m4s\n#EXT-X-ENDLIST\n");
    sv_buf_reset(&b);
    CHECK_INT(sv_drm_hls_session_keys(master, strlen(master),
                                      "METHOD=SAMPLE-AES,URI=\"skd://x\"\n"
                                      "METHOD=SAMPLE-AES,URI=\"data:y\"\n",
                                      &b), 0);
    sv_buf_u8(&b, 0);
    CHECK_STR((char *)b.data, "#EXTM3U\n#EXT-X-VERSION:7\n"
              "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\"\n"
              "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"data:y\"\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n");
    sv_buf_release(&b);
}

int
main(void)
{
    RUN(widevine_box_is_exact);
    RUN(clearkey_box_lists_the_key_id);
    RUN(clearkey_box_lists_every_period_key_id);
    RUN(playready_object_has_the_header);
    RUN(key_tags_go_before_their_segments);
    return DONE();
}
