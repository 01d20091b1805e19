/* wm_embed.c -- A and B variants of every video segment of a package */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/box.h"
#include "container/codec.h"
#include "container/fmp4.h"
#include "core/afile.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/slurp.h"
#include "drm/watermark.h"
#include "drm/wm_int.h"
#include "media/av_wmark.h"

#define PKG_MAX (64 << 20)
#define SEG_MAX (256 << 20)

struct mark {
    int8_t cells[SV_WMARK_GY][SV_WMARK_GX];
    double amplitude;
    int sign;
};

static int
mark_frame(void *ud, struct sv_av_luma *l)
{
    struct mark *m = ud;

    sv_wmark_apply(l->y, l->stride, l->width, l->height,
                   (const int8_t (*)[SV_WMARK_GX])m->cells, m->amplitude,
                   m->sign);
    return 0;
}

int
sv__wmark_variant_uri(const char *uri, int v, char *out, size_t size)
{
    const char *slash = strrchr(uri, '/');
    int n;

    if (slash == NULL)
        n = snprintf(out, size, "%c/%s", v, uri);
    else
        n = snprintf(out, size, "%.*s/%c/%s", (int)(slash - uri), uri, v,
                     slash + 1);
    return n < 0 || (size_t)n >= size ? SV_ELIMIT : 0;
}

static int
join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);

    return n < 0 || (size_t)n >= size ? SV_ELIMIT : 0;
}

int
sv__wmark_read_into(const char *dir, const char *uri, struct sv_buf *b, char *err,
          size_t size)
{
    char path[PATH_MAX], *data;
    size_t len;
    int rc;

    if (strstr(uri, "..") != NULL || uri[0] == '/') {
        snprintf(err, size, "bad file name '%s' in the package", uri);
        return SV_EFORMAT;
    }
    rc = join(path, sizeof(path), dir, uri);
    if (rc == 0)
        rc = sv_slurp(path, SEG_MAX, &data, &len);
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = sv_buf_append(b, data, len);
    free(data);
    return rc;
}

static int
write_file(const char *dir, const char *uri, int v, const struct sv_buf *b,
           char *err, size_t size)
{
    char rel[PATH_MAX], path[PATH_MAX], *slash;
    int rc;

    rc = sv__wmark_variant_uri(uri, v, rel, sizeof(rel));
    if (rc == 0)
        rc = join(path, sizeof(path), dir, rel);
    if (rc < 0) {
        snprintf(err, size, "path too long for '%s'", uri);
        return rc;
    }
    slash = strrchr(path, '/');
    *slash = '\0';
    rc = sv_mkdir_p(path);
    *slash = '/';
    if (rc == 0)
        rc = sv_afile_put(path, b->data, b->len, 0644);
    if (rc < 0)
        snprintf(err, size, "cannot write '%s': %s", path, sv_strerror(rc));
    return rc;
}

/* What the original fragment says: its mfhd sequence, tfdt, styp, and the
 * track id of the init segment. */
struct frag_info {
    uint32_t seq;
    uint64_t bmdt;
    int styp;
};

static int
parse_fragment(const uint8_t *p, size_t len, struct frag_info *fi)
{
    struct sv_box box;
    struct sv_rd r;
    uint8_t ver;
    uint32_t flags;

    memset(fi, 0, sizeof(*fi));
    fi->styp = len >= 8 && memcmp(p + 4, "styp", 4) == 0;
    if (sv_box_find(p, len, 0, "moof/mfhd", &box) != 1 ||
        sv_box_full(&box, &r, &ver, &flags) < 0)
        return SV_EFORMAT;
    fi->seq = sv_rd_u32(&r);
    if (r.err)
        return SV_EFORMAT;
    if (sv_box_find(p, len, 0, "moof/traf/tfdt", &box) != 1 ||
        sv_box_full(&box, &r, &ver, &flags) < 0)
        return SV_EFORMAT;
    fi->bmdt = ver == 1 ? sv_rd_u64(&r) : sv_rd_u32(&r);
    return r.err ? SV_EFORMAT : 0;
}

static int
track_id(const uint8_t *p, size_t len, uint32_t *id)
{
    struct sv_box box;
    struct sv_rd r;
    uint8_t ver;
    uint32_t flags;

    if (sv_box_find(p, len, 0, "moov/trak/tkhd", &box) != 1 ||
        sv_box_full(&box, &r, &ver, &flags) < 0)
        return SV_EFORMAT;
    sv_rd_skip(&r, ver == 1 ? 16 : 8);
    *id = sv_rd_u32(&r);
    return r.err ? SV_EFORMAT : 0;
}

struct rend {
    const char *id;
    uint32_t timescale;
    int64_t media_time;
    uint32_t track;
    struct sv_buf init[2];      /* of A and B, from the first segment */
    uint64_t bytes[3];          /* original, A, B */
    int nseg;
};

/*
 * One variant of one segment: the re-encode as a CMAF fragment in frag,
 * its init segment in init.  time: the segment's first composition time,
 * ticks its duration.
 */
static int
variant(const struct sv_wmark_embed *e, struct rend *rd, const struct sv_buf *src,
        const struct frag_info *fi, int64_t time, uint32_t ticks,
        struct mark *mk, struct sv_buf *init, struct sv_buf *frag,
        char *err, size_t size)
{
    struct sv_av_reenc_cfg cfg = { e->crf, e->preset };
    struct sv_av_reenc out;
    struct sv_demux_stream st;
    struct sv_codec_cfg cc;
    struct sv_fmp4_track t;
    struct sv_fmp4_sample *s = NULL;
    struct sv_buf data;
    uint32_t dur, last;
    int64_t c0;
    long n;
    int rc;

    rc = sv_av_reencode(src->data, src->len, &cfg, mark_frame, mk, &out);
    if (rc < 0) {
        snprintf(err, size, "cannot re-encode a segment of '%s': %s", rd->id,
                 sv_strerror(rc));
        return rc;
    }
    memset(&st, 0, sizeof(st));
    st.kind = SV_KIND_VIDEO;
    st.codec = SV_CODEC_H264;
    st.codec_name = "h264";
    st.width = out.width;
    st.height = out.height;
    st.bit_depth = 8;
    st.chroma_420 = 1;
    st.extradata = out.extradata;
    st.extradata_len = out.extralen;
    st.language = "und";
    rc = sv_codec_cfg_make(&cc, &st, out.npkt > 0 ? out.pkt[0].data : NULL,
                           out.npkt > 0 ? out.pkt[0].size : 0);
    if (rc < 0) {
        snprintf(err, size, "no H.264 configuration from the encoder");
        goto done;
    }
    memset(&t, 0, sizeof(t));
    t.id = rd->track;
    t.video = 1;
    t.timescale = rd->timescale;
    t.width = out.width;
    t.height = out.height;
    t.cfg = &cc;
    t.language = "und";
    t.media_time = rd->media_time;
    rc = sv_fmp4_init(init, &t);
    if (rc < 0)
        goto done;
    /* the same frame times as the original: decode times from its tfdt,
     * composition times from its first one on, one frame apart */
    dur = ticks / (uint32_t)out.npkt;
    last = ticks - dur * (uint32_t)(out.npkt - 1);
    c0 = time - (int64_t)fi->bmdt;
    s = calloc(out.npkt, sizeof(*s));
    sv_buf_init(&data, SEG_MAX);
    if (s == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < out.npkt; i++) {
        n = sv_codec_sample(&cc, out.pkt[i].data, out.pkt[i].size, &data);
        if (n < 0) {
            rc = (int)n;
            goto done;
        }
        s[i].size = (uint32_t)n;
        s[i].duration = i + 1 == out.npkt ? last : dur;
        s[i].flags = out.pkt[i].key ? SV_FMP4_SYNC : SV_FMP4_NONSYNC;
        s[i].cto = (int32_t)(c0 + (out.pkt[i].rank - (int64_t)i) *
                             (int64_t)dur);
    }
    if (fi->styp)
        rc = sv_fmp4_styp(frag);
    if (rc == 0)
        rc = sv_fmp4_fragment(frag, fi->seq, &t, fi->bmdt, s, out.npkt);
    if (rc == 0)
        rc = sv_buf_append(frag, data.data, data.len);
    if (rc < 0)
        snprintf(err, size, "cannot write a fragment of '%s': %s", rd->id,
                 sv_strerror(rc));
done:
    if (rc < 0 && err[0] == '\0')
        snprintf(err, size, "cannot mark '%s': %s", rd->id, sv_strerror(rc));
    sv_buf_release(&data);
    free(s);
    sv_av_reenc_release(&out);
    return rc;
}

static int
same(const struct sv_buf *a, const struct sv_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static int
embed_rendition(const struct sv_wmark_embed *e, json_t *r, struct rend *rd,
                char *err, size_t size)
{
    const char *init_uri = json_string_value(json_object_get(r, "init"));
    json_t *segs = json_object_get(r, "segments"), *sg;
    struct sv_buf src, init, frag;
    struct frag_info fi;
    struct mark mk;
    size_t i, initlen;
    int rc, v;

    if (init_uri == NULL || !json_is_array(segs)) {
        snprintf(err, size, "rendition '%s' has no init or segments", rd->id);
        return SV_EFORMAT;
    }
    sv_buf_init(&src, SEG_MAX);
    sv_buf_init(&init, SEG_MAX);
    sv_buf_init(&frag, SEG_MAX);
    rc = sv__wmark_read_into(e->dir, init_uri, &src, err, size);
    if (rc < 0)
        goto done;
    initlen = src.len;
    rc = track_id(src.data, src.len, &rd->track);
    if (rc < 0) {
        snprintf(err, size, "bad init segment '%s'", init_uri);
        goto done;
    }
    json_array_foreach(segs, i, sg) {
        const char *uri = json_string_value(json_object_get(sg, "uri"));
        json_int_t number = json_integer_value(json_object_get(sg, "number"));
        json_int_t time = json_integer_value(json_object_get(sg, "time"));
        json_int_t ticks = json_integer_value(json_object_get(sg, "ticks"));

        if (uri == NULL || ticks <= 0 || number < 0) {
            snprintf(err, size, "rendition '%s': bad segment %zu", rd->id, i);
            rc = SV_EFORMAT;
            goto done;
        }
        src.len = initlen;
        rc = sv__wmark_read_into(e->dir, uri, &src, err, size);
        if (rc < 0)
            goto done;
        rd->bytes[0] += src.len - initlen;
        rc = parse_fragment(src.data + initlen, src.len - initlen, &fi);
        if (rc < 0) {
            snprintf(err, size, "bad media segment '%s'", uri);
            goto done;
        }
        rc = sv_wmark_pattern(e->key, e->keylen, (uint64_t)number, mk.cells);
        if (rc < 0)
            goto done;
        mk.amplitude = e->amplitude;
        for (v = 0; v < 2; v++) {
            mk.sign = v == 0 ? 1 : -1;
            sv_buf_reset(&init);
            sv_buf_reset(&frag);
            rc = variant(e, rd, &src, &fi, time, (uint32_t)ticks, &mk, &init,
                         &frag, err, size);
            if (rc < 0)
                goto done;
            if (rd->init[v].len == 0) {
                rc = sv_buf_append(&rd->init[v], init.data, init.len);
                if (rc < 0)
                    goto done;
            } else if (!same(&rd->init[v], &init)) {
                /* the encoder chose other parameter sets: not drop-in */
                snprintf(err, size, "segment '%s': the re-encode's parameter "
                         "sets differ from the first segment's", uri);
                rc = SV_EINTERNAL;
                goto done;
            }
            rc = write_file(e->dir, uri, v == 0 ? 'a' : 'b', &frag, err,
                            size);
            if (rc < 0)
                goto done;
            rd->bytes[1 + v] += frag.len;
        }
        rd->nseg++;
        if (sv_log_level() >= SV_LOG_DEBUG)
            sv_log_debug("marked %s (%zu bytes, B %zu)", uri,
                         src.len - initlen, frag.len);
    }
    if (!same(&rd->init[0], &rd->init[1])) {
        snprintf(err, size, "rendition '%s': A and B need different init "
                 "segments", rd->id);
        rc = SV_EINTERNAL;
        goto done;
    }
    rc = write_file(e->dir, init_uri, 'a', &rd->init[0], err, size);
    if (rc == 0)
        rc = write_file(e->dir, init_uri, 'b', &rd->init[1], err, size);
done:
    sv_buf_release(&src);
    sv_buf_release(&init);
    sv_buf_release(&frag);
    return rc;
}

int
sv_wmark_embed_run(const struct sv_wmark_embed *e, json_t **summary,
                   char *err, size_t size)
{
    char path[PATH_MAX], kid[33];
    json_t *root = NULL, *rends, *r, *out = NULL, *list, *ids;
    struct rend rd;
    size_t i;
    int rc;

    err[0] = '\0';
    rc = join(path, sizeof(path), e->dir, "package.json");
    if (rc == 0)
        rc = sv_json_read_file(path, PKG_MAX, &root, err, size);
    if (rc < 0)
        return rc;
    rends = json_object_get(root, "renditions");
    if (!json_is_array(rends)) {
        snprintf(err, size, "bad package '%s': no renditions", e->dir);
        rc = SV_EFORMAT;
        goto done;
    }
    if (!json_is_null(json_object_get(root, "encryption")) &&
        json_object_get(root, "encryption") != NULL) {
        snprintf(err, size, "package '%s' is encrypted: watermark it first, "
                 "then encrypt", e->dir);
        rc = SV_EUSAGE;
        goto done;
    }
    if (json_object_get(root, "watermark") != NULL &&
        !json_is_null(json_object_get(root, "watermark"))) {
        snprintf(err, size, "package '%s' is watermarked already", e->dir);
        rc = SV_EEXIST;
        goto done;
    }
    if (strcmp(json_string_value(json_object_get(root, "segment_format")) ?
               json_string_value(json_object_get(root, "segment_format")) :
               "", "fmp4") != 0) {
        snprintf(err, size, "package '%s': only fMP4 segments can be "
                 "watermarked", e->dir);
        rc = SV_EFORMAT;
        goto done;
    }
    rc = sv_wmark_key_id(e->key, e->keylen, kid);
    if (rc < 0)
        goto done;
    list = json_array();
    ids = json_array();
    out = json_pack("{s:s,s:s,s:o}", "package", e->dir, "key_id", kid,
                    "renditions", list);
    json_array_foreach(rends, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "type")) ?
                   json_string_value(json_object_get(r, "type")) : "",
                   "video") != 0)
            continue;
        if (json_is_true(json_object_get(r, "single_file"))) {
            snprintf(err, size, "package '%s': single-file renditions cannot "
                     "be watermarked", e->dir);
            rc = SV_EFORMAT;
            json_decref(ids);
            goto done;
        }
        memset(&rd, 0, sizeof(rd));
        rd.id = json_string_value(json_object_get(r, "id"));
        rd.id = rd.id != NULL ? rd.id : "?";
        rd.timescale = (uint32_t)json_integer_value(json_object_get(r,
                                                    "timescale"));
        rd.media_time = json_integer_value(json_object_get(r, "media_time"));
        sv_buf_init(&rd.init[0], SEG_MAX);
        sv_buf_init(&rd.init[1], SEG_MAX);
        rc = rd.timescale > 0 ? embed_rendition(e, r, &rd, err, size)
                              : SV_EFORMAT;
        sv_buf_release(&rd.init[0]);
        sv_buf_release(&rd.init[1]);
        if (rc < 0) {
            if (err[0] == '\0')
                snprintf(err, size, "rendition '%s': no timescale", rd.id);
            json_decref(ids);
            goto done;
        }
        json_array_append_new(ids, json_string(rd.id));
        json_array_append_new(list, json_pack("{s:s,s:i,s:I,s:I,s:I}", "id",
                              rd.id, "segments", rd.nseg, "bytes",
                              (json_int_t)rd.bytes[0], "bytes_a",
                              (json_int_t)rd.bytes[1], "bytes_b",
                              (json_int_t)rd.bytes[2]));
    }
    if (json_array_size(ids) == 0) {
        snprintf(err, size, "package '%s' has no video to watermark", e->dir);
        json_decref(ids);
        rc = SV_ENOMEDIA;
        goto done;
    }
    json_object_set_new(root, "watermark", json_pack(
        "{s:s,s:s,s:[s,s],s:s,s:f,s:[i,i],s:i,s:s,s:o}", "scheme",
        SV_WMARK_SCHEME, "key_id", kid, "variants", "a", "b", "path",
        "<dir>/<variant>/<name>", "amplitude", e->amplitude, "grid",
        SV_WMARK_GX, SV_WMARK_GY, "crf", e->crf, "preset", e->preset,
        "renditions", ids));
    rc = sv_json_write_file(path, root, 1);
    if (rc < 0)
        snprintf(err, size, "cannot write '%s': %s", path, sv_strerror(rc));
done:
    json_decref(root);
    if (rc < 0)
        json_decref(out);
    else
        *summary = out;
    return rc;
}
