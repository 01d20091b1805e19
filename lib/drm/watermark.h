/* watermark.h -- A/B forensic watermarking: the keyed mark, the viewer's
 * code, embedding into a package and detection in a capture
 *
 * The mark.  Segment number s of a marked rendition exists twice, as
 * variant A and variant B.  Each carries a keyed pattern P_s: a grid of
 * SV_WMARK_GX x SV_WMARK_GY cells over the whole picture (so the pattern
 * scales with the picture), each cell +1 or -1 from HMAC-SHA256(key,
 * "sv-wmark-pattern" | s), interpolated bilinearly between cell centres,
 * i.e. a smooth low-frequency spread-spectrum pattern in the spatial
 * domain of the luma.  A adds +amplitude * P_s to every luma sample, B
 * adds -amplitude * P_s.  Low frequencies are what scaling to another size
 * and re-encoding at a high CRF keep.
 *
 * The code.  Viewer u (a token subject) gets bit b_u(s) for segment s:
 * bit s mod 256 of HMAC-SHA256(key, "sv-wmark-code" | u | s div 256), a
 * keyed random binary code (any two viewers differ in half their bits).
 * 0 means variant A, 1 variant B.
 *
 * Detection (informed: the detector has both variants).  For segment s
 * with capture pictures C and variants A and B (all scaled to one small
 * size), rho_s = corr(C - (A+B)/2, A - B) over the segment's frames, with
 * each frame's mean removed.  bit s is B when rho_s < -threshold, A when
 * rho_s > threshold, unknown in between.  For a candidate viewer with n
 * known bits of which k agree, an innocent viewer's code is independent
 * of the capture, so k ~ Binomial(n, 1/2) for them; the probability that
 * an innocent one agrees as well or better is tail(n, k) = sum_{i>=k}
 * C(n,i) 2^-n, and with m candidates the false-accusation probability is
 * at most m * tail(n, k) (union bound).  A viewer is named when that is
 * at most max_false; with no bit errors that takes
 * n >= log2(m / max_false) segments.
 */
#ifndef SV_DRM_WATERMARK_H
#define SV_DRM_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

#define SV_WMARK_GX 16
#define SV_WMARK_GY 9
#define SV_WMARK_KEY_MIN 16             /* bytes of key, at least */
#define SV_WMARK_SCHEME "sv-ab1"
#define SV_WMARK_VIEWERS_MAX 65536      /* candidates for one detect */

/* The pattern of segment number s: GX*GY cells of +1 or -1. */
int sv_wmark_pattern(const void *key, size_t keylen, uint64_t s,
                     int8_t cells[SV_WMARK_GY][SV_WMARK_GX]);

/*
 * Adds sign * amplitude * pattern to the luma plane y (width x height,
 * stride bytes a row), rounding and clamping to 0..255.
 */
void sv_wmark_apply(uint8_t *y, ptrdiff_t stride, int width, int height,
                    const int8_t cells[SV_WMARK_GY][SV_WMARK_GX],
                    double amplitude, int sign);

/* Viewer subject's bit for segment number s: 0 (A) or 1 (B), or < 0. */
int sv_wmark_bit(const void *key, size_t keylen, const char *subject,
                 uint64_t s);

/* The variant letter of a bit: 'a' or 'b'. */
#define SV_WMARK_VARIANT(bit) ((bit) ? 'b' : 'a')

/*
 * ln of tail(n, k) = P(X >= k) for X ~ Binomial(n, 1/2); 0 for k <= 0.
 */
double sv_wmark_log_tail(int n, int k);

/*
 * Reads a watermark key file: at least SV_WMARK_KEY_MIN bytes, a trailing
 * newline dropped.  On success *key is malloc'd (wipe and free it).
 * Returns 0 or a negative code with the reason in err.
 */
int sv_wmark_key_read(const char *path, uint8_t **key, size_t *len,
                      char *err, size_t size);

/* The key's id: the first 16 bytes of SHA-256(key), as 32 hex digits. */
int sv_wmark_key_id(const void *key, size_t keylen, char out[33]);

/*
 * Parses a list of candidate viewers: one subject a line, leading blanks
 * dropped, blank lines and '#' comments skipped.  text (len bytes, with a
 * NUL at text[len]) is cut in place; *list (malloc'd, free it) points into
 * it.  At most SV_WMARK_VIEWERS_MAX.  0 or a negative code with the reason
 * in err.
 */
int sv_wmark_viewers_parse(char *text, size_t len, const char ***list,
                           size_t *n, char *err, size_t size);

/* ---- embedding (wm_embed.c) ---- */

struct sv_wmark_embed {
    const char *dir;                /* the package */
    const uint8_t *key;
    size_t keylen;
    double amplitude;               /* luma levels */
    int crf;
    const char *preset;
};

/*
 * Writes variants A and B of every video segment of every rendition of the
 * package e->dir: "<dir>/a/<name>" and "<dir>/b/<name>" beside each
 * "<dir>/<name>" (the init segment too: the variants' own, the same for A
 * and B), and records the mark under "watermark" in package.json.  Refuses
 * encrypted packages (mark first, then encrypt).  *summary: a new JSON
 * object.  Returns 0 or a negative code with the reason in err.
 */
int sv_wmark_embed_run(const struct sv_wmark_embed *e, json_t **summary,
                       char *err, size_t size);

/* ---- detection (wm_detect.c) ---- */

struct sv_wmark_detect {
    const char *capture;            /* a recording of a playback */
    const char *dir;                /* the marked package */
    const uint8_t *key;
    size_t keylen;
    const char *const *viewers;     /* candidate subjects */
    size_t nviewers;
    double threshold;               /* |rho| below: bit unknown */
    double max_false;               /* name a viewer at most this likely
                                       to be wrong */
};

/*
 * Recovers the A/B sequence from e->capture (its first picture taken as
 * the start of the package's first segment), scores every candidate and
 * names the best one when its false-accusation probability is at most
 * e->max_false.  *result: a new JSON object.  Returns 0 or a negative code
 * with the reason in err.
 */
int sv_wmark_detect_run(const struct sv_wmark_detect *e, json_t **result,
                        char *err, size_t size);

/*
 * What detection relies on in a package.json (root) before it decodes
 * anything: a watermark record under this key (SV_EUSAGE when the package
 * was marked under another), and for every marked rendition an init
 * segment and segments with safe relative names (no "..", not absolute)
 * whose variant names fit a path under dir, a positive frame rate,
 * timescale and duration (ticks) and a segment number.  *segments: the
 * marked renditions' segments, all together.  0 or a negative code with
 * the reason in err.
 */
int sv_wmark_package_check(const json_t *root, const char *dir,
                           const uint8_t *key, size_t keylen,
                           size_t *segments, char *err, size_t size);

/*
 * The scoring on its own: rho[0..n) as above, codes[v][0..n) the bits of
 * candidate v.  Fills *best (-1 for none), *agree and *known for it and
 * returns ln of its false-accusation bound.
 */
double sv_wmark_score(const double *rho, size_t n, double threshold,
                      const uint8_t *const *codes, size_t ncand, int *best,
                      int *agree, int *known);

#endif
