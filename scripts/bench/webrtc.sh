#!/usr/bin/env bash
# webrtc.sh -- glass-to-glass latency through sv-ingest's WHIP/WHEP, next
# to the no-server floor measured in the same page.
#
# Headless Chromium draws a canvas stamped with the time (black and white
# cells), publishes it over WHIP and plays it back over WHEP in the same
# page (one clock); the player reads the stamp back from every decoded
# frame (tests/e2e/whep-play.js).  Before that, the same canvas goes
# straight from one RTCPeerConnection to another: the floor.  All of it in
# `unshare -n` (loopback only).  Every decoded frame is read once, keyed
# by its RTP timestamp (MediaStreamTrackProcessor), and joined to the
# video element's presentation of that RTP timestamp.  Side by side, the
# same canvas through Debian's Janus (VideoRoom plugin; BENCH_PEERS without
# janus leaves it out); the two take turns going first.  Per run and path:
# shown (expected display time, the headline), presented, read by the
# page and received, p50/p95, minus the stamp; what each server adds to the floor;
# getStats() over the measured window (jitter buffer, decode, encode,
# bitrate); sv-ingest's CPU; then the medians over the runs.  Each path is
# measured once the publisher's encoder sends 1280x720 (its bandwidth
# estimate ramps up from a low start; 20 s at most, the frames still
# smaller are counted).
# VIEWER_AUDIO=0: viewers take no audio (nothing to lip-sync with).
# Measured here (2 cores shared with other sessions, load average 16-19),
# BENCH_RUNS=3, 600 frames a path, 1280x720, shown (expected display time)
# minus stamp, medians of the 3 runs (run by run in the session notes):
#   floor     p50 58 ms, p95 96 ms
#   sv-ingest p50 62 ms, p95 103 ms   (added to the floor: p50 1-14 ms)
#   Janus     p50 55 ms, p95 80 ms    (added: p50 -3 to 4 ms)
# The gap is in "received" (last packet in at the viewer): sv-ingest p50
# 28-37 ms against Janus 17-20 and the floor 12-22, in every run and
# either order; past that point (jitter buffer, decode, presentation) the
# three match.  Lip sync costs WHIP to WHEP nothing: the viewer's jitter
# buffer target and minimum stay at the floor's (11-12.5 ms) with audio.
#
# BENCH_SOURCE=rtmp: the stream comes over RTMP instead, as a studio
# encoder's would: tests/e2e/stamp-source.py writes the wall clock (ms) into
# each frame's cells, ffmpeg encodes it (x264 -tune zerolatency, AAC, which
# sv-ingest transcodes once to Opus) and publishes it; Chromium plays it
# over WHEP and reads each decoded frame's stamp against its own wall clock
# (one machine, one clock).  That figure is glass to glass with the
# encoder in it; no floor is measured.  Goal (issue 20): p50 <= 400 ms.
# Measured here (2 cores shared with other jobs, load average about 20),
# 600 frames per run, one viewer, sv-ingest at about 2.3% of a core:
#   640x360, 3 runs:  p50 58 / 72 / 46 ms, p95 157 / 122 / 63 ms
#   1280x720, 1 run:  p50 49 ms, p95 66 ms, max 134 ms
#
# BENCH_MODE=viewers: WHEP viewers per core.  ffmpeg publishes a 1 Mbps
# H.264 stream (640x360, x264 -tune zerolatency, GOP 2 s) over RTMP;
# tests/tools/whep_load.c (our own WebRTC stack in the client role, one
# libuv loop for all viewers: ICE controlling, DTLS client, SRTP, RTP
# gaps, receiver reports) opens 50, 100, 200, 500, ... viewers on
# 127.0.0.1, and per step measures, over BENCH_SECONDS after a warm-up,
# the server's CPU from /proc/PID/stat, viewers per core, loss (RTP
# sequence gaps, no NACKs sent) and the fan-out spread (how much later
# than the first viewer each one gets a frame's last packet: what the
# server adds for being shared).  The ramp stops at loss >= 0.5%, a
# viewer that did not join or got nothing, or under 0.9 Mbps a viewer (a
# server that falls behind sends late rather than drops).  Side by side, the
# same load on Janus (Debian's janus, its streaming plugin fed the same
# encode as RTP by ffmpeg, viewers joining through its HTTP API: Janus
# offers, whep_load --janus answers).  BENCH_LADDER="50 100 200 500 750
# 1000", BENCH_SECONDS=10, BENCH_PEERS="sv-ingest janus".  It runs in
# `unshare -n`: loopback, plus a veth pair inside the namespace whose
# address Janus's libnice can gather (it skips loopback).
#
# Environment: BENCH_RUNS=3, BENCH_FRAMES=600 (per path), BENCH_SIZE
# 1280x720, BENCH_VIEWERS=1, BENCH_SOURCE=whip|rtmp, BUILD (build dir).
# Never run by make check.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BUILD=${BUILD:-build}
export PATH=$top/$BUILD/bin:$PATH

port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# publish_1m URL FORMAT [ARGS...]: the 1 Mbps encode, for an hour
# (stopped by PID)
publish_1m() {
    ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
        -i testsrc2=size=640x360:rate=30:duration=3600 -c:v libx264 \
        -preset veryfast -tune zerolatency -profile:v baseline -g 60 \
        -b:v 1M -maxrate 1M -bufsize 1M -pix_fmt yuv420p "${@:3}" \
        -f "$2" "$1" > /dev/null 2>> "$work/ffmpeg.err" &
    echo $!
}

# others DIR KEEP: the .so files in DIR but KEEP, comma separated
others() {
    local f out=
    for f in "$1"/*.so; do
        f=${f##*/}
        [ "$f" = "$2" ] || out=${out:+$out,}$f
    done
    echo "$out"
}

# janus_conf DIR HTTP_PORT RTP_PORT: a config folder with the streaming
# plugin (mountpoint 1: H.264 from RTP_PORT) and the HTTP transport only
janus_conf() {
    local d=$1 lib=/usr/lib/x86_64-linux-gnu/janus
    mkdir -p "$d"
    cat > "$d/janus.jcfg" <<EOF
general: {
    configs_folder = "$d"
    plugins_folder = "$lib/plugins"
    transports_folder = "$lib/transports"
    events_folder = "$lib/events"
    loggers_folder = "$lib/loggers"
    debug_level = 3
    session_timeout = 60
}
media: { rtp_port_range = "30000-60000" }
nat: { ice_enforce_list = "sv0" }
plugins: { disable = "$(others "$lib/plugins" libjanus_streaming.so)" }
transports: { disable = "$(others "$lib/transports" libjanus_http.so)" }
events: { broadcast = false }
EOF
    cat > "$d/janus.transport.http.jcfg" <<EOF
general: { json = "compact" base_path = "/janus" http = true
    port = $2 ip = "127.0.0.1" https = false }
admin: { admin_http = false }
EOF
    cat > "$d/janus.plugin.streaming.jcfg" <<EOF
general: { }
h264: {
    type = "rtp"
    id = 1
    description = "1 Mbps H.264"
    audio = false
    video = true
    videoport = $3
    videopt = 96
    videocodec = "h264"
    videofmtp = "profile-level-id=42e01f;packetization-mode=1"
}
EOF
}

# viewers PEER: the ramp against sv-ingest or janus; one line a step
viewers() {
    local peer=$1 spid fpid wp rp n out
    local -a load
    wp=$(port)
    rp=$(port)
    if [ "$peer" = sv-ingest ]; then
        sv-ingest --listen "whip://127.0.0.1:$wp" \
            --listen "rtmp://127.0.0.1:$rp" --discard \
            --whep-max-viewers 1024 > "$work/ingest.events" \
            2> "$work/ingest.err" &
        spid=$!
        sleep 1
        fpid=$(publish_1m "rtmp://127.0.0.1:$rp/live/cam1" flv)
        load=(--url "http://127.0.0.1:$wp/whep/live/cam1")
    else
        if ! command -v janus > /dev/null; then
            echo "janus: not installed (scripts/setup)" >&2
            return 1
        fi
        janus_conf "$work/janus" "$wp" "$rp"
        janus -F "$work/janus" -C "$work/janus/janus.jcfg" \
            > "$work/janus.log" 2>&1 &
        spid=$!
        sleep 2
        fpid=$(publish_1m "rtp://127.0.0.1:$rp?pkt_size=1200" rtp \
            -payload_type 96)
        load=(--janus "http://127.0.0.1:$wp/janus" --mountpoint 1
            --local 10.99.0.1)
    fi
    sleep 4
    for n in $LADDER; do
        out=$work/$peer-$n.json
        timeout $((SECS + 120)) "$top/$BUILD/tests/whep_load" "${load[@]}" \
            -n "$n" --seconds "$SECS" --warmup 3 --no-audio \
            --server-pid "$spid" > "$out" 2> "$work/$peer-$n.err"
        if [ ! -s "$out" ]; then
            echo "$peer $n viewers: no result ($(tail -1 "$work/$peer-$n.err"))"
            break
        fi
        jq -r --arg peer "$peer" '"\($peer) \(.viewers) viewers: joined \(.joined), " +
            "loss \(.loss_pct * 1000 | floor / 1000)% (worst viewer " +
            "\(.worst_viewer_loss_pct)%), \(.mbps_per_viewer) Mbps each, " +
            "server CPU \(.server_cpu_pct)% -> \(.viewers_per_core) viewers " +
            "per core, fan-out spread p50 \(.spread_ms.p50) p95 " +
            "\(.spread_ms.p95) max \(.spread_ms.max) ms, client CPU " +
            "\(.client_cpu_pct)%"' "$out"
        # a server that falls behind delivers late rather than losing:
        # under 0.9 Mbps a viewer (of the 1 Mbps stream) ends it too
        jq -e '.loss_pct < 0.5 and .joined == .viewers and .starved == 0 and
               .mbps_per_viewer >= 0.9' "$out" > /dev/null || break
        sleep 3     # the last step's viewers leave
    done
    kill "$fpid" "$spid" 2> /dev/null
    wait "$fpid" "$spid" 2> /dev/null
    return 0
}

if [ "${BENCH_MODE:-latency}" = viewers ]; then
    # in a namespace of our own, so no packet leaves: loopback, and a veth
    # pair with 10.99.0.1 for Janus (libnice gathers no loopback address)
    if [ -z "${SV_BENCH_NETNS:-}" ]; then
        exec unshare -n env SV_BENCH_NETNS=1 bash "$top/scripts/bench/webrtc.sh"
    fi
    ip link set lo up || exit 1
    ip link add sv0 type veth peer name sv1 &&
        ip addr add 10.99.0.1/24 dev sv0 && ip link set sv0 up &&
        ip link set sv1 up || exit 1
    LADDER=${BENCH_LADDER:-50 100 200 500 750 1000}
    SECS=${BENCH_SECONDS:-10}
    work=$top/$BUILD/bench/webrtc-viewers
    rm -rf "$work" && mkdir -p "$work"
    echo "# WHEP viewers of a 1 Mbps H.264 stream, $(nproc) cores," \
        "load average $(cut -d' ' -f1 /proc/loadavg)"
    for peer in ${BENCH_PEERS:-sv-ingest janus}; do
        viewers "$peer"
    done
    exit 0
fi
RUNS=${BENCH_RUNS:-3}
FRAMES=${BENCH_FRAMES:-600}
VIEWERS=${BENCH_VIEWERS:-1}
export SIZE=${BENCH_SIZE:-1280x720}
export SOURCE=${BENCH_SOURCE:-whip}
work=$top/$BUILD/bench/webrtc
rm -rf "$work" && mkdir -p "$work"
hz=$(getconf CLK_TCK)
if [ ! -x /usr/bin/chromium ] ||
    [ ! -d tests/e2e/node_modules/playwright-core ]; then
    echo "webrtc.sh: needs chromium and tests/e2e/node_modules" >&2
    exit 1
fi
# the lines of one path of play.json: $x a summary from whep-play.js
# shellcheck disable=SC2016 # jq's expressions, not the shell's
paths='def ms(x): "p50 \(x.p50_ms) p95 \(x.p95_ms)";
    def line(name; x): "  \(name): shown \(ms(x)) max \(x.max_ms) ms" +
        " | presented \(ms(x.presented)) | read by the page \(ms(x.read))" +
        " | received \(ms(x.received)) ms | \(x.frames) pictures," +
        " \(x.undecoded) unreadable, \(x.repeats) stamps repeated," +
        " \(x.unshown) not presented, \(x.unread) not read," +
        " \(x.smaller) smaller than the canvas after \(x.warmup_s) s of warm-up" +
        (x.stats as $s | if $s then "\n    receiver: jitter buffer" +
            " \($s.jitterBufferMs) ms (target \($s.jitterTargetMs)," +
            " minimum \($s.jitterMinimumMs)), assembly \($s.assemblyMs)," +
            " decode \($s.decodeMs), first packet to decoded" +
            " \($s.processingMs) ms; \($s.fps) fps, \($s.kbps) kbps," +
            " freezes \($s.freezeCount), nacks \($s.nackCount)," +
            " audio packets \($s.audioPackets)" else "" end) +
        (x.sender as $e | if $e then "\n    publisher: encode" +
            " \($e.encodeMs) ms, send delay \($e.sendDelayMs) ms," +
            " \($e.fps) fps, \($e.kbps) kbps, \($e.width)x\($e.height)," +
            " limited by \($e.limitation), bandwidth estimate" +
            " \($e.bweKbps) kbps, target \($e.targetKbps) kbps" else "" end);'
janus=0
case " ${BENCH_PEERS:-sv-ingest janus} " in
*" janus "*) [ "$SOURCE" = whip ] && janus=1 ;;
esac
if [ "$janus" = 1 ] && ! command -v janus > /dev/null; then
    echo "webrtc.sh: janus is not installed (scripts/setup)" >&2
    exit 1
fi
echo "# $SOURCE to WHEP, $SIZE, $FRAMES frames per path, $VIEWERS viewer(s)," \
    "$(nproc) cores, Janus side by side: $janus," \
    "viewer audio: ${VIEWER_AUDIO:-1}"
for r in $(seq "$RUNS"); do
    d=$work/run$r
    mkdir -p "$d"
    start=$(date +%s.%N)
    direct=$FRAMES
    [ "$SOURCE" = rtmp ] && direct=0
    # the two servers take turns going first
    order=sv,janus
    [ $((r % 2)) = 0 ] && order=janus,sv
    echo "# run $r at load average $(cut -d' ' -f1 /proc/loadavg), $order"
    if ! unshare -n env JANUS=$janus ORDER=$order WARMUP=20 bash \
        tests/e2e/whep-netns.bash "$d" "$FRAMES" "$VIEWERS" "$direct"; then
        echo "run $r failed: $(cat "$d/play.err" "$d/play.json")" >&2
        continue
    fi
    end=$(date +%s.%N)
    jq -r --arg run "$r" --argjson ticks "$(cat "$d/ingest.ticks")" \
        --argjson hz "$hz" --argjson t0 "$start" \
        --argjson t1 "$end" "$paths"'($t1 - $t0) as $secs |
        .direct as $f | .viewers[0] as $v |
        "run \($run): sv-ingest CPU \($ticks / $hz * 100 / $secs * 100 | floor / 100)% of a core over the run, \(.viewers | length) viewer(s)\n" +
        (if $f.frames > 0 then line("direct (floor)"; $f) + "\n" else "" end) +
        line("sv-ingest"; $v.latency + {stats: $v.stats, sender: $v.sender}) +
        (if .janus then "\n" + line("janus"; .janus) else "" end) +
        (if $f.frames > 0 then "\n  added to the floor, shown: sv-ingest p50 \($v.latency.p50_ms - $f.p50_ms) p95 \($v.latency.p95_ms - $f.p95_ms) ms" +
            (if .janus then ", janus p50 \(.janus.p50_ms - $f.p50_ms) p95 \(.janus.p95_ms - $f.p95_ms) ms" else "" end)
         else "" end)' "$d/play.json"
done
# medians over the runs, of the shown p50 and p95
jq -r -s 'def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
    def both(f): "p50 \([.[] | f | .p50_ms] | med) p95 \([.[] | f | .p95_ms] | med) ms";
    "medians of \(length) run(s), shown: floor \(both(.direct))" +
    " | sv-ingest \(both(.viewers[0].latency))" +
    (if .[0].janus then " | janus \(both(.janus))" else "" end)' \
    "$work"/run*/play.json
