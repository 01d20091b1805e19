/* fuzz_cenc.c -- init and media segments through lib/drm/cenc.c, both ways
 * (decrypting reads senc, saiz and tenc from files sv-drm did not write);
 * an init followed by segments is decrypted with what its tenc says, and
 * the last byte of the input is one more cbcs pattern to try; the seig
 * sample groups of key rotation are read (sgpd) and written (rotate) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drm/cenc.h"

static void
segment_with(const struct sv_cenc_track *track, const uint8_t *data,
             size_t size, int encrypt)
{
    struct sv_buf out = SV_BUF_INIT(1 << 24);
    struct sv_cenc_track t = *track;
    uint8_t *copy;
    char err[256];

    copy = malloc(size + 1);
    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    sv_cenc_segment(&t, encrypt, copy, size, &out, err, sizeof(err));
    sv_buf_release(&out);
    free(copy);
}

static void
segment(const uint8_t *data, size_t size, int encrypt, int scheme, int video)
{
    struct sv_buf out = SV_BUF_INIT(1 << 24);
    struct sv_cenc_track t;
    uint8_t *copy;
    char err[256];

    copy = malloc(size + 1);
    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    memset(&t, 0, sizeof(t));
    t.scheme = scheme;
    t.video = video;
    t.nal_len = video ? 4 : 0;
    t.iv_size = scheme == SV_CENC_CENC ? 8 : 0;
    t.crypt = 1;
    t.skip = video ? 9 : 0;
    memset(t.key, 7, 16);
    /* encrypting under rotation writes seig groups and a moof pssh */
    t.rotate = encrypt;
    t.moof_pssh = data;
    t.moof_pssh_len = size < 64 ? size : 64;
    sv_cenc_segment(&t, encrypt, copy, size, &out, err, sizeof(err));
    sv_buf_release(&out);
    free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_buf out = SV_BUF_INIT(1 << 20);
    struct sv_cenc_track t;
    struct sv_cenc_seig g;
    char err[256];

    /* the key a rotated fragment names, from any sgpd */
    sv_cenc_seig(data, size, &g);
    memset(&t, 0, sizeof(t));
    if (sv_cenc_init(&t, 0, data, size, NULL, 0, &out, err,
                     sizeof(err)) == 0) {
        /* the tenc's scheme, IV sizes and pattern, on the moofs after it */
        memset(t.key, 7, 16);
        segment_with(&t, data, size, 0);
    }
    sv_buf_reset(&out);
    /* any pattern a tenc can hold (4 bits each), on a cbcs video track */
    memset(&t, 0, sizeof(t));
    t.scheme = SV_CENC_CBCS;
    t.video = 1;
    t.nal_len = 4;
    t.crypt = size > 0 ? data[size - 1] >> 4 : 1;
    t.skip = size > 0 ? data[size - 1] & 15 : 9;
    memset(t.key, 7, 16);
    segment_with(&t, data, size, 0);
    segment_with(&t, data, size, 1);
    memset(&t, 0, sizeof(t));
    t.scheme = SV_CENC_CBCS;
    sv_cenc_init(&t, 1, data, size, (const uint8_t *)"", 0, &out, err,
                 sizeof(err));
    sv_buf_release(&out);
    segment(data, size, 0, SV_CENC_CENC, 1);
    segment(data, size, 0, SV_CENC_CBCS, 0);
    segment(data, size, 1, SV_CENC_CENC, 1);
    segment(data, size, 1, SV_CENC_CBCS, 1);
    return 0;
}
