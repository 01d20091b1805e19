/* opts.c -- sv-package's option table (help, man page and completions are
 * generated from it) */
#include <stddef.h>

#include "core/opt.h"
#include "opts.h"

static const char *const usage[] = {
    "[options] -o <dir> [<input>...]",
    "[options] -o - [<input>...] > package.tar",
    NULL,
};

/* keep the sections in the order of the man page */
static const struct sv_opt rows[] = {
    { NULL, 0, NULL, "Output", NULL, NULL, NULL, 0 },
    { "output", 'o', "<dir>", "write the package into <dir>; - writes a tar "
      "stream on stdout", NULL, "@dir", NULL, 0 },
    { "manifests", OPT_MANIFESTS, "<list>", "manifests to render: hls, dash "
      "or hls,dash", "hls,dash", "hls dash hls,dash", NULL, 0 },
    { "segment-duration", 's', "<duration>", "target segment duration; "
      "segments start on keyframes", "4s", NULL, NULL, 0 },
    { "segments", OPT_SEGMENTS, "<format>", "segment format: fmp4 (CMAF) "
      "or ts (MPEG-TS, HLS only)", "fmp4", "fmp4 ts", NULL, 0 },
    { "single-file", OPT_SINGLE, NULL, "one MP4 per rendition with a sidx, "
      "addressed by byte ranges", NULL, NULL, NULL, 0 },
    { "events", OPT_EVENTS, "<path|fd:N>", "write JSON events there", NULL,
      "@file", NULL, 0 },
    { NULL, 0, NULL, "Input", NULL, NULL, NULL, 0 },
    { "format", 'f', "<name>", "force the input format (libavformat name)",
      NULL, "mpegts mp4 matroska nut", NULL, 0 },
    { "max-buffer", OPT_MAXBUF, "<size>", "most bytes a rendition may "
      "hold in memory; beyond it packaging fails", "256M", NULL, NULL, 0 },
    { NULL, 0, NULL, "Encryption", NULL, NULL, NULL, 0 },
    { "encrypt", OPT_ENCRYPT, "<scheme>", "Common Encryption of the fMP4 "
      "segments as they are written: cenc or cbcs", NULL, "cenc cbcs", NULL,
      0 },
    { "key", OPT_KEY, "<file>", "key document (JSON, as sv-drm keygen "
      "prints)", NULL, "@file", NULL, 0 },
    { "store", OPT_STORE, "<file>", "keystore (encrypted under "
      "$SV_DRM_MASTER_KEY)", NULL, "@file", NULL, 0 },
    { "content-id", OPT_CONTENT_ID, "<id>", "use the keys of this content "
      "id", NULL, NULL, NULL, 0 },
    { "systems", OPT_SYSTEMS, "<list>", "DRM systems to signal "
      "(widevine,playready,fairplay,clearkey)",
      "widevine,playready,fairplay", NULL, NULL, 0 },
    { "key-uri", OPT_KEY_URI, "<uri>", "HLS key URI for ClearKey; {kid} "
      "becomes the key id", NULL, NULL, NULL, 0 },
    { NULL, 0, NULL, "Live", NULL, NULL, NULL, 0 },
    { "live", OPT_LIVE, NULL, "publish while the input grows: playlists "
      "and MPD are updated after every segment", NULL, NULL, NULL, 0 },
    { "window", 'w', "<duration>", "segments kept in a live playlist",
      "60s", NULL, NULL, 0 },
    { "dvr", OPT_DVR, NULL, "keep every segment (an EVENT playlist) "
      "instead of a sliding window", NULL, NULL, NULL, 0 },
    { "ll-hls", OPT_LLHLS, NULL, "low-latency HLS: partial segments, "
      "preload hints, rendition reports", NULL, NULL, NULL, 0 },
    { "ll-dash", OPT_LLDASH, NULL, "low-latency DASH: chunked CMAF (the "
      "parts), availabilityTimeOffset, a target latency", NULL, NULL, NULL,
      0 },
    { "part-duration", OPT_PART, "<duration>", "LL-HLS part (LL-DASH chunk) "
      "duration, 0.2s at least", "0.5s", NULL, NULL, 0 },
    { "gap", OPT_GAP, "<duration>", "a forward timestamp jump longer than "
      "this is a gap (a discontinuity)", "2s", NULL, NULL, 0 },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct sv_tool sv_package_tool = {
    "sv-package",
    "CMAF segmenter: HLS, LL-HLS and DASH packages from one model",
    usage,
    NULL,
    rows,
};
