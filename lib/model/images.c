/* images.c -- the thumbnails track in the package: the HLS image playlist
 * (EXT-X-IMAGE-STREAM-INF, EXT-X-TILES: the Image Media Playlist
 * convention Roku and others read), the DASH-IF IOP 6.2.6 thumbnail tiles
 * AdaptationSet, and the check of the WebVTT track players use for seek
 * previews */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "model/images.h"

static int
bad(char *err, size_t size, int line, const char *what)
{
    if (line > 0)
        snprintf(err, size, "line %d: %s", line, what);
    else
        snprintf(err, size, "%s", what);
    return SV_EFORMAT;
}

int
sv_images_check(const struct sv_model_images *img, char *err, size_t size)
{
    if (img->sheets < 1 || img->sheets > 10000)
        return bad(err, size, 0, "not 1 to 10000 sheets");
    if (img->cols < 1 || img->cols > 100 || img->rows < 1 || img->rows > 100)
        return bad(err, size, 0, "a sheet grid not 1 to 100 a side");
    if (img->cells < 1 ||
        (img->cells + img->cols * img->rows - 1) / (img->cols * img->rows)
        != img->sheets)
        return bad(err, size, 0, "cells that do not fill the sheets");
    if (img->cell_w < 8 || img->cell_w > 4096 || img->cell_h < 8 ||
        img->cell_h > 4096)
        return bad(err, size, 0, "cells not 8 to 4096 pixels a side");
    if (!(img->interval >= 0.1 && img->interval <= 3600))
        return bad(err, size, 0, "an interval not 0.1 s to 1 h");
    return 0;
}

/* Reads "HH:MM:SS.mmm" at *p (bounded by end) in milliseconds, or -1. */
static long long
vtt_time(const char **p, const char *end)
{
    const char *s = *p;
    long long v[4] = { 0, 0, 0, 0 };
    int i, k, digits[4] = { 2, 2, 2, 3 };

    for (i = 0; i < 4; i++) {
        for (k = 0; k < digits[i]; k++) {
            if (s >= end || *s < '0' || *s > '9')
                return -1;
            v[i] = v[i] * 10 + (*s++ - '0');
        }
        if (i < 3) {
            if (s >= end || *s != (i < 2 ? ':' : '.'))
                return -1;
            s++;
        }
    }
    if (v[1] > 59 || v[2] > 59)
        return -1;
    *p = s;
    return ((v[0] * 60 + v[1]) * 60 + v[2]) * 1000 + v[3];
}

/* Reads a decimal number below 100000 at *p, or -1. */
static long
vtt_num(const char **p, const char *end)
{
    const char *s = *p;
    long v = 0;
    int n = 0;

    while (s < end && *s >= '0' && *s <= '9' && n < 6) {
        v = v * 10 + (*s++ - '0');
        n++;
    }
    if (n == 0 || n > 5)
        return -1;
    *p = s;
    return v;
}

/* The next line of [*p, end) without its LF (and CR); 0 at the end. */
static int
next_line(const char **p, const char *end, const char **ls, size_t *ll)
{
    const char *s = *p, *nl;

    if (s >= end)
        return 0;
    nl = memchr(s, '\n', (size_t)(end - s));
    *ls = s;
    *ll = (size_t)((nl != NULL ? nl : end) - s);
    if (*ll > 0 && s[*ll - 1] == '\r')
        (*ll)--;
    *p = nl != NULL ? nl + 1 : end;
    return 1;
}

int
sv_images_vtt_check(const struct sv_model_images *img, const char *text,
                    size_t len, char *err, size_t size)
{
    const char *p = text, *end = text + len, *ls, *q, *le;
    char what[128];
    size_t ll;
    int line = 0, per = img->cols * img->rows, cue = 0;
    long long a, b, want, step = llround(img->interval * 1000);
    long x, y, w, h, sheet;

    if (sv_images_check(img, err, size) < 0)
        return SV_EFORMAT;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    if (!next_line(&p, end, &ls, &ll) || ll < 6 ||
        memcmp(ls, "WEBVTT", 6) != 0 || (ll > 6 && ls[6] != ' ' &&
                                         ls[6] != '\t'))
        return bad(err, size, 1, "not a WebVTT file");
    line = 1;
    while (next_line(&p, end, &ls, &ll)) {
        line++;
        if (ll == 0)
            continue;
        le = ls + ll;
        q = ls;
        if (memchr(ls, '-', ll) == NULL || (a = vtt_time(&q, le)) < 0)
            return bad(err, size, line, "expected a cue timing line");
        if ((size_t)(le - q) < 5 || memcmp(q, " --> ", 5) != 0)
            return bad(err, size, line, "expected ' --> '");
        q += 5;
        b = vtt_time(&q, le);
        if (b < 0 || q != le || b < a)
            return bad(err, size, line, "bad cue end time");
        if (cue >= img->cells)
            return bad(err, size, line, "more cues than thumbnails");
        /* cells are taken every interval from 0: the cue's times to the
         * millisecond the writer printed, give or take the rounding of the
         * interval to the stream's time base */
        want = (long long)cue * step;
        if (llabs(a - want) > 1 + want / 1000) {
            snprintf(what, sizeof(what), "cue %d starts at %lld ms, not "
                     "%lld", cue + 1, a, want);
            return bad(err, size, line, what);
        }
        if (!next_line(&p, end, &ls, &ll))
            return bad(err, size, line + 1, "a cue without its image");
        line++;
        le = ls + ll;
        q = ls;
        if (ll < 7 || memcmp(q, "sprite-", 7) != 0)
            return bad(err, size, line, "expected sprite-NNN.jpg#xywh=");
        q += 7;
        sheet = vtt_num(&q, le);
        if (sheet < 0 || (size_t)(le - q) < 10 ||
            memcmp(q, ".jpg#xywh=", 10) != 0)
            return bad(err, size, line, "expected sprite-NNN.jpg#xywh=");
        q += 10;
        x = vtt_num(&q, le);
        if (x >= 0 && q < le && *q == ',' && (q++, 1))
            y = vtt_num(&q, le);
        else
            y = -1;
        if (y >= 0 && q < le && *q == ',' && (q++, 1))
            w = vtt_num(&q, le);
        else
            w = -1;
        if (w >= 0 && q < le && *q == ',' && (q++, 1))
            h = vtt_num(&q, le);
        else
            h = -1;
        if (h < 0 || q != le)
            return bad(err, size, line, "bad #xywh= fragment");
        if (w != img->cell_w || h != img->cell_h || x % img->cell_w != 0 ||
            y % img->cell_h != 0 || x / img->cell_w >= img->cols ||
            y / img->cell_h >= img->rows)
            return bad(err, size, line, "a region that is not a cell");
        if (sheet * per + y / img->cell_h * img->cols + x / img->cell_w
            != cue) {
            snprintf(what, sizeof(what), "cue %d shows another cell", cue + 1);
            return bad(err, size, line, what);
        }
        cue++;
    }
    if (cue != img->cells)
        return bad(err, size, 0, "fewer cues than thumbnails");
    return 0;
}

/* cells on sheet s, and the rows they take */
static int
sheet_cells(const struct sv_model_images *img, int s)
{
    int per = img->cols * img->rows, left = img->cells - s * per;

    return left < per ? left : per;
}

static long
img_bandwidth(const struct sv_model_images *img)
{
    double secs = img->cells * img->interval;
    long bw = secs > 0 ? (long)ceil((double)img->bytes * 8 / secs) : 0;

    return bw > 0 ? bw : 1;
}

int
sv_images_hls_playlist(const struct sv_model *m, struct sv_buf *out)
{
    const struct sv_model_images *img = &m->img;
    double per = img->cols * img->rows * img->interval;
    int s, n, rc;

    rc = sv_buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:7\n"
                       "#EXT-X-TARGETDURATION:%ld\n#EXT-X-MEDIA-SEQUENCE:1\n"
                       "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-IMAGES-ONLY\n",
                       (long)ceil(per));
    for (s = 0; rc == 0 && s < img->sheets; s++) {
        n = sheet_cells(img, s);
        /* a last sheet that is not full is as many rows high as it uses */
        rc = sv_buf_printf(out, "#EXTINF:%.5f,\n#EXT-X-TILES:RESOLUTION="
                           "%dx%d,LAYOUT=%dx%d,DURATION=%.5f\n"
                           "sprite-%03d.jpg\n", n * img->interval,
                           img->cell_w, img->cell_h, img->cols,
                           (n + img->cols - 1) / img->cols, img->interval, s);
    }
    if (rc == 0)
        rc = sv_buf_printf(out, "#EXT-X-ENDLIST\n");
    return rc;
}

int
sv__images_hls_master(const struct sv_model *m, struct sv_buf *out)
{
    const struct sv_model_images *img = &m->img;

    if (img->sheets == 0)
        return 0;
    return sv_buf_printf(out, "#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=%ld,"
                         "RESOLUTION=%dx%d,CODECS=\"jpeg\",URI=\"%s\"\n",
                         img_bandwidth(img), img->cols * img->cell_w,
                         img->rows * img->cell_h, SV_MODEL_IMG_PLAYLIST);
}

int
sv__images_dash(const struct sv_model *m, int id, struct sv_buf *out)
{
    const struct sv_model_images *img = &m->img;
    long dur = llround(img->cols * img->rows * img->interval * 1000);

    if (img->sheets == 0)
        return 0;
    return sv_buf_printf(
        out, "    <AdaptationSet id=\"%d\" contentType=\"image\" "
        "mimeType=\"image/jpeg\">\n"
        "      <SegmentTemplate media=\"" SV_MODEL_IMG_DIR
        "/sprite-$Number%%03d$.jpg\" timescale=\"1000\" duration=\"%ld\" "
        "startNumber=\"0\"/>\n"
        "      <Representation id=\"thumbnails\" bandwidth=\"%ld\" "
        "width=\"%d\" height=\"%d\">\n"
        "        <EssentialProperty schemeIdUri=\"http://dashif.org/"
        "thumbnail_tile\" value=\"%dx%d\"/>\n"
        "      </Representation>\n"
        "    </AdaptationSet>\n", id, dur, img_bandwidth(img),
        img->cols * img->cell_w, img->rows * img->cell_h, img->cols,
        img->rows);
}

json_t *
sv__images_json(const struct sv_model_images *img)
{
    if (img->sheets == 0)
        return NULL;
    return json_pack("{s:s,s:s,s:s,s:s*,s:i,s:i,s:i,s:i,s:i,s:i,s:f,s:I}",
                     "dir", SV_MODEL_IMG_DIR, "vtt", SV_MODEL_IMG_VTT,
                     "playlist", SV_MODEL_IMG_PLAYLIST,
                     "poster", img->poster ? SV_MODEL_IMG_DIR "/poster.jpg"
                                           : NULL,
                     "sheets", img->sheets, "cells", img->cells,
                     "columns", img->cols, "rows", img->rows,
                     "width", img->cell_w, "height", img->cell_h,
                     "interval", img->interval,
                     "bytes", (json_int_t)img->bytes);
}

int
sv__images_from_json(struct sv_model_images *img, const json_t *o,
                     char *err, size_t size)
{
    memset(img, 0, sizeof(*img));
    if (o == NULL || json_is_null(o))
        return 0;
    img->sheets = (int)json_integer_value(json_object_get(o, "sheets"));
    img->cells = (int)json_integer_value(json_object_get(o, "cells"));
    img->cols = (int)json_integer_value(json_object_get(o, "columns"));
    img->rows = (int)json_integer_value(json_object_get(o, "rows"));
    img->cell_w = (int)json_integer_value(json_object_get(o, "width"));
    img->cell_h = (int)json_integer_value(json_object_get(o, "height"));
    img->interval = json_number_value(json_object_get(o, "interval"));
    img->bytes = (uint64_t)json_integer_value(json_object_get(o, "bytes"));
    img->poster = json_is_string(json_object_get(o, "poster"));
    if (sv_images_check(img, err, size) < 0) {
        memset(img, 0, sizeof(*img));
        return SV_EFORMAT;
    }
    return 0;
}
