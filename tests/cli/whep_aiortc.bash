#!/usr/bin/env bash
# whep_aiortc.bash -- run inside `unshare -n` by sv-ingest-aiortc.bats:
# aiortc (aiortc_peer.py) against sv-ingest in either direction.  aioice,
# like libnice, gathers no loopback candidates, so the namespace gets a
# veth pair with a documentation address (192.0.2.1, RFC 5737): it reaches
# nothing outside the namespace.  Leaves in DIR: events.jsonl, ingest.err,
# pub.json or pub.err, view.json and view.err, and for whip cam1.ts (the
# stream's pipeline output: the TS sv-ingest writes under --record).
#   whep_aiortc.bash DIR SECONDS MODE
# MODE: whip (aiortc publishes H.264 and Opus over WHIP from its default
# offer, VP8 first, and a second
# aiortc views it over WHEP, joining after the publisher's first keyframe),
# gst (webrtcbin publishes over WHIP, aiortc views) or rtmp (ffmpeg
# publishes over RTMP, x264 zerolatency and AAC, aiortc views) or loss (as
# whip, with udp_lossy.py between both peers and sv-ingest dropping LOSS
# of each RTP stream's packets, 0.02 unless set; its counts in relay.json)
set -u
dir=$1 secs=$2 mode=$3
here=$(dirname "$0")
ip link set lo up || exit 2
ip link add sv0 type veth peer name sv1 || exit 2
ip addr add 192.0.2.1/24 dev sv0
ip link set sv1 up
ip link set sv0 up
base=http://192.0.2.1:8443 where=(--listen whip://192.0.2.1:8443)
if [ "$mode" = loss ]; then
    # the peers reach sv-ingest (on loopback) only through the relay
    base=http://127.0.0.1:8443
    where=(--listen whip://127.0.0.1:8443 --rtc-address 192.0.2.1)
    /usr/bin/python3 "$here/udp_lossy.py" 192.0.2.1:8443 127.0.0.1:8443 \
        "${LOSS:-0.02}" > "$dir/relay.json" 2> "$dir/relay.err" &
    relay=$!
fi
sv-ingest -v "${where[@]}" --listen rtmp://127.0.0.1:1935 \
    --record "$dir/rec" --record-segment 1h --stats-interval 1s \
    > "$dir/events.jsonl" 2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on whip' "$dir/ingest.err" && break
    sleep 0.1
done
rc=0
case $mode in
whip|loss)
    # whip: aiortc's default offer (VP8 first, H.264 after); loss: H.264
    codec=any
    [ "$mode" = loss ] && codec=H264
    /usr/bin/python3 "$here/aiortc_peer.py" whip "$base/whip/live" cam1 \
        $((secs + 15)) "$codec" > "$dir/pub.json" 2> "$dir/pub.err" &
    pub=$! ;;
gst)
    /usr/bin/python3 "$here/gst_webrtc.py" whip "$base/whip/live" cam1 \
        $((secs + 6)) > "$dir/pub.json" 2> "$dir/pub.err" &
    pub=$! ;;
rtmp)
    timeout $((secs + 20)) ffmpeg -nostdin -hide_banner -loglevel error -re \
        -f lavfi -i "testsrc2=size=320x240:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=44100" \
        -t $((secs + 4)) -c:v libx264 -tune zerolatency -preset ultrafast \
        -g 30 -pix_fmt yuv420p -c:a aac -b:a 64k \
        -f flv rtmp://127.0.0.1:1935/live/cam1 2> "$dir/pub.err" &
    pub=$! ;;
*)
    echo "whep_aiortc.bash: unknown mode $mode" >&2
    exit 2 ;;
esac
for _ in $(seq 100); do
    grep -q '"live.stream.started"' "$dir/events.jsonl" && break
    sleep 0.1
done
sleep 1
/usr/bin/python3 "$here/aiortc_peer.py" whep "$base/whep/live/cam1" "$secs" \
    > "$dir/view.json" 2> "$dir/view.err" || rc=1
# the aiortc publisher ends when its viewer is done
case $mode in whip|loss) kill -TERM "$pub" ;; esac
wait "$pub" || rc=1
kill -TERM "$pid"
wait "$pid"
if [ -n "${relay:-}" ]; then
    kill -TERM "$relay"
    wait "$relay" || rc=1
fi
exit $rc
