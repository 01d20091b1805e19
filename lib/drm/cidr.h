/* cidr.h -- address ranges (IPv4 and IPv6 CIDR) and a country table */
#ifndef SV_DRM_CIDR_H
#define SV_DRM_CIDR_H

#include <stddef.h>
#include <stdint.h>

struct sv_drm_cidr {
    uint8_t addr[16];       /* IPv4 as ::ffff:a.b.c.d */
    int bits;               /* prefix length over the 128-bit form */
};

/*
 * Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (a /32 or
 * /128).  Returns 0 or SV_EFORMAT.
 */
int sv_drm_cidr_parse(const char *s, struct sv_drm_cidr *out);

/* Parses an address into the 128-bit form.  Returns 0 or SV_EFORMAT. */
int sv_drm_addr_parse(const char *s, uint8_t out[16]);

/* Nonzero when addr (128-bit form) lies inside c. */
int sv_drm_cidr_contains(const struct sv_drm_cidr *c, const uint8_t addr[16]);

/*
 * A country table: text lines "CC CIDR" (ISO 3166 alpha-2 code, a range),
 * '#' comments and blank lines; the longest matching prefix wins.
 */
struct sv_drm_geo;

/*
 * Loads path (at most 16 MiB, 1,000,000 ranges).  On failure writes a
 * message naming the file and line into err and returns a negative code.
 */
int sv_drm_geo_load(const char *path, struct sv_drm_geo **out, char *err,
                    size_t size);

/* The same from memory (len bytes); name is used in messages. */
int sv_drm_geo_parse(const char *text, size_t len, const char *name,
                     struct sv_drm_geo **out, char *err, size_t size);

/* Country code ("FR") of addr, or NULL when no range holds it. */
const char *sv_drm_geo_country(const struct sv_drm_geo *g,
                               const uint8_t addr[16]);

void sv_drm_geo_free(struct sv_drm_geo *g);

#endif
