/* tsprobe_test.c -- lib/container/tsprobe.c: the streams of an MPEG-TS
 * from its tables and first frames (tests/fuzz/corpus/tsprobe/, made by
 * ffmpeg: 64x48 H.264 at 10 fps; 70x38 HEVC at 25 fps, its picture
 * cropped from 72x40, with 16 kHz mono AAC), as libavformat gives them;
 * what it leaves to libavformat */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/tsprobe.h"
#include "core/err.h"
#include "t.h"

static uint8_t *
slurp(const char *path, size_t *len)
{
    struct stat st;
    uint8_t *p;
    int fd = open(path, O_RDONLY);

    CHECK(fd >= 0);
    CHECK(fstat(fd, &st) == 0);
    p = malloc((size_t)st.st_size);
    CHECK(read(fd, p, (size_t)st.st_size) == st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return p;
}

static void
describes_h264_from_the_pmt_and_sps(void)
{
    struct sv_tsprobe pr;
    size_t len;
    uint8_t *p = slurp("tests/fuzz/corpus/tsprobe/h264_64x48.ts", &len);

    CHECK_INT(sv_tsprobe_scan(&pr, p, len, 0), 0);
    CHECK_INT(pr.n, 1);
    CHECK_INT(pr.st[0].id, 0x100);
    CHECK_INT(pr.st[0].kind, SV_KIND_VIDEO);
    CHECK_INT(pr.st[0].codec, SV_CODEC_H264);
    CHECK_INT(pr.st[0].width, 64);
    CHECK_INT(pr.st[0].height, 48);
    CHECK_INT(pr.st[0].fps_num, 10);
    CHECK_INT(pr.st[0].fps_den, 1);
    CHECK_INT(pr.st[0].tb_den, 90000);
    CHECK_STR(pr.st[0].language, "und");
    /* cut short of the first frame: nothing to describe it from */
    CHECK_INT(sv_tsprobe_scan(&pr, p, 188 * 3, 0), SV_ENOMEDIA);
    /* from a pipe: more may come; before the PMT too */
    CHECK_INT(sv_tsprobe_scan(&pr, p, 188 * 3, 1), SV_ETRUNC);
    CHECK_INT(sv_tsprobe_scan(&pr, p, 188, 1), SV_ETRUNC);
    /* described, but its 5 frames are fewer than the rate needs while
     * more may come; at the end, the rate from what there is */
    CHECK_INT(sv_tsprobe_scan(&pr, p, len, 1), SV_ETRUNC);
    CHECK_INT(sv_tsprobe_scan(&pr, p, len, 0), 0);
    CHECK_INT(pr.st[0].fps_num, 10);
    /* not packet-aligned */
    CHECK_INT(sv_tsprobe_scan(&pr, p + 1, len - 1, 0), SV_EFORMAT);
    free(p);
}

static void
describes_hevc_and_aac(void)
{
    struct sv_tsprobe pr;
    size_t len;
    uint8_t *p = slurp("tests/fuzz/corpus/tsprobe/hevc_aac.ts", &len);

    CHECK_INT(sv_tsprobe_scan(&pr, p, len, 0), 0);
    CHECK_INT(pr.n, 2);
    CHECK_INT(pr.st[0].codec, SV_CODEC_HEVC);
    CHECK_INT(pr.st[0].width, 70);
    CHECK_INT(pr.st[0].height, 38);
    CHECK_INT(pr.st[0].bit_depth, 8);
    CHECK_INT(pr.st[0].chroma_420, 1);
    CHECK_INT(pr.st[0].fps_num, 25);
    CHECK_INT(pr.st[0].fps_den, 1);
    CHECK_INT(pr.st[1].id, 0x101);
    CHECK_INT(pr.st[1].kind, SV_KIND_AUDIO);
    CHECK_INT(pr.st[1].codec, SV_CODEC_AAC);
    CHECK_INT(pr.st[1].sample_rate, 16000);
    CHECK_INT(pr.st[1].channels, 1);
    free(p);
}

static void
leaves_other_codecs_to_libavformat(void)
{
    struct sv_tsprobe pr;
    size_t len;
    uint8_t *p = slurp("tests/fuzz/corpus/tsprobe/h264_64x48.ts", &len);
    size_t i;

    /* the PMT's stream_type 0x1b (H.264) made 0x02 (MPEG-2 video) */
    for (i = 0; i + 188 <= len; i += 188) {
        uint8_t *t = p + i;
        int pid = (t[1] & 0x1f) << 8 | t[2];
        if (pid == 0x1000 && (t[1] & 0x40)) {
            uint8_t *s = t + 5 + t[4];
            size_t pil = (size_t)(s[10] & 0x0f) << 8 | s[11];
            CHECK_INT(s[12 + pil], 0x1b);
            s[12 + pil] = 0x02;     /* the CRC is not checked */
        }
    }
    CHECK_INT(sv_tsprobe_scan(&pr, p, len, 0), SV_ENOMEDIA);
    free(p);
}

int
main(void)
{
    RUN(describes_h264_from_the_pmt_and_sps);
    RUN(describes_hevc_and_aac);
    RUN(leaves_other_codecs_to_libavformat);
    return DONE();
}
