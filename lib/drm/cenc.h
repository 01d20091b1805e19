/* cenc.h -- ISO/IEC 23001-7 Common Encryption of CMAF tracks (cenc, cbcs) */
#ifndef SV_DRM_CENC_H
#define SV_DRM_CENC_H

#include <stddef.h>
#include <stdint.h>

#include "container/box.h"
#include "core/buf.h"

enum sv_cenc_scheme { SV_CENC_CENC = 1, SV_CENC_CBCS = 2 };

/*
 * One track of a package, described by its init segment.  For encryption
 * the caller sets scheme, kid, key and iv, and sv_cenc_init() fills the
 * rest; for decryption sv_cenc_init() reads scheme, kid, iv sizes and the
 * constant IV from the tenc box and the caller sets key.
 */
struct sv_cenc_track {
    enum sv_cenc_scheme scheme;
    uint8_t kid[16];
    uint8_t key[16];
    uint8_t iv[16];             /* cbcs: the constant IV; cenc: first IV */
    int iv_size;                /* per-sample IV size (cenc 8, cbcs 0) */
    int crypt, skip;            /* cbcs pattern in blocks (1:9 for video) */
    int video;
    uint32_t format;            /* the clear sample entry type (avc1...) */
    int nal_len;                /* NAL length size; 0: full samples */
    int hevc;
    struct sv_trex trex;
    uint64_t counter;           /* cenc: samples encrypted so far */
    /* key rotation (encrypting): each traf names kid in a 'seig' sample
     * group (sgpd + sbgp) and each moof carries moof_pssh (whole pssh
     * boxes, borrowed); the caller changes kid, key and moof_pssh at
     * crypto period boundaries */
    int rotate;
    const uint8_t *moof_pssh;
    size_t moof_pssh_len;
};

/* The first 'seig' sample group entry of a fragment (key rotation). */
struct sv_cenc_seig {
    uint8_t kid[16];
    int is_protected;
    int iv_size;                /* per-sample IV size; 0: constant iv */
    int crypt, skip;
    uint8_t iv[16];             /* constant IV (zero padded) */
};

/*
 * Finds the key of a media segment under rotation: the first 'seig'
 * entry of an sgpd box in the first traf of a moof of in.  Returns 1 and
 * fills g, 0 when the segment has none (the tenc key applies), or
 * SV_EFORMAT for a malformed sgpd.
 */
int sv_cenc_seig(const uint8_t *in, size_t len, struct sv_cenc_seig *g);

/*
 * Rewrites an init segment (ftyp+moov, one track).  Encrypting: the sample
 * entry becomes encv/enca with sinf (frma, schm, schi/tenc), and the pssh
 * boxes (pssh_len bytes of whole boxes) go at the end of moov; a package
 * already encrypted is SV_EEXIST.  Decrypting: fills t from the tenc and
 * writes the clear sample entry, dropping sinf and pssh; a clear init is
 * SV_ENOMEDIA.  Appends to out.  On failure writes a message into err.
 */
int sv_cenc_init(struct sv_cenc_track *t, int encrypt, const uint8_t *in,
                 size_t len, const uint8_t *pssh, size_t pssh_len,
                 struct sv_buf *out, char *err, size_t size);

/*
 * Rewrites one media segment (styp? (moof mdat)+).  in is changed in place
 * (the samples).  Encrypting adds saiz, saio and senc to each traf (and
 * under t->rotate the seig sample group and the moof's pssh boxes) and
 * moves the trun data offsets; decrypting reads senc and removes them
 * with any sample groups and pssh.
 * Appends the new segment to out.  Returns 0 or a negative code with a
 * message in err.
 */
int sv_cenc_segment(struct sv_cenc_track *t, int encrypt, uint8_t *in,
                    size_t len, struct sv_buf *out, char *err, size_t size);

#endif
