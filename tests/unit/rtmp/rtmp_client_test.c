/* rtmp_client_test.c -- lib/rtmp/rtmp_client.c: URLs, and the client's
 * commands and tags read by lib/rtmp's own server session (rtmp.c) */
#include "core/err.h"
#include "rtmp/rtmp.h"
#include "rtmp/rtmp_client.h"
#include "rtmp/rtmp_flv.h"
#include "t.h"

static void
urls(void)
{
    struct sv_rtmp_url u;

    CHECK_INT(sv_rtmp_url_parse("rtmp://127.0.0.1:1936/live/key1?a=b", &u),
              0);
    CHECK_STR(u.host, "127.0.0.1");
    CHECK_INT(u.port, 1936);
    CHECK_INT(u.tls, 0);
    CHECK_STR(u.app, "live");
    CHECK_STR(u.key, "key1?a=b");
    CHECK_STR(u.tcurl, "rtmp://127.0.0.1:1936/live");
    CHECK_INT(sv_rtmp_url_parse("rtmps://live.example.com/app/inst/k", &u),
              0);
    CHECK_INT(u.port, 443);
    CHECK_INT(u.tls, 1);
    CHECK_STR(u.app, "app/inst");
    CHECK_STR(u.key, "k");
    CHECK_INT(sv_rtmp_url_parse("rtmp://[::1]:99/a/b", &u), 0);
    CHECK_STR(u.host, "::1");
    CHECK_INT(u.port, 99);
    CHECK_INT(sv_rtmp_url_parse("rtmp://host/onlyapp", &u), SV_EUSAGE);
    CHECK_INT(sv_rtmp_url_parse("rtmp://host/app/", &u), SV_EUSAGE);
    CHECK_INT(sv_rtmp_url_parse("rtmp://host:0/app/k", &u), SV_EUSAGE);
    CHECK_INT(sv_rtmp_url_parse("rtmp://host:x/app/k", &u), SV_EUSAGE);
    CHECK_INT(sv_rtmp_url_parse("http://host/app/k", &u), SV_EUSAGE);
    CHECK_INT(sv_rtmp_url_parse("rtmp:///app/k", &u), SV_EUSAGE);
}

/* the server's side of the loop: what its callbacks saw */
struct server {
    struct sv_rtmp_sess *s;
    struct sv_buf to_client;
    char app[64], name[64], tcurl[128];
    int publishes, allow;
    int media[2], configs[2], keys, unpublished, metas;
    uint32_t last_ts[2];
    int32_t last_cts;
    double width;
    uint8_t last_byte[2];
};

static void
on_publish(void *ud, const char *app, const char *name, const char *tcurl)
{
    struct server *k = ud;

    snprintf(k->app, sizeof(k->app), "%s", app);
    snprintf(k->name, sizeof(k->name), "%s", name);
    snprintf(k->tcurl, sizeof(k->tcurl), "%s", tcurl);
    k->publishes++;
    sv_rtmp_sess_publish_result(k->s, k->allow, k->allow ? NULL : "badname",
                                "no such key");
}

static void
on_media(void *ud, int track, uint32_t ts, const struct sv_flv_tag *tag)
{
    struct server *k = ud;

    if (tag->what == SV_FLV_CONFIG) {
        k->configs[track]++;
        return;
    }
    k->media[track]++;
    if (track == 0)
        k->keys += tag->key;
    k->last_ts[track] = ts;
    if (track == 0)
        k->last_cts = tag->cts;
    k->last_byte[track] = tag->size > 0 ? tag->data[tag->size - 1] : 0;
}

static void
on_meta(void *ud, json_t *meta)
{
    struct server *k = ud;

    k->metas++;
    k->width = json_number_value(json_object_get(meta, "width"));
}

static void
on_unpublish(void *ud)
{
    ((struct server *)ud)->unpublished++;
}

static int
on_send(void *ud, const uint8_t *p, size_t len)
{
    return sv_buf_append(&((struct server *)ud)->to_client, p, len);
}

/* moves bytes both ways until neither side has anything to say */
static int
pump(struct sv_rtmp_client *c, struct sv_buf *wire, struct server *k)
{
    int rounds, rc;

    for (rounds = 0; rounds < 20; rounds++) {
        if (wire->len == 0 && k->to_client.len == 0)
            return 0;
        if (wire->len > 0) {
            rc = sv_rtmp_sess_feed(k->s, wire->data, wire->len);
            sv_buf_reset(wire);
            if (rc < 0)
                return rc;
        }
        if (k->to_client.len > 0) {
            struct sv_buf b = k->to_client;

            sv_buf_init(&k->to_client, 1 << 20);
            rc = sv_rtmp_client_feed(c, b.data, b.len, wire);
            sv_buf_release(&b);
            if (rc < 0)
                return rc;
        }
    }
    return SV_EINTERNAL;
}

static const struct sv_rtmp_cbs cbs = { on_publish, on_media, on_meta,
                                        on_unpublish, on_send };

static void
publish_to_our_server(void)
{
    static const uint8_t avcc[] = { 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4,
                                    0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68,
                                    0xee };
    static const uint8_t idr[] = { 0, 0, 0, 3, 0x65, 0x88, 0x42 };
    static const uint8_t pframe[] = { 0, 0, 0, 2, 0x41, 0x9a };
    static const uint8_t asc[] = { 0x12, 0x10 };
    static const uint8_t aac[] = { 0x21, 0x10, 0x05, 0x77 };
    struct server k;
    struct sv_buf wire = SV_BUF_INIT(1 << 20);
    struct sv_rtmp_client *c = NULL;
    struct sv_rtmp_url u;
    json_t *meta;

    memset(&k, 0, sizeof(k));
    k.allow = 1;
    sv_buf_init(&k.to_client, 1 << 20);
    CHECK_INT(sv_rtmp_sess_new(&k.s, &cbs, &k), 0);
    CHECK_INT(sv_rtmp_url_parse("rtmp://127.0.0.1/live/cam1?t=x", &u), 0);
    CHECK_INT(sv_rtmp_client_new(&c, &u, &wire), 0);
    CHECK_INT(wire.len, 1 + 1536);
    CHECK_INT(sv_rtmp_client_state(c), SV_RTMP_CL_HANDSHAKE);
    CHECK_INT(pump(c, &wire, &k), 0);
    /* connect, releaseStream, FCPublish, createStream and publish went
     * through the server's parser and came back as Publish.Start */
    CHECK_INT(sv_rtmp_client_state(c), SV_RTMP_CL_LIVE);
    CHECK_INT(k.publishes, 1);
    CHECK_STR(k.app, "live");
    CHECK_STR(k.name, "cam1?t=x");
    CHECK_STR(k.tcurl, "rtmp://127.0.0.1/live");
    meta = json_pack("{s:i,s:i}", "width", 1280, "height", 720);
    CHECK_INT(sv_rtmp_client_meta(c, meta, &wire), 0);
    json_decref(meta);
    CHECK_INT(sv_rtmp_client_video(c, 0, 0, 1, 1, avcc, sizeof(avcc), &wire),
              0);
    CHECK_INT(sv_rtmp_client_audio(c, 0, 1, asc, sizeof(asc), &wire), 0);
    CHECK_INT(sv_rtmp_client_video(c, 0, 80, 1, 0, idr, sizeof(idr), &wire),
              0);
    CHECK_INT(sv_rtmp_client_audio(c, 21, 0, aac, sizeof(aac), &wire), 0);
    /* past 24 bits of milliseconds: the extended timestamp */
    CHECK_INT(sv_rtmp_client_video(c, 0x1000040, 40, 0, 0, pframe,
                                   sizeof(pframe), &wire), 0);
    CHECK_INT(pump(c, &wire, &k), 0);
    CHECK_INT(k.metas, 1);
    CHECK(k.width == 1280);
    CHECK_INT(k.configs[0], 1);
    CHECK_INT(k.configs[1], 1);
    CHECK_INT(k.media[0], 2);
    CHECK_INT(k.media[1], 1);
    CHECK_INT(k.keys, 1);
    CHECK_INT(k.last_ts[0], 0x1000040);
    CHECK_INT(k.last_cts, 40);
    CHECK_INT(k.last_ts[1], 21);
    CHECK_INT(k.last_byte[0], 0x9a);
    CHECK_INT(k.last_byte[1], 0x77);
    CHECK_INT(sv_rtmp_client_unpublish(c, &wire), 0);
    CHECK_INT(pump(c, &wire, &k), 0);
    CHECK(k.unpublished >= 1);  /* FCUnpublish, then deleteStream */
    sv_rtmp_client_free(c);
    sv_rtmp_sess_free(k.s);
    sv_buf_release(&k.to_client);
    sv_buf_release(&wire);
}

static void
refused_key(void)
{
    struct server k;
    struct sv_buf wire = SV_BUF_INIT(1 << 20);
    struct sv_rtmp_client *c = NULL;
    struct sv_rtmp_url u;

    memset(&k, 0, sizeof(k));
    sv_buf_init(&k.to_client, 1 << 20);
    CHECK_INT(sv_rtmp_sess_new(&k.s, &cbs, &k), 0);
    CHECK_INT(sv_rtmp_url_parse("rtmp://h/live/wrong", &u), 0);
    CHECK_INT(sv_rtmp_client_new(&c, &u, &wire), 0);
    CHECK_INT(pump(c, &wire, &k), SV_EAUTH);
    CHECK_STR(sv_rtmp_client_error(c), "publish refused: "
              "NetStream.Publish.BadName: no such key");
    CHECK(sv_rtmp_client_state(c) != SV_RTMP_CL_LIVE);
    sv_rtmp_client_free(c);
    sv_rtmp_sess_free(k.s);
    sv_buf_release(&k.to_client);
    sv_buf_release(&wire);
}

static void
bad_handshake(void)
{
    struct sv_buf wire = SV_BUF_INIT(1 << 20);
    struct sv_rtmp_client *c = NULL;
    struct sv_rtmp_url u;
    static uint8_t s0s1s2[1 + 2 * 1536];

    s0s1s2[0] = 6;  /* RTMPE */
    CHECK_INT(sv_rtmp_url_parse("rtmp://h/live/k", &u), 0);
    CHECK_INT(sv_rtmp_client_new(&c, &u, &wire), 0);
    CHECK_INT(sv_rtmp_client_feed(c, s0s1s2, 100, &wire), 0);
    CHECK_INT(sv_rtmp_client_feed(c, s0s1s2 + 100, sizeof(s0s1s2) - 100,
                                  &wire), SV_EPROTO);
    sv_rtmp_client_free(c);
    sv_buf_release(&wire);
}

int
main(void)
{
    RUN(urls);
    RUN(publish_to_our_server);
    RUN(refused_key);
    RUN(bad_handshake);
    return DONE();
}
