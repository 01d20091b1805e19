/* ytquota_test.c -- lib/publish/ytquota.c: the Pacific day and its end,
 * the cost settings, the state file across runs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "publish/ytquota.h"
#include "t.h"

static char dir[] = "/tmp/sv-ytquota-XXXXXX";
static char path[256];

/* seconds since the epoch of a UTC time */
static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = { 0 };

    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm);
}

static void
the_day_turns_at_pacific_midnight_in_winter_and_summer(void)
{
    char day[11];
    int64_t left;

    /* PST, UTC-8 */
    sv_ytq_day(utc(2026, 12, 3, 7, 59, 59), day, &left);
    CHECK_STR(day, "2026-12-02");
    CHECK_INT(left, 1);
    sv_ytq_day(utc(2026, 12, 3, 8, 0, 0), day, &left);
    CHECK_STR(day, "2026-12-03");
    CHECK_INT(left, 86400);
    sv_ytq_day(utc(2026, 12, 3, 12, 0, 0), day, &left);
    CHECK_INT(left, 20 * 3600);
    /* PDT, UTC-7 */
    sv_ytq_day(utc(2026, 7, 1, 6, 59, 59), day, &left);
    CHECK_STR(day, "2026-06-30");
    sv_ytq_day(utc(2026, 7, 1, 7, 0, 0), day, &left);
    CHECK_STR(day, "2026-07-01");
    /* new year's eve in California is already the next year in UTC */
    sv_ytq_day(utc(2027, 1, 1, 7, 0, 0), day, &left);
    CHECK_STR(day, "2026-12-31");
    CHECK_INT(left, 3600);
}

static void
the_days_of_a_change_of_clocks_are_23_and_25_hours(void)
{
    char day[11];
    int64_t left;

    /* 2026-03-08, the second Sunday of March: 00:00 PST is 08:00 UTC,
     * the next midnight is PDT, 07:00 UTC on the 9th */
    sv_ytq_day(utc(2026, 3, 8, 8, 0, 0), day, &left);
    CHECK_STR(day, "2026-03-08");
    CHECK_INT(left, 23 * 3600);
    sv_ytq_day(utc(2026, 3, 8, 9, 59, 59), day, &left);
    CHECK_STR(day, "2026-03-08");
    /* 2026-11-01, the first Sunday of November: 00:00 PDT is 07:00 UTC,
     * the next midnight is PST, 08:00 UTC on the 2nd */
    sv_ytq_day(utc(2026, 11, 1, 7, 0, 0), day, &left);
    CHECK_STR(day, "2026-11-01");
    CHECK_INT(left, 25 * 3600);
    sv_ytq_day(utc(2026, 11, 1, 6, 59, 59), day, &left);
    CHECK_STR(day, "2026-10-31");
}

static void
costs_come_from_set_with_the_documented_defaults(void)
{
    const char *sets[] = { "youtube.cost.videos.insert=1600",
                           "youtube.quota_uploads=0", "vimeo.quota=3",
                           "youtube.project=p1" };
    const char *bad[] = { "youtube.cost.videos.rate=1" };
    struct sv_plat_conf c = { 0 };
    struct sv_ytq_costs k;
    char err[256];

    CHECK_INT(sv_ytq_costs(&c, &k, err, sizeof(err)), 0);
    CHECK_INT(k.units, 10000);
    CHECK_INT(k.uploads, 100);
    CHECK_INT(k.cost[SV_YTQ_INSERT], 1);
    CHECK_INT(k.cost[SV_YTQ_LIST], 1);
    CHECK_INT(k.cost[SV_YTQ_THUMB], 50);
    CHECK_STR(k.project, "");
    c.sets = sets;
    c.nsets = 4;
    CHECK_INT(sv_ytq_costs(&c, &k, err, sizeof(err)), 0);
    CHECK_INT(k.cost[SV_YTQ_INSERT], 1600);
    CHECK_INT(k.uploads, 0);
    CHECK_INT(k.units, 10000);
    CHECK_STR(k.project, "p1");
    c.sets = bad;
    c.nsets = 1;
    CHECK_INT(sv_ytq_costs(&c, &k, err, sizeof(err)), SV_EUSAGE);
    CHECK(strstr(err, "no cost for 'videos.rate'") != NULL);
}

static void
the_state_file_adds_up_and_refuses_what_would_overdraw(void)
{
    struct sv_ytq_costs k = { 0 };
    struct stat st;
    char err[512];
    FILE *f;

    k.units = 100;
    k.uploads = 2;
    snprintf(k.project, sizeof(k.project), "proj");
    CHECK_INT(sv_ytq_account(path, &k, 60, 1, 0, err, sizeof(err)), 0);
    CHECK_INT(sv_ytq_account(path, &k, 60, 1, 1, err, sizeof(err)), 0);
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(sv_ytq_account(path, &k, 40, 1, 0, err, sizeof(err)), 0);
    CHECK_INT(sv_ytq_account(path, &k, 41, 0, 0, err, sizeof(err)),
              SV_EQUOTA);
    CHECK(strstr(err, "project 'proj' has 40 of 100 units left today "
                 "(this needs 41)") != NULL);
    CHECK_INT(sv_ytq_account(path, &k, 0, 1, 1, err, sizeof(err)), 0);
    CHECK_INT(sv_ytq_account(path, &k, 0, 1, 0, err, sizeof(err)),
              SV_EQUOTA);
    /* a damaged file is nothing spent, and is written again */
    f = fopen(path, "w");
    fputs("{\"proj\": [", f);
    fclose(f);
    CHECK_INT(sv_ytq_account(path, &k, 100, 2, 0, err, sizeof(err)), 0);
    CHECK_INT(sv_ytq_account(path, &k, 1, 0, 1, err, sizeof(err)), 0);
    CHECK_INT(sv_ytq_account(path, &k, 100, 0, 0, err, sizeof(err)),
              SV_EQUOTA);
}

static void
parse_takes_only_the_day_asked_for(void)
{
    static const char t[] = "{\"a\":{\"day\":\"2026-12-03\",\"units\":7,"
        "\"uploads\":2},\"b\":{\"day\":\"2026-12-02\",\"units\":9},"
        "\"c\":{\"day\":\"2026-12-03\",\"units\":-5}}";
    int64_t u, n;

    CHECK_INT(sv_ytq_parse(t, strlen(t), "a", "2026-12-03", &u, &n), 0);
    CHECK_INT(u, 7);
    CHECK_INT(n, 2);
    CHECK_INT(sv_ytq_parse(t, strlen(t), "b", "2026-12-03", &u, &n), 0);
    CHECK_INT(u, 0);
    CHECK_INT(sv_ytq_parse(t, strlen(t), "c", "2026-12-03", &u, &n), 0);
    CHECK_INT(u, 0);
    CHECK_INT(sv_ytq_parse("[]", 2, "a", "2026-12-03", &u, &n), SV_EFORMAT);
    CHECK_INT(sv_ytq_parse("", 0, "a", "2026-12-03", &u, &n), 0);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/youtube-quota.json", dir);
    RUN(the_day_turns_at_pacific_midnight_in_winter_and_summer);
    RUN(the_days_of_a_change_of_clocks_are_23_and_25_hours);
    RUN(costs_come_from_set_with_the_documented_defaults);
    RUN(the_state_file_adds_up_and_refuses_what_would_overdraw);
    RUN(parse_takes_only_the_day_asked_for);
    unlink(path);
    rmdir(dir);
    return DONE();
}
