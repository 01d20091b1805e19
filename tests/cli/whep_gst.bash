#!/usr/bin/env bash
# whep_gst.bash -- run inside `unshare -n` by sv-ingest-whep.bats: GStreamer's
# webrtcbin (libnice) publishes over WHIP and VIEWERS of it play over WHEP.
# libnice gathers no loopback candidates, so the namespace gets a veth pair
# with a documentation address (192.0.2.1, RFC 5737): it reaches nothing
# outside the namespace.  Leaves in DIR: events.jsonl, ingest.err,
# pub.json, view<N>.json and view<N>.h264 (what viewer N received).
#   whep_gst.bash DIR SECONDS VIEWERS
set -u
dir=$1 secs=$2 viewers=$3
here=$(dirname "$0")
ip link set lo up || exit 2
ip link add sv0 type veth peer name sv1 || exit 2
ip addr add 192.0.2.1/24 dev sv0
ip link set sv1 up
ip link set sv0 up
base=http://192.0.2.1:8443
sv-ingest -v --listen whip://192.0.2.1:8443 --discard --stats-interval 1s \
    > "$dir/events.jsonl" 2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on' "$dir/ingest.err" && break
    sleep 0.1
done
/usr/bin/python3 "$here/gst_webrtc.py" whip "$base/whip/live" cam1 \
    $((secs + 4)) > "$dir/pub.json" 2> "$dir/pub.err" &
pub=$!
sleep 2
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
