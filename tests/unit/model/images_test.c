/* images_test.c -- lib/model/images.c: the thumbnails track's WebVTT check,
 * its HLS image playlist and DASH AdaptationSet (issue 16) */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "model/images.h"
#include "t.h"

/* 12 cells of 160x90 on 2x3 sheets, one a second: as sv-transcode
 * writes them (two full sheets) */
static void
grid(struct sv_model_images *img, int cells)
{
    memset(img, 0, sizeof(*img));
    img->cols = 3;
    img->rows = 2;
    img->cells = cells;
    img->sheets = (cells + 5) / 6;
    img->cell_w = 160;
    img->cell_h = 90;
    img->interval = 1;
    img->bytes = 30000;
}

static void
vtt(struct sv_buf *b, int cells, int skew)
{
    int i, k;

    sv_buf_reset(b);
    sv_buf_printf(b, "WEBVTT\n");
    for (i = 0; i < cells; i++) {
        k = i % 6;
        sv_buf_printf(b, "\n00:00:%02d.%03d --> 00:00:%02d.000\n"
                      "sprite-%03d.jpg#xywh=%d,%d,160,90\n", i,
                      i == 4 ? skew : 0, i + 1, i / 6, k % 3 * 160,
                      k / 3 * 90);
    }
}

static int
check(const struct sv_model_images *img, const struct sv_buf *b, char *err)
{
    return sv_images_vtt_check(img, (const char *)b->data, b->len, err, 128);
}

/* b holds exactly want */
static int
same(const struct sv_buf *b, const char *want)
{
    if (b->len == strlen(want) && memcmp(b->data, want, b->len) == 0)
        return 1;
    printf("#   got: %.*s\n", (int)b->len, (const char *)b->data);
    return 0;
}

static void
vtt_cells_match_times(void)
{
    struct sv_model_images img;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    char err[128], *s;

    grid(&img, 8);
    vtt(&b, 8, 0);
    CHECK_INT(check(&img, &b, err), 0);
    /* a cue off its time, a missing cue, a cell out of order */
    vtt(&b, 8, 500);
    CHECK_INT(check(&img, &b, err), SV_EFORMAT);
    CHECK_STR(err, "line 15: cue 5 starts at 4500 ms, not 4000");
    vtt(&b, 7, 0);
    CHECK_INT(check(&img, &b, err), SV_EFORMAT);
    CHECK_STR(err, "fewer cues than thumbnails");
    vtt(&b, 8, 0);
    s = strstr((char *)b.data, "xywh=160,0");
    CHECK(s != NULL);
    memcpy(s, "xywh=320,0", 10);
    CHECK_INT(check(&img, &b, err), SV_EFORMAT);
    CHECK_STR(err, "line 7: cue 2 shows another cell");
    memcpy(s, "xywh=170,0", 10);
    CHECK_INT(check(&img, &b, err), SV_EFORMAT);
    CHECK_STR(err, "line 7: a region that is not a cell");
    /* not WebVTT at all; a cue with no image line */
    CHECK_INT(sv_images_vtt_check(&img, "WEBVTTX\n", 8, err, sizeof(err)),
              SV_EFORMAT);
    CHECK_STR(err, "line 1: not a WebVTT file");
    s = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000";
    CHECK_INT(sv_images_vtt_check(&img, s, strlen(s), err, sizeof(err)),
              SV_EFORMAT);
    CHECK_STR(err, "line 4: a cue without its image");
    sv_buf_release(&b);
}

static void
metadata_bounds(void)
{
    struct sv_model_images img;
    char err[128];

    grid(&img, 12);
    CHECK_INT(sv_images_check(&img, err, sizeof(err)), 0);
    img.sheets = 3;
    CHECK_INT(sv_images_check(&img, err, sizeof(err)), SV_EFORMAT);
    CHECK_STR(err, "cells that do not fill the sheets");
    grid(&img, 12);
    img.interval = 0;
    CHECK_INT(sv_images_check(&img, err, sizeof(err)), SV_EFORMAT);
    CHECK_STR(err, "an interval not 0.1 s to 1 h");
}

static void
hls_and_dash_render(void)
{
    struct sv_model m;
    struct sv_buf b = SV_BUF_INIT(1 << 16);
    json_t *o;
    char err[128];

    memset(&m, 0, sizeof(m));
    grid(&m.img, 8);
    CHECK_INT(sv_images_hls_playlist(&m, &b), 0);
    CHECK(same(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n"
               "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
               "#EXT-X-IMAGES-ONLY\n"
               "#EXTINF:6.00000,\n#EXT-X-TILES:RESOLUTION=160x90,LAYOUT=3x2,"
               "DURATION=1.00000\nsprite-000.jpg\n"
               "#EXTINF:2.00000,\n#EXT-X-TILES:RESOLUTION=160x90,LAYOUT=3x1,"
               "DURATION=1.00000\nsprite-001.jpg\n#EXT-X-ENDLIST\n"));
    sv_buf_reset(&b);
    CHECK_INT(sv__images_hls_master(&m, &b), 0);
    /* 30000 bytes in 8 s */
    CHECK(same(&b, "#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=30000,"
               "RESOLUTION=480x180,CODECS=\"jpeg\","
               "URI=\"thumbs/images.m3u8\"\n"));
    sv_buf_reset(&b);
    CHECK_INT(sv__images_dash(&m, 2, &b), 0);
    CHECK(strstr((char *)b.data, "<EssentialProperty schemeIdUri=\"http://"
                 "dashif.org/thumbnail_tile\" value=\"3x2\"/>") != NULL);
    CHECK(strstr((char *)b.data, "media=\"thumbs/sprite-$Number%03d$.jpg\" "
                 "timescale=\"1000\" duration=\"6000\" startNumber=\"0\"")
          != NULL);
    /* package.json round trip; a bad record is refused */
    o = sv__images_json(&m.img);
    memset(&m.img, 0, sizeof(m.img));
    CHECK_INT(sv__images_from_json(&m.img, o, err, sizeof(err)), 0);
    CHECK_INT(m.img.cells, 8);
    CHECK_INT(m.img.cols, 3);
    CHECK_INT((int)m.img.bytes, 30000);
    json_object_set_new(o, "rows", json_integer(0));
    CHECK_INT(sv__images_from_json(&m.img, o, err, sizeof(err)), SV_EFORMAT);
    CHECK_INT(m.img.sheets, 0);
    json_decref(o);
    /* no track: nothing rendered */
    sv_buf_reset(&b);
    CHECK_INT(sv__images_hls_master(&m, &b), 0);
    CHECK_INT(sv__images_dash(&m, 2, &b), 0);
    CHECK_INT(b.len, 0);
    sv_buf_release(&b);
}

int
main(void)
{
    RUN(vtt_cells_match_times);
    RUN(metadata_bounds);
    RUN(hls_and_dash_render);
    return DONE();
}
