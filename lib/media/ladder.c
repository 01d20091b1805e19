/* ladder.c -- parse ladder specs and presets, fit rungs to a source */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/parse.h"
#include "core/slurp.h"
#include "media/ladder.h"

const char *const sv_ladder_presets[] = {
    "default", "live", "mobile", "hd", "uhd", "sd", NULL,
};

/* keep in the order of sv_ladder_presets */
static const char *const preset_specs[] = {
    "1080p:5000k,720p:2800k,480p:1400k,360p:800k",
    "1080p:4500k,720p:2500k,360p:700k",
    "720p:1800k,480p:900k,360p:500k,240p:250k",
    "1080p:5000k,720p:2800k",
    "2160p:16000k,1440p:9000k,1080p:5000k,720p:2800k",
    "480p:1400k,360p:800k,240p:300k",
};

const char *
sv_ladder_preset_spec(const char *name)
{
    int i;

    for (i = 0; sv_ladder_presets[i] != NULL; i++)
        if (strcmp(name, sv_ladder_presets[i]) == 0)
            return preset_specs[i];
    return NULL;
}

/* Parses a decimal dimension in [16, SV_LADDER_MAX_DIM] from s..end. */
static int
dim(const char *s, const char *end, int *out)
{
    int v = 0;

    if (s == end || end - s > 5)
        return -1;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    if (v < 16 || v > SV_LADDER_MAX_DIM)
        return -1;
    *out = v;
    return 0;
}

static int
parse_rung(const char *s, size_t len, struct sv_rung *r, char *err,
           size_t size)
{
    char buf[64];
    const char *colon, *x, *end;

    memset(r, 0, sizeof(*r));
    r->crf = -1;
    if (len == 0) {
        snprintf(err, size, "empty rung");
        return SV_EUSAGE;
    }
    if (len >= sizeof(buf)) {
        snprintf(err, size, "rung too long");
        return SV_EUSAGE;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    colon = strchr(buf, ':');
    if (colon == NULL) {
        snprintf(err, size, "rung '%s' has no bitrate (want 720p:2800k)",
                 buf);
        return SV_EUSAGE;
    }
    end = colon;
    x = memchr(buf, 'x', (size_t)(end - buf));
    if (x != NULL) {
        if (dim(buf, x, &r->req_w) < 0 || dim(x + 1, end, &r->req_h) < 0)
            goto bad_size;
    } else {
        if (end == buf || end[-1] != 'p' || dim(buf, end - 1, &r->req_h) < 0)
            goto bad_size;
    }
    if (sv_parse_bitrate(colon + 1, &r->bitrate) < 0 ||
        r->bitrate < 16000 || r->bitrate > 500000000) {
        snprintf(err, size, "rung '%s': bitrate must be 16k to 500M", buf);
        return SV_EUSAGE;
    }
    return 0;
bad_size:
    snprintf(err, size,
             "rung '%s': size must be like 720p or 1280x720 (16 to %d)",
             buf, SV_LADDER_MAX_DIM);
    return SV_EUSAGE;
}

#define LADDER_JSON_MAX (4 << 20)    /* the curves make it long */

int
sv_ladder_parse_json(const char *text, size_t len, struct sv_ladder *out,
                     char *err, size_t size)
{
    char spec[SV_LADDER_MAX * 32] = "";
    json_error_t je;
    json_t *root, *rungs, *r;
    size_t i, n;
    int rc = SV_EUSAGE;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(err, size, "not JSON: %s (line %d)", je.text, je.line);
        return SV_EUSAGE;
    }
    rungs = json_object_get(root, "ladder");
    if (!json_is_array(rungs) || json_array_size(rungs) == 0) {
        snprintf(err, size, "no \"ladder\" array of rungs");
        goto out;
    }
    n = json_array_size(rungs);
    if (n > SV_LADDER_MAX) {
        snprintf(err, size, "more than %d rungs", SV_LADDER_MAX);
        goto out;
    }
    json_array_foreach(rungs, i, r) {
        json_t *res = json_object_get(r, "res");
        json_t *br = json_object_get(r, "bitrate");

        if (!json_is_integer(res) || !json_is_integer(br) ||
            json_integer_value(res) < 16 ||
            json_integer_value(res) > SV_LADDER_MAX_DIM ||
            json_integer_value(br) < 16000 ||
            json_integer_value(br) > 500000000) {
            snprintf(err, size, "rung %zu: want \"res\" (16 to %d) and "
                     "\"bitrate\" (16000 to 500000000) as integers", i,
                     SV_LADDER_MAX_DIM);
            goto out;
        }
        snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
                 "%s%lldp:%lld", i ? "," : "",
                 (long long)json_integer_value(res),
                 (long long)json_integer_value(br));
    }
    rc = sv_ladder_parse(spec, out, err, size);
    /* the quality each rung was chosen at, when the file has it */
    json_array_foreach(rungs, i, r) {
        json_t *crf = json_object_get(r, "crf");

        if (rc < 0 || crf == NULL)
            continue;
        if (!json_is_integer(crf) || json_integer_value(crf) < 0 ||
            json_integer_value(crf) > 63) {
            snprintf(err, size, "rung %zu: \"crf\" wants an integer 0 to 63",
                     i);
            rc = SV_EUSAGE;
            break;
        }
        out->r[i].crf = (int)json_integer_value(crf);
    }
out:
    json_decref(root);
    return rc;
}

/* --ladder @FILE */
static int
parse_file(const char *path, struct sv_ladder *out, char *err, size_t size)
{
    char *text, why[200];
    size_t len;
    int rc;

    if (*path == '\0') {
        snprintf(err, size, "'@' needs a file name");
        return SV_EUSAGE;
    }
    rc = sv_slurp(path, LADDER_JSON_MAX, &text, &len);
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
        return SV_EUSAGE;
    }
    rc = sv_ladder_parse_json(text, len, out, why, sizeof(why));
    if (rc < 0)
        snprintf(err, size, "'%s': %s", path, why);
    free(text);
    return rc;
}

int
sv_ladder_parse(const char *spec, struct sv_ladder *out, char *err,
                size_t size)
{
    struct sv_ladder l;
    const char *p, *comma, *preset;
    int i, rc;

    if (spec[0] == '@')
        return parse_file(spec + 1, out, err, size);
    memset(&l, 0, sizeof(l));
    preset = sv_ladder_preset_spec(spec);
    if (preset != NULL) {
        spec = preset;
        l.preset = 1;
    }
    for (p = spec;; p = comma + 1) {
        comma = strchr(p, ',');
        if (l.n == SV_LADDER_MAX) {
            snprintf(err, size, "more than %d rungs", SV_LADDER_MAX);
            return SV_EUSAGE;
        }
        rc = parse_rung(p, comma ? (size_t)(comma - p) : strlen(p),
                        &l.r[l.n], err, size);
        if (rc < 0)
            return rc;
        /* one size twice is two rungs at different bitrates (a
         * per-title ladder may keep its top size for two rungs) */
        for (i = 0; i < l.n; i++)
            if (l.r[i].req_w == l.r[l.n].req_w &&
                l.r[i].req_h == l.r[l.n].req_h &&
                l.r[i].bitrate == l.r[l.n].bitrate) {
                snprintf(err, size, "two rungs of the same size and "
                         "bitrate");
                return SV_EUSAGE;
            }
        l.n++;
        if (comma == NULL)
            break;
    }
    *out = l;
    return 0;
}

/* Rounds a positive v to the nearest even integer, at least 2. */
static int
even(double v)
{
    int e = 2 * (int)(v / 2 + 0.5);

    return e < 2 ? 2 : e;
}

/*
 * Sizes r for a landscape (or square) src: cap_h tall, or fitted into the
 * requested box, keeping the aspect ratio, even, never past the source.
 */
static void
size_rung(struct sv_rung *r, int src_w, int src_h, int cap_h)
{
    double h = cap_h, w = (double)src_w * h / src_h;

    if (r->req_w > 0 && w > r->req_w) {
        w = r->req_w;
        h = w * src_h / src_w;
    }
    if (w > src_w) {
        w = src_w;
        h = src_h;
    }
    r->width = even(w);
    r->height = even(h);
    /* rounding up may step past an odd source size: step back down */
    if (r->width > src_w)
        r->width -= 2;
    if (r->height > src_h)
        r->height -= 2;
    if (r->width < 2)
        r->width = 2;
    if (r->height < 2)
        r->height = 2;
    snprintf(r->name, sizeof(r->name), "%dp", r->height);
}

/* Swaps a rung's sizes: portrait sources are sized as landscape ones. */
static void
turn(struct sv_rung *r)
{
    int t = r->width;

    r->width = r->height;
    r->height = t;
}

int
sv_ladder_fit(struct sv_ladder *l, int src_w, int src_h, char *err,
              size_t size)
{
    struct sv_rung keep[SV_LADDER_MAX];
    int i, j, n = 0, smallest = 0, portrait = src_h > src_w;

    if (src_w < 2 || src_h < 2 || src_w > 16384 || src_h > 16384) {
        snprintf(err, size, "source size %dx%d is out of range", src_w,
                 src_h);
        return SV_ELADDER;
    }
    /* "720p" names the short side, so a portrait source gets portrait
     * rungs of the same sizes turned: size it as landscape, turn back */
    if (portrait) {
        int t = src_w;

        src_w = src_h;
        src_h = t;
    }
    for (i = 0; i < l->n; i++) {
        if (l->r[i].req_h < l->r[smallest].req_h)
            smallest = i;
        if (l->r[i].req_h > src_h)
            continue;
        keep[n] = l->r[i];
        size_rung(&keep[n], src_w, src_h, keep[n].req_h);
        n++;
    }
    if (n == 0) {
        if (!l->preset) {
            snprintf(err, size,
                     "no rung fits a %dx%d source without upscaling",
                     src_w, src_h);
            return SV_ELADDER;
        }
        keep[0] = l->r[smallest];
        size_rung(&keep[0], src_w, src_h, src_h);
        n = 1;
    }
    for (i = 0; portrait && i < n; i++)
        turn(&keep[i]);
    /* rungs that end at one size differ by bitrate: the dearer keeps
     * the plain name ("360p"), the others are named by their bitrate
     * too ("360p-400k"), so every rung's files stay apart */
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            if (j == i || keep[i].width != keep[j].width ||
                keep[i].height != keep[j].height)
                continue;
            if (keep[i].bitrate == keep[j].bitrate) {
                snprintf(err, size, "rungs %s and %s end at the same size "
                         "%dx%d and bitrate", keep[j < i ? j : i].name,
                         keep[j < i ? i : j].name, keep[i].width,
                         keep[i].height);
                return SV_ELADDER;
            }
            if (keep[j].bitrate > keep[i].bitrate) {
                snprintf(keep[i].name, sizeof(keep[i].name), "%dp-%lldk",
                         portrait ? keep[i].width : keep[i].height,
                         (long long)(keep[i].bitrate / 1000));
                break;
            }
        }
    memcpy(l->r, keep, sizeof(keep[0]) * (size_t)n);
    l->n = n;
    return 0;
}
