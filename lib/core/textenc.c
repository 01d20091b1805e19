/* textenc.c -- hex, base64 and UUID text forms, written for bounded input */
#include <string.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/textenc.h"

static const char hexd[] = "0123456789abcdef";
static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
sv_hex_encode(const uint8_t *in, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hexd[in[i] >> 4];
        out[2 * i + 1] = hexd[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int
sv_hex_decode(const char *s, uint8_t *out, size_t n)
{
    uint8_t tmp[64];
    size_t i;

    if (n > sizeof(tmp) || strlen(s) != 2 * n)
        return SV_EFORMAT;
    for (i = 0; i < n; i++) {
        int hi = sv_hex_digit((unsigned char)s[2 * i]);
        int lo = sv_hex_digit((unsigned char)s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return SV_EFORMAT;
        tmp[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(out, tmp, n);
    return 0;
}

void
sv_uuid_format(const uint8_t in[16], char out[37])
{
    char h[33];

    sv_hex_encode(in, 16, h);
    memcpy(out, h, 8);
    out[8] = '-';
    memcpy(out + 9, h + 8, 4);
    out[13] = '-';
    memcpy(out + 14, h + 12, 4);
    out[18] = '-';
    memcpy(out + 19, h + 16, 4);
    out[23] = '-';
    memcpy(out + 24, h + 20, 12);
    out[36] = '\0';
}

int
sv_uuid_parse(const char *s, uint8_t out[16])
{
    char h[33];
    size_t len = strlen(s), i, j = 0;

    if (len == 32)
        return sv_hex_decode(s, out, 16);
    if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' ||
        s[23] != '-')
        return SV_EFORMAT;
    for (i = 0; i < len; i++)
        if (i != 8 && i != 13 && i != 18 && i != 23)
            h[j++] = s[i];
    h[j] = '\0';
    return sv_hex_decode(h, out, 16);
}

size_t
sv_b64_len(size_t n, int url)
{
    if (url)
        return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    return (n + 2) / 3 * 4;
}

void
sv_b64_encode(const uint8_t *in, size_t n, char *out, int url)
{
    const char *a = url ? b64url : b64std;
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
                     in[i + 2];

        out[o++] = a[v >> 18];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;

        out[o++] = a[v >> 18];
        out[o++] = a[v >> 12 & 63];
        if (!url) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

        out[o++] = a[v >> 18];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        if (!url)
            out[o++] = '=';
    }
    out[o] = '\0';
}

static int
b64val(int c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

long
sv_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap,
                  int url)
{
    uint32_t acc = 0;
    size_t o = 0, i;
    int bits = 0, pad = 0;

    for (i = 0; i < len; i++) {
        int c = (unsigned char)s[i], v;

        if (!url && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0)
            return SV_EFORMAT;      /* data after padding */
        v = b64val(c, url);
        if (v < 0)
            return SV_EFORMAT;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return SV_ELIMIT;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* 6 leftover bits cannot come from whole bytes; nor can set pad bits */
    if (bits >= 6 || pad > 2 || (acc & ((1u << bits) - 1)) != 0)
        return SV_EFORMAT;
    return (long)o;
}
