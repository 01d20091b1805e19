/* box.h -- ISO BMFF boxes: a writer into an sv_buf and a bounded reader
 *
 * The writer nests boxes on a small stack and patches their sizes when they
 * close; its error is sticky, so a run of writes can be checked once at the
 * end with sv_boxw_finish().  The reader never reads outside the bytes it is
 * given: every box, field and sample table is checked against its parent's
 * bounds, and anything that does not fit is SV_EFORMAT.  Both are used by
 * the segmenter (lib/pack) and by encryption (sv-drm: senc/saiz/saio/pssh
 * are written with the same calls and found with the same iterator).
 */
#ifndef SV_PACK_BOX_H
#define SV_PACK_BOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Four-character codes as host integers: SV_FOURCC('m','o','o','v'). */
#define SV_FOURCC(a, b, c, d)                                               \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | \
     (uint32_t)(d))

/* "moov" -> fourcc; s must have at least 4 characters. */
uint32_t sv_fourcc(const char *s);

/* fourcc -> printable 4-character string in buf (>= 5 bytes). */
const char *sv_fourcc_str(uint32_t type, char *buf);

#define SV_BOXW_DEPTH 16

/* ---- writer ---- */

struct sv_boxw {
    struct sv_buf *b;               /* not owned */
    size_t open[SV_BOXW_DEPTH];     /* offsets of open boxes' size fields */
    int depth;
    int err;                        /* first error; later calls do nothing */
};

/* Starts writing boxes at the end of b (which the caller owns). */
void sv_boxw_init(struct sv_boxw *w, struct sv_buf *b);

/* Opens a box (32-bit size patched on close). */
void sv_boxw_open(struct sv_boxw *w, uint32_t type);

/* Opens a full box: the header plus version and 24-bit flags. */
void sv_boxw_open_full(struct sv_boxw *w, uint32_t type, uint8_t version,
                       uint32_t flags);

/* Closes the innermost open box and writes its size. */
void sv_boxw_close(struct sv_boxw *w);

void sv_boxw_u8(struct sv_boxw *w, uint8_t v);
void sv_boxw_u16(struct sv_boxw *w, uint16_t v);
void sv_boxw_u24(struct sv_boxw *w, uint32_t v);
void sv_boxw_u32(struct sv_boxw *w, uint32_t v);
void sv_boxw_u64(struct sv_boxw *w, uint64_t v);
void sv_boxw_bytes(struct sv_boxw *w, const void *p, size_t len);
void sv_boxw_zeros(struct sv_boxw *w, size_t len);
/* Writes a NUL-terminated string including its terminator. */
void sv_boxw_cstr(struct sv_boxw *w, const char *s);

/* Offset of the next byte to be written (to patch fields later). */
size_t sv_boxw_pos(const struct sv_boxw *w);

/* Overwrites 4 bytes at pos (a field written earlier), big-endian. */
void sv_boxw_patch32(struct sv_boxw *w, size_t pos, uint32_t v);

/*
 * Returns the first error of the run (the buffer has then been released),
 * SV_EINTERNAL when boxes are left open, or 0.
 */
int sv_boxw_finish(struct sv_boxw *w);

/* ---- reader ---- */

/* A bounded cursor over bytes; errors are sticky (rd.err). */
struct sv_rd {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int err;            /* SV_EFORMAT once a read went past the end */
};

void sv_rd_init(struct sv_rd *r, const uint8_t *p, size_t len);
uint8_t sv_rd_u8(struct sv_rd *r);
uint16_t sv_rd_u16(struct sv_rd *r);
uint32_t sv_rd_u24(struct sv_rd *r);
uint32_t sv_rd_u32(struct sv_rd *r);
uint64_t sv_rd_u64(struct sv_rd *r);
/* Returns a pointer to the next len bytes and skips them, or NULL. */
const uint8_t *sv_rd_bytes(struct sv_rd *r, size_t len);
void sv_rd_skip(struct sv_rd *r, size_t len);
size_t sv_rd_left(const struct sv_rd *r);

/* One box as found by the iterator. */
struct sv_box {
    uint32_t type;
    uint64_t offset;        /* of the header, from the start of the file */
    uint64_t size;          /* header + payload */
    size_t hdr;             /* 8, 16 (64-bit size) or +16 for 'uuid' */
    const uint8_t *data;    /* payload */
    size_t len;             /* payload length */
    uint8_t uuid[16];       /* for type 'uuid' */
};

struct sv_box_iter {
    const uint8_t *p;
    size_t len;
    size_t pos;
    uint64_t base;          /* file offset of p[0] */
};

/* Iterates the boxes in p[0..len); base is the file offset of p. */
void sv_box_iter_init(struct sv_box_iter *it, const uint8_t *p, size_t len,
                      uint64_t base);

/*
 * Iterates the children of box, starting skip bytes into its payload (for
 * boxes with fields before their children: stsd 8, a sample entry 8+...).
 * Returns 0 or SV_EFORMAT when skip is past the payload.
 */
int sv_box_iter_children(struct sv_box_iter *it, const struct sv_box *box,
                         size_t skip);

/*
 * Stores the next box in *box.  Returns 1, 0 at the end, or SV_EFORMAT when
 * the header is short, the size is smaller than the header or runs past the
 * parent (size 0, "to the end", is accepted).
 */
int sv_box_next(struct sv_box_iter *it, struct sv_box *box);

/*
 * Finds the first box along a path of types ("moov/trak/mdia/hdlr") in
 * p[0..len) (container boxes only on the way).  Returns 1 and fills *box,
 * 0 when absent, or SV_EFORMAT.
 */
int sv_box_find(const uint8_t *p, size_t len, uint64_t base,
                const char *path, struct sv_box *box);

/* Reads a full box's version and flags; r is left after them. */
int sv_box_full(const struct sv_box *box, struct sv_rd *r, uint8_t *version,
                uint32_t *flags);

/* ---- movie fragments ---- */

/* tfhd flags */
enum {
    SV_TFHD_BASE_DATA_OFFSET = 0x000001,
    SV_TFHD_SDI = 0x000002,
    SV_TFHD_DEFAULT_DURATION = 0x000008,
    SV_TFHD_DEFAULT_SIZE = 0x000010,
    SV_TFHD_DEFAULT_FLAGS = 0x000020,
    SV_TFHD_DURATION_IS_EMPTY = 0x010000,
    SV_TFHD_DEFAULT_BASE_IS_MOOF = 0x020000,
};

/* trun flags */
enum {
    SV_TRUN_DATA_OFFSET = 0x000001,
    SV_TRUN_FIRST_FLAGS = 0x000004,
    SV_TRUN_DURATION = 0x000100,
    SV_TRUN_SIZE = 0x000200,
    SV_TRUN_FLAGS = 0x000400,
    SV_TRUN_CTO = 0x000800,
};

/* sample flags: a sync sample has neither of these set */
#define SV_SAMPLE_NON_SYNC 0x00010000u
#define SV_SAMPLE_DEPENDS_YES 0x01000000u
#define SV_SAMPLE_DEPENDS_NO 0x02000000u

struct sv_tfhd {
    uint32_t flags;
    uint32_t track_id;
    uint64_t base_data_offset;
    uint32_t sdi;
    uint32_t def_duration;
    uint32_t def_size;
    uint32_t def_flags;
};

int sv_tfhd_parse(const struct sv_box *box, struct sv_tfhd *t);

/* trex defaults, used when neither tfhd nor trun gives a value */
struct sv_trex {
    uint32_t track_id;
    uint32_t sdi;
    uint32_t def_duration;
    uint32_t def_size;
    uint32_t def_flags;
};

int sv_trex_parse(const struct sv_box *box, struct sv_trex *t);

/* tfdt: baseMediaDecodeTime */
int sv_tfdt_parse(const struct sv_box *box, uint64_t *bmdt);

/* A trun's header; the sample table stays in the box (bounds-checked). */
struct sv_trun {
    uint8_t version;
    uint32_t flags;
    uint32_t count;
    int32_t data_offset;
    uint32_t first_flags;
    const uint8_t *table;   /* count entries of entry_size bytes */
    size_t entry_size;
};

/*
 * Parses a trun; checks that count entries fit in the box.  Returns 0 or
 * SV_EFORMAT.
 */
int sv_trun_parse(const struct sv_box *box, struct sv_trun *t);

struct sv_sample {
    uint64_t dts;           /* decode time (tfdt + earlier durations) */
    uint32_t duration;
    uint32_t size;
    uint32_t flags;
    int32_t cto;            /* composition offset */
    uint64_t offset;        /* file offset of the sample's bytes */
};

/*
 * Iterates the samples of every trun of one traf, resolving defaults from
 * tfhd and trex (may be NULL) and data offsets from the moof's offset.
 */
struct sv_traf_iter {
    struct sv_tfhd tfhd;
    uint64_t bmdt;
    int have_tfdt;
    struct sv_trex trex;
    struct sv_box_iter boxes;   /* the traf's children */
    struct sv_trun trun;
    int in_trun;
    uint32_t i;                 /* next sample of the current trun */
    uint64_t moof_offset;
    uint64_t next_offset;       /* where the next sample's data starts */
    uint64_t dts;
};

/*
 * Prepares iteration of traf (a child of the moof at moof_offset).
 * Returns 0 or SV_EFORMAT (no tfhd, bad boxes).
 */
int sv_traf_iter_init(struct sv_traf_iter *it, const struct sv_box *traf,
                      uint64_t moof_offset, const struct sv_trex *trex);

/* Returns 1 with *s filled, 0 after the last sample, or SV_EFORMAT. */
int sv_traf_next(struct sv_traf_iter *it, struct sv_sample *s);

#endif
