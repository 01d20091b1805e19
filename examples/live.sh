#!/bin/sh
# live.sh -- a live platform on one host: every RTMP or SRT publisher gets
# its own transcode + LL-HLS package pipeline, served by one origin.
#   examples/live.sh [www]
# then publish: ffmpeg -re -i in.mp4 -c copy -f flv rtmp://127.0.0.1:1935/live/demo
# and play:     http://127.0.0.1:8080/live/demo/master.m3u8
# Each stream is packaged into www/live/<stream name>.  Ctrl-C (or SIGTERM)
# stops the origin, the ingest server and its pipelines.
# Environment (defaults in brackets):
#   SV_LIVE_HTTP    the origin's address [127.0.0.1:8080]
#   SV_LIVE_RTMP    the RTMP listener [rtmp://127.0.0.1:1935]
#   SV_LIVE_SRT     the SRT listener [srt://127.0.0.1:9000]; empty: no SRT
#   SV_LIVE_LADDER  sv-transcode's --ladder for each stream [live]
set -eu
www=${1:-www}
http=${SV_LIVE_HTTP:-127.0.0.1:8080}
rtmp=${SV_LIVE_RTMP:-rtmp://127.0.0.1:1935}
srt=${SV_LIVE_SRT-srt://127.0.0.1:9000}
# the pipeline's shell expands these for each stream, never this one
export SV_LIVE_WWW="$www" SV_LIVE_LADDER="${SV_LIVE_LADDER:-live}"
mkdir -p "$www/live"
serve='' ingest=''
trap 'kill $serve $ingest 2>/dev/null; wait' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
sv-serve "$www" --listen "$http" --cors-origin '*' \
    --access-log "$www.access.jsonl" &
serve=$!
# the pipeline expands its own variables: single quotes on purpose
# shellcheck disable=SC2016
sv-ingest --listen "$rtmp" ${srt:+--listen "$srt"} \
    --reconnect-window 10s \
    --exec 'sv-transcode - --ladder "$SV_LIVE_LADDER" | sv-package --live --ll-hls -o "$SV_LIVE_WWW/live/$SV_STREAM"' &
ingest=$!
wait $ingest
