/* cmcd.c -- Common Media Client Data (CTA-5004) key/value lists to JSON */
#include <string.h>

#include "core/err.h"
#include "http/query.h"

#define CMCD_MAX_KEYS 32
#define CMCD_MAX_KEY 32
#define CMCD_MAX_VALUE 256

static int
key_ok(const char *k, size_t n)
{
    size_t i;

    if (n == 0 || n > CMCD_MAX_KEY)
        return 0;
    for (i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '-'))
            return 0;
    return 1;
}

/* An integer (optionally negative) of at most 15 digits, or -1. */
static int
parse_num(const char *v, size_t n, long long *out)
{
    size_t i = 0;
    long long x = 0;
    int neg = 0;

    if (n > 0 && v[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > 15)
        return -1;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    *out = neg ? -x : x;
    return 0;
}

static json_t *
value_json(const char *v, size_t n)
{
    char buf[CMCD_MAX_VALUE + 1];
    long long num;
    size_t i, m = 0;

    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        for (i = 1; i + 1 < n; i++) {
            if (v[i] == '\\' && i + 2 < n)
                i++;
            if ((unsigned char)v[i] < 0x20)
                return NULL;
            buf[m++] = v[i];
        }
        return json_stringn(buf, m);
    }
    if (parse_num(v, n, &num) == 0)
        return json_integer(num);
    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || v[i] == '"' || v[i] == '\\' ||
            (unsigned char)v[i] >= 0x7f)
            return NULL;
    return json_stringn(v, n);
}

int
sv_cmcd_parse(const char *s, size_t len, json_t *obj)
{
    size_t i = 0, start, eq, end, klen;
    int count = 0, inq;
    char key[CMCD_MAX_KEY + 1];
    json_t *val;

    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == ','))
            i++;
        if (i >= len)
            break;
        start = i;
        inq = 0;
        eq = (size_t)-1;
        while (i < len && (inq || s[i] != ',')) {
            if (s[i] == '"')
                inq = !inq;
            else if (s[i] == '=' && eq == (size_t)-1 && !inq)
                eq = i;
            i++;
        }
        if (inq)
            return SV_EFORMAT;
        end = i;
        klen = (eq == (size_t)-1 ? end : eq) - start;
        if (!key_ok(s + start, klen) || count >= CMCD_MAX_KEYS)
            return SV_EFORMAT;
        memcpy(key, s + start, klen);
        key[klen] = '\0';
        if (eq == (size_t)-1) {
            val = json_true();
        } else {
            if (end - eq - 1 == 0 || end - eq - 1 > CMCD_MAX_VALUE)
                return SV_EFORMAT;
            val = value_json(s + eq + 1, end - eq - 1);
            if (val == NULL)
                return SV_EFORMAT;
        }
        json_object_set_new(obj, key, val);
        count++;
    }
    return count;
}
