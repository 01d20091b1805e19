/* opt_test.c -- lib/core/opt.c */
#include "core/err.h"
#include "core/log.h"
#include "core/opt.h"
#include "t.h"

enum { K_LEN = 256 };

static const struct sv_opt rows[] = {
    { NULL, 0, NULL, "Output", NULL, NULL, NULL, 0 },
    { "output", 'o', "<dir>", "where to write", NULL, "@dir", NULL, 0 },
    { "segment-length", K_LEN, "<dur>", "segment length", "4s", NULL,
      "pack", 0 },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
};

static const char *const usage[] = { "<input> [options]", NULL };

static const struct sv_subcmd cmds[] = {
    { "pack", "<in>", "pack it" },
    { "other", "", "something else" },
    { NULL, NULL, NULL },
};

static const struct sv_tool tool = { "sv-t", "test tool", usage, NULL, rows };
static const struct sv_tool tool2 = { "sv-t", "test tool", usage, cmds, rows };

struct seen {
    char out[64];
    char len[64];
    int n;
};

static int
cb(void *ud, int key, const char *arg)
{
    struct seen *s = ud;

    s->n++;
    if (key == 'o')
        snprintf(s->out, sizeof(s->out), "%s", arg);
    else if (key == K_LEN)
        snprintf(s->len, sizeof(s->len), "%s", arg);
    return 0;
}

static void
parses_permuted(void)
{
    char *argv[] = { "sv-t", "in.ts", "-o", "dir", "--segment-length=2s",
                     "-v", NULL };
    struct sv_opt_result r;
    struct seen s = { "", "", 0 };

    CHECK_INT(sv_opt_parse(&tool, 6, argv, cb, &s, &r), 0);
    CHECK_STR(s.out, "dir");
    CHECK_STR(s.len, "2s");
    CHECK_INT(r.argc, 1);
    CHECK_STR(r.argv[0], "in.ts");
    CHECK_INT(sv_log_level(), SV_LOG_DEBUG);
}

static void
rejects_bad(void)
{
    char *a1[] = { "sv-t", "--nope", NULL };
    char *a2[] = { "sv-t", "-o", NULL };
    char *a3[] = { "sv-t", "-q", "-v", NULL };
    char *a4[] = { "sv-t", "other", "--segment-length", "1s", NULL };
    char *a5[] = { "sv-t", "bogus", NULL };
    char *a6[] = { "sv-t", NULL };
    struct sv_opt_result r;
    struct seen s = { "", "", 0 };

    CHECK_INT(sv_opt_parse(&tool, 2, a1, cb, &s, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool, 2, a2, cb, &s, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool, 3, a3, cb, &s, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool2, 4, a4, cb, &s, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool2, 2, a5, cb, &s, &r), SV_EUSAGE);
    CHECK_INT(sv_opt_parse(&tool2, 1, a6, cb, &s, &r), SV_EUSAGE);
}

static void
subcommands(void)
{
    char *argv[] = { "sv-t", "pack", "--segment-length", "1s", "x", NULL };
    struct sv_opt_result r;
    struct seen s = { "", "", 0 };

    CHECK_INT(sv_opt_parse(&tool2, 5, argv, cb, &s, &r), 0);
    CHECK_STR(r.cmd, "pack");
    CHECK_STR(s.len, "1s");
    CHECK_INT(r.argc, 1);
    CHECK_STR(r.argv[0], "x");
}

int
main(void)
{
    sv_log_init("sv-t");
    fclose(stderr);     /* usage messages are expected here */
    RUN(parses_permuted);
    RUN(rejects_bad);
    RUN(subcommands);
    return DONE();
}
