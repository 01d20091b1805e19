/* system.c -- the DRM systems sv-drm signals, by name and system id */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "drm/system.h"

/* system ids as registered at dashif.org/identifiers/content_protection */
const struct sv_drm_system sv_drm_systems[] = {
    { "widevine", "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed", 1u << 0, 1 },
    { "playready", "9a04f079-9840-4286-ab92-e65be0885f95", 1u << 1, 1 },
    { "fairplay", "94ce86fb-07ff-4f43-adb8-93d2fa968ca2", 1u << 2, 0 },
    { "clearkey", "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b", 1u << 3, 1 },
    { NULL, NULL, 0, 0 },
};

const struct sv_drm_system *
sv_drm_system_by_name(const char *name)
{
    const struct sv_drm_system *s;

    for (s = sv_drm_systems; s->name != NULL; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

const struct sv_drm_system *
sv_drm_system_by_id(const char *uuid)
{
    const struct sv_drm_system *s;

    for (s = sv_drm_systems; s->name != NULL; s++)
        if (strcasecmp(s->uuid, uuid) == 0)
            return s;
    return NULL;
}

int
sv_drm_systems_parse(const char *list, unsigned *set, char *bad,
                     unsigned badsize)
{
    const struct sv_drm_system *s;
    const char *p = list, *e;
    char name[32];
    unsigned out = 0;
    size_t n;

    while (*p != '\0') {
        e = strchr(p, ',');
        n = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n == 0 || n >= sizeof(name)) {
            snprintf(bad, badsize, "%.*s", (int)(n < 31 ? n : 31), p);
            return SV_EUSAGE;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        s = sv_drm_system_by_name(name);
        if (s == NULL) {
            snprintf(bad, badsize, "%s", name);
            return SV_EUSAGE;
        }
        out |= s->bit;
        p += n + (e != NULL);
        if (e != NULL && *p == '\0') {
            snprintf(bad, badsize, "%s", "");
            return SV_EUSAGE;
        }
    }
    if (out == 0) {
        snprintf(bad, badsize, "%s", "");
        return SV_EUSAGE;
    }
    *set = out;
    return 0;
}
