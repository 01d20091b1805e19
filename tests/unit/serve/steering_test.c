/* steering_test.c -- lib/serve/steering.c: policy, order per client,
 * manifest */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "serve/steering.h"
#include "t.h"

static struct sv_steer_policy *
parse(const char *text, char *err, size_t size)
{
    struct sv_steer_policy *p = NULL;

    if (sv_steer_parse(text, strlen(text), "p.json", &p, err, size) < 0)
        return NULL;
    return p;
}

static void
refuses_what_it_cannot_follow(void)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        { "[]", "'p.json': not a JSON object" },
        { "{\"pathways\":[]}", "'p.json': pathways is not a list of at "
          "least one" },
        { "{\"pathways\":[{\"id\":\"a\",\"wieght\":2}]}",
          "'p.json': unknown key 'wieght' in a pathway" },
        { "{\"pathways\":[{\"id\":\"a b\"}]}", "'p.json': a pathway needs "
          "an id of 1 to 32 of 0-9 a-z A-Z . - _" },
        { "{\"pathways\":[{\"id\":\"a\"},{\"id\":\"a\"}]}",
          "'p.json': pathway 'a' is named twice" },
        { "{\"pathways\":[{\"id\":\"a\",\"weight\":1001}]}",
          "'p.json': pathway 'a': weight is not 0 to 1000" },
        { "{\"pathways\":[{\"id\":\"a\",\"health\":\"ftp://x\"}]}",
          "'p.json': pathway 'a': health is not an http(s) URL" },
        { "{\"ttl\":0,\"pathways\":[{\"id\":\"a\"}]}",
          "'p.json': ttl is not 1 to 86400 seconds" },
        { "{\"pathways\":[{\"id\":\"a\"}],\"countries\":{\"de\":[\"a\"]}}",
          "'p.json': country 'de' is not two capital letters" },
        { "{\"pathways\":[{\"id\":\"a\"}],\"countries\":{\"DE\":[\"b\"]}}",
          "'p.json': country DE: 'b' is not a pathway" },
        { "{\"pathways\":[{\"id\":\"a\"}],\"clones\":[{\"id\":\"c\","
          "\"base\":\"z\",\"host\":\"h\"}]}",
          "'p.json': clone 'c': base is not one of the pathways" },
        { "{\"pathways\":[{\"id\":\"a\"}],\"clones\":[{\"id\":\"c\","
          "\"base\":\"a\",\"host\":\"h/x\"}]}",
          "'p.json': clone 'c': host is not a host name" },
    };
    char err[256];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK(parse(bad[i].text, err, sizeof(err)) == NULL);
        CHECK_STR(err, bad[i].msg);
    }
}

static void
weights_share_the_viewers(void)
{
    char err[256], who[32];
    struct sv_steer_policy *p;
    int order[SV_STEER_MAX], first_a = 0, n, i, k;

    p = parse("{\"pathways\":[{\"id\":\"a\",\"weight\":3},"
              "{\"id\":\"b\",\"weight\":1}]}", err, sizeof(err));
    CHECK(p != NULL);
    for (i = 0; i < 4000; i++) {
        k = snprintf(who, sizeof(who), "10.0.%d.%d", i / 256, i % 256);
        n = sv_steer_order(p, NULL, sv_steer_hash(who, (size_t)k), 0, order);
        CHECK_INT(n, 2);
        first_a += order[0] == 0;
    }
    /* 3:1, within a few percent of 3000 */
    CHECK(first_a > 2850 && first_a < 3150);
    /* the same viewer gets the same order */
    n = sv_steer_order(p, NULL, 42, 0, order);
    k = order[0];
    CHECK_INT(sv_steer_order(p, NULL, 42, 0, order), n);
    CHECK_INT(order[0], k);
    sv_steer_free(p);
}

static void
down_pathways_are_left_out_unless_all_are(void)
{
    char err[256];
    struct sv_steer_policy *p;
    int order[SV_STEER_MAX];

    p = parse("{\"pathways\":[{\"id\":\"a\",\"down\":true},{\"id\":\"b\"},"
              "{\"id\":\"c\"}]}", err, sizeof(err));
    CHECK(p != NULL);
    CHECK_INT(sv_steer_order(p, NULL, 7, 0, order), 2);
    CHECK(order[0] != 0 && order[1] != 0);
    /* b fails its health check */
    CHECK_INT(sv_steer_order(p, NULL, 7, 1u << 1, order), 1);
    CHECK_INT(order[0], 2);
    /* all down: all of them, better than nothing */
    CHECK_INT(sv_steer_order(p, NULL, 7, 6, order), 3);
    sv_steer_free(p);
}

static void
a_country_list_comes_first(void)
{
    char err[256];
    struct sv_steer_policy *p;
    int order[SV_STEER_MAX];

    p = parse("{\"pathways\":[{\"id\":\"a\",\"weight\":1000},{\"id\":\"b\","
              "\"weight\":1},{\"id\":\"c\",\"weight\":0}],"
              "\"countries\":{\"DE\":[\"c\",\"b\"]}}", err, sizeof(err));
    CHECK(p != NULL);
    CHECK_INT(sv_steer_order(p, "DE", 1, 0, order), 3);
    CHECK_INT(order[0], 2);
    CHECK_INT(order[1], 1);
    CHECK_INT(order[2], 0);
    /* weight 0: never first elsewhere */
    CHECK_INT(sv_steer_order(p, "FR", 1, 0, order), 3);
    CHECK_INT(order[2], 2);
    sv_steer_free(p);
}

static void
the_manifest_names_the_order_for_both_players(void)
{
    char err[256], *text;
    struct sv_steer_policy *p;
    int order[] = { 1, 0, 2 };
    json_t *m;

    p = parse("{\"ttl\":7,\"pathways\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
              "\"clones\":[{\"id\":\"c\",\"base\":\"a\",\"host\":"
              "\"c.example\"}]}", err, sizeof(err));
    CHECK(p != NULL);
    m = sv_steer_manifest(p, order, 3);
    CHECK(m != NULL);
    text = json_dumps(m, JSON_COMPACT);
    CHECK_STR(text, "{\"VERSION\":1,\"TTL\":7,\"PATHWAY-PRIORITY\":[\"b\","
              "\"a\",\"c\"],\"SERVICE-LOCATION-PRIORITY\":[\"b\",\"a\","
              "\"c\"],\"PATHWAY-CLONES\":[{\"BASE-ID\":\"a\",\"ID\":\"c\","
              "\"URI-REPLACEMENT\":{\"HOST\":\"c.example\"}}]}");
    free(text);
    json_decref(m);
    sv_steer_free(p);
}

int
main(void)
{
    RUN(refuses_what_it_cannot_follow);
    RUN(weights_share_the_viewers);
    RUN(down_pathways_are_left_out_unless_all_are);
    RUN(a_country_list_comes_first);
    RUN(the_manifest_names_the_order_for_both_players);
    return DONE();
}
