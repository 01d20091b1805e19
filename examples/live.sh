#!/bin/sh
# live.sh -- a live platform on one host: every RTMP or SRT publisher gets
# its own transcode + LL-HLS package pipeline, served by one origin.
#   examples/live.sh [www]
# then publish: ffmpeg -re -i in.mp4 -c copy -f flv rtmp://127.0.0.1:1935/live/demo
# and play:     http://127.0.0.1:8080/live/demo/master.m3u8
set -eu
www=${1:-www}
mkdir -p "$www/live"
sv-serve "$www" --listen 127.0.0.1:8080 --cors-origin '*' \
    --access-log "$www.access.jsonl" &
serve=$!
trap 'kill $serve 2>/dev/null' EXIT INT TERM
sv-ingest --listen rtmp://127.0.0.1:1935 --listen srt://127.0.0.1:9000 \
    --reconnect-window 10s \
    --exec "sv-transcode - --ladder live | sv-package --live --ll-hls -o '$www/live/\$SV_STREAM'"
