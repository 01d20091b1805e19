/* amf0.c -- AMF0 decoding into jansson values and encoding back */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "rtmp/amf0.h"

enum {
    AMF_NUMBER = 0x00, AMF_BOOL = 0x01, AMF_STRING = 0x02, AMF_OBJECT = 0x03,
    AMF_MOVIECLIP = 0x04, AMF_NULL = 0x05, AMF_UNDEFINED = 0x06,
    AMF_REFERENCE = 0x07, AMF_ECMA_ARRAY = 0x08, AMF_OBJECT_END = 0x09,
    AMF_STRICT_ARRAY = 0x0a, AMF_DATE = 0x0b, AMF_LONG_STRING = 0x0c,
    AMF_UNSUPPORTED = 0x0d, AMF_XML = 0x0f, AMF_TYPED_OBJECT = 0x10,
};

static double
get_double(const uint8_t *p)
{
    uint64_t u = 0;
    double d;
    int i;

    for (i = 0; i < 8; i++)
        u = u << 8 | p[i];
    memcpy(&d, &u, sizeof(d));
    return d;
}

static int decode(const uint8_t *p, size_t len, size_t *used, json_t **out,
                  int depth);

/* a UTF-8 string of n bytes; jansson refuses invalid UTF-8, we keep bytes */
static json_t *
make_string(const uint8_t *p, size_t n)
{
    json_t *s = json_stringn((const char *)p, n);
    char *tmp;
    size_t i;

    if (s != NULL)
        return s;
    tmp = malloc(n + 1);
    if (tmp == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        tmp[i] = p[i] < 0x80 && p[i] != 0 ? (char)p[i] : '?';
    s = json_stringn(tmp, n);
    free(tmp);
    return s;
}

/* properties until the empty name and the end marker */
static int
decode_props(const uint8_t *p, size_t len, size_t *used, json_t *obj,
             int depth)
{
    size_t off = 0, n, u;
    json_t *v;
    char *key;
    int rc;

    for (;;) {
        if (len - off < 2)
            return SV_ETRUNC;
        n = (size_t)p[off] << 8 | p[off + 1];
        off += 2;
        if (n == 0) {
            if (off >= len)
                return SV_ETRUNC;
            if (p[off] != AMF_OBJECT_END)
                return SV_EFORMAT;
            *used = off + 1;
            return 0;
        }
        if (len - off < n)
            return SV_ETRUNC;
        key = strndup((const char *)p + off, n);
        if (key == NULL)
            return -ENOMEM;
        off += n;
        rc = decode(p + off, len - off, &u, &v, depth + 1);
        if (rc < 0) {
            free(key);
            return rc;
        }
        off += u;
        rc = json_object_set_new(obj, key, v);
        free(key);
        if (rc < 0)
            return SV_EFORMAT;  /* a key jansson refuses (not UTF-8) */
    }
}

static int
decode(const uint8_t *p, size_t len, size_t *used, json_t **out, int depth)
{
    json_t *v = NULL;
    size_t n, off = 1, u, i;
    int rc;

    if (depth > SV_AMF0_MAX_DEPTH)
        return SV_EFORMAT;
    if (len < 1)
        return SV_ETRUNC;
    switch (p[0]) {
    case AMF_NUMBER:
        if (len < 9)
            return SV_ETRUNC;
        v = json_real(get_double(p + 1));
        off = 9;
        break;
    case AMF_BOOL:
        if (len < 2)
            return SV_ETRUNC;
        v = json_boolean(p[1] != 0);
        off = 2;
        break;
    case AMF_STRING:
    case AMF_LONG_STRING:
    case AMF_XML:
        if (p[0] == AMF_STRING) {
            if (len < 3)
                return SV_ETRUNC;
            n = (size_t)p[1] << 8 | p[2];
            off = 3;
        } else {
            if (len < 5)
                return SV_ETRUNC;
            n = (size_t)p[1] << 24 | (size_t)p[2] << 16 |
                (size_t)p[3] << 8 | p[4];
            off = 5;
        }
        if (len - off < n)
            return SV_ETRUNC;
        v = make_string(p + off, n);
        off += n;
        break;
    case AMF_NULL:
    case AMF_UNDEFINED:
    case AMF_UNSUPPORTED:
        v = json_null();
        break;
    case AMF_REFERENCE:
        if (len < 3)
            return SV_ETRUNC;
        v = json_null();    /* references point back; we keep no table */
        off = 3;
        break;
    case AMF_DATE:
        if (len < 11)
            return SV_ETRUNC;
        v = json_real(get_double(p + 1));
        off = 11;
        break;
    case AMF_TYPED_OBJECT:
    case AMF_OBJECT:
    case AMF_ECMA_ARRAY:
        if (p[0] == AMF_ECMA_ARRAY)
            off = 5;    /* the count is a hint only; the end marker ends it */
        else if (p[0] == AMF_TYPED_OBJECT) {
            if (len < 3)
                return SV_ETRUNC;
            off = 3 + ((size_t)p[1] << 8 | p[2]);
        }
        if (len < off)
            return SV_ETRUNC;
        v = json_object();
        if (v == NULL)
            return -ENOMEM;
        rc = decode_props(p + off, len - off, &u, v, depth);
        if (rc < 0) {
            json_decref(v);
            return rc;
        }
        off += u;
        break;
    case AMF_STRICT_ARRAY:
        if (len < 5)
            return SV_ETRUNC;
        n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
        off = 5;
        /* every element takes at least one byte: bounds the loop by len */
        if (n > len - off)
            return SV_ETRUNC;
        v = json_array();
        if (v == NULL)
            return -ENOMEM;
        for (i = 0; i < n; i++) {
            json_t *e;

            rc = decode(p + off, len - off, &u, &e, depth + 1);
            if (rc < 0) {
                json_decref(v);
                return rc;
            }
            off += u;
            json_array_append_new(v, e);
        }
        break;
    default:
        return SV_EFORMAT;
    }
    if (v == NULL)
        return -ENOMEM;
    *used = off;
    *out = v;
    return 0;
}

int
sv_amf0_decode(const uint8_t *p, size_t len, size_t *used, json_t **out)
{
    return decode(p, len, used, out, 0);
}

int
sv_amf0_decode_all(const uint8_t *p, size_t len, json_t **out)
{
    json_t *arr = json_array(), *v;
    size_t off = 0, u;
    int rc;

    if (arr == NULL)
        return -ENOMEM;
    while (off < len) {
        rc = decode(p + off, len - off, &u, &v, 0);
        if (rc < 0) {
            json_decref(arr);
            return rc;
        }
        json_array_append_new(arr, v);
        off += u;
    }
    *out = arr;
    return 0;
}

static int
put_number(struct sv_buf *b, double d)
{
    uint64_t u;
    int rc;

    memcpy(&u, &d, sizeof(u));
    rc = sv_buf_u8(b, AMF_NUMBER);
    return rc < 0 ? rc : sv_buf_be64(b, u);
}

static int
put_name(struct sv_buf *b, const char *s, size_t n)
{
    int rc = sv_buf_be16(b, (uint16_t)n);

    return rc < 0 ? rc : sv_buf_append(b, s, n);
}

int
sv_amf0_encode(struct sv_buf *b, const json_t *v)
{
    const char *key;
    json_t *e;
    size_t i, n;
    int rc = 0;

    switch (json_typeof(v)) {
    case JSON_INTEGER:
        return put_number(b, (double)json_integer_value(v));
    case JSON_REAL:
        return put_number(b, json_real_value(v));
    case JSON_TRUE:
    case JSON_FALSE:
        rc = sv_buf_u8(b, AMF_BOOL);
        return rc < 0 ? rc : sv_buf_u8(b, json_is_true(v));
    case JSON_NULL:
        return sv_buf_u8(b, AMF_NULL);
    case JSON_STRING:
        n = json_string_length(v);
        if (n > 0xffff) {
            rc = sv_buf_u8(b, AMF_LONG_STRING);
            if (rc == 0)
                rc = sv_buf_be32(b, (uint32_t)n);
        } else {
            rc = sv_buf_u8(b, AMF_STRING);
            if (rc == 0)
                rc = sv_buf_be16(b, (uint16_t)n);
        }
        return rc < 0 ? rc : sv_buf_append(b, json_string_value(v), n);
    case JSON_OBJECT:
        rc = sv_buf_u8(b, AMF_OBJECT);
        json_object_foreach((json_t *)v, key, e) {
            n = strlen(key);
            if (rc == 0)
                rc = put_name(b, key, n > 0xffff ? 0xffff : n);
            if (rc == 0)
                rc = sv_amf0_encode(b, e);
        }
        if (rc == 0)
            rc = sv_buf_be16(b, 0);
        return rc < 0 ? rc : sv_buf_u8(b, AMF_OBJECT_END);
    case JSON_ARRAY:
        rc = sv_buf_u8(b, AMF_STRICT_ARRAY);
        if (rc == 0)
            rc = sv_buf_be32(b, (uint32_t)json_array_size(v));
        json_array_foreach(v, i, e) {
            if (rc == 0)
                rc = sv_amf0_encode(b, e);
        }
        return rc;
    }
    return SV_EINTERNAL;
}
