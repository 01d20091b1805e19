/* system.h -- the DRM systems sv-drm signals, by name and system id */
#ifndef SV_DRM_SYSTEM_H
#define SV_DRM_SYSTEM_H

#include <stdint.h>

struct sv_drm_system {
    const char *name;           /* "widevine" */
    const char *uuid;           /* system id as a UUID, lower case */
    unsigned bit;               /* 1 << index, for sets of systems */
    int pssh;                   /* signalled with a pssh box (not FairPlay) */
};

/* The table, ending with a row whose name is NULL. */
extern const struct sv_drm_system sv_drm_systems[];

/* A row by name or by system id (UUID text, any case); NULL if unknown. */
const struct sv_drm_system *sv_drm_system_by_name(const char *name);
const struct sv_drm_system *sv_drm_system_by_id(const char *uuid);

/*
 * Parses a comma list of names into a set of bits.  Returns 0 or
 * SV_EUSAGE, with the first unknown name in *bad.
 */
int sv_drm_systems_parse(const char *list, unsigned *set, char *bad,
                         unsigned badsize);

#endif
