/* tracker_msg.c -- bounded parse of WebTorrent tracker messages */
#include <string.h>

#include "core/err.h"
#include "serve/tracker.h"

/*
 * A 20-character "binary" string: JavaScript code points 0 to 255, which
 * arrive UTF-8 encoded (one byte below 0x80, two up to 0xff).  Counted in
 * code points, kept as the bytes sent, relayed as they are.
 */
static int
get_id(json_t *v, struct sv_trk_id *id)
{
    const unsigned char *s;
    size_t len, i, cps = 0;

    if (!json_is_string(v))
        return -1;
    s = (const unsigned char *)json_string_value(v);
    len = json_string_length(v);
    if (len > SV_TRK_ID_MAX)
        return -1;
    for (i = 0; i < len; cps++) {
        if (s[i] < 0x80) {
            i++;
        } else if ((s[i] == 0xc2 || s[i] == 0xc3) && i + 1 < len &&
                   (s[i + 1] & 0xc0) == 0x80) {
            i += 2;
        } else {
            return -1;
        }
    }
    if (cps != 20)
        return -1;
    memcpy(id->b, s, len);
    id->len = (unsigned char)len;
    return 0;
}

/* {type: want, sdp: "..."}, more keys allowed (relayed opaquely) */
static int
sdp_ok(json_t *v, const char *want)
{
    json_t *type = json_object_get(v, "type");

    return json_is_object(v) && json_is_string(type) &&
           strcmp(json_string_value(type), want) == 0 &&
           json_is_string(json_object_get(v, "sdp"));
}

static int
parse_event(json_t *v, enum sv_trk_event *ev)
{
    const char *s;

    if (v == NULL || json_is_null(v)) {
        *ev = SV_TRK_UPDATE;
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    if (strcmp(s, "started") == 0)
        *ev = SV_TRK_STARTED;
    else if (strcmp(s, "stopped") == 0)
        *ev = SV_TRK_STOPPED;
    else if (strcmp(s, "completed") == 0)
        *ev = SV_TRK_COMPLETED;
    else if (strcmp(s, "update") == 0 || s[0] == '\0')
        *ev = SV_TRK_UPDATE;
    else
        return -1;
    return 0;
}

static int
fail(struct sv_trk_msg *m, const char **why, const char *reason)
{
    *why = reason;
    return SV_EPROTO;
}

static int
parse(struct sv_trk_msg *m, size_t max_offers, const char **why)
{
    json_t *r = m->root, *v, *o;
    size_t i;

    v = json_object_get(r, "action");
    if (!json_is_string(v))
        return fail(m, why, "invalid action");
    if (strcmp(json_string_value(v), "announce") != 0)
        return fail(m, why, "unsupported action");
    if (get_id(json_object_get(r, "info_hash"), &m->info_hash) < 0)
        return fail(m, why, "invalid info_hash");
    if (get_id(json_object_get(r, "peer_id"), &m->peer_id) < 0)
        return fail(m, why, "invalid peer_id");
    if (parse_event(json_object_get(r, "event"), &m->event) < 0)
        return fail(m, why, "invalid event");
    m->complete = m->event == SV_TRK_COMPLETED;
    v = json_object_get(r, "left");
    if (json_is_number(v) && json_number_value(v) == 0)
        m->complete = 1;
    m->numwant = -1;
    v = json_object_get(r, "numwant");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return fail(m, why, "invalid numwant");
        m->numwant = json_integer_value(v);
    }
    v = json_object_get(r, "answer");
    if (v != NULL) {
        if (!sdp_ok(v, "answer"))
            return fail(m, why, "invalid answer");
        if (get_id(json_object_get(r, "to_peer_id"), &m->to_peer_id) < 0)
            return fail(m, why, "invalid to_peer_id");
        if (get_id(json_object_get(r, "offer_id"), &m->offer_id) < 0)
            return fail(m, why, "invalid offer_id");
        m->answer = v;
        m->has_to = 1;
    }
    v = json_object_get(r, "offers");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v))
            return fail(m, why, "invalid offers");
        for (i = 0; i < json_array_size(v) && m->noffers < max_offers &&
             m->noffers < SV_TRK_OFFERS_MAX; i++) {
            struct sv_trk_offer *of = &m->offers[m->noffers];

            o = json_array_get(v, i);
            if (!json_is_object(o) ||
                get_id(json_object_get(o, "offer_id"), &of->id) < 0 ||
                !sdp_ok(json_object_get(o, "offer"), "offer"))
                return fail(m, why, "invalid offer");
            of->offer = json_object_get(o, "offer");
            m->noffers++;
        }
    }
    return 0;
}

int
sv_trk_msg_parse(const char *data, size_t len, size_t max_offers,
                 struct sv_trk_msg *m, const char **why)
{
    json_error_t err;
    int rc;

    memset(m, 0, sizeof(*m));
    *why = NULL;
    m->root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
    if (m->root == NULL || !json_is_object(m->root)) {
        json_decref(m->root);
        m->root = NULL;
        return SV_EFORMAT;
    }
    rc = parse(m, max_offers, why);
    if (rc < 0) {
        /* the info_hash, when valid, goes back with the failure */
        struct sv_trk_id ih = m->info_hash;
        json_t *root = m->root;

        memset(m, 0, sizeof(*m));
        m->root = root;
        m->info_hash = ih;
    }
    return rc;
}

void
sv_trk_msg_release(struct sv_trk_msg *m)
{
    json_decref(m->root);
    m->root = NULL;
}
