#!/usr/bin/env bash
# edge.sh -- 100 players on one live LL-HLS stream through Varnish
# (examples/varnish/sv-serve.vcl in front of sv-serve), issue 18's done-list
# run for the cache.
#
#   scripts/bench/edge.sh      (BUILD=build PLAYERS=98 PAGES=2 DIRECT=2
#                               DURATION=40)
#
# The stream: tests/e2e/serve-llhls-writer.py, 0.25 s parts, 1 s segments,
# logging when each part is renamed into place.  Through the edge: PLAYERS
# scripted LL-HLS players (tests/e2e/edge-llhls-player.js, one node
# process: blocking reloads with _HLS_msn/_HLS_part, the preload-hinted
# part at once) and PAGES hls.js pages in headless Chromium (low-latency
# mode).  Straight from the origin, at the same time, for comparison:
# DIRECT scripted players and one hls.js page.  Prints
# 1. segment and part requests: the edge's (varnishncsa) against the
#    origin's (sv-serve's access log), the share answered by the cache
#    (goal: >= 90%);
# 2. blocking reloads: edge requests and URLs against origin requests
#    (collapsed: one origin request per URL);
# 3. for each blocking reload through the edge, the time from the rename of
#    its part at the origin to the answer at the player, and to Varnish
#    having delivered it (the scripted players' and hls.js's apart):
#    p50/p95/max against the part duration (goal: within one part
#    duration), and how late the players' own event loop ran;
# 4. latency through the edge and direct: the scripted players' own view
#    (part end captured -> part received at the player) and hls.js's
#    (wall clock minus the playing program date-time, over the second
#    half of playback, hls.js held to the live edge: see `page` below)
#    (goal: the edge within 0.5 s of direct).
# Everything binds 127.0.0.1 and is stopped by PID; files live in
# $BUILD/bench-edge.  Not part of `make check`: the CI's edge-varnish.bats
# runs the same setup with 20 scripted players and 2 pages.
set -eu
cd "$(dirname "$0")/../.."
TOP=$PWD
BUILD=${BUILD:-build}
PLAYERS=${PLAYERS:-98}
PAGES=${PAGES:-2}
DIRECT=${DIRECT:-2}
DURATION=${DURATION:-40}
E2E=$TOP/tests/e2e
SV=$TOP/$BUILD/bin/sv-serve
DIR=$TOP/$BUILD/bench-edge
[ -x "$SV" ] || { echo "edge.sh: build sv-serve first (make)" >&2; exit 1; }
for t in varnishd varnishncsa node ffmpeg jq; do
    command -v "$t" > /dev/null || { echo "edge.sh: $t is missing" >&2; exit 1; }
done
if [ ! -d "$E2E/node_modules/hls.js" ] || [ ! -x /usr/bin/chromium ]; then
    echo "edge.sh: hls.js or chromium missing (scripts/setup)" >&2
    exit 1
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

rm -rf "$DIR"
mkdir -p "$DIR/www" "$DIR/edge"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
up() { local i; for i in $(seq 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; return 1; }

OP=$(port)
"$SV" "$DIR/www" --listen "http://127.0.0.1:$OP" --workers 2 \
    --access-log "$DIR/access.jsonl" 2> "$DIR/sv-serve.err" &
pids+=("$!")
up "http://127.0.0.1:$OP/healthz"
# the direct viewers get an sv-serve of their own on the same files, so
# that the edge's origin log counts only what came through Varnish
DP=$(port)
"$SV" "$DIR/www" --listen "http://127.0.0.1:$DP" --workers 2 \
    --access-log "$DIR/access-direct.jsonl" 2> "$DIR/sv-serve-direct.err" &
pids+=("$!")
up "http://127.0.0.1:$DP/healthz"
ORIGIN=http://127.0.0.1:$DP

EP=$(port)
sed "s/\.port = \"8080\"/.port = \"$OP\"/" examples/varnish/sv-serve.vcl \
    > "$DIR/edge/edge.vcl"
varnishd -F -j none -n "$DIR/edge/work" -a "127.0.0.1:$EP" \
    -f "$DIR/edge/edge.vcl" -s malloc,256m > "$DIR/edge/varnishd.log" 2>&1 &
pids+=("$!")
up "http://127.0.0.1:$EP/healthz" ||
    { echo "edge.sh: varnishd did not start" >&2; cat "$DIR/edge/varnishd.log" >&2; exit 1; }
EDGE=http://127.0.0.1:$EP
# URL, status, hit/miss/pass, when the request came and when its answer
# was delivered (epoch s)
varnishncsa -n "$DIR/edge/work" \
    -F '%U%q %s %{Varnish:handling}x %{VSL:Timestamp:Start[1]}x %{VSL:Timestamp:Resp[1]}x' \
    -w "$DIR/edge/ncsa.log" &
pids+=("$!")

# the stream: long enough for the players to join, play and leave
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
    -i "testsrc2=size=320x180:rate=24:duration=$((DURATION + 30))" \
    -c:v libx264 -preset ultrafast -g 24 -keyint_min 24 -sc_threshold 0 \
    -pix_fmt yuv420p -movflags +empty_moov+default_base_moof \
    -frag_duration 250000 -f mp4 "$DIR/src.mp4"
python3 "$E2E/serve-llhls-writer.py" "$DIR/src.mp4" "$DIR/www/live" \
    --stop-after "$((DURATION + 25))" --log "$DIR/writer.jsonl" &
pids+=("$!")
for _ in $(seq 100); do [ -s "$DIR/www/live/live.m3u8" ] && break; sleep 0.1; done
cp "$E2E/serve-player.html" "$E2E/node_modules/hls.js/dist/hls.min.js" "$DIR/www/"

# hls.js held to the live edge as a low-latency deployment would set it,
# so that edge and direct compare in steady playback, not in how their
# Chromium happened to start or stall on a loaded machine: aim at the
# part hold-back (0.75 s, 3 parts), catch up at up to 1.5x, jump back to
# the aim once more than 2 s behind (hls.js's default: never, and no
# catch-up once a target duration past the aim: a slow start stays ~2 s
# behind for good), and a stall adds one part to the aim, not 1 s
page='serve-player.html?src=live/master.m3u8&ll=1&rate=1.5&sync=0.75&maxlat=2&stallinc=0.25'
waitfor=()
for i in $(seq "$PAGES"); do
    node "$E2E/serve-play.js" "$EDGE/$page" "$((DURATION - 10))" "$((DURATION + 20))" \
        > "$DIR/page-edge-$i.json" 2> "$DIR/page-edge-$i.err" &
    pids+=("$!"); waitfor+=("$!")
done
node "$E2E/serve-play.js" "$ORIGIN/$page" "$((DURATION - 10))" "$((DURATION + 20))" \
    > "$DIR/page-direct.json" 2> "$DIR/page-direct.err" &
pids+=("$!"); waitfor+=("$!")
node "$E2E/edge-llhls-player.js" "$ORIGIN/live/live.m3u8" "$DIRECT" "$DURATION" \
    "$DIR/writer.jsonl" > "$DIR/scripted-direct.json" &
pids+=("$!"); waitfor+=("$!")
st=0
node "$E2E/edge-llhls-player.js" "$EDGE/live/live.m3u8" "$PLAYERS" "$DURATION" \
    "$DIR/writer.jsonl" > "$DIR/scripted-edge.json" || st=$?
for p in "${waitfor[@]}"; do wait "$p" || st=$?; done
sleep 1      # varnishncsa's last lines

ncsa=$DIR/edge/ncsa.log
acc=$DIR/access.jsonl
ed=$(grep -c -E '\.m4s ' "$ncsa" || true)
od=$(jq -r 'select(.data.path | test("\\.m4s$")) | .data.path' "$acc" | wc -l)
er=$(grep -c -E '^/live/live\.m3u8\?_HLS_msn=' "$ncsa" || true)
eu=$(grep -E '^/live/live\.m3u8\?_HLS_msn=' "$ncsa" | awk '{print $1}' | sort -u | wc -l)
jq -r 'select(.data.query // "" | test("_HLS_msn=")) | .data.path + "?" + .data.query' \
    "$acc" > "$DIR/origin-reloads"
or=$(wc -l < "$DIR/origin-reloads")
ou=$(sort -u "$DIR/origin-reloads" | wc -l)
fails=$(awk '$2 >= 500' "$ncsa" | wc -l)
se=$DIR/scripted-edge.json
sd=$DIR/scripted-direct.json
lat() { jq -r '.latency_ms.median // "none"' "$1"; }
echo "players: $PLAYERS scripted + $PAGES hls.js through the edge, $DIRECT scripted + 1 hls.js direct, ${DURATION}s"
echo "scripted edge:   $(jq -c '{reloads, parts, errors}' "$se")"
echo "scripted direct: $(jq -c '{reloads, parts, errors}' "$sd")"
for f in "$DIR"/page-*.json; do
    echo "hls.js $(basename "$f" .json): $(jq -c '{played, fatal, parts, stalls, latency_ms, hls_latency, target, ahead}' "$f" 2>/dev/null || echo none)"
done
echo "segments and parts: edge $ed requests, origin $od: $(awk -v e="$ed" -v o="$od" 'BEGIN { printf "%.1f", e ? 100 - 100 * o / e : 0 }')% answered by the cache (goal >= 90%)"
echo "edge answers >= 500: $fails"
echo "blocking reloads: edge $er requests for $eu URLs, origin $or requests for $ou URLs"
echo "reload answered at the player after its part's rename (part 250 ms), edge: $(jq -c '.reload_after_part_ms + {held: .reloads_held}' "$se")"
echo "reload answered at the player after its part's rename (part 250 ms), direct: $(jq -c '.reload_after_part_ms + {held: .reloads_held}' "$sd")"
# the edge's own view, free of the players' load: from the part's rename
# (or the request, if later) to Varnish having delivered the reload (msn M,
# part P names sM.pP.m4s)
jq -r '"\(.part) \(.renamed_ms)"' "$DIR/writer.jsonl" > "$DIR/renamed"
sed -n -E 's|^/live/live\.m3u8\?_HLS_msn=([0-9]+)&_HLS_part=([0-9]+) 200 [a-z]+ ([0-9.]+) ([0-9.]+)$|s\1.p\2.m4s \3 \4|p' "$ncsa" |
    awk 'NR == FNR { r[$1] = $2; next }
         ($1 in r) { a = $2 * 1000; if (a < r[$1]) a = r[$1]; print $3 * 1000 - a }' \
        "$DIR/renamed" - |
    sort -n > "$DIR/edge-reload-delays"
pct() {
    awk 'function q(f,  i) { i = int(NR * f) + 1; if (i > NR) i = NR; return d[i] }
         { d[NR] = $1 }
         END { if (NR) printf "{\"median\":%d,\"p95\":%d,\"max\":%d,\"samples\":%d}", q(0.5), q(0.95), d[NR], NR }' "$1"
}
echo "reload delivered by Varnish after its part's rename: $(pct "$DIR/edge-reload-delays")"
# the same for hls.js's reloads (delta updates: _HLS_skip=YES)
sed -n -E 's|^/live/live\.m3u8\?_HLS_msn=([0-9]+)&_HLS_part=([0-9]+)&_HLS_skip=YES 200 [a-z]+ ([0-9.]+) ([0-9.]+)$|s\1.p\2.m4s \3 \4|p' "$ncsa" |
    awk 'NR == FNR { r[$1] = $2; next }
         ($1 in r) { a = $2 * 1000; if (a < r[$1]) a = r[$1]; print $3 * 1000 - a }' \
        "$DIR/renamed" - |
    sort -n > "$DIR/edge-reload-delays-hlsjs"
echo "hls.js's reloads delivered by Varnish after their part's rename: $(pct "$DIR/edge-reload-delays-hlsjs")"
echo "scripted latency (part end captured -> received), edge: $(jq -c .part_latency_ms "$se") direct: $(jq -c .part_latency_ms "$sd")"
echo "scripted players' own event-loop delay, edge: $(jq -c .loop_delay_ms "$se") direct: $(jq -c .loop_delay_ms "$sd")"
echo "hls.js latency median, edge: $(for i in $(seq "$PAGES"); do lat "$DIR/page-edge-$i.json"; done | tr '\n' ' ')ms, direct: $(lat "$DIR/page-direct.json") ms"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# status: 1 when a player failed
[ "$st" -eq 0 ]
