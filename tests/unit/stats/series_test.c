/* series_test.c -- lib/stats/series.c: the three input forms and bounds */
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "stats/series.h"
#include "t.h"

#define T0 1761955200000LL      /* 2025-11-01T00:00:00Z */

static int
parse(struct sv_stats_series *s, const char *text, char *err)
{
    sv_stats_series_init(s, 0);
    return sv_stats_series_parse(s, text, strlen(text), err, 256);
}

static void
times(void)
{
    int64_t ms;

    CHECK_INT(sv_stats_time_parse("2025-11-01T00:00:00Z", 20, &ms), 0);
    CHECK_INT(ms, T0);
    CHECK_INT(sv_stats_time_parse("2025-11-01T01:30:00+01:30", 25, &ms), 0);
    CHECK_INT(ms, T0);
    CHECK_INT(sv_stats_time_parse("2025-11-01 00:00:01.25", 22, &ms), 0);
    CHECK_INT(ms, T0 + 1250);
    CHECK_INT(sv_stats_time_parse("2025-11-01", 10, &ms), 0);
    CHECK_INT(ms, T0);
    CHECK_INT(sv_stats_time_parse("1761955200", 10, &ms), 0);
    CHECK_INT(ms, T0);
    CHECK_INT(sv_stats_time_parse("2024-02-29T00:00:00Z", 20, &ms), 0);
    CHECK_INT(sv_stats_time_parse("2025-02-29T00:00:00Z", 20, &ms),
              SV_EFORMAT);
    CHECK_INT(sv_stats_time_parse("2025-13-01T00:00:00Z", 20, &ms),
              SV_EFORMAT);
    CHECK_INT(sv_stats_time_parse("2025-11-01T24:00:00Z", 20, &ms),
              SV_EFORMAT);
    CHECK_INT(sv_stats_time_parse("2025-11-01T00:00:00Zx", 21, &ms),
              SV_EFORMAT);
    CHECK_INT(sv_stats_time_parse("nan", 3, &ms), SV_EFORMAT);
    CHECK_INT(sv_stats_time_parse("", 0, &ms), SV_EFORMAT);
}

static void
document(void)
{
    struct sv_stats_series s;
    char err[256];
    double v[4];

    CHECK_INT(parse(&s, "{\"series\":["
              "{\"t\":\"2025-11-01T01:00:00Z\",\"viewers\":5,\"bytes\":450},"
              "{\"t\":\"2025-11-01T00:00:00Z\",\"viewers\":3,\"bytes\":900,"
              "\"rebuffer\":null}],"
              "\"renditions\":[{\"id\":\"720p\",\"share\":0.25},"
              "{\"id\":\"1080p\",\"share\":0.75}]}", err), 0);
    CHECK_INT(s.n, 2);
    /* sorted by time */
    CHECK_INT(s.p[0].t_ms, T0);
    CHECK(s.p[0].v[SV_STATS_VIEWERS] == 3);
    CHECK(isnan(s.p[0].v[SV_STATS_REBUFFER]));
    CHECK_INT(s.nr, 2);
    CHECK_STR(s.id[1], "1080p");
    CHECK(s.share[1] == 0.75);
    CHECK(!s.has_pshare);
    CHECK_INT(sv_stats_series_step(&s), 3600000);
    /* bandwidth: bytes * 8 over the hour */
    CHECK_INT(sv_stats_series_metric(&s, SV_STATS_M_BANDWIDTH, v), 2);
    CHECK(fabs(v[0] - 2.0) < 1e-9);
    CHECK(fabs(v[1] - 1.0) < 1e-9);
    CHECK_INT(sv_stats_series_metric(&s, SV_STATS_M_QOE, v), 0);
    sv_stats_series_free(&s);
}

static void
json_lines(void)
{
    struct sv_stats_series s;
    char err[256];

    CHECK_INT(parse(&s, "{\"series\":[{\"t\":\"2025-11-01T00:00:00Z\","
              "\"viewers\":1}],\"renditions\":[{\"id\":\"a\",\"share\":0.4},"
              "{\"id\":\"b\",\"share\":0.6}]}\n\n"
              "{\"t\":1761958800,\"viewers\":2}\n"
              "{\"t\":\"2025-11-01T00:00:00Z\",\"viewers\":9}\n", err), 0);
    CHECK_INT(s.n, 2);
    /* the same time twice: the later line wins */
    CHECK(s.p[0].v[SV_STATS_VIEWERS] == 9);
    CHECK(s.p[1].v[SV_STATS_VIEWERS] == 2);
    /* a window's renditions are its points' shares */
    CHECK(s.has_pshare);
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "{\"t\":\"2025-11-01T00:00:00Z\"}\n{\"t\":\"x\"}\n",
                    err), SV_EFORMAT);
    CHECK_STR(err, "line 2: bad \"t\" 'x': expected ISO 8601 or seconds "
              "since the epoch");
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "{\"series\":[1]}", err), SV_EFORMAT);
    CHECK_STR(err, "a point is not an object");
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "{\n\"series\": [\n}", err), SV_EFORMAT);
    CHECK(strncmp(err, "line 3: ", 8) == 0);
    sv_stats_series_free(&s);
}

static void
csv(void)
{
    struct sv_stats_series s;
    char err[256];

    CHECK_INT(parse(&s, "2025-11-01T00:00:00Z,1\r\n"
              "2025-11-01T01:00:00Z, 2.5\n", err), 0);
    CHECK_INT(s.n, 2);
    CHECK(s.p[1].v[SV_STATS_VALUE] == 2.5);
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "time,bytes,viewers\n# note\n"
              "2025-11-01T00:00:00Z,,7\n", err), 0);
    CHECK(isnan(s.p[0].v[SV_STATS_BYTES]));
    CHECK(s.p[0].v[SV_STATS_VIEWERS] == 7);
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "t,viewers\n2025-11-01T00:00:00Z,1,2\n", err),
              SV_EFORMAT);
    CHECK_STR(err, "line 2: 3 columns, expected 2");
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "2025-11-01T00:00:00Z,inf\n", err), SV_EFORMAT);
    CHECK_STR(err, "line 1: column 2 is not a number");
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "  \n", err), SV_EFORMAT);
    CHECK_STR(err, "no data");
    sv_stats_series_free(&s);
    CHECK_INT(parse(&s, "t,viewers\n", err), SV_EFORMAT);
    CHECK_STR(err, "no points");
    sv_stats_series_free(&s);
}

/* bounds: renditions, and --follow's cap on points */
static void
bounds(void)
{
    struct sv_stats_series s;
    char err[256], line[128];
    int i;

    sv_stats_series_init(&s, 0);
    for (i = 0; i <= SV_STATS_MAX_RENDITIONS; i++) {
        snprintf(line, sizeof(line), "{\"t\":1761955200,\"renditions\":"
                 "[{\"id\":\"r%d\",\"share\":0.1}]}", i);
        if (sv_stats_series_line(&s, line, strlen(line), err, 256) < 0)
            break;
    }
    CHECK_INT(i, SV_STATS_MAX_RENDITIONS);
    CHECK_STR(err, "more than 32 renditions");
    sv_stats_series_free(&s);
    sv_stats_series_init(&s, 10);
    for (i = 0; i < 25; i++) {
        snprintf(line, sizeof(line), "{\"t\":%d,\"viewers\":%d,"
                 "\"renditions\":[{\"id\":\"a\",\"share\":0.5}]}",
                 1761955200 + 60 * i, i);
        CHECK_INT(sv_stats_series_line(&s, line, strlen(line), err, 256),
                  0);
    }
    sv_stats_series_finish(&s);
    CHECK_INT(s.n, 10);
    CHECK(s.p[0].v[SV_STATS_VIEWERS] == 15);
    CHECK(sv_stats_series_pshare(&s, 9, 0) == 0.5f);
    sv_stats_series_free(&s);
}

int
main(void)
{
    RUN(times);
    RUN(document);
    RUN(json_lines);
    RUN(csv);
    RUN(bounds);
    return DONE();
}
