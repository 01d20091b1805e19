/* chart_test.c -- lib/stats/chart.c, svg.c and html.c */
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "stats/chart.h"
#include "stats/html.h"
#include "stats/series.h"
#include "stats/svg.h"
#include "t.h"

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void
png_and_svg(void)
{
    int64_t t[50];
    double y[50], lo[50], hi[50];
    struct sv_chart_line l = { "viewers", y, lo, hi };
    struct sv_chart c = { .title = "T", .width = 640, .height = 300,
                          .t = t, .n = 50, .line = &l, .nlines = 1 };
    struct sv_buf b = SV_BUF_INIT(1 << 26);
    int i;

    for (i = 0; i < 50; i++) {
        t[i] = 1761955200000LL + i * 60000LL;
        y[i] = i == 20 ? NAN : 100 + 10 * sin(i / 5.0);
        lo[i] = y[i] - 5;
        hi[i] = y[i] + 5;
    }
    CHECK_INT(sv_chart_render(&c, SV_CHART_PNG, &b), 0);
    CHECK(b.len > 1000);
    CHECK(b.len > 24 && memcmp(b.data, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(b.len > 24 && memcmp(b.data + 12, "IHDR", 4) == 0);
    CHECK_INT(be32(b.data + 16), 640);
    CHECK_INT(be32(b.data + 20), 300);
    sv_buf_release(&b);
    CHECK_INT(sv_chart_render(&c, SV_CHART_SVG, &b), 0);
    CHECK(sv_buf_u8(&b, 0) == 0);
    CHECK(strstr((char *)b.data, "viewBox=\"0 0 640 300\"") != NULL);
    sv_buf_release(&b);
    /* nothing to draw, or a size out of range */
    for (i = 0; i < 50; i++)
        y[i] = lo[i] = hi[i] = NAN;
    CHECK_INT(sv_chart_render(&c, SV_CHART_PNG, &b), SV_EUSAGE);
    c.width = 100;
    CHECK_INT(sv_chart_render(&c, SV_CHART_PNG, &b), SV_EUSAGE);
}

static void
si(void)
{
    char buf[32];

    sv_chart_si(1234567, buf, sizeof(buf));
    CHECK_STR(buf, "1.23M");
    sv_chart_si(999, buf, sizeof(buf));
    CHECK_STR(buf, "999");
    sv_chart_si(2.5e9, buf, sizeof(buf));
    CHECK_STR(buf, "2.5G");
}

static void
inline_svg(void)
{
    static const char svg[] =
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"10pt\" height=\"5pt\" viewBox=\"0 0 10 5\" version=\"1.1\">"
        "<defs><symbol id=\"glyph0-1\"/><clipPath id=\"clip1\"/></defs>"
        "<use xlink:href=\"#glyph0-1\"/><g clip-path=\"url(#clip1)\" "
        "data-grid=\"x\"/></svg>\n";
    struct sv_buf b = SV_BUF_INIT(1 << 20);

    CHECK_INT(sv_stats_svg_inline(svg, strlen(svg), "c1-", "a \"b\"", &b),
              0);
    CHECK_INT(sv_buf_u8(&b, 0), 0);
    CHECK(strstr((char *)b.data, "<?xml") == NULL);
    CHECK(strstr((char *)b.data, "aria-label=\"a &quot;b&quot;\" "
                 "width=\"100%\" viewBox=\"0 0 10 5\">") != NULL);
    CHECK(strstr((char *)b.data, "id=\"c1-glyph0-1\"") != NULL);
    CHECK(strstr((char *)b.data, "id=\"c1-clip1\"") != NULL);
    CHECK(strstr((char *)b.data, "href=\"#c1-glyph0-1\"") != NULL);
    CHECK(strstr((char *)b.data, "url(#c1-clip1)") != NULL);
    CHECK(strstr((char *)b.data, "data-grid=\"x\"") != NULL);
    CHECK(strstr((char *)b.data, "width=\"10pt\"") == NULL);
    sv_buf_release(&b);
    CHECK_INT(sv_stats_svg_inline("<html>", 6, "p", "x", &b), SV_EFORMAT);
}

static void
report(void)
{
    static const char in[] =
        "{\"series\":[{\"t\":\"2025-11-01T00:00:00Z\",\"viewers\":3},"
        "{\"t\":\"2025-11-01T01:00:00Z\",\"viewers\":5}],"
        "\"renditions\":[{\"id\":\"<b>\",\"share\":1}]}";
    struct sv_stats_html h = { .title = "x & y", .refresh_s = 4,
                               .width = 600, .height = 300, .last = 5 };
    struct sv_stats_series s;
    struct sv_buf b = SV_BUF_INIT(1 << 26);
    char err[256];
    const char *p;

    sv_stats_series_init(&s, 0);
    CHECK_INT(sv_stats_series_parse(&s, in, strlen(in), err, sizeof(err)),
              0);
    CHECK_INT(sv_stats_html_report(&s, &h, &b), 0);
    CHECK_INT(sv_buf_u8(&b, 0), 0);
    p = (const char *)b.data;
    CHECK(strncmp(p, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(p, "<title>x &amp; y</title>") != NULL);
    CHECK(strstr(p, "content=\"default-src 'none'") != NULL);
    CHECK(strstr(p, "<meta http-equiv=\"refresh\" content=\"4\">") != NULL);
    CHECK(strstr(p, "<td class=\"l\">&lt;b&gt;</td><td>100.0%</td>") !=
          NULL);
    /* viewers and share: two charts; no bandwidth, bitrate or QoE */
    CHECK(strstr(p, "<figure id=\"viewers\">") != NULL);
    CHECK(strstr(p, "<figure id=\"share\">") != NULL);
    CHECK(strstr(p, "<figure id=\"bandwidth\">") == NULL);
    CHECK(strstr(p, "<script") == NULL);
    sv_buf_release(&b);
    sv_stats_series_free(&s);
}

int
main(void)
{
    RUN(png_and_svg);
    RUN(si);
    RUN(inline_svg);
    RUN(report);
    return DONE();
}
