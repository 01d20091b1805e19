/* qoe_test.c -- lib/stats/qoe.c, hll.c and logline.c's time parsers */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "stats/hll.h"
#include "stats/logline.h"
#include "stats/qoe.h"
#include "t.h"

static int
near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void
score_formula(void)
{
    struct sv_qoe_in in = { 0 };
    struct sv_qoe q;

    /* perfect: known startup of 0, no stalls, top bitrate, no switch */
    in.startup_ms = 0;
    in.played_ms = 60000;
    in.bitrate_kbps = 3000;
    in.top_kbps = 3000;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 100));
    CHECK(near(q.rebuffer_ratio, 0));
    /* each term alone: S 5 s (0.5), R 5% (0.25 of 0.4), Q half, W 2/min */
    in.startup_ms = 5000;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 100 * (1 - 0.25 * 0.5)));
    in.startup_ms = 0;
    in.played_ms = 57000;
    in.rebuffer_ms = 3000;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.rebuffer_ratio, 0.05));
    CHECK(near(q.score, 100 * (1 - 0.40 * 0.25)));
    in.played_ms = 60000;
    in.rebuffer_ms = 0;
    in.bitrate_kbps = 1500;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 100 * (1 - 0.25 * 0.5)));
    in.bitrate_kbps = 3000;
    in.switches = 2;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 100 * (1 - 0.10 * 0.5)));
    /* every term saturates at 1: the worst playing session scores 0 */
    in.startup_ms = 60000;
    in.rebuffer_ms = 60000;
    in.bitrate_kbps = 0;
    in.switches = 100;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 0));
    /* unknowns count as no penalty; a failure is 0 whatever the rest */
    in = (struct sv_qoe_in){ .startup_ms = -1, .bitrate_kbps = -1,
                             .played_ms = 1000 };
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 100));
    in.failed = 1;
    sv_qoe_compute(&in, &q);
    CHECK(near(q.score, 0));
}

static void
hll_error(void)
{
    struct sv_hll h;
    char key[32];
    double est;
    int i, n;

    CHECK_INT(sv_hll_init(&h, 3), SV_EUSAGE);
    CHECK_INT(sv_hll_init(&h, 14), 0);
    CHECK(near(sv_hll_error(&h), 1.04 / 128));
    CHECK(sv_hll_count(&h) == 0);
    for (n = 1000; n <= 1000000; n *= 10) {
        sv_hll_reset(&h);
        for (i = 0; i < n; i++) {
            snprintf(key, sizeof(key), "viewer-%d", i);
            sv_hll_add(&h, key, strlen(key));
            sv_hll_add(&h, key, strlen(key));     /* twice: once counted */
        }
        est = sv_hll_count(&h);
        CHECK(fabs(est - n) <= 3 * sv_hll_error(&h) * n);
    }
    sv_hll_release(&h);
}

static void
times(void)
{
    int64_t ms;

    CHECK_INT(sv_logline_time_iso("2026-12-02T12:38:55.123Z", 24, &ms), 0);
    CHECK(ms == 1796215135123LL);
    CHECK_INT(sv_logline_time_iso("2026-12-02T13:38:55+01:00", 25, &ms), 0);
    CHECK(ms == 1796215135000LL);
    CHECK_INT(sv_logline_time_clf("02/Dec/2026:04:38:55 -0800", 26, &ms), 0);
    CHECK(ms == 1796215135000LL);
    CHECK_INT(sv_logline_time_iso("2026-13-02T12:38:55Z", 20, &ms),
              SV_EFORMAT);
    CHECK_INT(sv_logline_time_iso("2026-12-02T12:38:55", 19, &ms),
              SV_EFORMAT);
    CHECK_INT(sv_logline_time_clf("02/Dez/2026:04:38:55 -0800", 26, &ms),
              SV_EFORMAT);
}

int
main(void)
{
    RUN(score_formula);
    RUN(hll_error);
    RUN(times);
    return DONE();
}
