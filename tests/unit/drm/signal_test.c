/* signal_test.c -- lib/drm/signal.c: which key a rendition gets (content
 * key usage by class and type, rotation periods) */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "drm/signal.h"
#include "model/model.h"
#include "t.h"

/* doc: keys labelled l with period p (-1: none), kid = the index */
static json_t *
doc_of(const char *const *labels, const int *periods, int n)
{
    json_t *keys = json_array();
    int i;

    for (i = 0; i < n; i++) {
        json_t *k = json_pack("{s:i}", "index", i);

        if (labels[i] != NULL)
            json_object_set_new(k, "label", json_string(labels[i]));
        if (periods[i] >= 0)
            json_object_set_new(k, "period", json_integer(periods[i]));
        json_array_append_new(keys, k);
    }
    return json_pack("{s:i,s:o}", "v", 1, "keys", keys);
}

static int
index_of(const json_t *k)
{
    return k != NULL ? (int)json_integer_value(json_object_get(k, "index"))
                     : -1;
}

static struct sv_model_rend
rend(const char *id, int video, int w, int h)
{
    struct sv_model_rend r;

    memset(&r, 0, sizeof(r));
    snprintf(r.id, sizeof(r.id), "%s", id);
    r.video = video;
    r.width = w;
    r.height = h;
    return r;
}

static void
classes_follow_the_pixel_count(void)
{
    struct sv_model_rend a = rend("a0", 0, 0, 0);
    struct sv_model_rend sd = rend("v2", 1, 768, 576);
    struct sv_model_rend hd = rend("v1", 1, 1280, 720);
    struct sv_model_rend fhd = rend("v0", 1, 1920, 1080);
    struct sv_model_rend uhd = rend("v3", 1, 3840, 2160);

    CHECK_STR(sv_drm_key_class(&a), "audio");
    CHECK_STR(sv_drm_key_class(&sd), "sd");
    CHECK_STR(sv_drm_key_class(&hd), "hd");
    CHECK_STR(sv_drm_key_class(&fhd), "hd");
    CHECK_STR(sv_drm_key_class(&uhd), "uhd");
}

static void
id_then_class_then_type_then_any(void)
{
    static const char *const l[] = { "video", "hd", "audio", "v9", NULL };
    static const int p[] = { -1, -1, -1, -1, -1 };
    json_t *doc = doc_of(l, p, 5);
    struct sv_model_rend hd = rend("v0", 1, 1280, 720);
    struct sv_model_rend sd = rend("v1", 1, 320, 180);
    struct sv_model_rend own = rend("v9", 1, 320, 180);
    struct sv_model_rend a = rend("a0", 0, 0, 0);

    CHECK_INT(index_of(sv_drm_key_for(doc, &hd, -1)), 1);
    CHECK_INT(index_of(sv_drm_key_for(doc, &sd, -1)), 0);
    CHECK_INT(index_of(sv_drm_key_for(doc, &own, -1)), 3);
    CHECK_INT(index_of(sv_drm_key_for(doc, &a, -1)), 2);
    json_decref(doc);
}

static void
periods_pick_their_keys(void)
{
    static const char *const l[] = { "sd", "sd", "audio", "audio" };
    static const int p[] = { 0, 1, 0, 1 };
    json_t *doc = doc_of(l, p, 4);
    struct sv_model_rend sd = rend("v1", 1, 320, 180);
    struct sv_model_rend a = rend("a0", 0, 0, 0);
    struct sv_model_rend hd = rend("v0", 1, 1280, 720);

    CHECK_INT(index_of(sv_drm_key_for(doc, &sd, 0)), 0);
    CHECK_INT(index_of(sv_drm_key_for(doc, &sd, 1)), 1);
    CHECK_INT(index_of(sv_drm_key_for(doc, &a, 1)), 3);
    /* no hd key: the first key of the period */
    CHECK_INT(index_of(sv_drm_key_for(doc, &hd, 1)), 1);
    /* no period 2 at all */
    CHECK(sv_drm_key_for(doc, &sd, 2) == NULL);
    json_decref(doc);
}

static void
keys_without_periods_are_period_zero(void)
{
    static const char *const l[] = { NULL };
    static const int p[] = { -1 };
    json_t *doc = doc_of(l, p, 1);
    struct sv_model_rend sd = rend("v1", 1, 320, 180);

    CHECK_INT(index_of(sv_drm_key_for(doc, &sd, 0)), 0);
    CHECK(sv_drm_key_for(doc, &sd, 1) == NULL);
    json_decref(doc);
}

int
main(void)
{
    RUN(classes_follow_the_pixel_count);
    RUN(id_then_class_then_type_then_any);
    RUN(periods_pick_their_keys);
    RUN(keys_without_periods_are_period_zero);
    return DONE();
}
