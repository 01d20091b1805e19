/* cidr.c -- address ranges (IPv4 and IPv6 CIDR) and a country table */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/slurp.h"
#include "drm/cidr.h"

#define GEO_MAX_BYTES (16 << 20)
#define GEO_MAX_RANGES 1000000

struct geo_range {
    struct sv_drm_cidr c;
    char cc[3];
};

struct sv_drm_geo {
    struct geo_range *r;
    size_t n;
};

int
sv_drm_addr_parse(const char *s, uint8_t out[16])
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strlen(s) >= INET6_ADDRSTRLEN)
        return SV_EFORMAT;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        return 0;
    }
    if (inet_pton(AF_INET6, s, &a6) == 1) {
        memcpy(out, &a6, 16);
        return 0;
    }
    return SV_EFORMAT;
}

int
sv_drm_cidr_parse(const char *s, struct sv_drm_cidr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    struct sv_drm_cidr c;
    long bits;
    char *end;
    int v4;

    if (n >= INET6_ADDRSTRLEN)
        return SV_EFORMAT;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (sv_drm_addr_parse(buf, c.addr) < 0)
        return SV_EFORMAT;
    v4 = strchr(buf, ':') == NULL;
    if (slash == NULL) {
        c.bits = 128;
    } else {
        if (slash[1] < '0' || slash[1] > '9')
            return SV_EFORMAT;
        errno = 0;
        bits = strtol(slash + 1, &end, 10);
        if (*end != '\0' || errno != 0 || bits < 0 || bits > (v4 ? 32 : 128))
            return SV_EFORMAT;
        c.bits = (int)bits + (v4 ? 96 : 0);
    }
    *out = c;
    return 0;
}

int
sv_drm_cidr_contains(const struct sv_drm_cidr *c, const uint8_t addr[16])
{
    int full = c->bits / 8, rest = c->bits % 8;

    if (memcmp(c->addr, addr, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    return ((c->addr[full] ^ addr[full]) & (0xff00 >> rest) & 0xff) == 0;
}

int
sv_drm_geo_parse(const char *text, size_t len, const char *name,
                 struct sv_drm_geo **out, char *err, size_t size)
{
    struct sv_drm_geo *g;
    const char *p = text, *end = text + len;
    size_t line = 0, cap = 0;
    int rc = SV_EFORMAT;

    g = calloc(1, sizeof(*g));
    if (g == NULL)
        return -ENOMEM;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        char buf[128], cc[8], range[96], extra[2];
        int k;

        line++;
        if (n >= sizeof(buf)) {
            snprintf(err, size, "%s:%zu: line too long", name, line);
            goto fail;
        }
        memcpy(buf, p, n);
        buf[n] = '\0';
        p += n + (nl != NULL);
        if (strchr(buf, '#') != NULL)
            *strchr(buf, '#') = '\0';
        k = sscanf(buf, "%7s %95s %1s", cc, range, extra);
        if (k <= 0)
            continue;
        if (k != 2 || strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' ||
            cc[1] < 'A' || cc[1] > 'Z') {
            snprintf(err, size, "%s:%zu: expected 'CC address/prefix'", name,
                     line);
            goto fail;
        }
        if (g->n == GEO_MAX_RANGES) {
            snprintf(err, size, "%s: more than %d ranges", name,
                     GEO_MAX_RANGES);
            rc = SV_ELIMIT;
            goto fail;
        }
        if (g->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct geo_range *r = realloc(g->r, nc * sizeof(*r));

            if (r == NULL) {
                rc = -ENOMEM;
                goto fail;
            }
            g->r = r;
            cap = nc;
        }
        if (sv_drm_cidr_parse(range, &g->r[g->n].c) < 0) {
            snprintf(err, size, "%s:%zu: bad range '%s'", name, line, range);
            goto fail;
        }
        memcpy(g->r[g->n].cc, cc, 3);
        g->n++;
    }
    *out = g;
    return 0;
fail:
    sv_drm_geo_free(g);
    return rc;
}

int
sv_drm_geo_load(const char *path, struct sv_drm_geo **out, char *err,
                size_t size)
{
    char *text;
    size_t n = 0;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = sv_slurp_fd(fd, GEO_MAX_BYTES, &text, &n);
    close(fd);
    if (rc == SV_ELIMIT)
        snprintf(err, size, "'%s' is larger than 16 MiB", path);
    else if (rc < 0 && rc != -ENOMEM)
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
    if (rc < 0)
        return rc;
    rc = sv_drm_geo_parse(text, n, path, out, err, size);
    free(text);
    return rc;
}

const char *
sv_drm_geo_country(const struct sv_drm_geo *g, const uint8_t addr[16])
{
    const char *best = NULL;
    int bits = -1;
    size_t i;

    for (i = 0; i < g->n; i++) {
        if (g->r[i].c.bits > bits && sv_drm_cidr_contains(&g->r[i].c, addr)) {
            best = g->r[i].cc;
            bits = g->r[i].c.bits;
        }
    }
    return best;
}

void
sv_drm_geo_free(struct sv_drm_geo *g)
{
    if (g == NULL)
        return;
    free(g->r);
    free(g);
}
