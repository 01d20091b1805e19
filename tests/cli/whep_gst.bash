#!/usr/bin/env bash
# whep_gst.bash -- run inside `unshare -n` by sv-ingest-whep.bats: a stream
# is published to sv-ingest and VIEWERS of it play over WHEP with GStreamer's
# webrtcbin (libnice).  SOURCE: whip (webrtcbin publishes over WHIP), rtmp
# (ffmpeg, x264 zerolatency + AAC) or srt (ffmpeg's MPEG-TS piped into
# srt-live-transmit).  libnice gathers no loopback candidates, so the
# namespace gets a veth pair with a documentation address (192.0.2.1, RFC
# 5737): it reaches nothing outside the namespace.  Leaves in DIR:
# events.jsonl, ingest.err, pub.json or pub.err, view<N>.json and
# view<N>.h264 (what viewer N received).
#   whep_gst.bash DIR SECONDS VIEWERS [SOURCE]
set -u
dir=$1 secs=$2 viewers=$3 source=${4:-whip}
here=$(dirname "$0")
ip link set lo up || exit 2
ip link add sv0 type veth peer name sv1 || exit 2
ip addr add 192.0.2.1/24 dev sv0
ip link set sv1 up
ip link set sv0 up
base=http://192.0.2.1:8443
sv-ingest -v --listen whip://192.0.2.1:8443 --listen rtmp://127.0.0.1:1935 \
    --listen srt://127.0.0.1:9000 --discard --stats-interval 1s \
    > "$dir/events.jsonl" 2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on whip' "$dir/ingest.err" && break
    sleep 0.1
done
# the publisher: 320x240 at 30 fps with a tone, for longer than the viewers
src=(-f lavfi -i "testsrc2=size=320x240:rate=30"
     -f lavfi -i "sine=frequency=440:sample_rate=44100"
     -t $((secs + 4)) -c:v libx264 -tune zerolatency -preset ultrafast
     -g 30 -pix_fmt yuv420p -c:a aac -b:a 64k)
case $source in
whip)
    # its start (ICE, DTLS, a keyframe) takes a second or two more
    /usr/bin/python3 "$here/gst_webrtc.py" whip "$base/whip/live" cam1 \
        $((secs + 6)) > "$dir/pub.json" 2> "$dir/pub.err" &
    pub=$! ;;
rtmp)
    timeout $((secs + 20)) ffmpeg -nostdin -hide_banner -loglevel error -re \
        "${src[@]}" -f flv rtmp://127.0.0.1:1935/live/cam1 \
        2> "$dir/pub.err" &
    pub=$! ;;
srt)
    timeout $((secs + 20)) bash -c 'ffmpeg -nostdin -hide_banner \
        -loglevel error -re "$@" -f mpegts - |
        srt-live-transmit -q -a:no -t:'$((secs + 5))' file://con \
            "srt://127.0.0.1:9000?streamid=#!::r=live/cam1,m=publish"' \
        sh "${src[@]}" 2> "$dir/pub.err" &
    pub=$! ;;
*)
    echo "whep_gst.bash: unknown source $source" >&2
    exit 2 ;;
esac
for _ in $(seq 100); do
    grep -q '"live.stream.started"' "$dir/events.jsonl" && break
    sleep 0.1
done
sleep 1
vp=()
for i in $(seq "$viewers"); do
    /usr/bin/python3 "$here/gst_webrtc.py" whep "$base/whep/live/cam1" \
        "$secs" "$dir/view$i.h264" > "$dir/view$i.json" \
        2> "$dir/view$i.err" &
    vp+=($!)
done
rc=0
for p in "${vp[@]}"; do wait "$p" || rc=1; done
wait "$pub" || rc=1
kill -TERM "$pid"
wait "$pid"
exit $rc
