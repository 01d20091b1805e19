/* enhance.h -- the clean-up filters of sv-transcode: denoise, sharpen,
 * stabilize (vid.stab, two passes), HDR to SDR tone mapping */
#ifndef SV_ENHANCE_H
#define SV_ENHANCE_H

#include <stddef.h>

enum sv_denoise { SV_DENOISE_NONE, SV_DENOISE_HQDN3D, SV_DENOISE_NLMEANS };

struct sv_enhance {
    enum sv_denoise denoise;
    double denoise_strength;    /* <= 0: the filter's default */
    double sharpen;             /* unsharp luma amount; 0: off */
    int stabilize;              /* vid.stab: analysis pass, then transform */
    int tonemap;                /* HDR10/HLG BT.2020 to SDR BT.709 */
};

/*
 * Parses --denoise's "hqdn3d|nlmeans[:STRENGTH]" into e.  Returns 0, or
 * -EINVAL with why written into err.
 */
int sv_enhance_denoise_parse(const char *arg, struct sv_enhance *e,
                             char *err, size_t size);

/* Whether any filter of e is on. */
int sv_enhance_any(const struct sv_enhance *e);

#endif
