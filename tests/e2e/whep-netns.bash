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
# With JANUS=1, Debian's Janus runs too (its VideoRoom plugin, HTTP API on
# 127.0.0.1:8088, log in DIR/janus.log) and the page measures the same
# canvas through it, side by side; ORDER ("sv,janus" or "janus,sv") says
# which goes first.  Janus's libnice gathers no loopback address, so the
# namespace gets a veth pair too, 10.99.0.1 on sv0, still inside it.
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
jpid=
if [ "${JANUS:-0}" = 1 ]; then
    ip link add sv0 type veth peer name sv1 &&
        ip addr add 10.99.0.1/24 dev sv0 && ip link set sv0 up &&
        ip link set sv1 up || exit 2
    lib=/usr/lib/x86_64-linux-gnu/janus j=$dir/janus
    mkdir -p "$j"
    keep() { # the .so files in $1 but $2, comma separated
        local f out=
        for f in "$1"/*.so; do
            f=${f##*/}
            [ "$f" = "$2" ] || out=${out:+$out,}$f
        done
        echo "$out"
    }
    cat > "$j/janus.jcfg" <<EOF
general: {
    configs_folder = "$j"
    plugins_folder = "$lib/plugins"
    transports_folder = "$lib/transports"
    events_folder = "$lib/events"
    loggers_folder = "$lib/loggers"
    debug_level = 3
    session_timeout = 60
}
media: { rtp_port_range = "30000-60000" }
nat: { ice_enforce_list = "sv0" }
plugins: { disable = "$(keep "$lib/plugins" libjanus_videoroom.so)" }
transports: { disable = "$(keep "$lib/transports" libjanus_http.so)" }
events: { broadcast = false }
EOF
    cat > "$j/janus.transport.http.jcfg" <<EOF
general: { json = "compact" base_path = "/janus" http = true
    port = 8088 ip = "127.0.0.1" https = false }
admin: { admin_http = false }
EOF
    cat > "$j/janus.plugin.videoroom.jcfg" <<EOF
general: { }
room-1: { description = "latency" publishers = 1 bitrate = 0
    fir_freq = 10 audiocodec = "opus" videocodec = "h264" }
EOF
    janus -F "$j" -C "$j/janus.jcfg" > "$dir/janus.log" 2>&1 &
    jpid=$!
    for _ in $(seq 50); do
        curl -s -o /dev/null http://127.0.0.1:8088/janus/info && break
        sleep 0.1
    done
    export JANUS=http://127.0.0.1:8088/janus
else
    unset JANUS
fi
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
timeout 240 node "$here/whep-play.js" "http://127.0.0.1:$port" \
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
if [ -n "$jpid" ]; then
    kill -TERM "$jpid"
    wait "$jpid"
fi
exit $rc
