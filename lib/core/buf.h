/* buf.h -- growable byte buffer with a size cap (after curl's dynbuf) */
#ifndef SV_BUF_H
#define SV_BUF_H

#include <stddef.h>
#include <stdint.h>

struct sv_buf {
    uint8_t *data;
    size_t len;
    size_t alloc;
    size_t max;     /* appends past this fail with SV_ELIMIT */
};

#define SV_BUF_INIT(max) { NULL, 0, 0, (max) }

void sv_buf_init(struct sv_buf *b, size_t max);

/* Frees the memory; the buffer stays usable (empty).  NULL-safe. */
void sv_buf_release(struct sv_buf *b);

/* Empties without freeing. */
void sv_buf_reset(struct sv_buf *b);

/*
 * Appends len bytes.  On failure (ENOMEM, or past max: SV_ELIMIT) the buffer
 * is released, so an error path leaks nothing.  Returns 0 or a negative code.
 */
int sv_buf_append(struct sv_buf *b, const void *p, size_t len);
int sv_buf_printf(struct sv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sv_buf_u8(struct sv_buf *b, uint8_t v);
int sv_buf_be16(struct sv_buf *b, uint16_t v);
int sv_buf_be24(struct sv_buf *b, uint32_t v);
int sv_buf_be32(struct sv_buf *b, uint32_t v);
int sv_buf_be64(struct sv_buf *b, uint64_t v);

/* Makes room for len more bytes without changing b->len. */
int sv_buf_reserve(struct sv_buf *b, size_t len);

/* Hands the memory to the caller (free() it) and empties the buffer. */
uint8_t *sv_buf_take(struct sv_buf *b, size_t *len);

#endif
