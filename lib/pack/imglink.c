/* imglink.c -- sv-transcode's thumbnails (sprite sheets, WebVTT, poster)
 * checked and linked into the package as its thumbnails track */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "core/err.h"
#include "core/json.h"
#include "core/slurp.h"
#include "model/images.h"
#include "pack/pack_int.h"

#define MAX_META (1u << 20)
#define MAX_VTT (64u << 20)
#define MAX_SHEET (32u << 20)

static int
put(struct sv__pack *p, const char *rel, const void *data, size_t len)
{
    struct iovec iov = { (void *)data, len };

    return sv_out_put(p->out, rel, &iov, 1);
}

/* thumbnails.json: what the track is; sheets are 10 x 10 where the
 * writer did not say (every sv-transcode so far) */
static int
read_meta(struct sv__pack *p, const char *dir, struct sv_model_images *img)
{
    char path[4096], why[96];
    json_error_t je;
    json_t *o, *v;
    int rc;

    snprintf(path, sizeof(path), "%s/thumbnails.json", dir);
    o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL)
        return sv__fail(p, SV_EFORMAT, "thumbnails '%s': cannot read "
                        "thumbnails.json: %s", dir, je.text);
    memset(img, 0, sizeof(*img));
    img->sheets = (int)json_integer_value(json_object_get(o, "sheets"));
    img->cells = (int)json_integer_value(json_object_get(o, "cells"));
    img->cell_w = (int)json_integer_value(json_object_get(o, "width"));
    img->cell_h = (int)json_integer_value(json_object_get(o, "height"));
    img->interval = json_number_value(json_object_get(o, "interval"));
    v = json_object_get(o, "columns");
    img->cols = v != NULL ? (int)json_integer_value(v) : 10;
    v = json_object_get(o, "rows");
    img->rows = v != NULL ? (int)json_integer_value(v) : 10;
    json_decref(o);
    rc = sv_images_check(img, why, sizeof(why));
    if (rc < 0)
        return sv__fail(p, rc, "thumbnails '%s': thumbnails.json: %s", dir,
                        why);
    return 0;
}

static int
copy(struct sv__pack *p, const char *dir, const char *name, int jpeg,
     uint64_t *bytes)
{
    char path[4096], rel[128];
    char *data;
    size_t len;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rc = sv_slurp(path, MAX_SHEET, &data, &len);
    if (rc < 0)
        return sv__fail(p, rc, "thumbnails '%s': cannot read %s: %s", dir,
                        name, sv_strerror(rc));
    if (jpeg && (len < 4 || memcmp(data, "\xff\xd8\xff", 3) != 0)) {
        free(data);
        return sv__fail(p, SV_EFORMAT, "thumbnails '%s': %s is not a JPEG",
                        dir, name);
    }
    snprintf(rel, sizeof(rel), "%s/%s", SV_MODEL_IMG_DIR, name);
    rc = put(p, rel, data, len);
    free(data);
    if (rc < 0)
        return sv__fail(p, rc, "cannot write '%s': %s", rel,
                        sv_strerror(rc));
    if (bytes != NULL)
        *bytes += len;
    return 0;
}

int
sv__images_link(struct sv__pack *p, const char *dir)
{
    struct sv_model_images img;
    struct sv_buf pl = SV_BUF_INIT(1 << 20);
    char path[4096], name[32], why[128];
    char *vtt = NULL;
    size_t len;
    int rc, s;
    FILE *f;

    rc = read_meta(p, dir, &img);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof(path), "%s/thumbnails.vtt", dir);
    rc = sv_slurp(path, MAX_VTT, &vtt, &len);
    if (rc < 0)
        return sv__fail(p, rc, "thumbnails '%s': cannot read "
                        "thumbnails.vtt: %s", dir, sv_strerror(rc));
    rc = sv_images_vtt_check(&img, vtt, len, why, sizeof(why));
    if (rc < 0) {
        free(vtt);
        return sv__fail(p, rc, "thumbnails '%s': thumbnails.vtt: %s", dir,
                        why);
    }
    /* the sheets first, then the track and the playlist that name them */
    for (s = 0; rc == 0 && s < img.sheets; s++) {
        snprintf(name, sizeof(name), "sprite-%03d.jpg", s);
        rc = copy(p, dir, name, 1, &img.bytes);
    }
    snprintf(path, sizeof(path), "%s/poster.jpg", dir);
    f = rc == 0 ? fopen(path, "rb") : NULL;
    if (f != NULL) {
        fclose(f);
        rc = copy(p, dir, "poster.jpg", 1, NULL);
        img.poster = rc == 0;
    }
    if (rc == 0) {
        rc = put(p, SV_MODEL_IMG_VTT, vtt, len);
        if (rc < 0)
            sv__fail(p, rc, "cannot write '%s': %s", SV_MODEL_IMG_VTT,
                     sv_strerror(rc));
    }
    free(vtt);
    if (rc < 0)
        return rc;
    p->m.img = img;
    if (p->o->hls) {
        rc = sv_images_hls_playlist(&p->m, &pl);
        if (rc == 0)
            rc = put(p, SV_MODEL_IMG_PLAYLIST, pl.data, pl.len);
        sv_buf_release(&pl);
        if (rc < 0)
            return sv__fail(p, rc, "cannot write '%s': %s",
                            SV_MODEL_IMG_PLAYLIST, sv_strerror(rc));
    }
    return 0;
}
