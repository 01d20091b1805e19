#!/usr/bin/env bash
# whep_churn.bash -- run inside `unshare -n` by sv-ingest-whep.bats: viewers
# join and leave a stream ffmpeg publishes over RTMP, and publishers come
# and go over WHIP, while sv-ingest's open files and resident memory are
# read from /proc before and after.  REAL of each are webrtcbin sessions
# (ICE and DTLS connected, then DELETE); the rest of TOTAL are offers and
# DELETEs by curl (each a session with its DTLS object and, for viewers, a
# place in the stream's feed).  A warm-up round comes first, so that what
# is made once (the feed, its Opus encoder, the DTLS context's caches) is
# not counted (tests/cli/gst_webrtc.py churn does the sessions and reads
# /proc).  Veth with 192.0.2.1 as in whep_gst.bash.  Prints one JSON
# object; leaves events.jsonl and *.err in DIR.
#   whep_churn.bash DIR REAL TOTAL
set -u
dir=$1 real=$2 total=$3
here=$(dirname "$0")
offer=$here/../fuzz/corpus/sdp/chromium-offer
ip link set lo up || exit 2
ip link add sv0 type veth peer name sv1 || exit 2
ip addr add 192.0.2.1/24 dev sv0
ip link set sv1 up
ip link set sv0 up
base=http://192.0.2.1:8443
sv-ingest --listen whip://192.0.2.1:8443 --listen rtmp://127.0.0.1:1935 \
    --discard --stats-interval 1s > "$dir/events.jsonl" 2> "$dir/ingest.err" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on whip' "$dir/ingest.err" && break
    sleep 0.1
done
timeout 120 ffmpeg -nostdin -hide_banner -loglevel error -re \
    -f lavfi -i testsrc2=size=320x240:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -c:v libx264 -tune zerolatency -preset ultrafast -g 30 -c:a aac \
    -f flv rtmp://127.0.0.1:1935/live/cam1 2> "$dir/ffmpeg.err" &
ff=$!
for _ in $(seq 100); do
    grep -q '"live.stream.stats".*"packets":[1-9]' "$dir/events.jsonl" &&
        break
    sleep 0.1
done

/usr/bin/python3 "$here/gst_webrtc.py" churn "$base" "$pid" "$offer" \
    "$real" "$total" 2> "$dir/gst.err"
rc=$?
kill "$ff"
wait "$ff"
kill -TERM "$pid"
wait "$pid"
exit $rc
