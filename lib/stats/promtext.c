/* promtext.c -- Prometheus text lines: families, samples, escaping */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/promtext.h"

static void
add(struct sv_promtext *p, const char *s, size_t n)
{
    char *b;
    size_t cap;

    if (p->failed)
        return;
    if (p->len + n + 1 > p->cap) {
        cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        b = realloc(p->buf, cap);
        if (b == NULL) {
            p->failed = 1;
            return;
        }
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void
addf(struct sv_promtext *p, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        add(p, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void
sv_promtext_family(struct sv_promtext *p, const char *name,
                   const char *type, const char *help)
{
    addf(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
sv_promtext_sample(struct sv_promtext *p, const char *name,
                   const char *label, const char *value, double v)
{
    const char *c;

    add(p, name, strlen(name));
    if (label != NULL) {
        addf(p, "{%s=\"", label);
        for (c = value; *c != '\0'; c++) {
            if (*c == '\\' || *c == '"')
                add(p, "\\", 1);
            if (*c == '\n')
                add(p, "\\n", 2);
            else
                add(p, c, 1);
        }
        add(p, "\"}", 2);
    }
    if (isnan(v))
        addf(p, " NaN\n");
    else if (v == floor(v) && fabs(v) < 1e15)
        addf(p, " %.0f\n", v);
    else
        addf(p, " %.6g\n", v);
}

char *
sv_promtext_take(struct sv_promtext *p, size_t *len)
{
    char *b = p->buf;

    if (p->failed || b == NULL) {
        free(p->buf);
        p->buf = NULL;
        return NULL;
    }
    *len = p->len;
    p->buf = NULL;
    p->len = p->cap = 0;
    return b;
}
