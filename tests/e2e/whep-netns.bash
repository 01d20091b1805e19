#!/usr/bin/env bash
# whep-netns.bash -- run inside `unshare -n` by whep-chromium.bats and
# scripts/bench/webrtc.sh: a namespace holding only loopback, so no WebRTC
# traffic can leave 127.0.0.1.  Starts sv-ingest with a WHIP listener (its
# pipeline writes DIR/<stream>.ts), runs whep-play.js (Chromium publishes
# over WHIP and plays over WHEP), stops sv-ingest, and leaves in DIR:
# events.jsonl, ingest.err, play.json (the player's report), ingest.ticks
# (sv-ingest's CPU time in clock ticks).  With SOURCE=rtmp the stream
# comes over RTMP instead: stamp-source.py's frames (the wall clock in
# cells), x264 zerolatency and AAC by ffmpeg; the page only plays.
#   whep-netns.bash DIR FRAMES [VIEWERS [DIRECT_FRAMES]]
set -u
dir=$1 frames=$2 viewers=${3:-1} direct=${4:-$2}
here=$(dirname "$0")
size=${SIZE:-1280x720}
ip link set lo up || exit 2
port=8443
sv-ingest -v --listen "whip://127.0.0.1:$port" \
    --listen rtmp://127.0.0.1:1935 \
    --exec "cat > $dir/\$SV_STREAM.ts" > "$dir/events.jsonl" \
    2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on whip' "$dir/ingest.err" && break
    sleep 0.1
done
mode=
if [ "${SOURCE:-whip}" = rtmp ]; then
    mode=wall
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 170 bash -c '/usr/bin/python3 "$1/stamp-source.py" "$2" "$3" 30 |
        ffmpeg -nostdin -hide_banner -loglevel error \
            -f rawvideo -pix_fmt gray -s "$2x$3" -r 30 -i - \
            -f lavfi -i sine=frequency=440:sample_rate=48000 \
            -c:v libx264 -tune zerolatency -preset veryfast -g 60 \
            -pix_fmt yuv420p -c:a aac -b:a 64k \
            -f flv rtmp://127.0.0.1:1935/live/cam1' \
        sh "$here" "${size%x*}" "${size#*x}" 2> "$dir/pub.err" &
    pub=$!
    for _ in $(seq 100); do
        grep -q '"live.stream.started"' "$dir/events.jsonl" && break
        sleep 0.1
    done
fi
timeout 170 node "$here/whep-play.js" "http://127.0.0.1:$port" \
    cam1 "$frames" "$size" "$viewers" "$direct" $mode \
    > "$dir/play.json" 2> "$dir/play.err"
rc=$?
[ -n "$mode" ] && kill -- "$pub" && wait "$pub"
# sv-ingest's CPU over its life (clock ticks of user + system time), for
# scripts/bench/webrtc.sh
awk '{ print $14 + $15 }' "/proc/$pid/stat" > "$dir/ingest.ticks"
sleep 0.5
kill -TERM "$pid"
wait "$pid"
exit $rc
