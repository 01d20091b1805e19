/* cpix.c -- DASH-IF CPIX 2.3 documents as SPEKE v2 exchanges them */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/textenc.h"
#include "drm/cpix.h"
#include "drm/key.h"
#include "drm/system.h"
#include "drm/xml.h"

#define REQ_MAX (1 << 20)
#define PSSH_MAX (64 << 10)

static const char *
track_type(const char *label)
{
    if (label == NULL)
        return NULL;
    if (strcmp(label, "audio") == 0)
        return "AUDIO";
    return "VIDEO";     /* video, sd, hd, uhd: all video renditions */
}

int
sv_cpix_request(const struct sv_cpix_req *req, char **out, size_t *len)
{
    const struct sv_drm_system *s;
    struct sv_buf b = SV_BUF_INIT(REQ_MAX);
    char uuid[37];
    size_t i;
    int rc;

    rc = sv_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<cpix:CPIX xmlns:cpix=\"%s\" xmlns:pskc=\"%s\" "
                       "contentId=\"", SV_CPIX_NS, SV_PSKC_NS);
    rc = rc ? rc : sv_xml_escape(&b, req->content_id);
    rc = rc ? rc : sv_buf_printf(&b, "\" version=\"2.3\">\n"
                                 "  <cpix:ContentKeyList>\n");
    for (i = 0; i < req->nkeys && rc == 0; i++) {
        sv_uuid_format(req->keys[i].kid, uuid);
        rc = sv_buf_printf(&b, "    <cpix:ContentKey kid=\"%s\" "
                           "commonEncryptionScheme=\"%s\"/>\n", uuid,
                           req->scheme);
    }
    rc = rc ? rc : sv_buf_printf(&b, "  </cpix:ContentKeyList>\n"
                                 "  <cpix:DRMSystemList>\n");
    for (i = 0; i < req->nkeys && rc == 0; i++) {
        sv_uuid_format(req->keys[i].kid, uuid);
        for (s = sv_drm_systems; s->name != NULL && rc == 0; s++) {
            if (!(req->systems & s->bit))
                continue;
            rc = sv_buf_printf(&b, "    <cpix:DRMSystem kid=\"%s\" "
                               "systemId=\"%s\">\n", uuid, s->uuid);
            if (rc == 0 && s->pssh)
                rc = sv_buf_printf(&b, "      <cpix:PSSH/>\n"
                                   "      <cpix:ContentProtectionData/>\n");
            rc = rc ? rc : sv_buf_printf(&b,
                "      <cpix:HLSSignalingData playlist=\"media\"/>\n"
                "      <cpix:HLSSignalingData playlist=\"master\"/>\n"
                "    </cpix:DRMSystem>\n");
        }
    }
    rc = rc ? rc : sv_buf_printf(&b, "  </cpix:DRMSystemList>\n"
                                 "  <cpix:ContentKeyUsageRuleList>\n");
    for (i = 0; i < req->nkeys && rc == 0; i++) {
        const char *tt = track_type(req->keys[i].label);

        sv_uuid_format(req->keys[i].kid, uuid);
        rc = sv_buf_printf(&b, "    <cpix:ContentKeyUsageRule kid=\"%s\"",
                           uuid);
        if (rc == 0 && tt != NULL)
            rc = sv_buf_printf(&b, " intendedTrackType=\"%s\">\n"
                               "      <cpix:%sFilter/>\n"
                               "    </cpix:ContentKeyUsageRule>\n", tt,
                               strcmp(tt, "AUDIO") == 0 ? "Audio" : "Video");
        else if (rc == 0)
            rc = sv_buf_printf(&b, "/>\n");
    }
    rc = rc ? rc : sv_buf_printf(&b, "  </cpix:ContentKeyUsageRuleList>\n"
                                 "</cpix:CPIX>\n");
    if (rc < 0)
        return rc;
    *out = (char *)sv_buf_take(&b, len);
    return 0;
}

/* Text of n without surrounding white space, in a caller buffer. */
static const char *
trimmed(const struct sv_xml_node *n, size_t *len)
{
    const char *s = n->text;
    size_t l = n->textlen;

    while (l > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        l--;
    }
    while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t' ||
                     s[l - 1] == '\n' || s[l - 1] == '\r'))
        l--;
    *len = l;
    return s;
}

static int
fail(char *err, size_t size, const char *fmt, const char *arg)
{
    snprintf(err, size, fmt, arg);
    return SV_EFORMAT;
}

/* Reads ContentKey n into a key object. */
static int
content_key(const struct sv_xml_node *n, const char *content_id,
            json_t **out, uint8_t kid[16], char *err, size_t size)
{
    const struct sv_xml_node *d, *sec, *v;
    const char *s, *iv64, *scheme;
    uint8_t key[32], iv[32];
    char hex[65];
    size_t len;
    long k;
    json_t *o;

    s = sv_xml_attr(n, "kid");
    if (s == NULL || sv_uuid_parse(s, kid) < 0)
        return fail(err, size, "ContentKey has no valid kid%s", "");
    d = sv_xml_child(n, SV_CPIX_NS, "Data");
    sec = d != NULL ? sv_xml_child(d, SV_PSKC_NS, "Secret") : NULL;
    if (sec == NULL)
        return fail(err, size, "no key data for kid %s", s);
    if (sv_xml_child(sec, SV_PSKC_NS, "EncryptedValue") != NULL)
        return fail(err, size, "key for kid %s is encrypted (content key "
                    "encryption is not supported)", s);
    v = sv_xml_child(sec, SV_PSKC_NS, "PlainValue");
    if (v == NULL)
        return fail(err, size, "no PlainValue for kid %s", s);
    iv64 = trimmed(v, &len);
    k = sv_b64_decode(iv64, len, key, sizeof(key), 0);
    if (k != 16) {
        explicit_bzero(key, sizeof(key));
        return fail(err, size, "key for kid %s is not 16 bytes", s);
    }
    o = json_object();
    if (o == NULL)
        return -ENOMEM;
    sv_hex_encode(kid, 16, hex);
    json_object_set_new(o, "kid", json_string(hex));
    sv_hex_encode(key, 16, hex);
    explicit_bzero(key, sizeof(key));
    json_object_set_new(o, "key", json_string(hex));
    explicit_bzero(hex, sizeof(hex));
    iv64 = sv_xml_attr(n, "explicitIV");
    if (iv64 != NULL) {
        if (sv_b64_decode(iv64, strlen(iv64), iv, sizeof(iv), 0) != 16) {
            json_decref(o);
            return fail(err, size, "explicitIV of kid %s is not 16 bytes", s);
        }
        sv_hex_encode(iv, 16, hex);
        json_object_set_new(o, "iv", json_string(hex));
    }
    scheme = sv_xml_attr(n, "commonEncryptionScheme");
    if (scheme != NULL)
        json_object_set_new(o, "scheme", json_string(scheme));
    if (content_id != NULL)
        json_object_set_new(o, "content_id", json_string(content_id));
    json_object_set_new(o, "drm", json_array());
    *out = o;
    return 0;
}

/*
 * Checks that b64 text is base64 and, for a PSSH, one whole 'pssh' box for
 * the system sys.  Returns the text as a new JSON string or NULL.
 */
static json_t *
signal_text(const struct sv_xml_node *n, const char *sysid, int pssh)
{
    uint8_t *buf, sid[16];
    const char *s;
    size_t len;
    long k;
    json_t *r = NULL;

    s = trimmed(n, &len);
    if (len == 0 || len > PSSH_MAX * 2)
        return NULL;
    buf = malloc(len);
    if (buf == NULL)
        return NULL;
    k = sv_b64_decode(s, len, buf, len, 0);
    if (k <= 0)
        goto done;
    if (pssh) {
        uint32_t size;

        if (k < 32 || sv_uuid_parse(sysid, sid) < 0)
            goto done;
        size = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
               (uint32_t)buf[2] << 8 | buf[3];
        if (size != (uint32_t)k || memcmp(buf + 4, "pssh", 4) != 0 ||
            memcmp(buf + 12, sid, 16) != 0)
            goto done;
    }
    r = json_stringn(s, len);
done:
    free(buf);
    return r;
}

static int
drm_system(const struct sv_xml_node *n, json_t *keys, char *err, size_t size)
{
    const struct sv_drm_system *sys;
    const struct sv_xml_node *c;
    const char *kid = sv_xml_attr(n, "kid"), *sid = sv_xml_attr(n,
                                                                "systemId");
    uint8_t kb[16];
    json_t *key = NULL, *o, *t, *k;
    char hex[33];
    size_t i;

    if (kid == NULL || sv_uuid_parse(kid, kb) < 0 || sid == NULL ||
        strlen(sid) != 36)
        return fail(err, size, "DRMSystem without a valid kid and systemId%s",
                    "");
    sv_hex_encode(kb, 16, hex);
    json_array_foreach(keys, i, k) {
        if (strcmp(json_string_value(json_object_get(k, "kid")), hex) == 0)
            key = k;
    }
    if (key == NULL)
        return fail(err, size, "DRMSystem for kid %s names no content key",
                    kid);
    sys = sv_drm_system_by_id(sid);
    o = json_object();
    if (o == NULL)
        return -ENOMEM;
    json_object_set_new(o, "system", json_string(sys != NULL ? sys->name
                                                             : "unknown"));
    json_object_set_new(o, "system_id", json_string(sid));
    for (c = n->child; c != NULL; c = c->next) {
        const char *field = NULL, *pl;
        size_t len;

        if (strcmp(c->ns, SV_CPIX_NS) != 0)
            continue;
        if (strcmp(c->local, "PSSH") == 0) {
            field = "pssh";
        } else if (strcmp(c->local, "ContentProtectionData") == 0) {
            field = "content_protection_data";
        } else if (strcmp(c->local, "HLSSignalingData") == 0) {
            pl = sv_xml_attr(c, "playlist");
            field = pl != NULL && strcmp(pl, "master") == 0 ? "hls_master"
                                                            : "hls_media";
        } else {
            continue;
        }
        trimmed(c, &len);
        if (len == 0)
            continue;       /* asked for, not given: the system lacks it */
        t = signal_text(c, sid, strcmp(field, "pssh") == 0);
        if (t == NULL) {
            json_decref(o);
            snprintf(err, size, "bad %s of system %s for kid %s", c->local,
                     sid, kid);
            return SV_EFORMAT;
        }
        json_object_set_new(o, field, t);
    }
    json_array_append_new(json_object_get(key, "drm"), o);
    return 0;
}

static int
answers(const struct sv_cpix_req *req, json_t *keys, char *err, size_t size)
{
    char hex[33], uuid[37];
    size_t i, j;
    json_t *k;

    for (i = 0; i < req->nkeys; i++) {
        int found = 0;

        sv_hex_encode(req->keys[i].kid, 16, hex);
        json_array_foreach(keys, j, k) {
            if (strcmp(json_string_value(json_object_get(k, "kid")),
                       hex) == 0) {
                found = 1;
                if (req->keys[i].label != NULL)
                    json_object_set_new(k, "label",
                                        json_string(req->keys[i].label));
            }
        }
        if (!found) {
            sv_uuid_format(req->keys[i].kid, uuid);
            return fail(err, size, "no key for kid %s in the reply", uuid);
        }
    }
    if (json_array_size(keys) != req->nkeys)
        return fail(err, size, "reply holds keys that were not asked for%s",
                    "");
    return 0;
}

int
sv_cpix_parse(const char *xml, size_t len, const struct sv_cpix_req *req,
              json_t **out, char *err, size_t size)
{
    const struct sv_xml_node *root, *list, *n;
    struct sv_xml *x = NULL;
    json_t *doc = NULL, *keys, *k;
    const char *cid;
    uint8_t kid[16];
    char e[200];
    int rc;

    rc = sv_xml_parse(xml, len, &x, e, sizeof(e));
    if (rc < 0) {
        snprintf(err, size, "reply is not XML: %s", e);
        return rc;
    }
    rc = SV_EFORMAT;
    root = sv_xml_root(x);
    if (strcmp(root->local, "CPIX") != 0 ||
        strcmp(root->ns, SV_CPIX_NS) != 0) {
        fail(err, size, "reply is not a CPIX document%s", "");
        goto done;
    }
    cid = sv_xml_attr(root, "contentId");
    if (req != NULL && (cid == NULL || strcmp(cid, req->content_id) != 0)) {
        fail(err, size, "reply is for another content id ('%s')",
             cid != NULL ? cid : "");
        goto done;
    }
    list = sv_xml_child(root, SV_CPIX_NS, "ContentKeyList");
    if (list == NULL) {
        fail(err, size, "reply has no ContentKeyList%s", "");
        goto done;
    }
    doc = json_object();
    keys = json_array();
    if (doc == NULL || keys == NULL) {
        json_decref(keys);
        rc = -ENOMEM;
        goto done;
    }
    json_object_set_new(doc, "v", json_integer(1));
    json_object_set_new(doc, "keys", keys);
    for (n = sv_xml_child(list, SV_CPIX_NS, "ContentKey"); n != NULL;
         n = sv_xml_next(n, SV_CPIX_NS, "ContentKey")) {
        if (json_array_size(keys) == SV_CPIX_MAX_KEYS) {
            fail(err, size, "reply holds more than 64 keys%s", "");
            rc = SV_ELIMIT;
            goto done;
        }
        rc = content_key(n, cid, &k, kid, err, size);
        if (rc < 0)
            goto done;
        json_array_append_new(keys, k);
    }
    rc = sv_drm_keydoc_check(doc, e, sizeof(e));
    if (rc < 0) {
        snprintf(err, size, "bad reply: %s", e);
        goto done;
    }
    if (req != NULL) {
        rc = answers(req, keys, err, size);
        if (rc < 0)
            goto done;
    }
    list = sv_xml_child(root, SV_CPIX_NS, "DRMSystemList");
    for (n = list != NULL ? sv_xml_child(list, SV_CPIX_NS, "DRMSystem")
                          : NULL;
         n != NULL; n = sv_xml_next(n, SV_CPIX_NS, "DRMSystem")) {
        rc = drm_system(n, keys, err, size);
        if (rc < 0)
            goto done;
    }
    *out = doc;
    doc = NULL;
    rc = 0;
done:
    if (doc != NULL) {
        sv_drm_keydoc_wipe(doc);
        json_decref(doc);
    }
    sv_xml_free(x);
    return rc;
}
