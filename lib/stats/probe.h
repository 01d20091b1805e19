/* probe.h -- sv-stats probe: what a media file or a package is (the JSON
 * shape is in sv-stats(1), PROBE) */
#ifndef SV_STATS_PROBE_H
#define SV_STATS_PROBE_H

#include <stddef.h>

#include "core/json.h"

/* what to measure */
struct sv_probe_cfg {
    int loudness;               /* EBU R128 of audio streams (decodes) */
    int hdr;                    /* side data, decoding a frame if needed */
    int per_second;             /* keep the per-second bitrate arrays */
};

/*
 * Probes a media file or URL: its streams with RFC 6381 codec strings,
 * GOPs, bitrate per second, colour and HDR signalling, loudness.  Stores a
 * new JSON object in *out.  On failure returns a negative code (SV_EFORMAT:
 * not media) with a message naming url in err.
 */
int sv_probe_file(const char *url, const struct sv_probe_cfg *cfg,
                  json_t **out, char *err, size_t size);

/*
 * Probes a package directory (package.json, its segments and playlists)
 * or an HLS playlist (a path or http(s) URL): renditions, segment
 * durations, alignment and faults against the HLS and DASH rules.  Stores
 * a new JSON object in *out with "faults" (an array, empty when valid) and
 * "valid".  Returns 0 whether or not faults were found, or a negative code
 * when the package cannot be read at all, with a message in err.
 */
int sv_probe_package(const char *where, json_t **out, char *err,
                     size_t size);

/* Whether where is a package (a directory with package.json) or a
 * playlist (.m3u8 name or URL): then sv_probe_package() takes it. */
int sv_probe_is_package(const char *where);

#endif
