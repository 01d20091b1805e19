/* opt_test.c -- lib/core/opt.c */
#include <stdint.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/opt.h"
#include "t.h"

static struct {
    const char *out;
    int64_t len_us;
    int ms;
    int64_t size;
    int n;
    int64_t big;
    int flag;
    int choice;
    const char *word;
    const char *list[3];
    int nlist;
    int cb_calls;
} a;

static int
odd(const struct sv_opt *o, const char *arg)
{
    a.cb_calls++;
    if (strcmp(arg, "even") == 0)
        return sv_opt_usage_error("bad --%s", o->name);
    *(int *)o->dest = 7;
    return 0;
}

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Output"),
    { SV_OPT_STRING("output", 'o', "<dir>", "where to write", NULL, &a.out),
      .complete = "@dir" },
    { SV_OPT_DURATION("segment-length", 0, "segment length", "4s", 1,
                      INT64_MAX, &a.len_us), .cmds = "pack" },
    { SV_OPT_DURATION("timeout", 0, "timeout", "1500us", 0, INT64_MAX,
                      &a.ms), .flags = SV_OPT_MS },
    { SV_OPT_SIZE("queue", 0, "queue", "8M", 64 << 10, INT64_MAX, &a.size) },
    { SV_OPT_INT("count", 'n', "<n>", "count", "3", -1, 10, &a.n) },
    { SV_OPT_INT("big", 0, "<n>", "big", NULL, 0, INT64_MAX, &a.big) },
    { SV_OPT_FLAG("flag", 'F', "a flag", &a.flag) },
    { SV_OPT_CHOICE("mode", 0, "<mode>", "mode", "b", "a b c", &a.choice) },
    { SV_OPT_WORD("fmt", 0, "<fmt>", "format", NULL, "ts mp4", &a.word) },
    { SV_OPT_LIST("item", 'i', "<x>", "items", a.list, &a.nlist, 2),
      .def = "dflt" },
    { SV_OPT_CALLBACK("odd", 0, "<x>", "odd", NULL, odd, &a.n) },
    SV_OPT_END,
};

static const char *const usage[] = { "<input> [options]", NULL };

static const struct sv_subcmd cmds[] = {
    { "pack", "<in>", "pack it" },
    { "other", "", "something else" },
    { NULL, NULL, NULL },
};

static const struct sv_tool tool = { "sv-t", "test tool", usage, NULL, rows };
static const struct sv_tool tool2 = { "sv-t", "test tool", usage, cmds, rows };

static void
reset(void)
{
    memset(&a, 0, sizeof(a));
}

static void
sets_defaults(void)
{
    char *argv[] = { "sv-t", NULL };
    struct sv_opt_result r;

    reset();
    CHECK_INT(sv_opt_parse(&tool, 1, argv, &r), 0);
    CHECK_INT(a.len_us, 4000000);
    CHECK_INT(a.ms, 2);             /* rounded up */
    CHECK_INT(a.size, 8 << 20);
    CHECK_INT(a.n, 3);
    CHECK_INT(a.choice, 1);
    CHECK(a.out == NULL && a.word == NULL && a.flag == 0);
    CHECK_INT(a.nlist, 1);
    CHECK_STR(a.list[0], "dflt");
    CHECK_INT(sv_opt_given(&r, "count"), 0);
}

static void
parses_permuted(void)
{
    char *argv[] = { "sv-t", "in.ts", "-o", "dir", "--segment-length=2s",
                     "-v", "-n", "-1", "--mode", "c", "--fmt=mp4", "-F",
                     "-i", "x", "--item", "y", "--queue", "1M",
                     "--big", "9000000000", NULL };
    struct sv_opt_result r;

    reset();
    CHECK_INT(sv_opt_parse(&tool, 20, argv, &r), 0);
    CHECK_STR(a.out, "dir");
    CHECK_INT(a.len_us, 2000000);
    CHECK_INT(a.n, -1);
    CHECK_INT(a.choice, 2);
    CHECK_STR(a.word, "mp4");
    CHECK_INT(a.flag, 1);
    CHECK_INT(a.nlist, 2);
    CHECK_STR(a.list[0], "x");
    CHECK_STR(a.list[1], "y");
    CHECK_INT(a.size, 1 << 20);
    CHECK_INT(a.big, 9000000000LL);
    CHECK_INT(r.argc, 1);
    CHECK_STR(r.argv[0], "in.ts");
    CHECK_INT(sv_opt_given(&r, "count"), 1);
    CHECK_INT(sv_opt_given(&r, "item"), 2);
    CHECK_INT(sv_opt_given(&r, "nope"), 0);
    CHECK_INT(sv_log_level(), SV_LOG_DEBUG);
}

static void
callbacks(void)
{
    char *ok[] = { "sv-t", "--odd", "1", NULL };
    char *bad[] = { "sv-t", "--odd", "even", NULL };
    struct sv_opt_result r;

    reset();
    CHECK_INT(sv_opt_parse(&tool, 3, ok, &r), 0);
    CHECK_INT(a.n, 7);
    CHECK_INT(a.cb_calls, 1);
    CHECK_INT(sv_opt_parse(&tool, 3, bad, &r), SV_EUSAGE);
}

/* every bad value is SV_EUSAGE and leaves the default in place */
static void
rejects_bad(void)
{
    char *bad[][4] = {
        { "sv-t", "--nope", NULL },
        { "sv-t", "-o", NULL },
        { "sv-t", "-q", "-v", NULL },
        { "sv-t", "-n", "11", NULL },
        { "sv-t", "-n", "x", NULL },
        { "sv-t", "--queue", "1K", NULL },
        { "sv-t", "--queue", "8Q", NULL },
        { "sv-t", "--timeout", "5", NULL },  /* no unit after parts: ok */
        { "sv-t", "--mode", "d", NULL },
        { "sv-t", "--fmt", "avi", NULL },
        { "sv-t", "-i", "1", NULL },
    };
    char *three[] = { "sv-t", "-i", "1", "-i", "2", "-i", "3", NULL };
    char *a4[] = { "sv-t", "other", "--segment-length", "1s", NULL };
    char *a5[] = { "sv-t", "bogus", NULL };
    char *a6[] = { "sv-t", NULL };
    struct sv_opt_result r;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int n = 0;

        while (bad[i][n] != NULL)
            n++;
        reset();
        /* "--timeout 5" is valid: the row of a valid value */
        CHECK_INT(sv_opt_parse(&tool, n, bad[i], &r),
                  i == 7 || i == 10 ? 0 : SV_EUSAGE);
    }
    reset();
    CHECK_INT(sv_opt_parse(&tool, 7, three, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool2, 4, a4, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool2, 2, a5, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool2, 1, a6, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_conflict(1, "a", 0, "b"), 0);
    CHECK_INT(sv_opt_conflict(1, "a", 1, "b"), SV_EUSAGE);
}

static void
subcommands(void)
{
    char *argv[] = { "sv-t", "pack", "--segment-length", "1s", "x", NULL };
    struct sv_opt_result r;

    reset();
    CHECK_INT(sv_opt_parse(&tool2, 5, argv, &r), 0);
    CHECK_STR(r.cmd, "pack");
    CHECK_INT(a.len_us, 1000000);
    CHECK_INT(r.argc, 1);
    CHECK_STR(r.argv[0], "x");
}

int
main(void)
{
    sv_log_init("sv-t");
    fclose(stderr);     /* usage messages are expected here */
    RUN(sets_defaults);
    RUN(parses_permuted);
    RUN(callbacks);
    RUN(rejects_bad);
    RUN(subcommands);
    return DONE();
}
