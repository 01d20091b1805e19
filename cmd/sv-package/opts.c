/* opts.c -- sv-package's option table (help, man page and completions are
 * generated from it) */
#include <stdint.h>

#include "core/opt.h"
#include "opts.h"

struct sv_package_args sv_package_args;

#define A sv_package_args
#define O sv_package_args.o

static const char *const usage[] = {
    "[options] -o <dir> [<input>...]",
    "[options] -o - [<input>...] > package.tar",
    NULL,
};

/* keep the sections in the order of the man page */
static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Output"),
    { SV_OPT_STRING("output", 'o', "<dir>", "write the package into <dir>; "
                    "- writes a tar stream on stdout", NULL, &O.out),
      .complete = "@dir" },
    { SV_OPT_CHOICE("manifests", 0, "<list>", "manifests to render: hls, "
                    "dash or hls,dash", "hls,dash",
                    "hls dash hls,dash dash,hls", &A.manifests) },
    { SV_OPT_DURATION("segment-duration", 's', "target segment duration; "
                      "segments start on keyframes", "4s", 500000,
                      INT64_MAX, &O.segment_us) },
    { SV_OPT_CHOICE("segments", 0, "<format>", "segment format: fmp4 (CMAF) "
                    "or ts (MPEG-TS, HLS only)", "fmp4", "fmp4 ts",
                    &O.ts) },
    { SV_OPT_FLAG("single-file", 0, "one MP4 per rendition with a sidx, "
                  "addressed by byte ranges", &O.single_file) },
    { SV_OPT_STRING("thumbnails", 0, "<dir>", "link the thumbnails track "
                    "sv-transcode --thumbnails wrote in <dir> (sprites, "
                    "WebVTT, poster): HLS image playlist, DASH image "
                    "AdaptationSet", NULL, &O.thumbnails),
      .complete = "@dir" },
    { SV_OPT_EVENTS(NULL, &A.events) },
    SV_OPT_SECTION("Input"),
    { SV_OPT_STRING("format", 'f', "<name>", "force the input format "
                    "(libavformat name)", NULL, &O.format),
      .complete = "mpegts mp4 matroska nut" },
    { SV_OPT_SIZE("max-buffer", 0, "most bytes a rendition may hold in "
                  "memory; beyond it packaging fails", "256M", 1 << 20,
                  INT64_MAX, &O.max_queue) },
    SV_OPT_SECTION("Encryption"),
    { SV_OPT_WORD("encrypt", 0, "<scheme>", "Common Encryption of the fMP4 "
                  "segments as they are written: cenc or cbcs", NULL,
                  "cenc cbcs", &O.encrypt) },
    { SV_OPT_STRING("key", 0, "<file>", "key document (JSON, as sv-drm "
                    "keygen prints)", NULL, &A.key_file),
      .complete = "@file" },
    { SV_OPT_STRING("store", 0, "<file>", "keystore (encrypted under "
                    "$SV_DRM_MASTER_KEY)", NULL, &A.store),
      .complete = "@file" },
    { SV_OPT_STRING("content-id", 0, "<id>", "use the keys of this content "
                    "id", NULL, &A.content_id) },
    { SV_OPT_STRING("systems", 0, "<list>", "DRM systems to signal "
                    "(widevine,playready,fairplay,clearkey)",
                    "widevine,playready,fairplay", &A.systems) },
    { SV_OPT_STRING("key-uri", 0, "<uri>", "HLS key URI for ClearKey; {kid} "
                    "becomes the key id", NULL, &O.key_uri) },
    SV_OPT_SECTION("Content steering"),
    { SV_OPT_LIST("pathway", 0, "<id>=<url>", "a pathway (CDN) the package "
                  "is under, first the default: HLS pathways and DASH "
                  "BaseURLs, steered from --steering-uri", A.pathways,
                  &A.npathways, 16) },
    { SV_OPT_STRING("steering-uri", 0, "<uri>", "content steering server "
                    "(sv-serve's /steering)", "/steering",
                    &A.steering_uri) },
    SV_OPT_SECTION("Live"),
    { SV_OPT_FLAG("live", 0, "publish while the input grows: playlists and "
                  "MPD are updated after every segment", &O.live) },
    { SV_OPT_DURATION("window", 'w', "segments kept in a live playlist",
                      "60s", 1000000, INT64_MAX, &O.window_us) },
    { SV_OPT_FLAG("dvr", 0, "keep every segment (an EVENT playlist) instead "
                  "of a sliding window", &O.dvr) },
    { SV_OPT_FLAG("ll-hls", 0, "low-latency HLS: partial segments, preload "
                  "hints, rendition reports", &O.ll_hls) },
    { SV_OPT_FLAG("ll-dash", 0, "low-latency DASH: chunked CMAF (the parts), "
                  "availabilityTimeOffset, a target latency", &O.ll_dash) },
    /* parts shorter than 0.2 s are known to break players */
    { SV_OPT_DURATION("part-duration", 0, "LL-HLS part (LL-DASH chunk) "
                      "duration, 0.2s at least", "0.5s", 200000, INT64_MAX,
                      &O.part_us) },
    { SV_OPT_DURATION("gap", 0, "a forward timestamp jump longer than this "
                      "is a gap (a discontinuity)", "2s", 100000, INT64_MAX,
                      &O.gap_us) },
    SV_OPT_END,
};

const struct sv_tool sv_package_tool = {
    "sv-package",
    "CMAF segmenter: HLS, LL-HLS and DASH packages from one model",
    usage,
    NULL,
    rows,
};
