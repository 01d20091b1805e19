#!/usr/bin/env bash
# p2p.sh -- origin offload with N Chromium viewers of one VOD, each playing
# it with hls.js + p2p-media-loader through sv-serve's tracker, inside a
# network namespace holding only loopback (tests/e2e/p2p-netns.bash).
#
#   scripts/bench/p2p.sh      (BUILD=build VIEWERS="2 4 8" STAGGER=4 PLAY=12)
#
# For each N: viewers open STAGGER s apart, each plays PLAY s, all stay open
# until the last one has; offload = 1 - (media bytes in sv-serve's access
# log) / (media bytes all pages received), next to p2p-media-loader's own
# p2p share.  The best a swarm can do is 1 - 1/N (each segment comes from
# the origin once).  Needs root (unshare -n), chromium and tests/e2e's npm
# packages.  Every process is stopped by PID.  Not part of make check.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIEWERS=${VIEWERS:-2 4 8}
STAGGER=${STAGGER:-4}
PLAY=${PLAY:-12}
E2E=$PWD/tests/e2e
NM=$E2E/node_modules
[ -x "$BUILD/bin/sv-serve" ] || { echo "p2p.sh: build first (make)" >&2; exit 1; }
[ -d "$NM/p2p-media-loader-core" ] ||
    { echo "p2p.sh: npm install in tests/e2e first (scripts/setup)" >&2; exit 1; }
export PATH=$PWD/$BUILD/bin:$PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
www=$tmp/www
mkdir -p "$www/vod"
cp "$PWD/examples/p2p-player.html" "$NM/hls.js/dist/hls.min.js" "$www/"
cp "$NM/p2p-media-loader-core/dist/p2p-media-loader-core.es.min.js" \
    "$www/p2pml-core.js"
cp "$NM/p2p-media-loader-hlsjs/dist/p2p-media-loader-hlsjs.es.min.js" \
    "$www/p2pml-hlsjs.js"
ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=640x360:rate=24:duration=60" \
    -c:v libx264 -preset ultrafast -b:v 800k -g 48 -keyint_min 48 \
    -sc_threshold 0 -pix_fmt yuv420p -f hls -hls_time 2 \
    -hls_playlist_type vod -hls_segment_type fmp4 \
    -hls_fmp4_init_filename init.mp4 -master_pl_name master.m3u8 \
    -hls_segment_filename "$www/vod/seg%d.m4s" "$www/vod/index.m3u8"

printf '%-8s %-12s %-12s %-9s %-9s %-9s\n' viewers received origin offload \
    p2pml bound
rc=0
for n in $VIEWERS; do
    d=$tmp/n$n
    mkdir -p "$d"
    limit=$((n * STAGGER + PLAY + 60))
    if ! unshare -n bash "$E2E/p2p-netns.bash" "$d" "$www" "$n" "$STAGGER" \
            "$PLAY" "$limit"; then
        echo "p2p.sh: $n viewers did not all play: $(head -c 600 "$d/play.json")" >&2
        rc=1
        continue
    fi
    origin=$(jq -s '[.[].data | select(.path | test("^/vod/.*\\.(m4s|mp4)$"))
                    | .bytes] | add' "$d/access.jsonl")
    total=$(jq '.http + .p2p' "$d/play.json")
    printf '%-8s %-12s %-12s %-9s %-9s %-9s\n' "$n" "$total" "$origin" \
        "$(jq -n --argjson o "$origin" --argjson t "$total" \
            '(1 - $o / $t) * 1000 | round / 10 | tostring + "%"' -r)" \
        "$(jq -r '.p2p_share * 1000 | round / 10 | tostring + "%"' "$d/play.json")" \
        "$(jq -n --argjson n "$n" '(1 - 1 / $n) * 1000 | round / 10 | tostring + "%"' -r)"
done
exit $rc
