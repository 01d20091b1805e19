/* buf.c -- growable buffers that free themselves when an append fails */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"

void
sv_buf_init(struct sv_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    b->max = max;
}

void
sv_buf_release(struct sv_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void
sv_buf_reset(struct sv_buf *b)
{
    b->len = 0;
}

int
sv_buf_reserve(struct sv_buf *b, size_t len)
{
    size_t want, a;
    uint8_t *p;

    if (len > b->max || b->len > b->max - len) {
        sv_buf_release(b);
        return SV_ELIMIT;
    }
    want = b->len + len;
    if (want <= b->alloc)
        return 0;
    a = b->alloc != 0 ? b->alloc : 256;
    while (a < want)
        a = a > b->max / 2 ? b->max : a * 2;
    p = realloc(b->data, a);
    if (p == NULL) {
        sv_buf_release(b);
        return -ENOMEM;
    }
    b->data = p;
    b->alloc = a;
    return 0;
}

int
sv_buf_append(struct sv_buf *b, const void *p, size_t len)
{
    int rc;

    if (len == 0)
        return 0;
    rc = sv_buf_reserve(b, len);
    if (rc < 0)
        return rc;
    memcpy(b->data + b->len, p, len);
    b->len += len;
    return 0;
}

int
sv_buf_printf(struct sv_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    rc = sv_buf_reserve(b, (size_t)n + 1);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int
sv_buf_u8(struct sv_buf *b, uint8_t v)
{
    return sv_buf_append(b, &v, 1);
}

int
sv_buf_be16(struct sv_buf *b, uint16_t v)
{
    uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

    return sv_buf_append(b, p, 2);
}

int
sv_buf_be24(struct sv_buf *b, uint32_t v)
{
    uint8_t p[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

    return sv_buf_append(b, p, 3);
}

int
sv_buf_be32(struct sv_buf *b, uint32_t v)
{
    uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 8), (uint8_t)v };

    return sv_buf_append(b, p, 4);
}

int
sv_buf_be64(struct sv_buf *b, uint64_t v)
{
    int rc = sv_buf_be32(b, (uint32_t)(v >> 32));

    return rc < 0 ? rc : sv_buf_be32(b, (uint32_t)v);
}

uint8_t *
sv_buf_take(struct sv_buf *b, size_t *len)
{
    uint8_t *p = b->data;

    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->alloc = 0;
    return p;
}
