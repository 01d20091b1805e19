/* ladder_test.c -- lib/media/ladder.c: specs, presets, fitting to sources */
#include "core/err.h"
#include "media/ladder.h"
#include "t.h"

static char err[256];

static void
parses_rungs_in_order(void)
{
    struct sv_ladder l;

    CHECK_INT(sv_ladder_parse("1080p:5000k,720p:2800k,1280x540:2M", &l, err,
                              sizeof(err)), 0);
    CHECK_INT(l.n, 3);
    CHECK_INT(l.preset, 0);
    CHECK_INT(l.r[0].req_h, 1080);
    CHECK_INT(l.r[0].req_w, 0);
    CHECK_INT(l.r[0].bitrate, 5000000);
    CHECK_INT(l.r[1].req_h, 720);
    CHECK_INT(l.r[1].bitrate, 2800000);
    CHECK_INT(l.r[2].req_w, 1280);
    CHECK_INT(l.r[2].req_h, 540);
    CHECK_INT(l.r[2].bitrate, 2000000);
}

static void
presets_are_ladders(void)
{
    struct sv_ladder l;
    int i;

    for (i = 0; sv_ladder_presets[i] != NULL; i++) {
        CHECK_INT(sv_ladder_parse(sv_ladder_presets[i], &l, err,
                                  sizeof(err)), 0);
        CHECK_INT(l.preset, 1);
        CHECK(l.n >= 2);
    }
    CHECK_INT(sv_ladder_parse("default", &l, err, sizeof(err)), 0);
    CHECK_INT(l.n, 4);
    CHECK_INT(l.r[0].req_h, 1080);
    CHECK_INT(l.r[3].req_h, 360);
    CHECK(sv_ladder_preset_spec("nope") == NULL);
}

static void
rejects_bad_specs(void)
{
    static const char *const bad[] = {
        "", ",", "720p", "720p:", "720:2800k", "p:100k", "720p:0",
        "720p:10", "720p:2800k,", "720p:2800k,720p:2800k", "8p:100k",
        "9000p:100k", "x720:1M", "1280x:1M", "1280x720x2:1M", "720p:1G",
        "720p:-5k", "0x0:1M", "720P:1M",
        "1p:1M,2p:1M,3p:1M,4p:1M,5p:1M,6p:1M,7p:1M,8p:1M,9p:1M",
        "16p:20k,17p:20k,18p:20k,19p:20k,20p:20k,21p:20k,22p:20k,23p:20k,"
        "24p:20k",
    };
    struct sv_ladder l;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (sv_ladder_parse(bad[i], &l, err, sizeof(err)) != SV_EUSAGE)
            printf("#   accepted '%s'\n", bad[i]), t_failed_++;
        CHECK(err[0] != '\0');
    }
    sv_ladder_parse("720p", &l, err, sizeof(err));
    CHECK_STR(err, "rung '720p' has no bitrate (want 720p:2800k)");
    sv_ladder_parse("720p:2800k,720p:2800k", &l, err, sizeof(err));
    CHECK_STR(err, "two rungs of the same size and bitrate");
}

static void
one_size_twice_is_named_apart(void)
{
    struct sv_ladder l;

    /* two bitrates of one size: the dearer keeps the plain name */
    CHECK_INT(sv_ladder_parse("360p:400k,720p:2800k,360p:900k", &l, err,
                              sizeof(err)), 0);
    CHECK_INT(sv_ladder_fit(&l, 1920, 1080, err, sizeof(err)), 0);
    CHECK_INT(l.n, 3);
    CHECK_STR(l.r[0].name, "360p-400k");
    CHECK_STR(l.r[1].name, "720p");
    CHECK_STR(l.r[2].name, "360p");
    CHECK_INT(l.r[0].width, 640);
    CHECK_INT(l.r[2].width, 640);
    /* portrait: named by the short side all the same */
    CHECK_INT(sv_ladder_parse("360p:900k,360p:400k", &l, err, sizeof(err)),
              0);
    CHECK_INT(sv_ladder_fit(&l, 1080, 1920, err, sizeof(err)), 0);
    CHECK_STR(l.r[0].name, "360p");
    CHECK_STR(l.r[1].name, "360p-400k");
    CHECK_INT(l.r[1].width, 360);
    CHECK_INT(l.r[1].height, 640);
    /* a box and a height that end at one size and one bitrate */
    CHECK_INT(sv_ladder_parse("1280x720:2M,720p:2M", &l, err, sizeof(err)),
              0);
    CHECK_INT(sv_ladder_fit(&l, 1920, 1080, err, sizeof(err)), SV_ELADDER);
    CHECK_STR(err, "rungs 720p and 720p end at the same size 1280x720 and "
              "bitrate");
}

static struct sv_ladder
fit(const char *spec, int w, int h, int want)
{
    struct sv_ladder l;

    CHECK_INT(sv_ladder_parse(spec, &l, err, sizeof(err)), 0);
    CHECK_INT(sv_ladder_fit(&l, w, h, err, sizeof(err)), want);
    return l;
}

static void
keeps_aspect_and_even_sizes(void)
{
    struct sv_ladder l = fit("default", 1920, 1080, 0);

    CHECK_INT(l.n, 4);
    CHECK_INT(l.r[0].width, 1920);
    CHECK_INT(l.r[0].height, 1080);
    CHECK_INT(l.r[1].width, 1280);
    CHECK_INT(l.r[2].width, 854);
    CHECK_INT(l.r[2].height, 480);
    CHECK_INT(l.r[3].width, 640);
    CHECK_STR(l.r[3].name, "360p");
    /* 2.39:1 scope */
    l = fit("720p:2M", 1920, 804, 0);
    CHECK_INT(l.r[0].height, 720);
    CHECK_INT(l.r[0].width, 1720);
    /* 4:3 */
    l = fit("480p:1M", 1440, 1080, 0);
    CHECK_INT(l.r[0].width, 640);
    CHECK_INT(l.r[0].height, 480);
    /* a box: fitted inside it */
    l = fit("1280x720:2M", 1440, 1080, 0);
    CHECK_INT(l.r[0].width, 960);
    CHECK_INT(l.r[0].height, 720);
    l = fit("640x720:2M", 1920, 1080, 0);
    CHECK_INT(l.r[0].width, 640);
    CHECK_INT(l.r[0].height, 360);
}

static void
never_upscales(void)
{
    struct sv_ladder l = fit("default", 1280, 720, 0);

    CHECK_INT(l.n, 3);
    CHECK_INT(l.r[0].height, 720);
    CHECK_INT(l.r[0].bitrate, 2800000);
    /* hand-made ladder with nothing small enough: an error */
    l = fit("1080p:5M,720p:3M", 640, 360, SV_ELADDER);
    CHECK_STR(err, "no rung fits a 640x360 source without upscaling");
    /* a preset keeps its smallest rung at the source size */
    l = fit("live", 320, 180, 0);
    CHECK_INT(l.n, 1);
    CHECK_INT(l.r[0].width, 320);
    CHECK_INT(l.r[0].height, 180);
    CHECK_INT(l.r[0].bitrate, 700000);
}

static void
odd_sources_round_down_to_even(void)
{
    struct sv_ladder l = fit("default", 321, 241, 0);

    CHECK_INT(l.n, 1);
    CHECK_INT(l.r[0].width, 320);
    CHECK_INT(l.r[0].height, 240);
    l = fit("240p:300k", 321, 241, 0);
    CHECK_INT(l.r[0].width, 320);
    CHECK_INT(l.r[0].height, 240);
    l = fit("120p:100k", 333, 241, 0);
    CHECK_INT(l.r[0].width % 2, 0);
    CHECK_INT(l.r[0].height, 120);
}

static void
portrait_sources_get_turned_rungs(void)
{
    struct sv_ladder l = fit("default", 1080, 1920, 0);

    CHECK_INT(l.n, 4);
    CHECK_INT(l.r[0].width, 1080);
    CHECK_INT(l.r[0].height, 1920);
    CHECK_STR(l.r[0].name, "1080p");
    CHECK_INT(l.r[3].width, 360);
    CHECK_INT(l.r[3].height, 640);
    CHECK_STR(l.r[3].name, "360p");
}

static void
rejects_sizes_that_collapse(void)
{
    struct sv_ladder l = fit("1280x720:2M,1000x720:1M", 640, 720, SV_ELADDER);

    CHECK_INT(l.n, 2);
    /* a box and a height that end at one size: two rungs of it, apart */
    l = fit("1280x720:2M,720p:1M", 1920, 1080, 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.r[0].name, "720p");
    CHECK_STR(l.r[1].name, "720p-1000k");
    fit("720p:1M", 1, 1, SV_ELADDER);
}

int
main(void)
{
    RUN(parses_rungs_in_order);
    RUN(presets_are_ladders);
    RUN(rejects_bad_specs);
    RUN(one_size_twice_is_named_apart);
    RUN(keeps_aspect_and_even_sizes);
    RUN(never_upscales);
    RUN(odd_sources_round_down_to_even);
    RUN(portrait_sources_get_turned_rungs);
    RUN(rejects_sizes_that_collapse);
    return DONE();
}
