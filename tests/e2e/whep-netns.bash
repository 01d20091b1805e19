#!/usr/bin/env bash
# whep-netns.bash -- run inside `unshare -n` by whep-chromium.bats and
# scripts/bench/webrtc.sh: a namespace holding only loopback, so no WebRTC
# traffic can leave 127.0.0.1.  Starts sv-ingest with a WHIP listener (its
# pipeline writes DIR/<stream>.ts), runs whep-play.js (Chromium publishes
# over WHIP and plays over WHEP), stops sv-ingest, and leaves in DIR:
# events.jsonl, ingest.err, play.json (the player's report), ingest.ticks
# (sv-ingest's CPU time in clock ticks).
#   whep-netns.bash DIR FRAMES [VIEWERS [DIRECT_FRAMES]]
set -u
dir=$1 frames=$2 viewers=${3:-1} direct=${4:-$2}
ip link set lo up || exit 2
port=8443
sv-ingest -v --listen "whip://127.0.0.1:$port" \
    --exec "cat > $dir/\$SV_STREAM.ts" > "$dir/events.jsonl" \
    2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on' "$dir/ingest.err" && break
    sleep 0.1
done
timeout 170 node "$(dirname "$0")/whep-play.js" "http://127.0.0.1:$port" \
    cam1 "$frames" "${SIZE:-1280x720}" "$viewers" "$direct" \
    > "$dir/play.json" 2> "$dir/play.err"
rc=$?
# sv-ingest's CPU over its life (clock ticks of user + system time), for
# scripts/bench/webrtc.sh
awk '{ print $14 + $15 }' "/proc/$pid/stat" > "$dir/ingest.ticks"
sleep 0.5
kill -TERM "$pid"
wait "$pid"
exit $rc
