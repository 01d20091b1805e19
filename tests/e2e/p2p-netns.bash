#!/usr/bin/env bash
# p2p-netns.bash -- run inside `unshare -n` by p2p-chromium.bats and
# scripts/bench/p2p.sh: a namespace holding only loopback, so the viewers'
# WebRTC data channels stay on 127.0.0.1.  Serves WWW (an HLS package under
# WWW/vod plus p2p-player.html and its scripts) with sv-serve and its tracker
# on /announce, opens VIEWERS pages (STAGGER s apart, each playing PLAY s)
# with p2p-play.js, saves the tracker's counters, stops sv-serve, and leaves
# in DIR: play.json (the viewers' report), play.err, metrics.txt,
# access.jsonl (sv-serve's access log), serve.err.
#   p2p-netns.bash DIR WWW VIEWERS STAGGER PLAY [TIMEOUT]
set -u
dir=$1 www=$2 viewers=$3 stagger=$4 play=$5 limit=${6:-120}
ip link set lo up || exit 2
port=8080
base=http://127.0.0.1:$port
sv-serve "$www" --listen "127.0.0.1:$port" --workers 1 \
    --tracker /announce --tracker-origin "$base" \
    --access-log "$dir/access.jsonl" 2> "$dir/serve.err" &
pid=$!
for _ in $(seq 50); do
    curl -sf "$base/healthz" > /dev/null && break
    sleep 0.1
done
timeout $((limit + 30)) node "$(dirname "$0")/p2p-play.js" \
    "$base/p2p-player.html?src=vod/master.m3u8&tracker=ws://127.0.0.1:$port/announce&wait=${WAIT:-1500}&gum=1" \
    "$viewers" "$stagger" "$play" "$limit" \
    > "$dir/play.json" 2> "$dir/play.err"
rc=$?
curl -sf "$base/metrics" > "$dir/metrics.txt"
kill -TERM "$pid"
wait "$pid"
exit $rc
