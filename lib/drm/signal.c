/* signal.c -- keys and signalling of Common Encryption: what sv-drm
 * encrypt and sv-package --encrypt both write */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/textenc.h"
#include "core/time.h"
#include "crypto/cipher.h"
#include "drm/hlskey.h"
#include "drm/key.h"
#include "drm/keystore.h"
#include "drm/pssh.h"
#include "drm/signal.h"
#include "drm/system.h"

/* The content key usage class of a rendition: "audio", else by pixels as
 * Shaka Packager draws the lines (SD up to 768x576, HD up to 1920x1080,
 * UHD above). */
const char *
sv_drm_key_class(const struct sv_model_rend *r)
{
    long px = (long)r->width * r->height;

    if (!r->video)
        return "audio";
    return px <= 768L * 576 ? "sd" : px <= 1920L * 1080 ? "hd" : "uhd";
}

/* Does key k belong to rotation period (-1: any)? */
static int
in_period(const json_t *k, int64_t period)
{
    const json_t *p = json_object_get(k, "period");

    if (period < 0)
        return 1;
    return json_is_integer(p) ? json_integer_value(p) == period
                              : period == 0;
}

/*
 * The key for a rendition, by the first rule that matches (the CPIX
 * content key usage rules, by label): its id, its class (sd, hd, uhd,
 * audio), its track type (video, audio), then any key of the period.
 */
const json_t *
sv_drm_key_for(const json_t *doc, const struct sv_model_rend *r,
               int64_t period)
{
    const json_t *keys = json_object_get(doc, "keys"), *k;
    const char *want[3];
    size_t i;
    int t;

    want[0] = r->id;
    want[1] = sv_drm_key_class(r);
    want[2] = r->video ? "video" : "audio";
    for (t = 0; t < 3; t++) {
        json_array_foreach(keys, i, k) {
            const char *l = json_string_value(json_object_get(k, "label"));

            if (l != NULL && strcmp(l, want[t]) == 0 && in_period(k, period))
                return k;
        }
    }
    json_array_foreach(keys, i, k)
        if (in_period(k, period))
            return k;
    return NULL;
}

void
sv_drm_key_uri(const char *tmpl, const char *kid, char *out, size_t size)
{
    const char *p = strstr(tmpl, "{kid}");

    if (p == NULL)
        snprintf(out, size, "%s", tmpl);
    else
        snprintf(out, size, "%.*s%s%s", (int)(p - tmpl), tmpl, kid, p + 5);
}


static int
pssh_boxes(const struct sv_drm_signal *p, const json_t *kobj,
           const struct sv_drm_key *key, int cbcs, struct sv_buf *boxes,
           json_t *list)
{
    const struct sv_drm_system *s;
    const json_t *drm = json_object_get(kobj, "drm"), *d;
    size_t i, start;
    int rc;

    for (s = sv_drm_systems; s->name != NULL; s++) {
        const char *given = NULL;
        char *b64;

        if (!(p->systems & s->bit) || !s->pssh)
            continue;
        /* a key server's own pssh (CPIX) wins over ours */
        json_array_foreach(drm, i, d) {
            const char *sys = json_string_value(json_object_get(d,
                                                                "system"));

            if (sys != NULL && strcmp(sys, s->name) == 0)
                given = json_string_value(json_object_get(d, "pssh"));
        }
        start = boxes->len;
        if (given != NULL) {
            uint8_t tmp[1 << 16], sid[16];
            long n = sv_b64_decode(given, strlen(given), tmp,
                                       sizeof(tmp), 0);

            if (n < 0 || sv_drm_pssh_check(tmp, (size_t)n, sid) < 0)
                return SV_EFORMAT;
            rc = sv_buf_append(boxes, tmp, (size_t)n);
        } else {
            rc = sv_drm_pssh(boxes, s, key->kid, key->content_id, cbcs);
        }
        if (rc < 0)
            return rc;
        b64 = malloc(sv_b64_len(boxes->len - start, 0) + 1);
        if (b64 == NULL)
            return -ENOMEM;
        sv_b64_encode(boxes->data + start, boxes->len - start, b64, 0);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "system",
                                              s->name, "system_id", s->uuid,
                                              "data", b64));
        free(b64);
    }
    return 0;
}

/* HLS key attributes (one line per system) for a cenc/cbcs key. */
static int
cenc_hls_attrs(const struct sv_drm_signal *p, const json_t *kobj,
               const char *kidhex, const json_t *pssh, int cbcs,
               struct sv_buf *out)
{
    const char *method = cbcs ? "SAMPLE-AES" : "SAMPLE-AES-CTR";
    const json_t *drm = json_object_get(kobj, "drm"), *d;
    const struct sv_drm_system *s;
    char uri[1024];
    size_t i;
    int rc = 0;

    for (s = sv_drm_systems; s->name != NULL && rc == 0; s++) {
        const char *given = NULL, *box = NULL;

        if (!(p->systems & s->bit))
            continue;
        json_array_foreach(drm, i, d) {
            const char *sys = json_string_value(json_object_get(d,
                                                                "system"));

            if (sys != NULL && strcmp(sys, s->name) == 0)
                given = json_string_value(json_object_get(d, "hls_media"));
        }
        if (given != NULL) {
            /* the key server's own EXT-X-KEY line, minus its tag name */
            uint8_t line[2048];
            long n = sv_b64_decode(given, strlen(given), line,
                                       sizeof(line) - 1, 0);
            const char *c;

            if (n > 0) {
                line[n] = '\0';
                c = strchr((char *)line, ':');
                if (c != NULL && strncmp((char *)line, "#EXT-X-KEY:", 11)
                    == 0) {
                    rc = sv_buf_printf(out, "%s\n", c + 1);
                    continue;
                }
            }
        }
        json_array_foreach(pssh, i, d) {
            if (strcmp(json_string_value(json_object_get(d, "system")),
                       s->name) == 0)
                box = json_string_value(json_object_get(d, "data"));
        }
        if (strcmp(s->name, "fairplay") == 0) {
            if (cbcs)
                rc = sv_buf_printf(out, "METHOD=SAMPLE-AES,URI=\"skd://%s\","
                                   "KEYFORMAT=\"com.apple.streamingkey"
                                   "delivery\",KEYFORMATVERSIONS=\"1\"\n",
                                   kidhex);
        } else if (strcmp(s->name, "clearkey") == 0) {
            if (p->key_uri != NULL) {
                sv_drm_key_uri(p->key_uri, kidhex, uri, sizeof(uri));
                rc = sv_buf_printf(out, "METHOD=%s,URI=\"%s\",KEYFORMAT="
                                   "\"identity\",KEYFORMATVERSIONS=\"1\"\n",
                                   method, uri);
            }
        } else if (box != NULL && strcmp(s->name, "playready") == 0) {
            /* PlayReady wants its PlayReady Object, the pssh data */
            uint8_t raw[1 << 16];
            char *pro;
            long n = sv_b64_decode(box, strlen(box), raw, sizeof(raw),
                                       0);

            size_t off = 28;

            if (n >= 32 && raw[8] == 1)     /* version 1: key ids first */
                off += 4 + 16 * (size_t)((uint32_t)raw[28] << 24 |
                                         (uint32_t)raw[29] << 16 |
                                         (uint32_t)raw[30] << 8 | raw[31]);
            off += 4;                       /* DataSize */
            if (n < 32 || off > (size_t)n)
                return SV_EFORMAT;
            pro = malloc(sv_b64_len((size_t)n - off, 0) + 1);
            if (pro == NULL)
                return -ENOMEM;
            sv_b64_encode(raw + off, (size_t)n - off, pro, 0);
            rc = sv_buf_printf(out, "METHOD=%s,URI=\"data:text/plain;"
                               "charset=UTF-16;base64,%s\",KEYFORMAT=\"com."
                               "microsoft.playready\",KEYFORMATVERSIONS="
                               "\"1\"\n", method, pro);
            free(pro);
        } else if (box != NULL) {
            /* Widevine's KEYFORMAT is its system id as a URN */
            rc = sv_buf_printf(out, "METHOD=%s,URI=\"data:text/plain;base64,"
                               "%s\",KEYFORMAT=\"urn:uuid:%s\","
                               "KEYFORMATVERSIONS=\"1\"\n", method, box,
                               s->uuid);
        }
    }
    return rc;
}

/* The key entry enc records for rendition id, or NULL. */
const json_t *
sv_drm_enc_entry(const json_t *enc, const char *id)
{
    const json_t *e;
    size_t i;

    json_array_foreach(json_object_get(enc, "keys"), i, e) {
        const char *r = json_string_value(json_object_get(e, "rendition"));

        if (r != NULL && strcmp(r, id) == 0)
            return e;
    }
    return NULL;
}

/* The EXT-X-KEY attribute lines enc gives every rendition without a key
 * of its own: one per key period (aes-128) or the default key's. */
static size_t
enc_lines(const json_t *enc, const char **lines, size_t max)
{
    const json_t *periods = json_object_get(enc, "hls_key_periods");
    const char *attrs = json_string_value(json_object_get(enc, "hls_keys"));
    size_t n = 0;

    if (json_is_array(periods)) {
        for (; n < json_array_size(periods) && n < max; n++)
            lines[n] = json_string_value(json_array_get(periods, n));
    } else if (attrs != NULL && *attrs != '\0') {
        lines[n++] = attrs;
    }
    return n;
}

int
sv_drm_hls_master_keys(const json_t *enc, const char *pl, size_t len,
                       struct sv_buf *out)
{
    struct sv_buf sess = SV_BUF_INIT(1 << 20);
    const char *first;
    const json_t *e;
    size_t k;
    int rc = 0;

    /* a session key for the default key and each other key */
    if (enc_lines(enc, &first, 1) > 0)
        rc = sv_buf_printf(&sess, "%s\n", first);
    json_array_foreach(json_object_get(enc, "keys"), k, e) {
        const char *own = json_string_value(json_object_get(e, "hls_keys"));

        if (rc == 0 && own != NULL)
            rc = sv_buf_printf(&sess, "%s\n", own);
    }
    if (rc == 0 && sess.len > 0) {
        rc = sv_buf_u8(&sess, 0);
        if (rc == 0)
            rc = sv_drm_hls_session_keys(pl, len, (char *)sess.data, out);
    } else if (rc == 0) {
        rc = sv_buf_append(out, pl, len);
    }
    sv_buf_release(&sess);
    return rc;
}

int
sv_drm_hls_rendition_keys(const json_t *enc, const char *rend,
                          const char *pl, size_t len, struct sv_buf *out)
{
    static const char *lines[4096];
    const char *own = json_string_value(json_object_get(
        sv_drm_enc_entry(enc, rend), "hls_keys"));
    json_int_t every = json_integer_value(json_object_get(enc, "rotate"));
    const json_t *per = json_object_get(sv_drm_enc_entry(enc, rend),
                                        "hls_key_periods");
    json_int_t cp = json_integer_value(json_object_get(enc,
                                                       "crypto_period"));
    size_t n;

    if (json_array_size(per) > 0 && cp > 0) {
        /* cenc/cbcs rotation: EXT-X-KEY changes at each period */
        for (n = 0; n < json_array_size(per) &&
                    n < sizeof(lines) / sizeof(lines[0]); n++)
            lines[n] = json_string_value(json_array_get(per, n));
        return sv_drm_hls_media_keys(pl, len, lines, n, (size_t)cp, out);
    }
    if (own != NULL)
        return sv_drm_hls_media_keys(pl, len, &own, 1, 0, out);
    n = enc_lines(enc, lines, sizeof(lines) / sizeof(lines[0]));
    if (n > 0)
        return sv_drm_hls_media_keys(pl, len, lines, n,
                                     (size_t)(every > 0 ? every : 0), out);
    return sv_buf_append(out, pl, len);
}

json_t *
sv_drm_enc_record(const char *tool, const char *scheme, const char *key_uri)
{
    char ts[40];
    json_t *enc;

    sv_time_iso8601(sv_time_now_ms(), SV_TIME_MS, ts, sizeof(ts));
    enc = json_pack("{s:s,s:s,s:s,s:[]}", "tool", tool, "scheme", scheme,
                    "encrypted_at", ts, "keys");
    if (enc != NULL && key_uri != NULL)
        json_object_set_new(enc, "key_uri_template", json_string(key_uri));
    return enc;
}

int
sv_drm_cenc_track(const struct sv_drm_signal *sg, const json_t *kobj,
                  const char *rend, struct sv_cenc_track *t,
                  struct sv_buf *boxes, json_t *enc, char *err, size_t size)
{
    struct sv_buf attrs = SV_BUF_INIT(1 << 16);
    struct sv_drm_key key;
    json_t *pssh = json_array(), *entry = NULL;
    char e[160], kidhex[33], uuid[37];
    int rc;

    memset(t, 0, sizeof(*t));
    memset(&key, 0, sizeof(key));
    if (pssh == NULL)
        return -ENOMEM;
    if (kobj == NULL || sv_drm_key_from_json(kobj, &key, e, sizeof(e)) < 0) {
        snprintf(err, size, "no usable key: %s",
                 kobj == NULL ? "the key document is empty" : e);
        rc = SV_EUSAGE;
        goto done;
    }
    t->scheme = sg->cbcs ? SV_CENC_CBCS : SV_CENC_CENC;
    memcpy(t->kid, key.kid, 16);
    memcpy(t->key, key.key, 16);
    memcpy(t->iv, key.iv, 16);
    if (!sg->cbcs) {
        /* each track starts its sample IVs at a fresh random point */
        rc = sv_drm_random(t->iv, 8);
        if (rc < 0) {
            snprintf(err, size, "no random IV: %s", sv_strerror(rc));
            goto done;
        }
    }
    rc = pssh_boxes(sg, kobj, &key, sg->cbcs, boxes, pssh);
    if (rc < 0) {
        snprintf(err, size, "cannot make pssh boxes: %s", sv_strerror(rc));
        goto done;
    }
    sv_hex_encode(key.kid, 16, kidhex);
    sv_uuid_format(key.kid, uuid);
    entry = json_pack("{s:s,s:s,s:s}", "kid", kidhex, "rendition", rend,
                      "uuid", uuid);
    rc = cenc_hls_attrs(sg, kobj, kidhex, pssh, sg->cbcs, &attrs);
    if (rc == 0)
        rc = sv_buf_u8(&attrs, 0);
    if (rc < 0 || entry == NULL) {
        rc = rc < 0 ? rc : -ENOMEM;
        snprintf(err, size, "cannot make the HLS key lines: %s",
                 sv_strerror(rc));
        goto done;
    }
    if (json_object_get(enc, "pssh") == NULL) {
        /* the first rendition's key is the default the manifests name */
        json_object_set_new(enc, "default_kid", json_string(uuid));
        json_object_set(enc, "pssh", pssh);
        json_object_set_new(enc, "hls_keys", json_string((char *)attrs.data));
    } else if (strcmp(json_string_value(json_object_get(enc, "default_kid")),
                      uuid) != 0) {
        /* another key (audio, SD/HD/UHD): its own signalling */
        json_object_set(entry, "pssh", pssh);
        json_object_set_new(entry, "hls_keys",
                            json_string((char *)attrs.data));
    }
    json_array_append_new(json_object_get(enc, "keys"), entry);
    entry = NULL;
    rc = 0;
done:
    explicit_bzero(&key, sizeof(key));
    if (rc < 0)
        explicit_bzero(t, sizeof(*t));
    sv_buf_release(&attrs);
    json_decref(entry);
    json_decref(pssh);
    return rc;
}

/* The key entry of rendition id in enc, to change; NULL when none. */
static json_t *
entry_of(json_t *enc, const char *id)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(enc, "keys"), i, e) {
        const char *r = json_string_value(json_object_get(e, "rendition"));

        if (r != NULL && strcmp(r, id) == 0)
            return e;
    }
    return NULL;
}

int
sv_drm_cenc_period(const struct sv_drm_signal *sg, const json_t *kobj,
                   const char *rend, int64_t first,
                   struct sv_cenc_track *t, struct sv_buf *boxes,
                   json_t *enc, char *err, size_t size)
{
    struct sv_buf attrs = SV_BUF_INIT(1 << 16);
    struct sv_drm_key key;
    json_t *pssh = json_array(), *entry = entry_of(enc, rend), *periods;
    char e[160], kidhex[33], uuid[37];
    int rc;

    memset(&key, 0, sizeof(key));
    if (pssh == NULL)
        return -ENOMEM;
    if (entry == NULL) {
        snprintf(err, size, "rendition %s has no key yet", rend);
        rc = SV_EINTERNAL;
        goto done;
    }
    if (kobj == NULL || sv_drm_key_from_json(kobj, &key, e, sizeof(e)) < 0) {
        snprintf(err, size, "no usable key: %s",
                 kobj == NULL ? "the key document is empty" : e);
        rc = SV_EUSAGE;
        goto done;
    }
    /* cenc sample IVs run on across periods; the cbcs constant IV stays
     * the first period's (players that ignore seig keep the tenc IV) */
    memcpy(t->kid, key.kid, 16);
    memcpy(t->key, key.key, 16);
    t->rotate = 1;
    sv_buf_reset(boxes);
    rc = pssh_boxes(sg, kobj, &key, sg->cbcs, boxes, pssh);
    if (rc < 0) {
        snprintf(err, size, "cannot make pssh boxes: %s", sv_strerror(rc));
        goto done;
    }
    sv_hex_encode(key.kid, 16, kidhex);
    sv_uuid_format(key.kid, uuid);
    rc = cenc_hls_attrs(sg, kobj, kidhex, pssh, sg->cbcs, &attrs);
    if (rc == 0)
        rc = sv_buf_u8(&attrs, 0);
    if (rc < 0) {
        snprintf(err, size, "cannot make the HLS key lines: %s",
                 sv_strerror(rc));
        goto done;
    }
    periods = json_object_get(entry, "periods");
    if (periods == NULL) {
        periods = json_array();
        json_object_set_new(entry, "periods", periods);
    }
    rc = json_array_append_new(periods, json_pack("{s:s,s:s,s:I,s:s}",
                                                  "kid", kidhex, "uuid",
                                                  uuid, "first_segment",
                                                  (json_int_t)first,
                                                  "hls_keys",
                                                  (char *)attrs.data));
    if (rc < 0) {
        snprintf(err, size, "out of memory");
        rc = -ENOMEM;
    }
done:
    explicit_bzero(&key, sizeof(key));
    sv_buf_release(&attrs);
    json_decref(pssh);
    return rc;
}

int
sv_drm_cenc_rotation_end(const char *rend, json_t *enc, char *err,
                         size_t size)
{
    struct sv_buf box = SV_BUF_INIT(1 << 16);
    uint8_t kids[SV_DRM_PSSH_MAX_KIDS][16];
    json_t *entry = entry_of(enc, rend), *periods, *list, *lines, *p;
    const json_t *own;
    size_t i, n = 0;
    char *b64 = NULL;
    int rc = 0;

    periods = json_object_get(entry, "periods");
    if (json_array_size(periods) == 0)
        return 0;
    json_array_foreach(periods, i, p) {
        if (n < SV_DRM_PSSH_MAX_KIDS &&
            json_string_value(json_object_get(p, "kid")) != NULL &&
            sv_hex_decode(json_string_value(json_object_get(p, "kid")),
                          kids[n], 16) == 0)
            n++;
    }
    own = json_object_get(entry, "pssh");
    list = json_deep_copy(own != NULL ? own : json_object_get(enc, "pssh"));
    lines = json_array();
    if (list == NULL || lines == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    /* the MPD's ClearKey init data names the first periods' keys (as many
     * as one licence request holds), so one request gets them all */
    rc = sv_drm_pssh_clearkey(&box, (const uint8_t (*)[16])kids, n);
    if (rc < 0)
        goto done;
    b64 = malloc(sv_b64_len(box.len, 0) + 1);
    if (b64 == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    sv_b64_encode(box.data, box.len, b64, 0);
    json_array_foreach(list, i, p) {
        const char *sys = json_string_value(json_object_get(p, "system"));

        if (sys != NULL && strcmp(sys, "clearkey") == 0)
            json_object_set_new(p, "data", json_string(b64));
    }
    json_array_foreach(periods, i, p)
        json_array_append(lines, json_object_get(p, "hls_keys"));
    json_object_set(entry, "pssh", list);
    json_object_set(entry, "hls_key_periods", lines);
done:
    if (rc < 0)
        snprintf(err, size, "cannot signal the key periods: %s",
                 sv_strerror(rc));
    free(b64);
    json_decref(list);
    json_decref(lines);
    sv_buf_release(&box);
    return rc;
}

int
sv_drm_keys_load(const char *store, const char *key_file,
                 const char *content_id, const char *kid, const char *label,
                 json_t **out, char *err, size_t size)
{
    uint8_t master[32];
    json_t *doc, *sel;
    int rc;

    if (store != NULL) {
        rc = sv_drm_master_key(master, err, size);
        if (rc == 0)
            rc = sv_drm_keystore_load(store, master, &doc, err, size);
        explicit_bzero(master, sizeof(master));
    } else {
        rc = sv_drm_keydoc_read(key_file, &doc, err, size);
    }
    if (rc < 0)
        return rc;
    /* the selection shares the key objects of doc */
    sel = sv_drm_keydoc_select(doc, content_id, kid, label);
    /* the keys not selected go with doc */
    sv_drm_keydoc_wipe_unshared(doc, sel);
    json_decref(doc);
    if (sel == NULL) {
        snprintf(err, size, "out of memory");
        return -ENOMEM;
    }
    *out = sel;
    return 0;
}
