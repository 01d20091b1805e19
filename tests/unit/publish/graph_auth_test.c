/* graph_auth_test.c -- lib/publish/graph_auth.c: which Page of
 * /me/accounts sv-publish auth facebook takes */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "publish/platform_int.h"
#include "t.h"

static const char two[] = "{\"data\":[{\"id\":\"11\",\"name\":\"A\","
    "\"access_token\":\"ta\",\"tasks\":[\"ANALYZE\",\"CREATE_CONTENT\"]},"
    "{\"id\":\"22\",\"name\":\"B\",\"access_token\":\"tb\",\"tasks\":"
    "[\"ANALYZE\"]}]}";

static void
the_page_asked_for_or_the_only_one(void)
{
    char id[32], tok[64], err[256];
    json_t *o = json_loads(two, 0, NULL), *one;

    CHECK_INT(sv__graph_pick_page(o, "11", id, sizeof(id), tok, sizeof(tok),
                                  err, sizeof(err)), 0);
    CHECK_STR(id, "11");
    CHECK_STR(tok, "ta");
    CHECK_INT(sv__graph_pick_page(o, NULL, id, sizeof(id), tok, sizeof(tok),
                                  err, sizeof(err)), -ENOENT);
    CHECK_STR(err, "the user has several Pages (11 22): say which with "
              "--set facebook.page_id=ID");
    CHECK_INT(sv__graph_pick_page(o, "33", id, sizeof(id), tok, sizeof(tok),
                                  err, sizeof(err)), -ENOENT);
    CHECK_STR(err, "no Page 33 among the user's (11 22)");
    one = json_loads("{\"data\":[{\"id\":\"9\",\"access_token\":\"t9\"}]}",
                     0, NULL);
    CHECK_INT(sv__graph_pick_page(one, NULL, id, sizeof(id), tok,
                                  sizeof(tok), err, sizeof(err)), 0);
    CHECK_STR(id, "9");
    json_decref(one);
    json_decref(o);
}

static void
a_page_without_create_content_or_no_page_is_refused(void)
{
    char id[32], tok[64], err[256];
    json_t *o = json_loads(two, 0, NULL), *none;

    CHECK_INT(sv__graph_pick_page(o, "22", id, sizeof(id), tok, sizeof(tok),
                                  err, sizeof(err)), SV_EAUTH);
    CHECK_STR(err, "the user may not create content on Page 22 (no "
              "CREATE_CONTENT task)");
    none = json_loads("{\"data\":[]}", 0, NULL);
    CHECK_INT(sv__graph_pick_page(none, NULL, id, sizeof(id), tok,
                                  sizeof(tok), err, sizeof(err)), -ENOENT);
    CHECK(strstr(err, "no Page") != NULL);
    CHECK_INT(sv__graph_pick_page(o, "11", id, 2, tok, sizeof(tok), err,
                                  sizeof(err)), SV_ELIMIT);
    json_decref(none);
    json_decref(o);
}

int
main(void)
{
    RUN(the_page_asked_for_or_the_only_one);
    RUN(a_page_without_create_content_or_no_page_is_refused);
    return DONE();
}
