#!/usr/bin/env bash
# whip-netns.bash -- run inside `unshare -n` by whip-chromium.bats: a
# namespace holding only loopback, so no WebRTC traffic can leave
# 127.0.0.1.  Starts sv-ingest with a WHIP listener whose per-stream
# pipeline writes DIR/<stream>.ts, publishes from Chromium for SECONDS,
# stops sv-ingest, and leaves in DIR: events.jsonl, ingest.err,
# publish.json (the publisher's report).
#   whip-netns.bash DIR SECONDS [KEYS_FILE]
set -u
dir=$1 secs=$2 keys=${3:-}
ip link set lo up || exit 2
port=8443
args=(--listen "whip://127.0.0.1:$port" --exec "cat > $dir/\$SV_STREAM.ts")
[ -n "$keys" ] && args+=(--keys "$keys")
sv-ingest -v "${args[@]}" > "$dir/events.jsonl" 2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on' "$dir/ingest.err" && break
    sleep 0.1
done
timeout 60 node "$(dirname "$0")/whip-publish.js" \
    "http://127.0.0.1:$port/whip/live" cam1 "$secs" "${SIZE:-1280x720}" \
    > "$dir/publish.json" 2> "$dir/publish.err"
rc=$?
sleep 0.5
kill -TERM "$pid"
wait "$pid"
exit $rc
